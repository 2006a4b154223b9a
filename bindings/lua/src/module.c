/*
 * module.c -- luaopen_asynckit: pools, values, promises and lists as Lua userdata.
 *
 * Userdata follow liolib.c: each is created closed (NULL handle) with its metatable already set,
 * and only then is the C handle made and stored, so a memory error at any point leaves a userdata
 * that its __gc handles. One idempotent close serves close(), __gc and __close.
 *
 * A value userdata keeps (as its user value) the pool userdata that runs it, so a pool that Lua
 * can no longer reach except through pending values is not collected (and so drained) under
 * them. Closing the pool explicitly is still allowed: values outlive a closed pool.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "lak.h"

typedef struct pool_ud {
  ak_pool *pool; /* NULL once closed */
} pool_ud;

enum value_kind { K_TASK, K_PROMISE, K_JOIN, K_ANY };
static const char *const kind_names[] = {"task", "promise", "join", "any"};

typedef struct value_ud {
  ak_value *v; /* one reference; NULL once closed */
  int kind;
} value_ud;

/* --- helpers ----------------------------------------------------------------------------------- */

static ak_pool *check_pool(lua_State *L, int idx) {
  pool_ud *u = luaL_checkudata(L, idx, LAK_POOL_MT);
  if (!u->pool) luaL_error(L, "asynckit: attempt to use a closed pool");
  return u->pool;
}

ak_value *lak_check_value(lua_State *L, int idx) {
  value_ud *u = luaL_checkudata(L, idx, LAK_VALUE_MT);
  if (!u->v) luaL_error(L, "asynckit: attempt to use a closed value");
  return u->v;
}

/* Pushes a new, closed value userdata whose user value is the value at `owner` (0: none). */
static value_ud *new_value(lua_State *L, int kind, int owner) {
  if (owner) owner = lua_absindex(L, owner);
  value_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->v = NULL;
  u->kind = kind;
  luaL_setmetatable(L, LAK_VALUE_MT);
  if (owner) {
    lua_pushvalue(L, owner);
    lua_setiuservalue(L, -2, 1);
  }
  return u;
}

/* The sequence of values in the table at idx, in a scratch array that Lua owns (pushed on the
 * stack; the table keeps the userdata, and so their references, alive during the call). */
static ak_value **collect_values(lua_State *L, int idx, size_t *n) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Unsigned len = lua_rawlen(L, idx);
  if (len > 1000000000u) luaL_argerror(L, idx, "too many values");
  ak_value **vals = lua_newuserdatauv(L, (len ? len : 1) * sizeof *vals, 0);
  for (lua_Unsigned i = 0; i < len; ++i) {
    lua_rawgeti(L, idx, (lua_Integer)(i + 1));
    value_ud *u = luaL_testudata(L, -1, LAK_VALUE_MT);
    if (!u) {
      const char *msg = lua_pushfstring(L, "element %d is a %s, not an asynckit value",
                                        (int)(i + 1), luaL_typename(L, -1));
      luaL_argerror(L, idx, msg);
      return NULL; /* not reached: luaL_argerror does not return */
    }
    if (!u->v) luaL_argerror(L, idx, lua_pushfstring(L, "element %d is a closed value", (int)(i + 1)));
    vals[i] = u->v;
    lua_pop(L, 1);
  }
  *n = (size_t)len;
  return vals;
}

/* Copies the values first..last into a job with the spawning state's package paths. Raises a Lua
 * error naming the argument that cannot cross; nothing is left allocated then. */
static lak_job *make_job(lua_State *L, int first, int last, enum lak_job_mode mode,
                         ak_value *const *deps, size_t ndeps) {
  const char *path = NULL, *cpath = NULL;
  int top = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "package") == LUA_TTABLE) {
    lua_getfield(L, -1, "path");
    lua_getfield(L, -2, "cpath");
    path = lua_tostring(L, -2);
    cpath = lua_tostring(L, -1);
  }
  /* path and cpath are anchored on the stack until the job has copied them */
  lak_encode_error err;
  lak_pack *pack = lak_encode(L, first, last, &err);
  if (!pack) {
    if (err.index == 0) luaL_error(L, "asynckit: not enough memory");
    luaL_argerror(L, err.index, err.text);
  }
  lak_job *job = lak_job_new(mode, pack, deps, ndeps, path, cpath);
  if (!job) luaL_error(L, "asynckit: not enough memory");
  lua_settop(L, top);
  return job;
}

/* After a submission: raises for a failed one (freeing the job), else arranges for the job to be
 * freed once its value is set. */
static void finish_submit(lua_State *L, int rc, lak_job *job, ak_value *v, const char *what) {
  if (rc != AK_OK) {
    lak_job_free(job);
    luaL_error(L, "asynckit: %s: %s", what, ak_strerror(rc));
  }
  /* The callback runs once the work has returned (or when it never will): the job is unused then.
   * If even this small registration fails, memory is exhausted; the job is then leaked rather
   * than freed under work that may still run. */
  (void)ak_value_on_done(v, lak_job_done, job);
}

static const char *code_message(ak_value *v, int rc) {
  const char *msg = ak_value_is_set(v) ? ak_value_message(v) : "";
  return msg[0] ? msg : ak_strerror(rc);
}

/* --- the module ------------------------------------------------------------------------------- */

/* ak.pool{ workers = n, name = "prefix" } -> a new pool. */
static int m_pool(lua_State *L) {
  ak_pool_options opts = AK_POOL_OPTIONS_INIT;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "workers") != LUA_TNIL) {
      int isint;
      lua_Integer w = lua_tointegerx(L, -1, &isint);
      if (!isint || w < 0 || w > (lua_Integer)AK_WORKERS_MAX)
        luaL_argerror(L, 1, lua_pushfstring(L, "workers must be an integer from 0 to %d",
                                            (int)AK_WORKERS_MAX));
      opts.workers = (unsigned)w;
    }
    if (lua_getfield(L, 1, "name") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, 1, "name must be a string");
      opts.name = lua_tostring(L, -1);
    }
  }
  pool_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->pool = NULL;
  luaL_setmetatable(L, LAK_POOL_MT);
  int rc = ak_pool_create(&opts, &u->pool);
  if (rc != AK_OK) return luaL_error(L, "asynckit: pool: %s", ak_strerror(rc));
  return 1;
}

/* ak.promise() -> an unset value to set with :set(...) or :fail(message [, code]). */
static int m_promise(lua_State *L) {
  value_ud *u = new_value(L, K_PROMISE, 0);
  int rc = ak_value_new(&u->v);
  if (rc != AK_OK) return luaL_error(L, "asynckit: promise: %s", ak_strerror(rc));
  return 1;
}

static int make_list(lua_State *L, int kind) {
  size_t n = 0;
  ak_value **vals = collect_values(L, 1, &n);
  if (kind == K_ANY && n == 0) luaL_argerror(L, 1, "an any-list needs at least one value");
  /* owner: the first element's pool, which continuations of the list run on */
  if (n > 0) {
    lua_rawgeti(L, 1, 1);
    lua_getiuservalue(L, -1, 1);
  } else {
    lua_pushnil(L);
  }
  value_ud *u = new_value(L, kind, lua_isnil(L, -1) ? 0 : -1);
  int rc = kind == K_JOIN ? ak_list_join(vals, n, &u->v) : ak_list_any(vals, n, &u->v);
  if (rc != AK_OK)
    return luaL_error(L, "asynckit: %s: %s", kind == K_JOIN ? "join" : "any", ak_strerror(rc));
  return 1;
}

/* ak.join{ v1, v2, ... } -> a value set once all are: get returns { r1, r2, ..., n = count } with
 * each element's first result; it fails with the first failed element's code. */
static int m_join(lua_State *L) { return make_list(L, K_JOIN); }

/* ak.any{ v1, v2, ... } -> a value set by the first of them to be set, with its results. */
static int m_any(lua_State *L) { return make_list(L, K_ANY); }

/* --- pools ------------------------------------------------------------------------------------ */

/* pool:spawn(fn, ...) -> value of fn(...) run on a pool thread. */
static int pool_spawn(lua_State *L) {
  ak_pool *p = check_pool(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  int last = lua_gettop(L);
  value_ud *u = new_value(L, K_TASK, 1);
  lak_job *job = make_job(L, 2, last, LAK_JOB_DO, NULL, 0);
  int rc = ak_pool_do(p, lak_job_run, job, &u->v); /* before reading u->v below */
  finish_submit(L, rc, job, u->v, "spawn");
  lua_settop(L, last + 1);
  return 1;
}

/* pool:spawn_after({ v1, v2, ... }, fn, ...) -> value of fn(first result of each v, ...), run once
 * every v is set; fails without running fn if one of them fails. */
static int pool_spawn_after(lua_State *L) {
  ak_pool *p = check_pool(L, 1);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  int last = lua_gettop(L);
  size_t n = 0;
  ak_value **deps = collect_values(L, 2, &n);
  value_ud *u = new_value(L, K_TASK, 1);
  int at = lua_gettop(L);
  lak_job *job = make_job(L, 3, last, LAK_JOB_AFTER, deps, n);
  int rc = ak_pool_do_after(p, deps, n, lak_job_run, job, &u->v);
  finish_submit(L, rc, job, u->v, "spawn_after");
  lua_settop(L, at);
  return 1;
}

static int chain_on(lua_State *L, ak_pool *p, int vidx, int owner) {
  ak_value *prev = lak_check_value(L, vidx);
  luaL_checktype(L, vidx + 1, LUA_TFUNCTION);
  int last = lua_gettop(L);
  if (owner)
    lua_pushvalue(L, owner);
  else
    lua_getiuservalue(L, vidx, 1);
  value_ud *u = new_value(L, K_TASK, lua_isnil(L, -1) ? 0 : -1);
  int at = lua_gettop(L);
  lak_job *job = make_job(L, vidx + 1, last, LAK_JOB_CHAIN, &prev, 1);
  int rc = p ? ak_chain_on(p, prev, lak_job_run, job, &u->v)
             : ak_chain(prev, lak_job_run, job, &u->v);
  finish_submit(L, rc, job, u->v, "chain");
  lua_settop(L, at);
  return 1;
}

/* pool:chain(v, fn, ...) -> like v:chain(fn, ...), run on this pool. */
static int pool_chain(lua_State *L) { return chain_on(L, check_pool(L, 1), 2, 1); }

/* pool:resize(n): asks for n worker threads (0 queues work until resized again). */
static int pool_resize(lua_State *L) {
  ak_pool *p = check_pool(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n <= (lua_Integer)AK_WORKERS_MAX, 2, "worker count out of range");
  int rc = ak_pool_resize(p, (unsigned)n);
  if (rc != AK_OK) return luaL_error(L, "asynckit: resize: %s", ak_strerror(rc));
  lua_settop(L, 1);
  return 1;
}

/* pool:workers() -> the worker count last asked for. */
static int pool_workers(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ak_pool_workers(check_pool(L, 1)));
  return 1;
}

/* pool:stats() -> { submitted, completed, failed, cancelled, steals, queued, workers }. */
static int pool_stats(lua_State *L) {
  ak_stats s = AK_STATS_INIT;
  int rc = ak_pool_stats(check_pool(L, 1), &s);
  if (rc != AK_OK) return luaL_error(L, "asynckit: stats: %s", ak_strerror(rc));
  lua_createtable(L, 0, 7);
#define LAK_FIELD_(name)                        \
  lua_pushinteger(L, (lua_Integer)s.name);      \
  lua_setfield(L, -2, #name);
  LAK_FIELD_(submitted)
  LAK_FIELD_(completed)
  LAK_FIELD_(failed)
  LAK_FIELD_(cancelled)
  LAK_FIELD_(steals)
  LAK_FIELD_(queued)
  LAK_FIELD_(workers)
#undef LAK_FIELD_
  return 1;
}

static void pool_release(pool_ud *u, int cancel) {
  ak_pool *p = u->pool;
  if (!p) return;
  u->pool = NULL;
  if (cancel) (void)ak_pool_stop(p, AK_STOP_CANCEL, AK_FOREVER);
  ak_pool_destroy(p); /* drains what is queued, then ends the workers */
}

/* pool:close([how]): runs the queued work ("drain", the default) or fails it with ak.ECANCELED
 * ("cancel", which also raises the flag ak.cancelled() reads in running work), waits for the
 * workers, and frees the pool. Values it made stay readable. Closing twice does nothing. */
static int pool_close(lua_State *L) {
  pool_ud *u = luaL_checkudata(L, 1, LAK_POOL_MT);
  static const char *const hows[] = {"drain", "cancel", NULL};
  int how = luaL_checkoption(L, 2, "drain", hows);
  pool_release(u, how == 1);
  return 0;
}

static int pool_gc(lua_State *L) {
  pool_release(luaL_checkudata(L, 1, LAK_POOL_MT), 0);
  return 0;
}

static int pool_tostring(lua_State *L) {
  pool_ud *u = luaL_checkudata(L, 1, LAK_POOL_MT);
  if (u->pool)
    lua_pushfstring(L, "asynckit.pool (%d workers): %p", (int)ak_pool_workers(u->pool), (void *)u);
  else
    lua_pushfstring(L, "asynckit.pool (closed): %p", (void *)u);
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
  if (rc != AK_OK && rc != AK_ETIMEDOUT) return luaL_error(L, "asynckit: wait: %s", ak_strerror(rc));
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
static int value_chain(lua_State *L) { return chain_on(L, NULL, 1, 0); }

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
    return luaL_error(L, "asynckit: set: %s", rc == AK_ESTATE ? "the value is already set, or is not a promise"
                                                               : ak_strerror(rc));
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
  luaL_argcheck(L, code >= INT32_MIN && code <= INT32_MAX, 3,
                "code must be a 32-bit integer");
  int rc = ak_value_fail(v, (int)code, msg);
  if (rc != AK_OK)
    return luaL_error(L, "asynckit: fail: %s", rc == AK_ESTATE ? "the value is already set, or is not a promise"
                                                                 : ak_strerror(rc));
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

static void value_release(value_ud *u) {
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
  value_ud *u = luaL_checkudata(L, 1, LAK_VALUE_MT);
  const char *kind = kind_names[u->kind];
  if (!u->v) {
    lua_pushfstring(L, "asynckit.value (%s, closed): %p", kind, (void *)u);
  } else if (!ak_value_is_set(u->v)) {
    lua_pushfstring(L, "asynckit.value (%s, pending): %p", kind, (void *)u);
  } else if (ak_value_is_error(u->v)) {
    lua_pushfstring(L, "asynckit.value (%s, failed with %d): %p", kind, ak_value_status(u->v), (void *)u);
  } else {
    lua_pushfstring(L, "asynckit.value (%s, set): %p", kind, (void *)u);
  }
  return 1;
}

/* --- opening ---------------------------------------------------------------------------------- */

static const luaL_Reg module_funcs[] = {{"pool", m_pool},         {"promise", m_promise},
                                        {"join", m_join},         {"any", m_any},
                                        {"now", lak_now},         {"sleep", lak_sleep},
                                        {"strerror", lak_strerror}, {"version", lak_version},
                                        {NULL, NULL}};

static const luaL_Reg pool_methods[] = {
    {"spawn", pool_spawn},     {"spawn_after", pool_spawn_after}, {"chain", pool_chain},
    {"resize", pool_resize},   {"workers", pool_workers},         {"stats", pool_stats},
    {"close", pool_close},     {NULL, NULL}};

static const luaL_Reg pool_meta[] = {
    {"__gc", pool_gc}, {"__close", pool_gc}, {"__tostring", pool_tostring}, {NULL, NULL}};

static const luaL_Reg value_methods[] = {
    {"get", value_get},         {"wait", value_wait},       {"is_set", value_is_set},
    {"is_error", value_is_error}, {"status", value_status}, {"message", value_message},
    {"cancel", value_cancel},   {"chain", value_chain},     {"set", value_set},
    {"fail", value_fail},       {"winner", value_winner},   {"close", value_close},
    {NULL, NULL}};

static const luaL_Reg value_meta[] = {
    {"__gc", value_close}, {"__close", value_close}, {"__tostring", value_tostring}, {NULL, NULL}};

/* Worker threads and value callbacks run this module's code after the Lua state that loaded it
 * has closed (and dlclose'd it): pin the module in memory for the life of the process. */
static void pin_module(void) {
  static const char anchor = 0;
  Dl_info info;
  if (dladdr(&anchor, &info) && info.dli_fname)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE | RTLD_NOLOAD);
}

__attribute__((visibility("default"))) int luaopen_asynckit(lua_State *L);

int luaopen_asynckit(lua_State *L) {
  luaL_checkversion(L);
  pin_module();

  luaL_newmetatable(L, LAK_POOL_MT);
  luaL_setfuncs(L, pool_meta, 0);
  luaL_newlib(L, pool_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  luaL_newmetatable(L, LAK_VALUE_MT);
  luaL_setfuncs(L, value_meta, 0);
  luaL_newlib(L, value_methods);
  int methods = lua_gettop(L);
  lua_pushvalue(L, methods);
  lua_setfield(L, -3, "__index");

  luaL_newlib(L, module_funcs);
  int module = lua_gettop(L);
  lak_set_constants(L);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "worker");
  lak_open_driver(L, module, methods);
  lua_pushvalue(L, module);
  lua_setfield(L, LUA_REGISTRYINDEX, LAK_MODULE_KEY);
  lua_settop(L, module);
  return 1;
}
