/*
 * submit.c -- turning a Lua call into a job, and the job's ownership once submitted (submit.h).
 */
#include <lauxlib.h>

#include "serial.h"
#include "submit.h"

lak_job *lak_job_from_stack(lua_State *L, int first, int last, enum lak_job_mode mode,
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

void lak_finish_submit(lua_State *L, int rc, lak_job *job, ak_value *v, const char *what) {
  if (rc != AK_OK) {
    lak_job_free(job);
    luaL_error(L, "asynckit: %s: %s", what, ak_strerror(rc));
  }
  /* The callback runs once the work has returned (or when it never will): the job is unused then.
   * If even this small registration fails, memory is exhausted; the job is then leaked rather
   * than freed under work that may still run. */
  (void)ak_value_on_done(v, lak_job_done, job);
}
