/*
 * module.c -- luaopen_asynckit: the module table, assembled from the pool (pool.c), value
 * (value.c) and driver (driver.c) parts, with the constants and helpers of common.c.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>

#include <lauxlib.h>

#include "common.h"
#include "driver.h"
#include "lak.h"
#include "pool.h"
#include "value.h"

static const luaL_Reg module_funcs[] = {
    {"pool", lak_pool_new},     {"promise", lak_promise}, {"join", lak_join},
    {"any", lak_any},           {"now", lak_now},         {"sleep", lak_sleep},
    {"strerror", lak_strerror}, {"version", lak_version}, {NULL, NULL}};

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

  lak_open_pool(L);
  lak_open_value(L);
  int methods = lua_gettop(L);

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
