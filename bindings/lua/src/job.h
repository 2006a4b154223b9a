/*
 * job.h -- the raw layer's data: packs (serialised Lua values as bytes) and jobs (one unit of Lua
 * work as the C side owns it). Plain C over libasynckit: nothing here knows a Lua state, so all of
 * it may outlive the state that made it and be freed on any thread.
 */
#ifndef LAK_JOB_H
#define LAK_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "asynckit.h"
#include "lak.h"

/* A sequence of serialised Lua values in one malloc'd block (serial.c writes and reads them);
 * freed with lak_pack_free (which is plain free(), usable as an ak_free_fn). Holds only bytes: no
 * pointer into any Lua state. */
typedef struct lak_pack {
  size_t len;     /* bytes used in data */
  uint32_t count; /* number of values */
  unsigned char data[];
} lak_pack;

LAK_HIDDEN void lak_pack_free(void *pack);

enum lak_job_mode {
  LAK_JOB_DO,    /* pool:spawn: the function gets its arguments */
  LAK_JOB_CHAIN, /* v:chain: the function gets v's results first (a join: each element's first) */
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

/* The ak_done_fn registered on every job's value: frees the job (the work has returned by then,
 * or never runs). */
LAK_HIDDEN void lak_job_done(ak_value *v, void *job);

/* The value behind input i (0-based, below ak_task_input_count) of a running job, as
 * ak_task_input numbers them: for a chain on a join list its i-th element, for another chain its
 * source, for dependent work its i-th dependency. */
LAK_HIDDEN ak_value *lak_job_input(const lak_job *job, size_t i);

/* 1 if v is a join list with at least one element. */
LAK_HIDDEN int lak_is_join(const ak_value *v);

#endif /* LAK_JOB_H */
