/*
 * lak.h -- internal declarations shared by the files of the Lua binding (not installed).
 *
 * The binding in one paragraph: a Lua state is not thread-safe, so work never touches the state
 * that spawned it. Spawning serialises the work function (as bytecode) and its arguments into a C
 * buffer (serial.c); a pool thread runs the job in a Lua state of its own, made on first use and
 * kept for the thread's life (worker.c); the results come back as another C buffer owned by the
 * ak_value, decoded on demand by whoever reads it (module.c). Coroutines wait on values through a
 * small C hub that value callbacks post to (driver.c).
 */
#ifndef LAK_H
#define LAK_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include "asynckit.h"

#if defined(__GNUC__) || defined(__clang__)
#  define LAK_HIDDEN __attribute__((visibility("hidden")))
#else
#  define LAK_HIDDEN
#endif

/* Metatable names (registry keys) of the userdata types. */
#define LAK_POOL_MT "asynckit.pool"
#define LAK_VALUE_MT "asynckit.value"
/* Registry key of the metatable marking error objects raised by the worker-side ak.fail. */
#define LAK_FAIL_MT "asynckit.fail"

/* Registry key of this state's asynckit module table (the main one, or the worker-side one). */
#define LAK_MODULE_KEY "asynckit.module"

/* How deep tables may nest in a value that crosses threads. */
#define LAK_MAX_DEPTH 100

/* ---------------------------------------------------------------------------------------------
 * serial.c: values <-> C buffers
 * ------------------------------------------------------------------------------------------- */

/* A sequence of serialised Lua values in one malloc'd block; freed with lak_pack_free (which is
 * plain free(), usable as an ak_free_fn). Holds only bytes: no pointer into any Lua state. */
typedef struct lak_pack {
  size_t len;     /* bytes used in data */
  uint32_t count; /* number of values */
  unsigned char data[];
} lak_pack;

LAK_HIDDEN void lak_pack_free(void *pack);

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

/* 1 if v is a join list with at least one element. */
LAK_HIDDEN int lak_is_join(const ak_value *v);

/* ---------------------------------------------------------------------------------------------
 * worker.c: jobs, worker states, the worker-side module
 * ------------------------------------------------------------------------------------------- */

enum lak_job_mode {
  LAK_JOB_DO,    /* pool:spawn: the function gets its arguments */
  LAK_JOB_CHAIN, /* v:chain: the function gets v's results first (for a join, each element's first) */
  LAK_JOB_AFTER  /* pool:spawn_after: the function gets each dependency's first result first */
};

/* One unit of Lua work: the function and its arguments, serialised, plus what it depends on.
 * Owned by the C side from submission on; freed once by lak_job_done when the value is set. */
typedef struct lak_job {
  enum lak_job_mode mode;
  size_t ndeps;
  ak_value **deps; /* CHAIN: its source; AFTER: its dependencies. Borrowed: the task holds its
                    * inputs until it has run, and the job reads them only while it runs. (A
                    * reference here would be a caller reference, and would keep an unset
                    * promise from ever counting as abandoned.) */
  char *path;      /* the spawning state's package.path, or NULL */
  char *cpath;     /* and package.cpath */
  lak_pack *pack;  /* the function, then the extra arguments */
} lak_job;

/* A new job taking over `pack` and copying deps (the pointers), path and cpath (either may be
 * NULL). NULL when out of memory; the pack is then freed and nothing is retained. */
LAK_HIDDEN lak_job *lak_job_new(enum lak_job_mode mode, lak_pack *pack, ak_value *const *deps,
                                size_t ndeps, const char *path, const char *cpath);
LAK_HIDDEN void lak_job_free(lak_job *job);

/* The ak_fn of every Lua job: runs it in this thread's worker state. */
LAK_HIDDEN int lak_job_run(ak_task *task, void *job);

/* The ak_done_fn registered on every job's value: frees the job (the work has returned by then,
 * or never runs). */
LAK_HIDDEN void lak_job_done(ak_value *v, void *job);

/* Functions shared by the main and the worker-side module. */
LAK_HIDDEN int lak_now(lua_State *L);
LAK_HIDDEN int lak_sleep(lua_State *L);
LAK_HIDDEN int lak_strerror(lua_State *L);
LAK_HIDDEN int lak_version(lua_State *L);
/* Sets the status-code constants (OK, EINVAL, ...) and version fields on the table at the top. */
LAK_HIDDEN void lak_set_constants(lua_State *L);

/* Seconds (a Lua number at idx; nil or math.huge: forever) to nanoseconds for the C API. Raises a
 * Lua error for a negative or NaN timeout. */
LAK_HIDDEN int64_t lak_check_timeout(lua_State *L, int idx);

/* ---------------------------------------------------------------------------------------------
 * driver.c: coroutines awaiting values
 * ------------------------------------------------------------------------------------------- */

/* Adds await to the value methods (the table at value_methods) and run/poll to the module (the
 * table at module), with the hub they share. */
LAK_HIDDEN void lak_open_driver(lua_State *L, int module, int value_methods);

/* The value handle of the asynckit value userdata at idx, raising an error if it is not one or
 * is closed. */
LAK_HIDDEN ak_value *lak_check_value(lua_State *L, int idx);

#endif /* LAK_H */
