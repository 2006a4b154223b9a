/*
 * common.c -- the functions and constants both module tables share (see common.h).
 */
#include <errno.h>
#include <time.h>

#include <lauxlib.h>

#include "asynckit.h"
#include "common.h"

int lak_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

int lak_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s < 1e9, 1, "seconds must be between 0 and 1e9");
  struct timespec ts;
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  return 0;
}

int lak_strerror(lua_State *L) {
  lua_pushstring(L, ak_strerror((int)luaL_checkinteger(L, 1)));
  return 1;
}

int lak_version(lua_State *L) {
  lua_pushstring(L, ak_version());
  return 1;
}

void lak_set_constants(lua_State *L) {
  /* every code of the header's one list, so a code added there (EINTERNAL) appears here too */
#define LAK_CONSTANT_(name, code, text)                                                            \
  lua_pushinteger(L, code);                                                                        \
  lua_setfield(L, -2, #name);
  AK_STATUS_MAP(LAK_CONSTANT_)
#undef LAK_CONSTANT_
  lua_pushliteral(L, AK_VERSION_STRING);
  lua_setfield(L, -2, "VERSION");
}

int64_t lak_check_timeout(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return AK_FOREVER;
  lua_Number s = luaL_checknumber(L, idx);
  luaL_argcheck(L, s >= 0, idx, "timeout must be a non-negative number of seconds");
  if (s >= 9.2e9) return AK_FOREVER; /* math.huge, or beyond what int64 nanoseconds hold */
  return (int64_t)(s * 1e9);
}
