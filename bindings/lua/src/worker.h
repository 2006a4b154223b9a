/*
 * worker.h -- running Lua work on pool threads, each in a Lua state of its own.
 */
#ifndef LAK_WORKER_H
#define LAK_WORKER_H

#include "asynckit.h"
#include "lak.h"

/* The ak_fn of every Lua job (a lak_job, job.h): runs it in this thread's worker state, made on
 * first use, and sets or fails the task with the outcome. */
LAK_HIDDEN int lak_job_run(ak_task *task, void *job);

#endif /* LAK_WORKER_H */
