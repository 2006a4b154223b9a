/*
 * serial.c -- Lua values to and from C buffers (packs, job.h): the only form in which data crosses
 * threads.
 *
 * What crosses: nil, booleans, integers and floats (kept apart), strings (any bytes), Lua functions
 * whose upvalues are only _ENV and the asynckit module (as bytecode; those upvalues are rebound to
 * the receiving state's globals and its asynckit module), and tables of these, nested up to
 * LAK_MAX_DEPTH, keys included. Metatables do not cross. A table reached twice is copied twice; a
 * table that contains itself is refused. Anything else (userdata, coroutines,
 * C functions, functions with other upvalues) is refused with a message naming where it was.
 *
 * The encoder never raises a Lua error: it allocates C memory only, so a refusal cannot leak the
 * buffer being built. The decoder may raise (memory), and only ever reads the buffer.
 *
 * Layout: the lak_pack header, then `count` values, each a tag byte followed by:
 *   T_INT: int64 | T_FLT: double | T_STR: size_t length, bytes |
 *   T_FUNC: size_t length, bytecode, uint8 k, k upvalue indices that are the asynckit module |
 *   T_TABLE: uint32 array-size hint, uint32 pair count, then key, value, key, value...
 * Native byte order and sizes: a pack never leaves the process that wrote it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "serial.h"

/* Where the values start: the flexible array may begin inside the struct's tail padding. */
#define LAK_PACK_HEADER offsetof(lak_pack, data)

#define LAK_STR_(x) #x
#define LAK_STR(x) LAK_STR_(x)

enum { T_NIL, T_FALSE, T_TRUE, T_INT, T_FLT, T_STR, T_FUNC, T_TABLE };

/* --- encoding --------------------------------------------------------------------------------- */

typedef struct enc {
  lua_State *L;
  unsigned char *p; /* the pack being built (header included) */
  size_t len, cap;
  int oom;
  int depth;                       /* tables currently open */
  const void *open[LAK_MAX_DEPTH]; /* those tables, for the cycle check */
  int key_at[LAK_MAX_DEPTH];       /* stack index of each open table's current key */
  int in_key[LAK_MAX_DEPTH];       /* 1 while encoding that key itself */
  lak_encode_error *err;
  int failed;
} enc;

static int reserve(enc *e, size_t n) {
  if (e->oom) return 0;
  if (e->cap - e->len >= n) return 1;
  size_t cap = e->cap ? e->cap : 256;
  while (cap - e->len < n) {
    if (cap > ((size_t)-1) / 2) {
      e->oom = 1;
      return 0;
    }
    cap *= 2;
  }
  unsigned char *p = realloc(e->p, cap);
  if (!p) {
    e->oom = 1;
    return 0;
  }
  e->p = p;
  e->cap = cap;
  return 1;
}

static void put(enc *e, const void *src, size_t n) {
  if (!reserve(e, n)) return;
  memcpy(e->p + e->len, src, n);
  e->len += n;
}

static void put_tag(enc *e, unsigned char tag) { put(e, &tag, 1); }

/* Appends " at <path>" to the error text: the chain of keys leading to the refused value. */
static void describe_path(enc *e, char *out, size_t outlen) {
  lua_State *L = e->L;
  size_t used = 0;
  out[0] = '\0';
  for (int d = 0; d < e->depth && used + 1 < outlen; ++d) {
    char seg[96];
    int k = e->key_at[d];
    if (e->in_key[d]) {
      snprintf(seg, sizeof seg, "{key}");
    } else if (lua_type(L, k) == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, k, &n); /* already a string: no conversion */
      int ident = n > 0 && n <= 40 && !(s[0] >= '0' && s[0] <= '9');
      for (size_t i = 0; ident && i < n; ++i) {
        char c = s[i];
        ident = (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9'));
      }
      if (ident)
        snprintf(seg, sizeof seg, ".%.*s", (int)n, s);
      else
        snprintf(seg, sizeof seg, "[\"%.*s%s\"]", (int)(n > 40 ? 40 : n), s, n > 40 ? "..." : "");
    } else if (lua_isinteger(L, k)) {
      snprintf(seg, sizeof seg, "[%lld]", (long long)lua_tointeger(L, k));
    } else if (lua_type(L, k) == LUA_TNUMBER) {
      snprintf(seg, sizeof seg, "[%.17g]", (double)lua_tonumber(L, k));
    } else if (lua_type(L, k) == LUA_TBOOLEAN) {
      snprintf(seg, sizeof seg, "[%s]", lua_toboolean(L, k) ? "true" : "false");
    } else {
      snprintf(seg, sizeof seg, "[<%s>]", lua_typename(L, lua_type(L, k)));
    }
    size_t n = strlen(seg);
    if (used + n + 1 > outlen) break;
    memcpy(out + used, seg, n + 1);
    used += n;
  }
}

static void refuse(enc *e, const char *fmt, const char *detail) {
  if (e->failed) return;
  e->failed = 1;
  char what[200], path[200];
  snprintf(what, sizeof what, fmt, detail ? detail : "");
  describe_path(e, path, sizeof path);
  if (path[0])
    snprintf(e->err->text, sizeof e->err->text, "cannot cross threads: %s (at %s)", what, path);
  else
    snprintf(e->err->text, sizeof e->err->text, "cannot cross threads: %s", what);
}

static int writer(lua_State *L, const void *p, size_t n, void *ud) {
  (void)L;
  enc *e = ud;
  put(e, p, n);
  return e->oom;
}

static int is_globals(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  int same = lua_rawequal(L, idx, -1);
  lua_pop(L, 1);
  return same;
}

static void encode(enc *e, int idx);

/* 1 if the value at the top is this state's asynckit module (main or worker-side). */
static int is_module(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, LAK_MODULE_KEY);
  int same = !lua_isnil(L, -1) && lua_rawequal(L, -1, -2);
  lua_pop(L, 1);
  return same;
}

static void encode_function(enc *e, int idx) {
  lua_State *L = e->L;
  if (lua_iscfunction(L, idx)) {
    refuse(e, "a C function (only Lua functions cross, as bytecode)%s", NULL);
    return;
  }
  unsigned char module_ups[256];
  unsigned nmodule = 0;
  for (int i = 1;; ++i) {
    const char *name = lua_getupvalue(L, idx, i); /* pushes its value when name != NULL */
    if (!name) break;
    int unnamed = name[0] == '\0' || strcmp(name, "(no name)") == 0;
    int ok = 0;
    if ((strcmp(name, "_ENV") == 0 || unnamed) && is_globals(L, -1)) {
      ok = 1;
    } else if (strcmp(name, "_ENV") != 0 && is_module(L) && i < 256) {
      module_ups[nmodule++] = (unsigned char)i;
      ok = 1;
    }
    lua_pop(L, 1);
    if (ok) continue;
    if (strcmp(name, "_ENV") == 0) {
      refuse(e, "a function whose _ENV is not the global table%s", NULL);
    } else {
      refuse(e,
             "a function with upvalue '%s' (work may use globals, the asynckit module, its "
             "arguments and its own locals, but no other local of the enclosing code: pass it as "
             "an argument)",
             name);
    }
    return;
  }
  put_tag(e, T_FUNC);
  size_t at = e->len;
  size_t n = 0;
  put(e, &n, sizeof n);
  lua_pushvalue(L, idx);
  int rc = lua_dump(L, writer, e, 0); /* not stripped: error messages keep their line numbers */
  lua_pop(L, 1);
  if (rc != 0 && !e->oom) {
    refuse(e, "a function that could not be dumped%s", NULL);
    return;
  }
  if (e->oom) return;
  n = e->len - at - sizeof n;
  memcpy(e->p + at, &n, sizeof n);
  unsigned char count = (unsigned char)nmodule;
  put(e, &count, 1);
  put(e, module_ups, nmodule);
}

static void encode_table(enc *e, int idx) {
  lua_State *L = e->L;
  const void *self = lua_topointer(L, idx);
  for (int d = 0; d < e->depth; ++d) {
    if (e->open[d] == self) {
      refuse(e, "a table that contains itself (a cycle)%s", NULL);
      return;
    }
  }
  if (e->depth >= LAK_MAX_DEPTH) {
    refuse(e, "tables nested more than %s deep", LAK_STR(LAK_MAX_DEPTH));
    return;
  }
  if (!lua_checkstack(L, 4)) {
    e->oom = 1;
    return;
  }
  put_tag(e, T_TABLE);
  lua_Unsigned rawlen = lua_rawlen(L, idx);
  uint32_t narr = rawlen > 0xffffffffu ? 0xffffffffu : (uint32_t)rawlen;
  put(e, &narr, sizeof narr);
  size_t count_at = e->len;
  uint32_t pairs = 0;
  put(e, &pairs, sizeof pairs);

  int d = e->depth++;
  e->open[d] = self;
  lua_pushnil(L);
  while (!e->failed && !e->oom && lua_next(L, idx) != 0) {
    int key = lua_gettop(L) - 1;
    e->key_at[d] = key;
    e->in_key[d] = 1;
    encode(e, key);
    e->in_key[d] = 0;
    if (!e->failed && !e->oom) encode(e, key + 1);
    lua_pop(L, 1); /* the value; the key stays for lua_next */
    ++pairs;
  }
  if (e->failed || e->oom) {
    /* Leave the key on the stack: the caller's settop (in lak_encode) cleans up after the path
     * text has been built from it. */
    return;
  }
  --e->depth;
  memcpy(e->p + count_at, &pairs, sizeof pairs);
}

static void encode(enc *e, int idx) {
  lua_State *L = e->L;
  if (e->failed || e->oom) return;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      put_tag(e, T_NIL);
      break;
    case LUA_TBOOLEAN:
      put_tag(e, lua_toboolean(L, idx) ? T_TRUE : T_FALSE);
      break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        int64_t i = (int64_t)lua_tointeger(L, idx);
        put_tag(e, T_INT);
        put(e, &i, sizeof i);
      } else {
        double f = (double)lua_tonumber(L, idx);
        put_tag(e, T_FLT);
        put(e, &f, sizeof f);
      }
      break;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      put_tag(e, T_STR);
      put(e, &n, sizeof n);
      put(e, s, n);
      break;
    }
    case LUA_TFUNCTION:
      encode_function(e, idx);
      break;
    case LUA_TTABLE:
      encode_table(e, idx);
      break;
    case LUA_TUSERDATA:
      refuse(e, "a userdata%s", NULL);
      break;
    case LUA_TLIGHTUSERDATA:
      refuse(e, "a light userdata%s", NULL);
      break;
    case LUA_TTHREAD:
      refuse(e, "a coroutine%s", NULL);
      break;
    default:
      refuse(e, "a %s value", lua_typename(L, lua_type(L, idx)));
      break;
  }
}

lak_pack *lak_encode(lua_State *L, int first, int last, lak_encode_error *err) {
  enc e;
  memset(&e, 0, sizeof e);
  e.L = L;
  e.err = err;
  err->index = 0;
  err->text[0] = '\0';
  int top = lua_gettop(L);
  if (reserve(&e, LAK_PACK_HEADER)) e.len = LAK_PACK_HEADER;
  uint32_t count = 0;
  for (int i = first; i <= last && !e.failed && !e.oom; ++i) {
    e.depth = 0;
    encode(&e, i);
    if (e.failed) err->index = i;
    ++count;
  }
  lua_settop(L, top);
  if (e.failed || e.oom) {
    if (!e.failed) {
      err->index = 0;
      snprintf(err->text, sizeof err->text, "not enough memory");
    }
    free(e.p);
    return NULL;
  }
  lak_pack *pack = (lak_pack *)e.p;
  pack->len = e.len - LAK_PACK_HEADER;
  pack->count = count;
  return pack;
}

/* --- decoding --------------------------------------------------------------------------------- */

typedef struct dec {
  lua_State *L;
  const unsigned char *p, *end;
} dec;

static void take(dec *d, void *out, size_t n) {
  if ((size_t)(d->end - d->p) < n) luaL_error(d->L, "asynckit: corrupt value buffer");
  memcpy(out, d->p, n);
  d->p += n;
}

static void decode(dec *d, int depth) {
  lua_State *L = d->L;
  unsigned char tag;
  take(d, &tag, 1);
  luaL_checkstack(L, 3, "asynckit: value nested too deeply");
  switch (tag) {
    case T_NIL:
      lua_pushnil(L);
      break;
    case T_FALSE:
    case T_TRUE:
      lua_pushboolean(L, tag == T_TRUE);
      break;
    case T_INT: {
      int64_t i;
      take(d, &i, sizeof i);
      lua_pushinteger(L, (lua_Integer)i);
      break;
    }
    case T_FLT: {
      double f;
      take(d, &f, sizeof f);
      lua_pushnumber(L, (lua_Number)f);
      break;
    }
    case T_STR:
    case T_FUNC: {
      size_t n;
      take(d, &n, sizeof n);
      if ((size_t)(d->end - d->p) < n) luaL_error(L, "asynckit: corrupt value buffer");
      const char *s = (const char *)d->p;
      d->p += n;
      if (tag == T_STR) {
        lua_pushlstring(L, s, n);
        break;
      }
      unsigned char nmodule;
      take(d, &nmodule, 1);
      if ((size_t)(d->end - d->p) < nmodule) luaL_error(L, "asynckit: corrupt value buffer");
      const unsigned char *module_ups = d->p;
      d->p += nmodule;
      if (luaL_loadbufferx(L, s, n, "=asynckit", "b") != LUA_OK) lua_error(L);
      /* A crossing function's upvalues are _ENV (lua_load set upvalue 1 to this state's globals;
       * any other gets them too) or the asynckit module (this state's one). */
      for (int i = 2;; ++i) {
        if (!lua_getupvalue(L, -1, i)) break;
        lua_pop(L, 1);
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
        if (!lua_setupvalue(L, -2, i)) lua_pop(L, 1);
      }
      for (unsigned j = 0; j < nmodule; ++j) {
        lua_getfield(L, LUA_REGISTRYINDEX, LAK_MODULE_KEY);
        if (!lua_setupvalue(L, -2, module_ups[j])) lua_pop(L, 1);
      }
      break;
    }
    case T_TABLE: {
      uint32_t narr, pairs;
      take(d, &narr, sizeof narr);
      take(d, &pairs, sizeof pairs);
      if (depth > LAK_MAX_DEPTH) luaL_error(L, "asynckit: corrupt value buffer");
      if (narr > pairs) narr = pairs;
      lua_createtable(L, (int)(narr > 0x7fffffff ? 0 : narr),
                      (int)(pairs - narr > 0x7fffffff ? 0 : pairs - narr));
      for (uint32_t i = 0; i < pairs; ++i) {
        decode(d, depth + 1);
        decode(d, depth + 1);
        lua_rawset(L, -3);
      }
      break;
    }
    default:
      luaL_error(L, "asynckit: corrupt value buffer");
  }
}

int lak_decode(lua_State *L, const lak_pack *pack, int max) {
  if (!pack) return 0;
  dec d = {L, pack->data, pack->data + pack->len};
  int n = (int)pack->count;
  if (max >= 0 && max < n) n = max;
  luaL_checkstack(L, n + 3, "asynckit: too many values");
  for (int i = 0; i < n; ++i) decode(&d, 0);
  return n;
}

/* --- reading values --------------------------------------------------------------------------- */

/* Pushes up to `max` (all when max < 0) of the values reading v gives; see lak_push_results. */
static int push_results(lua_State *L, ak_value *v, void *result, int max) {
  size_t n = ak_list_size(v);
  size_t index;
  if (n > 0 && ak_list_any_index(v, &index) == AK_OK) {
    /* an any-list: its result is its winner's */
    return push_results(L, ak_list_at(v, index), result, max);
  }
  if (n > 0 || result == NULL) {
    /* a join list (an empty one has a NULL result; a task or promise here always has a pack) */
    if (max == 0) return 0;
    void **results = result;
    luaL_checkstack(L, 3, "asynckit: lists nested too deeply");
    lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 1);
    for (size_t i = 0; i < n; ++i) {
      lak_push_first_result(L, ak_list_at(v, i), results[i]);
      lua_rawseti(L, -2, (lua_Integer)(i + 1));
    }
    lua_pushinteger(L, (lua_Integer)n);
    lua_setfield(L, -2, "n");
    return 1;
  }
  return lak_decode(L, result, max);
}

int lak_push_results(lua_State *L, ak_value *v, void *result) {
  return push_results(L, v, result, -1);
}

void lak_push_first_result(lua_State *L, ak_value *v, void *result) {
  if (push_results(L, v, result, 1) == 0) lua_pushnil(L);
}
