/*
 * worker.c -- Lua work on pool threads: the per-thread worker states, running a job, the
 * worker-side module.
 *
 * Each thread that runs Lua work owns one Lua state, made the first time it runs a job and closed
 * when the thread exits (a pthread key destructor). The state is reused by every later job on
 * that thread, so globals that work sets there persist per thread; work should not rely on that.
 *
 * A job runs as: sync package.path/cpath with the spawning state's, decode the function and its
 * arguments, push the values it depends on, call it, encode its results into a pack that becomes
 * the task's result. Every step is inside lua_pcall; nothing Lua-side escapes the job.
 */
#include <pthread.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "common.h"
#include "job.h"
#include "serial.h"
#include "worker.h"

/* Registry key of the metatable marking error objects raised by the worker-side ak.fail. */
#define LAK_FAIL_MT "asynckit.fail"

/* --- the running job, for the worker-side module ---------------------------------------------- */

typedef struct run_ctx {
  ak_task *task;
  const lak_job *job;
  int rc; /* what the work function returns to the pool */
} run_ctx;

/* The job running on this thread, or NULL. Saved and restored around each job. */
static __thread run_ctx *tl_ctx;

/* --- worker states ---------------------------------------------------------------------------- */

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static int state_key_ok;

static void close_state(void *L) { lua_close((lua_State *)L); }

static void make_state_key(void) {
  state_key_ok = pthread_key_create(&state_key, close_state) == 0;
}

static int open_worker(lua_State *L);

/* This thread's worker state, made on first use. NULL if it could not be made. */
static lua_State *worker_state(void) {
  pthread_once(&state_once, make_state_key);
  if (!state_key_ok) return NULL;
  lua_State *L = pthread_getspecific(state_key);
  if (L) return L;
  L = luaL_newstate();
  if (!L) return NULL;
  lua_pushcfunction(L, open_worker);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK || pthread_setspecific(state_key, L) != 0) {
    lua_close(L);
    return NULL;
  }
  return L;
}

/* --- running a job ---------------------------------------------------------------------------- */

static void sync_path(lua_State *L, const char *field, const char *want) {
  if (!want) return;
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "package");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, field);
    const char *cur = lua_tostring(L, -1);
    if (!cur || strcmp(cur, want) != 0) {
      lua_pushstring(L, want);
      lua_setfield(L, -3, field);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
}

/* Turns the error object at the top into (code, message at the top). */
static int error_code(lua_State *L) {
  int code = AK_EWORK;
  int err = lua_gettop(L);
  if (lua_getmetatable(L, err)) {
    luaL_getmetatable(L, LAK_FAIL_MT);
    int is_fail = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (is_fail) {
      lua_getfield(L, err, "code");
      code = (int)lua_tointeger(L, -1);
      lua_getfield(L, err, "message");
      return code;
    }
  }
  if (lua_type(L, err) == LUA_TSTRING || lua_type(L, err) == LUA_TNUMBER) {
    lua_pushstring(L, lua_tostring(L, err));
  } else if (luaL_getmetafield(L, err, "__tostring") != LUA_TNIL) {
    lua_pop(L, 1);
    luaL_tolstring(L, err, NULL);
  } else {
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, err));
  }
  return code;
}

/* The body of a job, under lua_pcall: (task, job, ctx) as light userdata. */
static int job_body(lua_State *L) {
  ak_task *task = lua_touserdata(L, 1);
  const lak_job *job = lua_touserdata(L, 2);
  run_ctx *ctx = lua_touserdata(L, 3);
  lua_settop(L, 0);
  sync_path(L, "path", job->path);
  sync_path(L, "cpath", job->cpath);

  lak_decode(L, job->pack, -1); /* the function, then the extra arguments */
  const int fn = 1;
  int k = 0; /* values pushed for what the job depends on */
  if (job->mode == LAK_JOB_CHAIN) {
    /* what prev:get() would return; prev is set and held by the job */
    void *result = NULL;
    if (ak_value_get(job->deps[0], 0, &result) != AK_OK)
      return luaL_error(L, "asynckit: the chained value has no result");
    k = lak_push_results(L, job->deps[0], result);
  } else if (job->mode == LAK_JOB_AFTER) {
    size_t n = ak_task_input_count(task);
    luaL_checkstack(L, (int)(n > 1000000 ? 1000000 : n) + 1, "asynckit: too many inputs");
    for (size_t i = 0; i < n; ++i)
      lak_push_first_result(L, lak_job_input(job, i), ak_task_input(task, i));
    k = (int)n;
  }
  if (k > 0) lua_rotate(L, fn + 1, k); /* inputs first, then the extra arguments */

  if (lua_pcall(L, lua_gettop(L) - fn, LUA_MULTRET, 0) != LUA_OK) {
    int code = error_code(L);
    ctx->rc = ak_task_fail(task, code, "%s", lua_tostring(L, -1));
    return 0;
  }
  lak_encode_error err;
  lak_pack *pack = lak_encode(L, 1, lua_gettop(L), &err);
  if (!pack) {
    if (err.index == 0)
      ctx->rc = ak_task_fail(task, AK_ENOMEM, "out of memory while copying the results of work");
    else
      ctx->rc = ak_task_fail(task, AK_EINVAL, "result %d %s", err.index, err.text);
    return 0;
  }
  ak_task_set_result(task, pack, lak_pack_free);
  ctx->rc = AK_OK;
  return 0;
}

int lak_job_run(ak_task *task, void *arg) {
  lak_job *job = arg;
  lua_State *L = worker_state();
  if (!L)
    return ak_task_fail(task, AK_ENOMEM, "asynckit: could not create a Lua state for this thread");
  run_ctx ctx = {task, job, AK_EWORK};
  run_ctx *saved = tl_ctx;
  tl_ctx = &ctx;
  int top = lua_gettop(L);
  lua_pushcfunction(L, job_body);
  lua_pushlightuserdata(L, task);
  lua_pushlightuserdata(L, job);
  lua_pushlightuserdata(L, &ctx);
  int status = lua_pcall(L, 3, 0, 0);
  if (status != LUA_OK) {
    /* Not the work's own error (that one is handled in job_body): memory, or loading it. */
    const char *msg = lua_tostring(L, -1);
    ctx.rc = ak_task_fail(task, status == LUA_ERRMEM ? AK_ENOMEM : AK_EWORK,
                          "asynckit: could not run work: %s", msg ? msg : "unknown error");
  }
  lua_settop(L, top);
  tl_ctx = saved;
  return ctx.rc;
}

/* --- the worker-side module ------------------------------------------------------------------- */

static const run_ctx *check_in_work(lua_State *L) {
  if (!tl_ctx) luaL_error(L, "asynckit: only available inside work");
  return tl_ctx;
}

/* ak.cancelled() -> true if the running work's value was cancelled or its pool is stopping. */
static int w_cancelled(lua_State *L) {
  lua_pushboolean(L, tl_ctx && ak_task_cancelled(tl_ctx->task));
  return 1;
}

/* ak.fail(message [, code]) raises an error that fails the work's value with that code (default
 * ak.EWORK) and exactly that message. */
static int w_fail(lua_State *L) {
  const char *msg = luaL_checkstring(L, 1);
  lua_Integer code = luaL_optinteger(L, 2, AK_EWORK);
  luaL_argcheck(L, code >= INT32_MIN && code <= INT32_MAX, 2, "code must be a 32-bit integer");
  lua_createtable(L, 0, 2);
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  lua_pushinteger(L, code);
  lua_setfield(L, -2, "code");
  luaL_setmetatable(L, LAK_FAIL_MT);
  return lua_error(L);
}

static int fail_tostring(lua_State *L) {
  lua_getfield(L, 1, "message");
  return 1;
}

/* ak.inputs() -> the number of inputs of the running work (see ak.input). */
static int w_inputs(lua_State *L) {
  const run_ctx *ctx = check_in_work(L);
  lua_pushinteger(L,
                  ctx->job->mode == LAK_JOB_DO ? 0 : (lua_Integer)ak_task_input_count(ctx->task));
  return 1;
}

/* ak.input(i) -> every result of input i: the i-th dependency of spawn_after, the i-th element of
 * a join list chained on, or (i = 1) the value chained on. */
static int w_input(lua_State *L) {
  const run_ctx *ctx = check_in_work(L);
  lua_Integer i = luaL_checkinteger(L, 1);
  size_t n = ctx->job->mode == LAK_JOB_DO ? 0 : ak_task_input_count(ctx->task);
  luaL_argcheck(L, i >= 1 && (lua_Unsigned)i <= n, 1, "no such input");
  ak_value *v = lak_job_input(ctx->job, (size_t)(i - 1));
  return lak_push_results(L, v, ak_task_input(ctx->task, (size_t)(i - 1)));
}

static const luaL_Reg worker_funcs[] = {
    {"cancelled", w_cancelled}, {"fail", w_fail},         {"input", w_input},
    {"inputs", w_inputs},       {"now", lak_now},         {"sleep", lak_sleep},
    {"strerror", lak_strerror}, {"version", lak_version}, {NULL, NULL}};

/* Opens a new worker state: the standard libraries, and the worker-side module as the global
 * `ak` and as package.loaded.asynckit (so `require "asynckit"` inside work returns it). */
static int open_worker(lua_State *L) {
  luaL_openlibs(L);
  luaL_newmetatable(L, LAK_FAIL_MT);
  lua_pushcfunction(L, fail_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  luaL_newlib(L, worker_funcs);
  lak_set_constants(L);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "worker");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "ak");
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, LAK_MODULE_KEY);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "asynckit");
  lua_pop(L, 2);
  return 0;
}
