/*
 * submit.h -- from a Lua call to a job handed to the pool: what pool:spawn, pool:spawn_after and
 * the chains share.
 */
#ifndef LAK_SUBMIT_H
#define LAK_SUBMIT_H

#include <stddef.h>

#include <lua.h>

#include "asynckit.h"
#include "job.h"
#include "lak.h"

/* Copies the values first..last (the work function, then its extra arguments) into a new job with
 * the calling state's package paths. Raises a Lua error naming the argument that cannot cross;
 * nothing is left allocated then. */
LAK_HIDDEN lak_job *lak_job_from_stack(lua_State *L, int first, int last, enum lak_job_mode mode,
                                       ak_value *const *deps, size_t ndeps);

/* After a submission that returned rc with value v: raises "asynckit: <what>: <error>" for a
 * failed one (freeing the job), else arranges for the job to be freed once v is set. */
LAK_HIDDEN void lak_finish_submit(lua_State *L, int rc, lak_job *job, ak_value *v,
                                  const char *what);

#endif /* LAK_SUBMIT_H */
