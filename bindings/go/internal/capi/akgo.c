/* akgo.c -- definitions of the shims declared in akgo.h. */
#include "akgo.h"

#include <stdlib.h>

#include "_cgo_export.h"

/* How deep the calling thread is in Go work (nested when work waits and the wait runs other
 * work). Read by akgo_in_work. */
static _Thread_local int akgo_work_depth;

static void akgo_free_shim(void *result) { akGoFree((uintptr_t)result); }

static void akgo_done_shim(ak_value *v, void *arg) {
  size_t index = 0;
  int64_t failed_index = -1;
  if (ak_value_failed_index(v, &index) == AK_OK) failed_index = (int64_t)index;
  akGoDone((uintptr_t)arg, ak_value_status(v), (char *)ak_value_message(v), failed_index);
}

static int akgo_work_shim(ak_task *t, void *arg) {
  uintptr_t result = 0;
  char *message = NULL;
  ++akgo_work_depth;
  int code = akGoWork(t, (uintptr_t)arg, &result, &message);
  --akgo_work_depth;
  if (result != 0 && ak_task_set_result(t, (void *)result, akgo_free_shim) != AK_OK) {
    akgo_free_shim((void *)result); /* cannot happen: t is not NULL */
  }
  if (code != AK_OK) {
    /* ak_task_fail is variadic, which cgo cannot call; "%s" keeps '%' in Go text harmless. */
    code = ak_task_fail(t, code, "%s", message ? message : "");
  }
  free(message);
  return code;
}

int akgo_watch(ak_value *v, uintptr_t h) {
  const int rc = ak_value_on_done(v, akgo_done_shim, (void *)h);
  if (rc == AK_OK) return AK_OK;
  return ak_value_cancel(v) == AK_OK ? rc : AKGO_ELOST;
}

static int akgo_watch_new(int rc, ak_value **out, uintptr_t h) {
  if (rc != AK_OK) return rc;
  rc = akgo_watch(*out, h);
  if (rc != AK_OK && rc != AKGO_ELOST) {
    ak_value_release(*out); /* cancelled: the work never runs */
    *out = NULL;
  }
  return rc;
}

int akgo_do(ak_pool *p, uintptr_t h, ak_value **out) {
  return akgo_watch_new(ak_pool_do(p, akgo_work_shim, (void *)h, out), out, h);
}

int akgo_do_after(ak_pool *p, ak_value *const *deps, size_t n, uintptr_t h, ak_value **out) {
  return akgo_watch_new(ak_pool_do_after(p, deps, n, akgo_work_shim, (void *)h, out), out, h);
}

int akgo_chain(ak_value *prev, uintptr_t h, ak_value **out) {
  return akgo_watch_new(ak_chain(prev, akgo_work_shim, (void *)h, out), out, h);
}

int akgo_chain_on(ak_pool *p, ak_value *prev, uintptr_t h, ak_value **out) {
  return akgo_watch_new(ak_chain_on(p, prev, akgo_work_shim, (void *)h, out), out, h);
}

int akgo_set(ak_value *v, uintptr_t result) {
  return ak_value_set(v, (void *)result, akgo_free_shim);
}

int akgo_get(ak_value *v, uintptr_t *out) {
  void *result = NULL;
  const int rc = ak_value_get(v, 0, &result);
  if (rc == AK_OK) *out = (uintptr_t)result;
  return rc;
}

void akgo_read_array(uintptr_t array, uintptr_t *out, size_t n) {
  void *const *a = (void *const *)array;
  for (size_t i = 0; i < n; ++i) out[i] = (uintptr_t)a[i];
}

uintptr_t akgo_task_input(const ak_task *t, size_t i) { return (uintptr_t)ak_task_input(t, i); }

int akgo_in_work(void) { return akgo_work_depth > 0; }

const char *akgo_header_version(void) { return AK_VERSION_STRING; }
