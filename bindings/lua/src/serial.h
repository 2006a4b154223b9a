/*
 * serial.h -- Lua values to and from packs (job.h), the only form in which data crosses threads;
 * and reading a set value's results into a Lua state.
 */
#ifndef LAK_SERIAL_H
#define LAK_SERIAL_H

#include <lua.h>

#include "asynckit.h"
#include "job.h"
#include "lak.h"

/* How deep tables may nest in a value that crosses threads. */
#define LAK_MAX_DEPTH 100

/* Why lak_encode failed. */
typedef struct lak_encode_error {
  int index;      /* stack index of the value that could not cross; 0 when out of memory */
  char text[400]; /* what could not cross and where, e.g. "userdata at .a[2]" */
} lak_encode_error;

/* Serialises the values at stack indices first..last (absolute, first > last means none) into a
 * new pack. Never raises a Lua error and leaves the stack as it was. Returns NULL and fills *err
 * when a value cannot cross (or memory runs out). */
LAK_HIDDEN lak_pack *lak_encode(lua_State *L, int first, int last, lak_encode_error *err);

/* Pushes the values of `pack`: all of them when max < 0, else at most max (the first ones).
 * Returns the number pushed. May raise a Lua memory error; the pack is untouched either way. */
LAK_HIDDEN int lak_decode(lua_State *L, const lak_pack *pack, int max);

/* Pushes what reading value `v` with result `result` gives (v set without failure):
 *  - a plain value (task or promise): every value of its pack;
 *  - a join list: one table { first result of element 1, ..., n = element count };
 *  - an any-list: what its winning element gives.
 * Returns the number pushed. May raise a Lua memory error. */
LAK_HIDDEN int lak_push_results(lua_State *L, ak_value *v, void *result);

/* lak_push_results, then keeps only the first value pushed (nil if none). Pushes exactly one. */
LAK_HIDDEN void lak_push_first_result(lua_State *L, ak_value *v, void *result);

#endif /* LAK_SERIAL_H */
