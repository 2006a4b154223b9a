/* akgo.h -- the C side of the Go binding: small shims between asynckit.h and the Go trampolines.
 *
 * Go closures never cross into C. Each crosses as a runtime/cgo.Handle, an integer carried in
 * the library's `void *arg` and result slots, and is converted back only in Go. Handles travel as
 * uintptr_t, never as a Go pointer type: a small integer in a pointer-typed Go variable upsets
 * the Go garbage collector.
 *
 * Only declarations here: exports.go includes this file, and a file with //export may not define
 * C functions in its preamble. The definitions are in akgo.c. Both belong to package capi, the
 * binding's raw layer; the Go side of these shims is in that package's .go files. */
#ifndef ASYNCKIT_GO_AKGO_H
#define ASYNCKIT_GO_AKGO_H

#include <stddef.h>
#include <stdint.h>

#include <asynckit.h>

/* Returned when a done-callback could not be registered and the value could not be cancelled
 * either: the work may run, so its handle must be left alone. Not a library code. */
#define AKGO_ELOST (-1000)

/* ak_pool_do / ak_pool_do_after / ak_chain / ak_chain_on with the Go work trampoline and handle
 * `h` as its arg, then akgo_watch on the new value. On any error nothing is left behind (the
 * handle stays the caller's), except AKGO_ELOST. */
int akgo_do(ak_pool *p, uintptr_t h, ak_value **out);
int akgo_do_after(ak_pool *p, ak_value *const *deps, size_t n, uintptr_t h, ak_value **out);
int akgo_chain(ak_value *prev, uintptr_t h, ak_value **out);
int akgo_chain_on(ak_pool *p, ak_value *prev, uintptr_t h, ak_value **out);

/* Registers the Go done trampoline for `v` with handle `h`. If that fails, cancels `v` (a value
 * that has not started never runs) and returns the failure; AKGO_ELOST if `v` could not be
 * cancelled. The trampoline gets the status, the message and ak_value_failed_index (-1 when it
 * has none), read while `v` is certainly alive: Go may release its reference before it asks. */
int akgo_watch(ak_value *v, uintptr_t h);

/* ak_value_set with the handle `result` and the Go free trampoline. */
int akgo_set(ak_value *v, uintptr_t result);

/* ak_value_get without waiting: writes the result (a handle, or a join list's array) to *out. */
int akgo_get(ak_value *v, uintptr_t *out);

/* Copies n entries of the `void *` array at `array` into out. */
void akgo_read_array(uintptr_t array, uintptr_t *out, size_t n);

/* ak_task_input as an integer. */
uintptr_t akgo_task_input(const ak_task *t, size_t i);

/* 1 while the calling thread runs Go work for any pool, else 0. A goroutine running work is
 * locked to its thread for the whole callback, so the answer is about that goroutine. */
int akgo_in_work(void);

/* AK_VERSION_STRING of the header this binding was compiled against. */
const char *akgo_header_version(void);

#endif /* ASYNCKIT_GO_AKGO_H */
