/*
 * job.c -- packs and jobs: the C memory that carries Lua work between threads (see job.h).
 * Part of the raw layer: libasynckit and libc only, no Lua.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"

void lak_pack_free(void *pack) { free(pack); }

static char *copy_string(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

lak_job *lak_job_new(enum lak_job_mode mode, lak_pack *pack, ak_value *const *deps, size_t ndeps,
                     const char *path, const char *cpath) {
  lak_job *job = calloc(1, sizeof *job);
  if (!job) {
    lak_pack_free(pack);
    return NULL;
  }
  job->mode = mode;
  job->pack = pack;
  job->path = copy_string(path);
  job->cpath = copy_string(cpath);
  if (ndeps > 0) job->deps = malloc(ndeps * sizeof *job->deps);
  if ((path && !job->path) || (cpath && !job->cpath) || (ndeps > 0 && !job->deps)) {
    lak_job_free(job);
    return NULL;
  }
  if (ndeps > 0) memcpy(job->deps, deps, ndeps * sizeof *deps);
  job->ndeps = ndeps;
  return job;
}

void lak_job_free(lak_job *job) {
  if (!job) return;
  free(job->deps);
  free(job->path);
  free(job->cpath);
  lak_pack_free(job->pack);
  free(job);
}

void lak_job_done(ak_value *v, void *job) {
  (void)v;
  lak_job_free(job);
}

int lak_is_join(const ak_value *v) {
  size_t index;
  return ak_list_size(v) > 0 && ak_list_any_index(v, &index) == AK_EINVAL;
}

ak_value *lak_job_input(const lak_job *job, size_t i) {
  if (job->mode == LAK_JOB_CHAIN) {
    ak_value *prev = job->deps[0];
    return lak_is_join(prev) ? ak_list_at(prev, i) : prev;
  }
  return i < job->ndeps ? job->deps[i] : NULL;
}
