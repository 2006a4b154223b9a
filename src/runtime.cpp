// runtime.cpp -- the facade: each ak_* entry point as one call into the layers below
// (runtime.hpp).
#include "runtime.hpp"

#include "base/futex.hpp"
#include "base/status.hpp"
#include "sched/pool.hpp"
#include "sched/registry.hpp"
#include "value/list.hpp"
#include "value/node.hpp"
#include "value/task.hpp"
#include "value/value.hpp"

namespace ak::rt {

namespace {

// Waits for v up to the absolute deadline (-1: none). A worker runs other queued work of its
// pool meanwhile, so nested waits never deadlock the pool; any other thread sleeps.
bool wait(Node* v, int64_t deadline) {
  if (is_done(v)) return true;
  if (deadline >= 0 && time_left(deadline) == 0) return false;  // a poll runs nothing
  if (Worker* w = current_worker()) return w->pool->help_until_done(w, v, deadline);
  return wait_outside(v, deadline);
}

// A continuation of `prev` on pool p: its input is prev, or prev's elements when prev is a join.
int continue_on(Pool* p, Node* prev, ak_fn fn, void* arg, Node** out) {
  retain_internal(prev);  // the task's, once it is made
  int rc;
  try {
    rc = p->submit_after(prev, prev->kind == Kind::kJoin, fn, arg, out);
  } catch (...) {
    release_internal(prev);
    throw;
  }
  if (rc != AK_OK) release_internal(prev);
  return rc;
}

}  // namespace

// --- version and status -----------------------------------------------------------------------

const char* version() noexcept { return AK_VERSION_STRING; }
unsigned version_number() noexcept { return AK_VERSION_NUMBER; }
const char* strerror(int code) noexcept { return status_text(code); }
int status_of_current_exception() noexcept { return failure_of_current_exception().code; }

// --- pool -------------------------------------------------------------------------------------

int pool_create(unsigned workers, const char* name, Pool** out) {
  return Pool::create(workers, name, false, out);
}

Pool* pool_default() noexcept { return default_pool(); }

int pool_do(Pool* p, ak_fn fn, void* arg, Node** out) { return p->submit(fn, arg, out); }

int pool_do_after(Pool* p, ak_value* const* deps, size_t n, ak_fn fn, void* arg, Node** out) {
  Node* dep;
  if (n == 1) {
    dep = as_node(deps[0]);
    retain_internal(dep);
  } else {
    dep = make_list(Kind::kJoin, NodeSpan{deps, n}, false);  // hidden: the task owns it
  }
  int rc;
  try {
    rc = p->submit_after(dep, n > 1, fn, arg, out);
  } catch (...) {
    release_internal(dep);
    throw;
  }
  if (rc != AK_OK) release_internal(dep);
  return rc;
}

int pool_resize(Pool* p, unsigned workers) { return p->resize(workers); }
unsigned pool_workers(const Pool* p) noexcept { return p->workers_asked(); }
void pool_stats(const Pool* p, ak_stats* out) noexcept { p->stats(out); }
bool pool_is_default(const Pool* p) noexcept { return p->is_default(); }
int pool_stop(Pool* p, int how, int64_t timeout_ns) { return p->stop(how, timeout_ns); }
void pool_destroy(Pool* p) noexcept { p->destroy(); }

// --- task -------------------------------------------------------------------------------------

void* task_input(const Node* t, size_t i) noexcept { return ak::task_input(t, i); }
size_t task_input_count(const Node* t) noexcept { return ak::task_input_count(t); }
void task_set_result(Node* t, void* result, ak_free_fn free_fn) noexcept {
  ak::task_set_result(t, result, free_fn);
}
int task_fail(Node* t, int code, const char* fmt, va_list args) noexcept {
  return ak::task_fail(t, code, fmt, args);
}
bool task_cancelled(const Node* t) noexcept { return ak::task_cancelled(t); }
// The pool that made the task is its executor (Pool is the only Executor).
Pool* task_pool(const Node* t) noexcept { return static_cast<Pool*>(t->exec); }

// --- value ------------------------------------------------------------------------------------

int value_get(Node* v, int64_t timeout_ns, void** result) {
  if (!wait(v, deadline_after(timeout_ns))) return AK_ETIMEDOUT;
  if (v->status != AK_OK) return v->status;
  *result = v->result;
  return AK_OK;
}

int value_wait(Node* v, int64_t timeout_ns) {
  return wait(v, deadline_after(timeout_ns)) ? AK_OK : AK_ETIMEDOUT;
}

int value_status(const Node* v) noexcept { return status_of(v); }
bool value_is_set(const Node* v) noexcept { return is_done(v); }
bool value_is_error(const Node* v) noexcept { return is_done(v) && v->status != AK_OK; }
const char* value_message(const Node* v) noexcept { return message_of(v); }

int value_failed_index(const Node* v, size_t* index) noexcept {
  if (!is_done(v)) return AK_EPENDING;
  const uint32_t i = failed_input_index(v);
  if (i == kNoIndex) return AK_ESTATE;
  *index = i;
  return AK_OK;
}

int value_on_done(Node* v, ak_done_fn fn, void* arg) {
  add_done_callback(v, fn, arg);
  return AK_OK;
}

int value_cancel(Node* v) noexcept { return cancel(v); }
void value_retain(Node* v) noexcept { retain_user(v); }
void value_release(Node* v) noexcept { release_user(v); }
Node* value_new() { return new_promise(); }
int value_set(Node* v, void* result, ak_free_fn free_fn) noexcept {
  return promise_set(v, result, free_fn);
}
int value_fail(Node* v, int code, const char* message) noexcept {
  return promise_fail(v, code, message);
}

// --- lists and chains -------------------------------------------------------------------------

Node* list_join(ak_value* const* values, size_t n) {
  return make_list(Kind::kJoin, NodeSpan{values, n}, true);
}
Node* list_any(ak_value* const* values, size_t n) {
  return make_list(Kind::kAny, NodeSpan{values, n}, true);
}
size_t list_size(const Node* list) noexcept { return ak::list_size(list); }
Node* list_at(const Node* list, size_t i) noexcept { return ak::list_at(list, i); }
int list_any_index(const Node* any, size_t* index) noexcept { return any_index(any, index); }

int chain(Node* prev, ak_fn fn, void* arg, Node** out) {
  // prev's pool: the one that runs (or ran) it, or for a list its first element's that has
  // one; for promises, the default pool. A finished task's pool is found by its serial, since
  // it may have been destroyed since.
  const Node* runner = first_task(prev);
  Pool* p;
  if (!runner) {
    p = default_pool();
    if (!p) return AK_ENOMEM;
  } else {
    p = find_live(runner->exec_serial);
    if (!p) return AK_ESHUTDOWN;  // that pool was destroyed
  }
  return continue_on(p, prev, fn, arg, out);
}

int chain_on(Pool* p, Node* prev, ak_fn fn, void* arg, Node** out) {
  return continue_on(p, prev, fn, arg, out);
}

}  // namespace ak::rt
