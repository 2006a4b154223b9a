/*
 * value.h -- the value userdata (tasks, promises, join and any lists): its handle, its methods,
 * and the constructors ak.promise, ak.join and ak.any.
 */
#ifndef LAK_VALUE_H
#define LAK_VALUE_H

#include <stddef.h>

#include <lua.h>

#include "asynckit.h"
#include "lak.h"

/* What made a value: shown by __tostring. */
enum lak_value_kind { LAK_VALUE_TASK, LAK_VALUE_PROMISE, LAK_VALUE_JOIN, LAK_VALUE_ANY };

typedef struct lak_value_ud {
  ak_value *v; /* one reference; NULL once closed */
  int kind;    /* an enum lak_value_kind */
} lak_value_ud;

/* Pushes a new, closed value userdata whose user value is the value at `owner` (0: none): the
 * pool userdata that runs it, so that pool is not collected under it. The caller then stores the
 * handle (after which a memory error still leaves a userdata its __gc handles). */
LAK_HIDDEN lak_value_ud *lak_new_value(lua_State *L, int kind, int owner);

/* The value handle of the asynckit value userdata at idx, raising an error if it is not one or
 * is closed. */
LAK_HIDDEN ak_value *lak_check_value(lua_State *L, int idx);

/* The sequence of values in the table at idx, in a scratch array that Lua owns (pushed on the
 * stack; the table keeps the userdata, and so their references, alive during the call). Raises for
 * anything but a table of open values. */
LAK_HIDDEN ak_value **lak_check_values(lua_State *L, int idx, size_t *n);

/* v:chain(fn, ...) with v at vidx and fn after it, run on pool p (NULL: v's own pool, through
 * ak_chain). The new value's owner is the value at `owner`, or (0) v's owner. Returns 1: the new
 * value is at the top. */
LAK_HIDDEN int lak_chain_on(lua_State *L, ak_pool *p, int vidx, int owner);

/* ak.promise(), ak.join{ ... }, ak.any{ ... } */
LAK_HIDDEN int lak_promise(lua_State *L);
LAK_HIDDEN int lak_join(lua_State *L);
LAK_HIDDEN int lak_any(lua_State *L);

/* Registers the value metatable (methods under __index, __gc, __close, __tostring) and pushes the
 * methods table, for the driver to add await to. */
LAK_HIDDEN void lak_open_value(lua_State *L);

#endif /* LAK_VALUE_H */
