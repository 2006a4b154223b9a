/*
 * driver.h -- coroutines awaiting values: v:await(), ak.poll(), ak.run(), ak.pending().
 */
#ifndef LAK_DRIVER_H
#define LAK_DRIVER_H

#include <lua.h>

#include "lak.h"

/* Adds await to the value methods (the table at value_methods) and run/poll/pending to the module
 * (the table at module), with the hub they share. */
LAK_HIDDEN void lak_open_driver(lua_State *L, int module, int value_methods);

#endif /* LAK_DRIVER_H */
