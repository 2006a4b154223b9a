/*
 * common.h -- what the main module (module.c) and the worker-side module (worker.c) both offer,
 * and the timeout argument every waiting function takes.
 */
#ifndef LAK_COMMON_H
#define LAK_COMMON_H

#include <stdint.h>

#include <lua.h>

#include "lak.h"

/* ak.now(), ak.sleep(seconds), ak.strerror(code), ak.version() */
LAK_HIDDEN int lak_now(lua_State *L);
LAK_HIDDEN int lak_sleep(lua_State *L);
LAK_HIDDEN int lak_strerror(lua_State *L);
LAK_HIDDEN int lak_version(lua_State *L);

/* Sets the status-code constants (OK, EINVAL, ...) and version fields on the table at the top. */
LAK_HIDDEN void lak_set_constants(lua_State *L);

/* Seconds (a Lua number at idx; nil or math.huge: forever) to nanoseconds for the C API. Raises a
 * Lua error for a negative or NaN timeout. */
LAK_HIDDEN int64_t lak_check_timeout(lua_State *L, int idx);

#endif /* LAK_COMMON_H */
