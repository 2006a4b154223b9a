// task.cpp -- a task's phases, inputs, run and outcome (task.hpp).
#include "value/task.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "base/assert.hpp"
#include "base/fault.hpp"
#include "value/executor.hpp"
#include "value/handoff.hpp"
#include "value/list.hpp"
#include "value/value.hpp"

namespace ak {

namespace {

void drop_inputs(Node* t) noexcept {
  if (Node* d = t->dep) {
    t->dep = nullptr;
    release_internal(d);
  }
}

// The dep_link's notify: the task's input was set. Runs on the thread that set it.
void on_input_set(Listener* l) noexcept {
  Node* t = node_of_dep_link(l);
  Node* d = t->dep;
  Executor* exec = t->exec;
  if (d->status != AK_OK) {
    // The input failed: name it and keep its message verbatim.
    int code = d->status;
    const bool element = t->spread && d->list->decided != kNoIndex;
    const uint32_t index = element ? d->list->decided : 0;
    std::string msg;
    try {
      if (element) {
        Node* e = d->list->elems[index];
        msg = fmt::format("input {} failed: {}", index, failure_text(e));
        code = e->status;
      } else {
        msg = fmt::format("input 0 failed: {}", failure_text(d));
      }
    } catch (...) {  // out of memory: the value still fails with the input's code
    }
    if (claim(t, kWaiting)) {
      set_failure(t, code, msg.empty() ? nullptr : msg.c_str());
      t->fail_kind = kFailedByInput;
      t->failed_input = index;
      exec->count(Outcome::kFailed);  // before waiters wake
      publish(t);
    }
    drop_inputs(t);
    exec->release_waiting();
    release_internal(t);  // the reference held while the task was pending
    return;
  }
  // Ready: queue it unless it was cancelled while waiting. The task keeps its input until it ran.
  // relaxed: the CAS is the decision; the input's outcome was acquired by whoever fired us.
  uint32_t s = t->state.load(std::memory_order_relaxed);
  while (phase_of(s) == kWaiting) {
    // release: the worker that takes the task from a queue sees its fields (the queue also orders).
    if (t->state.compare_exchange_weak(s, (s & ~kPhaseMask) | kQueued, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      // The pending reference now travels with the queued task; the executor drops the one held
      // for waiting (ready() does, or whoever takes a kept task).
      if (!keep(t)) exec->ready(t);
      return;
    }
  }
  drop_inputs(t);  // cancelled while it waited: its value is set already
  exec->release_waiting();
  release_internal(t);
}

Node* make_task(Executor* exec, uint64_t exec_serial, ak_fn fn, void* arg) {
  Node* t = new_node(Kind::kTask);
  t->refs.store(kUserRef + kRefOne, std::memory_order_relaxed);  // caller + pending; not shared
  t->exec = exec;
  t->exec_serial = exec_serial;
  t->fn = fn;
  t->arg = arg;
  return t;
}

}  // namespace

// --- made by the executor ---------------------------------------------------------------------

Node* new_task(Executor* exec, uint64_t exec_serial, ak_fn fn, void* arg) {
  Node* t = make_task(exec, exec_serial, fn, arg);
  t->state.store(kQueued, std::memory_order_relaxed);  // relaxed: published by the queue
  return t;
}

Node* new_waiting_task(Executor* exec, uint64_t exec_serial, ak_fn fn, void* arg, Node* dep,
                       bool spread) {
  Node* t = make_task(exec, exec_serial, fn, arg);
  t->dep = dep;
  t->spread = spread ? 1 : 0;
  t->dep_link = Listener{nullptr, &on_input_set};
  return t;
}

void wait_for_input(Node* t) noexcept {
  AK_ASSERT(t->kind == Kind::kTask && t->dep != nullptr);
  if (!add_listener(t->dep, &t->dep_link)) on_input_set(&t->dep_link);
}

// --- run by the executor ----------------------------------------------------------------------

bool task_start(Node* t) noexcept {
  // relaxed: the CAS revalidates.
  uint32_t s = t->state.load(std::memory_order_relaxed);
  for (;;) {
    if (phase_of(s) != kQueued) {  // cancelled while queued: its value is already set
      AK_ASSERT(phase_of(s) == kDone || phase_of(s) == kCompleting);
      drop_inputs(t);
      release_internal(t);
      return false;
    }
    // acquire: see the task's fields and its input's outcome.
    if (t->state.compare_exchange_weak(s, (s & ~kPhaseMask) | kRunning, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
  }
}

int task_call(Node* t) noexcept {
  int rc;
  try {
    rc = t->fn(as_task(t), t->arg);
  } catch (const std::exception& e) {
    rc = AK_EWORK;
    try {
      set_failure(t, rc, fmt::format("work threw an exception: {}", e.what()).c_str());
    } catch (...) {
      set_failure(t, rc, nullptr);
    }
  } catch (...) {
    rc = AK_EWORK;
    set_failure(t, rc, "work threw an exception");
  }
  const int code =
      rc != 0 ? rc : (t->fail_kind == kFailCalled ? effective_code(t->fail_code) : AK_OK);
  drop_inputs(t);  // inputs are no longer needed
  if (code == AK_OK) {
    t->status = AK_OK;
  } else if (t->message) {
    t->status = code;
  } else {
    set_failure(t, code, nullptr);
  }
  return code;
}

void task_finish(Node* t) noexcept {
  publish(t, kRunning);  // only this thread moves a running task on: no claim needed
  release_internal(t);   // the pending reference
}

bool task_fail_unrun(Node* t, uint32_t from, int code, const char* why) noexcept {
  const bool claimed = claim(t, from);
  if (claimed) {
    set_failure(t, code, why);
    // Before waiters wake, so that they see the count.
    t->exec->count(code == AK_ECANCELED ? Outcome::kCancelled : Outcome::kFailed);
    publish(t);
  }
  drop_inputs(t);
  release_internal(t);  // the pending reference
  return claimed;
}

// --- called by the work -----------------------------------------------------------------------

size_t task_input_count(const Node* t) noexcept {
  if (!t->dep) return 0;
  return t->spread ? list_size(t->dep) : 1;
}

void* task_input(const Node* t, size_t i) noexcept {
  if (!t->dep) return nullptr;
  if (t->spread) {
    const ListExt* x = t->dep->list;
    return i < x->n ? x->results[i] : nullptr;
  }
  return i == 0 ? t->dep->result : nullptr;
}

void task_set_result(Node* t, void* result, ak_free_fn free_fn) noexcept {
  void* old = t->result;
  ak_free_fn old_free = t->free_fn;
  t->result = result;
  t->free_fn = free_fn;
  if (old && old_free && old != result) {
    UserCodeScope user;
    old_free(old);
  }
}

int task_fail(Node* t, int code, const char* fmt, va_list args) noexcept {
  t->fail_kind = kFailCalled;
  t->fail_code = effective_code(code);
  if (!fmt) return t->fail_code;
  va_list again;
  va_copy(again, args);
  const int len = std::vsnprintf(nullptr, 0, fmt, args);
  char* text = len >= 0 && !fault::should_fail()
                   ? static_cast<char*>(std::malloc(static_cast<size_t>(len) + 1))
                   : nullptr;
  if (text) std::vsnprintf(text, static_cast<size_t>(len) + 1, fmt, again);
  va_end(again);
  if (text) {
    if (t->message && !t->msg_static) std::free(t->message);
    t->message = text;
    t->msg_static = 0;
  }  // out of memory: the work still fails, with a message naming its code
  return t->fail_code;
}

bool task_cancelled(const Node* t) noexcept {
  // relaxed: a flag polled by work.
  return (t->state.load(std::memory_order_relaxed) & kCancelFlag) || t->exec->cancelling();
}

// --- reading ----------------------------------------------------------------------------------

uint32_t failed_input_index(const Node* n) noexcept {
  if (n->status == AK_OK) return kNoIndex;
  if (n->kind == Kind::kTask) return n->fail_kind == kFailedByInput ? n->failed_input : kNoIndex;
  return list_failed_element(n);  // kNoIndex for promises
}

}  // namespace ak
