/*
 * pool.h -- the pool userdata: ak.pool and the pool methods (spawn, spawn_after, chain, resize,
 * workers, stats, close).
 */
#ifndef LAK_POOL_H
#define LAK_POOL_H

#include <lua.h>

#include "lak.h"

/* ak.pool{ workers = n, name = "prefix" } -> a new pool. */
LAK_HIDDEN int lak_pool_new(lua_State *L);

/* Registers the pool metatable (methods under __index, __gc, __close, __tostring). Pushes
 * nothing. */
LAK_HIDDEN void lak_open_pool(lua_State *L);

#endif /* LAK_POOL_H */
