// runtime.hpp -- the runtime's face toward the C API: one function per ak_* entry point.
//
// capi/ checks arguments, turns handles into these types and exceptions into codes, and makes
// exactly one call here. Below this file the runtime is layered one way (docs/ARCHITECTURE.md):
// the scheduler (src/sched/) runs tasks, values and tasks (src/value/) hold outcomes and hand
// ready work back to the scheduler through value/executor.hpp, and the primitives (src/base/)
// know neither. Only this file sees both the scheduler and the values, and decides what spans
// them: which pool a chain runs on, and how a thread waits (a worker helps, any other thread
// sleeps).
//
// Arguments are already checked: no pointer here is null unless its comment says so. Functions
// that may throw std::bad_alloc (or, for a bug, another exception) say so; capi/ catches.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include "asynckit.h"

namespace ak {
class Pool;
struct Node;
}  // namespace ak

namespace ak::rt {

// --- version and status -----------------------------------------------------------------------
const char* version() noexcept;
unsigned version_number() noexcept;
const char* strerror(int code) noexcept;
// The code for the exception being handled (call inside a catch block): AK_ENOMEM for memory and
// for threads the system cannot give, AK_EINTERNAL for anything else (base/status.hpp).
int status_of_current_exception() noexcept;

// --- pool -------------------------------------------------------------------------------------
// workers: a count up to AK_WORKERS_MAX, or AK_WORKERS_DEFAULT. Throws.
int pool_create(unsigned workers, const char* name, Pool** out);
Pool* pool_default() noexcept;                          // null if it cannot be made
int pool_do(Pool* p, ak_fn fn, void* arg, Node** out);  // throws
// n >= 1 values, none null. Throws.
int pool_do_after(Pool* p, ak_value* const* deps, size_t n, ak_fn fn, void* arg, Node** out);
int pool_resize(Pool* p, unsigned workers);  // throws
unsigned pool_workers(const Pool* p) noexcept;
void pool_stats(const Pool* p, ak_stats* out) noexcept;  // writes the counters, not `size`
bool pool_is_default(const Pool* p) noexcept;
int pool_stop(Pool* p, int how, int64_t timeout_ns);  // throws
void pool_destroy(Pool* p) noexcept;

// --- task -------------------------------------------------------------------------------------
void* task_input(const Node* t, size_t i) noexcept;
size_t task_input_count(const Node* t) noexcept;
void task_set_result(Node* t, void* result, ak_free_fn free_fn) noexcept;
int task_fail(Node* t, int code, const char* fmt, va_list args) noexcept;  // fmt may be null
bool task_cancelled(const Node* t) noexcept;
Pool* task_pool(const Node* t) noexcept;

// --- value ------------------------------------------------------------------------------------
// timeout_ns: >= 0 or AK_FOREVER.
int value_get(Node* v, int64_t timeout_ns, void** result);  // throws
int value_wait(Node* v, int64_t timeout_ns);                // throws
int value_status(const Node* v) noexcept;
bool value_is_set(const Node* v) noexcept;
bool value_is_error(const Node* v) noexcept;
const char* value_message(const Node* v) noexcept;
int value_failed_index(const Node* v, size_t* index) noexcept;
int value_on_done(Node* v, ak_done_fn fn, void* arg);  // throws
int value_cancel(Node* v) noexcept;
void value_retain(Node* v) noexcept;
void value_release(Node* v) noexcept;
Node* value_new();  // throws
int value_set(Node* v, void* result, ak_free_fn free_fn) noexcept;
int value_fail(Node* v, int code, const char* message) noexcept;  // message may be null

// --- lists and chains -------------------------------------------------------------------------
// n values, none null (values may be null when n is 0). Throw.
Node* list_join(ak_value* const* values, size_t n);
Node* list_any(ak_value* const* values, size_t n);
size_t list_size(const Node* list) noexcept;
Node* list_at(const Node* list, size_t i) noexcept;  // null when not a list or out of range
int list_any_index(const Node* any, size_t* index) noexcept;
int chain(Node* prev, ak_fn fn, void* arg, Node** out);              // throws
int chain_on(Pool* p, Node* prev, ak_fn fn, void* arg, Node** out);  // throws

}  // namespace ak::rt
