// value.hpp -- a value's life: its outcome (claim, publish), its references, its listeners,
// promises, cancelling, done-callbacks and waiting outside a pool.
//
// Every value is set exactly once. A task that runs is set by the thread that ran it; everything
// else (a promise, a list, a cancel, a failed input, a stop) first claims the node with one
// compare-exchange to kCompleting, writes the outcome, then publishes: kDone, sleepers woken,
// listeners told.
#pragma once

#include <cstdint>
#include <string>

#include "value/node.hpp"

namespace ak {

// --- outcome ----------------------------------------------------------------------------------
// Moves the phase from `from` to kCompleting, keeping flags. The winner alone then writes the
// outcome and calls publish(). False if the phase was not `from`.
bool claim(Node* n, uint32_t from) noexcept;
// Marks a claimed node kDone, wakes sleepers and tells listeners. Caller holds a reference.
// `from` is the phase it is in: kCompleting after claim(), or kRunning for a task whose work just
// returned on this thread (no other thread moves a running task on, so it needs no claim).
void publish(Node* n, uint32_t from = kCompleting) noexcept;
// Writes a failure into a node being set (message copied; never throws: falls back to a static
// one). NULL message: one naming the code.
void set_failure(Node* n, int code, const char* message) noexcept;
// Claims n from `from` and fails it; false if someone else set it first.
bool fail_from(Node* n, uint32_t from, int code, const char* message) noexcept;
int effective_code(int code) noexcept;  // 0 -> AK_EWORK
// The failure message of a failed node, or one naming its code. Throws std::bad_alloc.
std::string failure_text(const Node* n);

// --- lifetime ---------------------------------------------------------------------------------
Node* new_node(Kind kind);  // refs = one caller reference; throws std::bad_alloc
void retain_user(Node* n) noexcept;
void release_user(Node* n) noexcept;  // the last caller reference of an unset promise fails it
void retain_internal(Node* n) noexcept;
void release_internal(Node* n) noexcept;
// Frees a node that was never shared with another thread, whatever its counts say.
void discard_unshared(Node* n) noexcept;

// --- listeners --------------------------------------------------------------------------------
// Pushes l onto n's stack; false if n is already set (the caller then reacts at once).
bool add_listener(Node* n, Listener* l) noexcept;
// Calls fn(ctx) once n is set, on the thread that sets it (at once if it already is: then false
// is returned and nothing is kept). Library code only: fn must not block. Throws std::bad_alloc.
bool add_hook(Node* n, void (*fn)(void* ctx) noexcept, void* ctx);
// ak_value_on_done: fn(v, arg) once n is set, as user code (see handoff.hpp). Throws bad_alloc.
void add_done_callback(Node* n, ak_done_fn fn, void* arg);

// --- promises and cancelling ------------------------------------------------------------------
Node* new_promise();  // throws std::bad_alloc
// ak_value_set / ak_value_fail: AK_OK, or AK_ESTATE (not a promise, or already set).
int promise_set(Node* n, void* result, ak_free_fn free_fn) noexcept;
int promise_fail(Node* n, int code, const char* message) noexcept;
// ak_value_cancel: AK_OK if it was pending and is now failed with AK_ECANCELED, else AK_ESTATE
// (a running task then gets its cancel flag).
int cancel(Node* n) noexcept;

// --- reading and waiting ----------------------------------------------------------------------
// ak_value_status: AK_EPENDING while unset, else the status.
int status_of(const Node* n) noexcept;
// The message of a failed node, "" otherwise.
const char* message_of(const Node* n) noexcept;
// Waits on a thread that is no pool's worker for n to be set, up to the absolute deadline (-1:
// none): spins briefly, then sleeps on the node's state word. True once set.
bool wait_outside(Node* n, int64_t deadline) noexcept;

}  // namespace ak
