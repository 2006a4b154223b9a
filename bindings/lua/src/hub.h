/*
 * hub.h -- the raw half of await: a queue of fired waits that value callbacks post to from any
 * thread and the Lua thread takes from (driver.c is the Lua half). libasynckit, pthreads and libc
 * only, no Lua.
 *
 * The hub is reference counted: its owner (the Lua state) holds one reference, each armed watch
 * another, so a callback that fires after the owner has closed the hub is harmless.
 */
#ifndef LAK_HUB_H
#define LAK_HUB_H

#include <stdint.h>

#include "asynckit.h"
#include "lak.h"

typedef struct lak_hub lak_hub;

/* One wait: when the value it is armed on is set, it moves to the hub's ready list. The hub links
 * them (next); the owner reads only token. */
typedef struct lak_watch {
  struct lak_watch *next;
  lak_hub *hub;
  int64_t token;
} lak_watch;

/* A new open hub holding the owner's reference. NULL when out of memory. */
LAK_HIDDEN lak_hub *lak_hub_new(void);

/* Closes the hub for its owner: drops the ready watches and the owner's reference. Watches still
 * armed then fire into nothing; the last of them frees the hub. */
LAK_HIDDEN void lak_hub_close(lak_hub *h);

/* A new, unarmed watch for `token`. NULL when out of memory. */
LAK_HIDDEN lak_watch *lak_watch_new(lak_hub *h, int64_t token);

/* Arms w on v (ak_value_on_done): when v is set, w becomes ready. This may happen at once, on this
 * thread. Returns AK_OK, or ak_value_on_done's failure code after freeing w. */
LAK_HIDDEN int lak_watch_arm(lak_watch *w, ak_value *v);

/* Takes the ready watches (oldest first; the caller owns the list): waits up to timeout_ns
 * (AK_FOREVER: without bound, 0: not at all) for at least one, unless no watch is armed. */
LAK_HIDDEN lak_watch *lak_hub_take(lak_hub *h, int64_t timeout_ns);

/* Frees the first watch of a taken list and returns the rest. */
LAK_HIDDEN lak_watch *lak_watch_drop(lak_watch *w);

/* Frees a taken list. */
LAK_HIDDEN void lak_watch_free_all(lak_watch *w);

#endif /* LAK_HUB_H */
