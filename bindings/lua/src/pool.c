/*
 * pool.c -- pools as Lua userdata, and submitting work to them (see pool.h).
 *
 * Like the values (value.c), a pool userdata is created closed (NULL handle) with its metatable
 * set before the pool is made, so a memory error leaves a userdata its __gc handles; one
 * idempotent close serves close(), __gc and __close. Each value a pool makes keeps the pool
 * userdata as its user value, so the pool is not collected (and drained) under pending values.
 */
#include <lauxlib.h>

#include "asynckit.h"
#include "job.h"
#include "pool.h"
#include "submit.h"
#include "value.h"
#include "worker.h"

#define LAK_POOL_MT "asynckit.pool"

typedef struct pool_ud {
  ak_pool *pool; /* NULL once closed */
} pool_ud;

static ak_pool *check_pool(lua_State *L, int idx) {
  pool_ud *u = luaL_checkudata(L, idx, LAK_POOL_MT);
  if (!u->pool) luaL_error(L, "asynckit: attempt to use a closed pool");
  return u->pool;
}

/* --- the constructor -------------------------------------------------------------------------- */

int lak_pool_new(lua_State *L) {
  ak_pool_options opts = AK_POOL_OPTIONS_INIT;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "workers") != LUA_TNIL) {
      int isint;
      lua_Integer w = lua_tointegerx(L, -1, &isint);
      if (!isint || w < 0 || w > (lua_Integer)AK_WORKERS_MAX)
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "workers must be an integer from 0 to %d", (int)AK_WORKERS_MAX));
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

/* --- methods ---------------------------------------------------------------------------------- */

/* pool:spawn(fn, ...) -> value of fn(...) run on a pool thread. */
static int pool_spawn(lua_State *L) {
  ak_pool *p = check_pool(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  int last = lua_gettop(L);
  lak_value_ud *u = lak_new_value(L, LAK_VALUE_TASK, 1);
  lak_job *job = lak_job_from_stack(L, 2, last, LAK_JOB_DO, NULL, 0);
  int rc = ak_pool_do(p, lak_job_run, job, &u->v); /* before reading u->v below */
  lak_finish_submit(L, rc, job, u->v, "spawn");
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
  ak_value **deps = lak_check_values(L, 2, &n);
  lak_value_ud *u = lak_new_value(L, LAK_VALUE_TASK, 1);
  int at = lua_gettop(L);
  lak_job *job = lak_job_from_stack(L, 3, last, LAK_JOB_AFTER, deps, n);
  int rc = ak_pool_do_after(p, deps, n, lak_job_run, job, &u->v);
  lak_finish_submit(L, rc, job, u->v, "spawn_after");
  lua_settop(L, at);
  return 1;
}

/* pool:chain(v, fn, ...) -> like v:chain(fn, ...), run on this pool. */
static int pool_chain(lua_State *L) { return lak_chain_on(L, check_pool(L, 1), 2, 1); }

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
#define LAK_FIELD_(name)                                                                           \
  lua_pushinteger(L, (lua_Integer)s.name);                                                         \
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

/* --- opening ---------------------------------------------------------------------------------- */

static const luaL_Reg pool_methods[] = {
    {"spawn", pool_spawn},     {"spawn_after", pool_spawn_after},
    {"chain", pool_chain},     {"resize", pool_resize},
    {"workers", pool_workers}, {"stats", pool_stats},
    {"close", pool_close},     {NULL, NULL}};

static const luaL_Reg pool_meta[] = {
    {"__gc", pool_gc}, {"__close", pool_gc}, {"__tostring", pool_tostring}, {NULL, NULL}};

void lak_open_pool(lua_State *L) {
  luaL_newmetatable(L, LAK_POOL_MT);
  luaL_setfuncs(L, pool_meta, 0);
  luaL_newlib(L, pool_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
