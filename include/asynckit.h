/*
 * asynckit.h -- the public C interface of libasynckit.
 *
 * asynckit runs work on a work-stealing thread pool and hands back values (futures). Failures come
 * back as int status codes plus a message held by the value; nothing else crosses this boundary.
 *
 * Conventions used by every function below:
 *   - Functions returning int return AK_OK (0) on success, a negative library code (AK_E*) on a
 *     library error, or, for the outcome of work, whatever positive or negative code the work
 *     chose.
 *   - Out pointers are written only when the function returns AK_OK.
 *   - Bad input (NULL handles or out pointers, NULL work functions, bad sizes, negative timeouts
 *     other than AK_FOREVER) returns AK_EINVAL and changes nothing.
 *   - A function that returns a status may also return AK_EINTERNAL, which means the library
 *     failed inside itself (a bug to report), never that the caller did something wrong.
 *   - Timeouts are int64_t nanoseconds: AK_FOREVER waits without bound, 0 polls.
 *   - Every function that hands out an ak_value hands out one reference; the caller drops it with
 *     ak_value_release. Values stay valid after their pool is destroyed.
 *   - Every function is thread-safe: any thread may call any function on any handle it holds a
 *     reference to, including from inside work running on a pool, unless its comment says
 *     otherwise.
 *   - Using a handle after its last reference is released (or a pool after ak_pool_destroy) is
 *     undefined: the library cannot tell a freed pointer from a live one.
 */
#ifndef ASYNCKIT_H
#define ASYNCKIT_H

#include <stddef.h>
#include <stdint.h>

#include "asynckit_version.h" /* AK_VERSION_* and AK_ABI_VERSION, see "Version" below */

/* ---------------------------------------------------------------------------------------------
 * Export macro
 * ------------------------------------------------------------------------------------------- */
#if defined(_WIN32)
#  if defined(ASYNCKIT_BUILDING)
#    define AK_API __declspec(dllexport)
#  else
#    define AK_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define AK_API __attribute__((visibility("default")))
#else
#  define AK_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define AK_PRINTF_LIKE(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#  define AK_PRINTF_LIKE(fmt_index, first_arg)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Version
 *
 * asynckit_version.h (generated from the project's one version source, project(VERSION) in
 * CMakeLists.txt, and installed beside this header) defines AK_VERSION_MAJOR, AK_VERSION_MINOR,
 * AK_VERSION_PATCH, AK_VERSION_NUMBER (MAJOR * 10000 + MINOR * 100 + PATCH), AK_VERSION_STRING
 * ("MAJOR.MINOR.PATCH") and AK_ABI_VERSION.
 *
 * The SONAME is libasynckit.so.<AK_ABI_VERSION>, and AK_ABI_VERSION is AK_VERSION_MAJOR: within
 * one major version the binary interface only grows (functions, status codes and fields of the
 * size-versioned structs are appended; a changed signature becomes a new _v2 function), so a
 * program built against x.y runs with any x.z, z >= y. Only an incompatible change, which this
 * project avoids, moves the major version, and with it the SONAME. 0.x is held to the same rule.
 * ------------------------------------------------------------------------------------------- */

/* The product version of the loaded library as "MAJOR.MINOR.PATCH". Static storage; never NULL.
 * Compare with AK_VERSION_STRING to tell the loaded library from the one you compiled against. */
AK_API const char *ak_version(void);

/* The product version of the loaded library as AK_VERSION_NUMBER computes it (0.1.0 -> 100). */
AK_API unsigned ak_version_number(void);

/* ---------------------------------------------------------------------------------------------
 * Status codes
 *
 * 0 is success, negative codes belong to the library, positive codes belong to the work (a work
 * function may also fail with a library code). Library codes are never renumbered; new ones are
 * only appended. AK_STATUS_MAP lists them once, for the enum below and for ak_strerror.
 * ------------------------------------------------------------------------------------------- */
/* clang-format off */
#define AK_STATUS_MAP(X)                                                                         \
  X(OK, 0, "success")                                                                            \
  X(EINVAL, -1, "invalid argument")                                                              \
  X(ENOMEM, -2, "out of memory")                                                                 \
  X(ETIMEDOUT, -3, "timed out")                                                                  \
  X(ECANCELED, -4, "cancelled")                                                                  \
  X(ESHUTDOWN, -5, "pool is shut down")                                                          \
  X(ESTATE, -6, "operation not valid in the current state")                                      \
  X(EPENDING, -7, "value is not set yet")                                                        \
  X(EWORK, -8, "work failed")                                                                    \
  X(EINTERNAL, -9, "internal error")

typedef enum ak_status {
#define AK_STATUS_ENUM_(name, code, text) AK_##name = code,
  AK_STATUS_MAP(AK_STATUS_ENUM_)
#undef AK_STATUS_ENUM_
  AK_STATUS_LAST_ = AK_EINTERNAL /* not a code: the lowest library code so far */
} ak_status;
/* clang-format on */

/* A short English description of `code`: the library's own text for AK_* codes, "work-defined
 * error" for positive codes, "unknown error" otherwise. Static storage; never NULL. */
AK_API const char *ak_strerror(int code);

/* Timeouts are int64_t nanoseconds; this one waits without bound. 0 polls without waiting. */
#define AK_FOREVER ((int64_t)-1)

/* How ak_pool_stop treats work that has not run yet. */
enum {
  AK_STOP_DRAIN = 0, /* run all queued work to completion, then stop */
  AK_STOP_CANCEL = 1 /* fail queued work with AK_ECANCELED; running work sees ak_task_cancelled */
};

/* ak_pool_options.workers: one worker per hardware thread. */
#define AK_WORKERS_DEFAULT ((unsigned)-1)
/* The largest worker count a pool accepts. */
#define AK_WORKERS_MAX 1024u

/* ---------------------------------------------------------------------------------------------
 * Opaque types
 * ------------------------------------------------------------------------------------------- */
typedef struct ak_pool ak_pool;   /* a work-stealing thread pool */
typedef struct ak_value ak_value; /* a value that is set once: by work, by a list, or by hand */
typedef struct ak_task ak_task;   /* the running work's view of itself; valid only inside ak_fn */

/* ---------------------------------------------------------------------------------------------
 * Callback types
 * ------------------------------------------------------------------------------------------- */

/* Work. Runs once on a pool thread with the `arg` given at submission. Returns AK_OK, or a non-zero
 * code to fail its value (see ak_task_fail). `task` is valid only for the duration of the call. */
typedef int (*ak_fn)(ak_task *task, void *arg);

/* Frees a result. Called exactly once, when the last reference to the value holding it goes. */
typedef void (*ak_free_fn)(void *p);

/* Called once when a value is set (see ak_value_on_done). `v` is borrowed for the call. */
typedef void (*ak_done_fn)(ak_value *v, void *arg);

/* ---------------------------------------------------------------------------------------------
 * Size-versioned structs: set `size` to sizeof(the struct) you compiled with. Fields are only ever
 * appended, so an older caller's smaller struct keeps working with a newer library.
 * ------------------------------------------------------------------------------------------- */
typedef struct ak_pool_options {
  size_t size;      /* sizeof(ak_pool_options) */
  unsigned workers; /* worker threads; 0 queues work until resized; AK_WORKERS_DEFAULT */
  const char *name; /* thread name prefix (first 11 bytes are used) or NULL; copied */
} ak_pool_options;

/* clang-format off */
#define AK_POOL_OPTIONS_INIT {sizeof(ak_pool_options), AK_WORKERS_DEFAULT, NULL}
/* clang-format on */

typedef struct ak_stats {
  size_t size;        /* sizeof(ak_stats), set by the caller */
  uint64_t submitted; /* tasks accepted (including those still waiting for their inputs) */
  uint64_t completed; /* tasks whose work ran and returned AK_OK */
  uint64_t failed;    /* tasks that failed: the work failed, an input failed, or the pool's stop
                         completed before their inputs arrived (AK_ESHUTDOWN) */
  uint64_t cancelled; /* tasks cancelled before their work ran (ak_value_cancel, AK_STOP_CANCEL) */
  uint64_t steals;    /* tasks a worker took from another worker's queue */
  uint64_t queued;    /* tasks ready to run and not started yet (a snapshot) */
  unsigned workers;   /* worker threads currently alive */
  /* add fields only at the end */
} ak_stats;

/* clang-format off */
#define AK_STATS_INIT {sizeof(ak_stats), 0, 0, 0, 0, 0, 0, 0}
/* clang-format on */

/* ---------------------------------------------------------------------------------------------
 * Pool
 * ------------------------------------------------------------------------------------------- */

/* Creates a pool and writes it to *out. NULL `opts` means one worker per hardware thread.
 * `opts->size` must be at least the size of the first version of ak_pool_options.
 * Ownership: the caller owns the pool and ends it with ak_pool_destroy.
 * Returns AK_OK, AK_EINVAL (NULL out, bad size, workers > AK_WORKERS_MAX), AK_ENOMEM (memory or
 * threads could not be had; nothing is left behind). */
AK_API int ak_pool_create(const ak_pool_options *opts, ak_pool **out);

/* The process-wide pool, made on first use with one worker per hardware thread. It is never
 * destroyed: ak_pool_destroy ignores it and ak_pool_stop refuses it with AK_EINVAL. It may be
 * resized. Returns NULL only if it could not be made (out of memory or threads). */
AK_API ak_pool *ak_pool_default(void);

/* Submits fn(task, arg) to run on pool `p` and writes its value to *out (one reference).
 * `arg` is passed through untouched; it stays the caller's to manage.
 * Called from inside work running on `p`, the task goes to the calling worker's own queue.
 * Returns AK_OK, AK_EINVAL (NULL p, fn or out), AK_ESHUTDOWN (ak_pool_stop was called; from inside
 * the pool's own work, only once the stop has completed), AK_ENOMEM. */
AK_API int ak_pool_do(ak_pool *p, ak_fn fn, void *arg, ak_value **out);

/* Like ak_pool_do, but fn runs only once all `n` values in `deps` are set, and the work reads their
 * results with ak_task_input(task, i) in the order given. If any input fails or is cancelled, fn
 * never runs and the value fails with that input's code and the message "input <i> failed: <its
 * message>", for the lowest failed index i, reported once every input before i is set.
 * The task holds its own references to the inputs until it has run; the caller's references are
 * untouched. If the pool's stop has completed by the time the inputs are set, the value fails with
 * AK_ESHUTDOWN. `deps` may be NULL when n is 0.
 * Returns AK_OK, AK_EINVAL (NULL p, fn, out, NULL deps with n > 0, a NULL element, n > UINT32_MAX),
 * AK_ESHUTDOWN, AK_ENOMEM. */
AK_API int ak_pool_do_after(ak_pool *p, ak_value *const *deps, size_t n, ak_fn fn, void *arg,
                            ak_value **out);

/* Asks the pool for `workers` threads (AK_WORKERS_DEFAULT: one per hardware thread). Growing
 * starts threads at once. Shrinking never drops queued work: surplus workers finish their current
 * task, hand their queue to the others and leave. 0 is allowed: work then queues until the pool is
 * resized again. Safe while work runs and is submitted, and from inside the pool's own work.
 * Returns AK_OK, AK_EINVAL (NULL p, workers > AK_WORKERS_MAX other than AK_WORKERS_DEFAULT),
 * AK_ESHUTDOWN (after ak_pool_stop), AK_ENOMEM (threads could not be started; the pool keeps
 * those it could start). */
AK_API int ak_pool_resize(ak_pool *p, unsigned workers);

/* The worker count last asked for (by ak_pool_create or ak_pool_resize), with AK_WORKERS_DEFAULT
 * resolved to the hardware thread count it stood for; 0 for NULL. */
AK_API unsigned ak_pool_workers(const ak_pool *p);

/* Writes a snapshot of the pool's counters into *out, of which the caller sets out->size first.
 * Counters are read without stopping the pool, so they may be mutually a little out of step; a
 * task is counted (completed, failed, cancelled) before its value is published.
 * Returns AK_OK, AK_EINVAL (NULL p or out, out->size smaller than the first version). */
AK_API int ak_pool_stats(const ak_pool *p, ak_stats *out);

/* Stops the pool: from the call on, ak_pool_do from outside the pool returns AK_ESHUTDOWN.
 * AK_STOP_DRAIN runs every queued task; AK_STOP_CANCEL fails queued tasks with AK_ECANCELED and
 * raises the flag ak_task_cancelled reads for running ones. Waits up to `timeout_ns` for the pool
 * to go quiet, then ends its workers. A pool with 0 workers drains on the calling thread.
 * Called from inside the pool's own work, it waits for all other work and returns; the caller's
 * own task finishes normally afterwards. Work still waiting for its inputs when the stop completes
 * fails with AK_ESHUTDOWN when they arrive. May be called again (for example with CANCEL after a
 * DRAIN timed out).
 * Returns AK_OK, AK_ETIMEDOUT (not quiet in time; call again), AK_EINVAL (NULL p, the default
 * pool, `how` unknown, bad timeout). */
AK_API int ak_pool_stop(ak_pool *p, int how, int64_t timeout_ns);

/* ak_pool_stop(p, AK_STOP_DRAIN, AK_FOREVER), then frees the pool. Values it made stay valid.
 * When it returns, every task queued on the pool has run and its workers run nothing more (their
 * results are held only by the values); continuations still waiting for their inputs fail with
 * AK_ESHUTDOWN when those arrive. Called from inside the pool's own work, it returns after the
 * other work is done, and the pool is freed once the calling work returns.
 * NULL and the default pool are ignored. The handle must not be used afterwards. */
AK_API void ak_pool_destroy(ak_pool *p);

/* ---------------------------------------------------------------------------------------------
 * Task: called by work, with the ak_task* it was given, during that call only
 * ------------------------------------------------------------------------------------------- */

/* The result of input `i` (see ak_pool_do_after and ak_chain): borrowed, valid during the call.
 * NULL when i is out of range (or the input's result is NULL). */
AK_API void *ak_task_input(const ak_task *t, size_t i);

/* The number of inputs: 0 for ak_pool_do, n for ak_pool_do_after, 1 for ak_chain on a single value
 * or an any-list, the element count for ak_chain on a join list. 0 for NULL. */
AK_API size_t ak_task_input_count(const ak_task *t);

/* Sets the task's result, which the value takes over: it is freed with free_fn (if not NULL) when
 * the value's last reference goes, even if the task then fails. A second call replaces the result
 * and frees the previous one at once.
 * Returns AK_OK, AK_EINVAL (NULL t; the result then stays the caller's). */
AK_API int ak_task_set_result(ak_task *t, void *result, ak_free_fn free_fn);

/* Marks the task failed with `code` (0 becomes AK_EWORK) and a printf-style message (NULL fmt:
 * keep the message of an earlier call, or if there was none, "failed with code <N> (<text>)").
 * Returns the code used, so `return ak_task_fail(t, 5, "...");` works. If the work then returns a
 * different non-zero code, that code wins and the message stays. Any failure without a message
 * gets "failed with code <N> (<ak_strerror text>)".
 * Returns AK_EINVAL for NULL t. */
AK_API int ak_task_fail(ak_task *t, int code, const char *fmt, ...) AK_PRINTF_LIKE(3, 4);

/* 1 if the task's value was cancelled while running or its pool is stopping with AK_STOP_CANCEL,
 * else 0. Work that runs long should poll it and return AK_ECANCELED. Cancelling running work is a
 * request: work that returns AK_OK anyway sets its value normally. 0 for NULL. */
AK_API int ak_task_cancelled(const ak_task *t);

/* The pool running the task (borrowed). NULL for NULL. */
AK_API ak_pool *ak_task_pool(const ak_task *t);

/* ---------------------------------------------------------------------------------------------
 * Value
 * ------------------------------------------------------------------------------------------- */

/* Waits up to timeout_ns for `v` to be set. On success writes the result to *result (borrowed:
 * owned by the value, valid while you hold a reference) and returns AK_OK. For a join list the
 * result is a `void **` array of the element results in list order (NULL for an empty list); for
 * an any-list it is the winning element's result.
 * Called from a pool worker, the wait runs other queued work meanwhile, so nested waits never
 * deadlock the pool.
 * Returns AK_OK, the value's failure code, AK_ETIMEDOUT (not set in time), AK_EINVAL (NULL v or
 * result, bad timeout). A work code equal to AK_ETIMEDOUT is told apart with ak_value_is_set. */
AK_API int ak_value_get(ak_value *v, int64_t timeout_ns, void **result);

/* Waits like ak_value_get without reading the result. Returns AK_OK once the value is set, failed
 * or not; AK_ETIMEDOUT otherwise; AK_EINVAL (NULL v, bad timeout). */
AK_API int ak_value_wait(ak_value *v, int64_t timeout_ns);

/* AK_EPENDING while unset, AK_OK if set with a result, else the failure code. Never blocks.
 * AK_EINVAL for NULL. */
AK_API int ak_value_status(const ak_value *v);

/* 1 once the value is set (with a result or a failure), else 0 (also for NULL). Never blocks. */
AK_API int ak_value_is_set(const ak_value *v);

/* 1 once the value is set with a failure, else 0 (also for NULL). Never blocks. */
AK_API int ak_value_is_error(const ak_value *v);

/* The failure message of a failed value, "" otherwise (and for NULL). Owned by the value; valid
 * while a reference to it is held. */
AK_API const char *ak_value_message(const ak_value *v);

/* Which input made `v` fail: for a value that failed because one of its inputs or elements failed,
 * writes that input's index to *index: for dependent work (ak_pool_do_after), the lowest failed
 * index of `deps`; for a chain (ak_chain, ak_chain_on), 0, or on a join list the failed element's
 * index; for a join list, the failed element's index; for an any-list, the index of the element
 * whose failure set it (as ak_list_any_index). The index is the one the message names ("input <i>
 * failed", "element <i> failed"), so bindings need not parse the message. Never blocks.
 * Returns AK_OK, AK_EPENDING (not set yet), AK_ESTATE (set with a result, or failed some other way:
 * the work failed, it was cancelled, its pool stopped, a promise was failed by hand), AK_EINVAL
 * (NULL v or index). *index is written only on AK_OK. */
AK_API int ak_value_failed_index(const ak_value *v, size_t *index);

/* Calls fn(v, arg) once when `v` is set: at once on the calling thread if it already is, else on
 * the thread that sets it: the worker that ran the work, or the thread that calls ak_value_set,
 * ak_value_fail, ak_value_cancel or ak_pool_stop, or that releases the last caller reference of
 * an abandoned promise, or that sets an input a failing dependent was waiting for. Keep fn short;
 * it may call any function here. Several callbacks may be registered; each runs once, in the order
 * registered. A callback must not throw (C++) or unwind (other languages); should a C++ exception
 * escape anyway, it is caught and ignored and the other callbacks still run.
 * Returns AK_OK, AK_EINVAL (NULL v or fn), AK_ENOMEM. */
AK_API int ak_value_on_done(ak_value *v, ak_done_fn fn, void *arg);

/* Cancels: a task that has not started never runs and its value fails with AK_ECANCELED (AK_OK);
 * an unset promise or list fails with AK_ECANCELED (AK_OK; a list's elements are not touched);
 * a running task gets the flag ak_task_cancelled reads (AK_ESTATE); a set value is unchanged
 * (AK_ESTATE). AK_EINVAL for NULL. */
AK_API int ak_value_cancel(ak_value *v);

/* Adds a caller reference. NULL is ignored. A promise counts as abandoned only once every caller
 * reference is released, including those added here: a binding that keeps a promise for its own
 * bookkeeping should not retain it, or it will never be abandoned. */
AK_API void ak_value_retain(ak_value *v);

/* Drops a reference; the last one frees the value and its result (with the result's free_fn).
 * Releasing a pending task's value is fine: the work still runs. Releasing the last caller
 * reference of an unset promise fails it with AK_ECANCELED ("abandoned promise"), so work that
 * depends on it does not wait forever. NULL is ignored. */
AK_API void ak_value_release(ak_value *v);

/* Makes a promise: an unset value that the caller sets with ak_value_set or ak_value_fail.
 * Returns AK_OK, AK_EINVAL (NULL out), AK_ENOMEM. */
AK_API int ak_value_new(ak_value **out);

/* Sets a promise with `result`, which it takes over (freed with free_fn when the value goes).
 * Waiters wake and dependent work is scheduled; done-callbacks run on this thread.
 * Returns AK_OK, AK_EINVAL (NULL v), AK_ESTATE (already set, or not a promise). On any error the
 * result stays the caller's. */
AK_API int ak_value_set(ak_value *v, void *result, ak_free_fn free_fn);

/* Fails a promise with `code` (0 becomes AK_EWORK) and a copy of `message` (NULL: a message
 * naming the code). Returns AK_OK, AK_EINVAL (NULL v), AK_ESTATE (already set, or not a
 * promise). */
AK_API int ak_value_fail(ak_value *v, int code, const char *message);

/* ---------------------------------------------------------------------------------------------
 * Lists and chains
 * ------------------------------------------------------------------------------------------- */

/* A join list: a value set once all `n` values are set. Its result is a `void **` array of their
 * results in list order, owned by the list. If any element fails, the list fails with the code
 * of the lowest-index failed element and the message "element <i> failed: <its message>", as
 * soon as every element before it is set. An empty list (n = 0) is set at once. The list holds
 * its own references to the elements. Returns AK_OK, AK_EINVAL (NULL out, NULL values with n > 0,
 * a NULL element, n > UINT32_MAX), AK_ENOMEM. */
AK_API int ak_list_join(ak_value *const *values, size_t n, ak_value **out);

/* An any-list: a value set by the first of the `n` values to be set, with its result (borrowed
 * from that element) or its failure code and message. Among elements already set when the list
 * is made, the lowest index wins. Returns AK_OK, AK_EINVAL (as for
 * ak_list_join, and n = 0), AK_ENOMEM. */
AK_API int ak_list_any(ak_value *const *values, size_t n, ak_value **out);

/* The number of elements of a join or any list; 0 for anything else. */
AK_API size_t ak_list_size(const ak_value *list);

/* Element `i` of a list (borrowed: valid while the list is held; retain it to keep it longer).
 * NULL when `list` is not a list or i is out of range. */
AK_API ak_value *ak_list_at(const ak_value *list, size_t i);

/* Writes the index of the element that set an any-list. Returns AK_OK, AK_EPENDING (not set yet,
 * or set by ak_value_cancel), AK_EINVAL (NULL arguments, not an any-list). */
AK_API int ak_list_any_index(const ak_value *any, size_t *index);

/* Continues `prev`: fn runs once prev is set, on prev's pool: the pool that runs (or ran) it;
 * for a list, the pool of its first element that has one; for a promise (or a list of promises),
 * the default pool (see ak_pool_default). Works on values already set. The task holds its own
 * reference to prev until it has run (or failed); the caller's reference is untouched. The inputs
 * are prev's result, or, when prev is a join list, its elements' results in order. If prev fails,
 * fn never runs and the value fails as described for ak_pool_do_after; on a join list the input
 * named is the failed element ("input <i> failed: <element i's message>"), as the elements are the
 * inputs. If that pool's stop has completed when prev is set, the value fails with AK_ESHUTDOWN.
 * Returns AK_OK, AK_EINVAL (NULL prev, fn or out), AK_ESHUTDOWN (the pool is stopped, or was
 * destroyed), AK_ENOMEM. */
AK_API int ak_chain(ak_value *prev, ak_fn fn, void *arg, ak_value **out);

/* Like ak_chain, on the pool `p` of the caller's choosing. Returns as ak_chain, and AK_EINVAL for
 * NULL p. */
AK_API int ak_chain_on(ak_pool *p, ak_value *prev, ak_fn fn, void *arg, ak_value **out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ASYNCKIT_H */
