/*
 * value.c -- values as Lua userdata: tasks, promises, join and any lists (see value.h).
 *
 * Userdata follow liolib.c: each is created closed (NULL handle) with its metatable already set,
 * and only then is the C handle made and stored, so a memory error at any point leaves a userdata
 * that its __gc handles. One idempotent close serves close(), __gc and __close.
 *
 * A value userdata keeps (as its user value) the pool userdata that runs it, so a pool that Lua
 * can no longer reach except through pending values is not collected (and so drained) under
 * them. Closing the pool explicitly is still allowed: values outlive a closed pool.
 */
#include <stdint.h>

#include <lauxlib.h>

#include "common.h"
#include "job.h"
#include "serial.h"
#include "submit.h"
#include "value.h"
#include "worker.h"

#define LAK_VALUE_MT "asynckit.value"

static const char *const kind_names[] = {"task", "promise", "join", "any"};

/* --- helpers ---------------------------------------------------------------------------------- */

ak_value *lak_check_value(lua_State *L, int idx) {
  lak_value_ud *u = luaL_checkudata(L, idx, LAK_VALUE_MT);
  if (!u->v) luaL_error(L, "asynckit: attempt to use a closed value");
  return u->v;
}

lak_value_ud *lak_new_value(lua_State *L, int kind, int owner) {
  if (owner) owner = lua_absindex(L, owner);
  lak_value_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->v = NULL;
  u->kind = kind;
  luaL_setmetatable(L, LAK_VALUE_MT);
  if (owner) {
    lua_pushvalue(L, owner);
    lua_setiuservalue(L, -2, 1);
  }
  return u;
}

ak_value **lak_check_values(lua_State *L, int idx, size_t *n) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Unsigned len = lua_rawlen(L, idx);
  if (len > 1000000000u) luaL_argerror(L, idx, "too many values");
  ak_value **vals = lua_newuserdatauv(L, (len ? len : 1) * sizeof *vals, 0);
  for (lua_Unsigned i = 0; i < len; ++i) {
    lua_rawgeti(L, idx, (lua_Integer)(i + 1));
    lak_value_ud *u = luaL_testudata(L, -1, LAK_VALUE_MT);
    if (!u) {
      const char *msg = lua_pushfstring(L, "element %d is a %s, not an asynckit value",
                                        (int)(i + 1), luaL_typename(L, -1));
      luaL_argerror(L, idx, msg);
      return NULL; /* not reached: luaL_argerror does not return */
    }
    if (!u->v)
      luaL_argerror(L, idx, lua_pushfstring(L, "element %d is a closed value", (int)(i + 1)));
    vals[i] = u->v;
    lua_pop(L, 1);
  }
  *n = (size_t)len;
  return vals;
}

static const char *code_message(ak_value *v, int rc) {
  const char *msg = ak_value_is_set(v) ? ak_value_message(v) : "";
  return msg[0] ? msg : ak_strerror(rc);
}

/* --- constructors ----------------------------------------------------------------------------- */

/* ak.promise() -> an unset value to set with :set(...) or :fail(message [, code]). */
int lak_promise(lua_State *L) {
  lak_value_ud *u = lak_new_value(L, LAK_VALUE_PROMISE, 0);
  int rc = ak_value_new(&u->v);
  if (rc != AK_OK) return luaL_error(L, "asynckit: promise: %s", ak_strerror(rc));
  return 1;
}

static int make_list(lua_State *L, int kind) {
  size_t n = 0;
  ak_value **vals = lak_check_values(L, 1, &n);
  if (kind == LAK_VALUE_ANY && n == 0) luaL_argerror(L, 1, "an any-list needs at least one value");
  /* owner: the first element's pool, which continuations of the list run on */
  if (n > 0) {
    lua_rawgeti(L, 1, 1);
    lua_getiuservalue(L, -1, 1);
  } else {
    lua_pushnil(L);
  }
  lak_value_ud *u = lak_new_value(L, kind, lua_isnil(L, -1) ? 0 : -1);
  int rc = kind == LAK_VALUE_JOIN ? ak_list_join(vals, n, &u->v) : ak_list_any(vals, n, &u->v);
  if (rc != AK_OK)
    return luaL_error(L, "asynckit: %s: %s", kind == LAK_VALUE_JOIN ? "join" : "any",
                      ak_strerror(rc));
  return 1;
}

/* ak.join{ v1, v2, ... } -> a value set once all are: get returns { r1, r2, ..., n = count } with
 * each element's first result; it fails with the first failed element's code. */
int lak_join(lua_State *L) { return make_list(L, LAK_VALUE_JOIN); }

/* ak.any{ v1, v2, ... } -> a value set by the first of them to be set, with its results. */
int lak_any(lua_State *L) { return make_list(L, LAK_VALUE_ANY); }

/* --- chains ----------------------------------------------------------------------------------- */

int lak_chain_on(lua_State *L, ak_pool *p, int vidx, int owner) {
  ak_value *prev = lak_check_value(L, vidx);
  luaL_checktype(L, vidx + 1, LUA_TFUNCTION);
  int last = lua_gettop(L);
  if (owner)
    lua_pushvalue(L, owner);
  else
    lua_getiuservalue(L, vidx, 1);
  lak_value_ud *u = lak_new_value(L, LAK_VALUE_TASK, lua_isnil(L, -1) ? 0 : -1);
  int at = lua_gettop(L);
  lak_job *job = lak_job_from_stack(L, vidx + 1, last, LAK_JOB_CHAIN, &prev, 1);
  int rc =
      p ? ak_chain_on(p, prev, lak_job_run, job, &u->v) : ak_chain(prev, lak_job_run, job, &u->v);
  lak_finish_submit(L, rc, job, u->v, "chain");
  lua_settop(L, at);
  return 1;
}

/* --- values ----------------------------------------------------------------------------------- */

/* v:get([timeout]) -> the results; or nil, message, code when the value failed or the timeout (in
 * seconds; nil waits without bound) passed first. Never raises for a failure of the work. */
static int value_get(lua_State *L) {
  ak_value *v = lak_check_value(L, 1);
  int64_t ns = lak_check_timeout(L, 2);
  void *result = NULL;
  int rc = ak_value_get(v, ns, &result);
  if (rc == AK_OK) {
    lua_settop(L, 1);
    return lak_push_results(L, v, result);
  }
  lua_pushnil(L);
  lua_pushstring(L, code_message(v, rc));
  lua_pushinteger(L, rc);
  return 3;
}

/* v:wait([timeout]) -> true once the value is set (with results or a failure), false on timeout. */
static int value_wait(lua_State *L) {
  ak_value *v = lak_check_value(L, 1);
  int rc = ak_value_wait(v, lak_check_timeout(L, 2));
  if (rc != AK_OK && rc != AK_ETIMEDOUT)
    return luaL_error(L, "asynckit: wait: %s", ak_strerror(rc));
  lua_pushboolean(L, rc == AK_OK);
  return 1;
}

static int value_is_set(lua_State *L) {
  lua_pushboolean(L, ak_value_is_set(lak_check_value(L, 1)));
  return 1;
}

static int value_is_error(lua_State *L) {
  lua_pushboolean(L, ak_value_is_error(lak_check_value(L, 1)));
  return 1;
}

/* v:status() -> ak.EPENDING while unset, ak.OK, or the failure code. */
static int value_status(lua_State *L) {
  lua_pushinteger(L, ak_value_status(lak_check_value(L, 1)));
  return 1;
}

/* v:message() -> the failure message, or "" */
static int value_message(lua_State *L) {
  lua_pushstring(L, ak_value_message(lak_check_value(L, 1)));
  return 1;
}

/* v:cancel() -> true if the value is now cancelled (its work never runs; an unset promise or list
 * fails with ak.ECANCELED); else false, code: ak.ESTATE when the work was already running (it then
 * sees ak.cancelled()) or the value was already set. */
static int value_cancel(lua_State *L) {
  int rc = ak_value_cancel(lak_check_value(L, 1));
  lua_pushboolean(L, rc == AK_OK);
  lua_pushinteger(L, rc);
  return 2;
}

/* v:chain(fn, ...) -> value of fn(<what v:get() returns>, ...), run once v is set, on v's pool
 * (for a promise: the process-wide default pool). Fails without running fn if v fails. */
static int value_chain(lua_State *L) { return lak_chain_on(L, NULL, 1, 0); }

/* p:set(...) sets a promise with these values. Raises if it is already set or not a promise. */
static int value_set(lua_State *L) {
  ak_value *v = lak_check_value(L, 1);
  lak_encode_error err;
  lak_pack *pack = lak_encode(L, 2, lua_gettop(L), &err);
  if (!pack) {
    if (err.index == 0) return luaL_error(L, "asynckit: not enough memory");
    return luaL_argerror(L, err.index, err.text);
  }
  int rc = ak_value_set(v, pack, lak_pack_free);
  if (rc != AK_OK) {
    lak_pack_free(pack);
    return luaL_error(
        L, "asynckit: set: %s",
        rc == AK_ESTATE ? "the value is already set, or is not a promise" : ak_strerror(rc));
  }
  lua_settop(L, 1);
  return 1;
}

/* p:fail(message [, code]) fails a promise (code defaults to ak.EWORK). Raises if it is already
 * set or not a promise. */
static int value_fail(lua_State *L) {
  ak_value *v = lak_check_value(L, 1);
  const char *msg = luaL_checkstring(L, 2);
  lua_Integer code = luaL_optinteger(L, 3, AK_EWORK);
  luaL_argcheck(L, code >= INT32_MIN && code <= INT32_MAX, 3, "code must be a 32-bit integer");
  int rc = ak_value_fail(v, (int)code, msg);
  if (rc != AK_OK)
    return luaL_error(
        L, "asynckit: fail: %s",
        rc == AK_ESTATE ? "the value is already set, or is not a promise" : ak_strerror(rc));
  lua_settop(L, 1);
  return 1;
}

/* any:winner() -> the 1-based index of the element that set an any-list, or nil. */
static int value_winner(lua_State *L) {
  size_t i;
  if (ak_list_any_index(lak_check_value(L, 1), &i) != AK_OK) return 0;
  lua_pushinteger(L, (lua_Integer)i + 1);
  return 1;
}

/* v:failed_index() -> the 1-based index of the input or element whose failure made v fail: the
 * dependency of pool:spawn_after (the lowest failed one), the element of a join or any-list, or
 * for a chain the value chained on (1) or, on a join, its failed element. nil when v is unset, set
 * with results, or failed another way (its own work, a cancel, a closed pool, p:fail). Indexes
 * count from 1 as ak.input does; the library's messages count from 0, as the C API does. */
static int value_failed_index(lua_State *L) {
  size_t i;
  if (ak_value_failed_index(lak_check_value(L, 1), &i) != AK_OK) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, (lua_Integer)i + 1);
  return 1;
}

static void value_release(lak_value_ud *u) {
  ak_value *v = u->v;
  u->v = NULL;
  ak_value_release(v); /* NULL is ignored: closing twice is harmless */
}

/* v:close() drops this handle's reference now instead of at collection. Dropping the last
 * reference to an unset promise fails it ("abandoned promise"). */
static int value_close(lua_State *L) {
  value_release(luaL_checkudata(L, 1, LAK_VALUE_MT));
  return 0;
}

static int value_tostring(lua_State *L) {
  lak_value_ud *u = luaL_checkudata(L, 1, LAK_VALUE_MT);
  const char *kind = kind_names[u->kind];
  if (!u->v) {
    lua_pushfstring(L, "asynckit.value (%s, closed): %p", kind, (void *)u);
  } else if (!ak_value_is_set(u->v)) {
    lua_pushfstring(L, "asynckit.value (%s, pending): %p", kind, (void *)u);
  } else if (ak_value_is_error(u->v)) {
    lua_pushfstring(L, "asynckit.value (%s, failed with %d): %p", kind, ak_value_status(u->v),
                    (void *)u);
  } else {
    lua_pushfstring(L, "asynckit.value (%s, set): %p", kind, (void *)u);
  }
  return 1;
}

/* --- opening ---------------------------------------------------------------------------------- */

static const luaL_Reg value_methods[] = {
    {"get", value_get},       {"wait", value_wait},
    {"is_set", value_is_set}, {"is_error", value_is_error},
    {"status", value_status}, {"message", value_message},
    {"cancel", value_cancel}, {"chain", value_chain},
    {"set", value_set},       {"fail", value_fail},
    {"winner", value_winner}, {"failed_index", value_failed_index},
    {"close", value_close},   {NULL, NULL}};

static const luaL_Reg value_meta[] = {
    {"__gc", value_close}, {"__close", value_close}, {"__tostring", value_tostring}, {NULL, NULL}};

void lak_open_value(lua_State *L) {
  luaL_newmetatable(L, LAK_VALUE_MT);
  luaL_setfuncs(L, value_meta, 0);
  luaL_newlib(L, value_methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_remove(L, -2);
}
