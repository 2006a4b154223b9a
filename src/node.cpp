// node.cpp -- setting values, telling their listeners, their lifetime, lists and task inputs.
#include "node.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <fmt/format.h>

#include "fault.hpp"
#include "futex.hpp"
#include "pool.hpp"
#include "recycler.hpp"

namespace ak {

namespace {

Listener* const kClosed = reinterpret_cast<Listener*>(uintptr_t{1});

constexpr const char kNoMemoryMessage[] = "out of memory while recording the failure";

// Listener stacks fired while another firing runs on this thread are queued here and handled by
// the outer loop, so a long chain of failures propagates iteratively instead of recursing.
thread_local Listener* tl_pending = nullptr;
thread_local bool tl_firing = false;

void fire(Node* n) noexcept {
  // acq_rel: acquire the listener fields pushed with release; release is not needed but harmless.
  Listener* l = n->listeners.exchange(kClosed, std::memory_order_acq_rel);
  // Reverse: listeners were pushed LIFO; callbacks run in registration order.
  Listener* ordered = nullptr;
  while (l) {
    Listener* next = l->next;
    l->next = ordered;
    ordered = l;
    l = next;
  }
  if (!ordered) return;
  if (tl_firing) {
    Listener* tail = ordered;
    while (tail->next) tail = tail->next;
    tail->next = tl_pending;
    tl_pending = ordered;
    return;
  }
  tl_firing = true;
  for (;;) {
    while (ordered) {
      Listener* next = ordered->next;
      notify_listener(ordered);
      ordered = next;
    }
    if (!tl_pending) break;
    ordered = tl_pending;
    tl_pending = nullptr;
  }
  tl_firing = false;
}

char* copy_string(const char* s) noexcept {
  if (fault::should_fail()) return nullptr;
  const size_t len = std::strlen(s);
  auto* copy = static_cast<char*>(std::malloc(len + 1));
  if (copy) std::memcpy(copy, s, len + 1);
  return copy;
}

void destroy(Node* n) noexcept {
  if (n->result && n->free_fn) {
    const bool completing = set_completing(false);  // user code: it may block
    try {
      n->free_fn(n->result);
    } catch (...) {  // a C++ free function that throws: nothing to report to, keep going
    }
    set_completing(completing);
  }
  if (n->message && !n->msg_static) std::free(n->message);
  if (n->kind == Kind::kJoin || n->kind == Kind::kAny) {
    ListExt* x = n->list;
    if (x) {
      for (uint32_t i = 0; i < x->n; ++i) release_internal(x->elems[i]);
      ::operator delete(x);
    }
  }
  n->~Node();
  block_free(n);
}

std::string failure_text(const Node* n) {
  if (n->message && n->message[0]) return n->message;
  return fmt::format("failed with code {} ({})", n->status, ak_strerror(n->status));
}

// --- join and any lists -----------------------------------------------------------------------

void complete_join_failed(Node* list, uint32_t i) noexcept {
  if (!claim(list, kWaiting)) return;
  Node* e = list->list->elems[i];
  list->list->decided = i;
  try {
    const std::string msg = fmt::format("element {} failed: {}", i, failure_text(e));
    set_failure(list, e->status, msg.c_str());
  } catch (...) {
    set_failure(list, e->status, nullptr);
  }
  publish(list);
}

// Reports the lowest-index failure once every element before it is set. Elements [0, scan) are
// known to be set without failure; the scan resumes there.
void join_scan(Node* list, bool all_set) noexcept {
  ListExt* x = list->list;
  // relaxed: scan is a resumable hint; the element states below are what is trusted.
  uint32_t p = x->scan.load(std::memory_order_relaxed);
  while (p < x->n) {
    Node* e = x->elems[p];
    // seq_cst: Dekker pairing with the any_failed flag (see on_join_elem).
    if (phase_of(e->state.load(std::memory_order_seq_cst)) != kDone) break;
    if (e->status != AK_OK) {
      complete_join_failed(list, p);
      return;
    }
    ++p;
  }
  uint32_t cur = x->scan.load(std::memory_order_relaxed);
  // relaxed: see above; the CAS only keeps the hint from moving backwards.
  while (cur < p && !x->scan.compare_exchange_weak(cur, p, std::memory_order_relaxed)) {
  }
  if (all_set && p == x->n && claim(list, kWaiting)) {
    list->status = AK_OK;
    list->result = x->n ? static_cast<void*>(x->results) : nullptr;
    publish(list);
  }
}

void on_join_elem(Node* list, uint32_t i) noexcept {
  ListExt* x = list->list;
  Node* e = x->elems[i];
  if (e->status == AK_OK) {
    x->results[i] = e->result;
  } else {
    // seq_cst: a reporter of an earlier element that reads 0 here must have been seen by our
    // scan below, and the other way round (both sides use seq_cst).
    x->any_failed.store(1, std::memory_order_seq_cst);
  }
  // Scan before our decrement: the list stays alive until the last report has finished.
  if (x->any_failed.load(std::memory_order_seq_cst) != 0) join_scan(list, false);
  // acq_rel: the last reporter sees every results[] slot written by the others.
  if (x->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    join_scan(list, true);
    release_internal(list);  // the reference held for the element reports
  }
}

void on_any_elem(Node* list, uint32_t i) noexcept {
  ListExt* x = list->list;
  Node* e = x->elems[i];
  if (claim(list, kWaiting)) {
    x->decided = i;
    if (e->status == AK_OK) {
      list->status = AK_OK;
      list->result = e->result;  // borrowed: the list holds the element
    } else {
      try {
        set_failure(list, e->status, failure_text(e).c_str());
      } catch (...) {
        set_failure(list, e->status, nullptr);
      }
    }
    publish(list);
  }
  // acq_rel: the last reporter's release of the list happens after every other report.
  if (x->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) release_internal(list);
}

}  // namespace

// --- state ------------------------------------------------------------------------------------

bool claim(Node* n, uint32_t from) noexcept {
  // relaxed: the CAS below revalidates; flags may change under us.
  uint32_t s = n->state.load(std::memory_order_relaxed);
  while (phase_of(s) == from) {
    // acquire: the claimer reads fields written before the previous phase (inputs, task result).
    if (n->state.compare_exchange_weak(s, (s & ~kPhaseMask) | kCompleting,
                                       std::memory_order_acquire, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void publish(Node* n, uint32_t from) noexcept {
  // seq_cst: release makes the outcome visible to whoever sees kDone; seq_cst also orders it
  // against the join's any_failed flag (Dekker pairing in on_join_elem). An add, not a store:
  // flags set meanwhile (sleepers, cancel) are kept.
  const uint32_t old = n->state.fetch_add(kDone - from, std::memory_order_seq_cst);
  if (old & kSleepersFlag) futex_wake(n->state, INT_MAX);
  fire(n);
}

// --- lifetime ---------------------------------------------------------------------------------

Node* new_node(Kind kind) {
  void* mem = block_alloc();
  Node* n = new (mem) Node;
  n->refs.store(kUserRef, std::memory_order_relaxed);  // relaxed: not yet shared
  n->state.store(kWaiting, std::memory_order_relaxed);
  n->status = AK_EPENDING;
  n->result = nullptr;
  n->free_fn = nullptr;
  n->message = nullptr;
  n->listeners.store(nullptr, std::memory_order_relaxed);
  n->next.store(nullptr, std::memory_order_relaxed);  // relaxed: not yet shared
  n->pool = nullptr;
  n->pool_serial = 0;
  n->fn = nullptr;
  n->arg = nullptr;
  n->dep = nullptr;
  n->kind = kind;
  n->spread = 0;
  n->msg_static = 0;
  n->fail_called = 0;
  n->fail_code = 0;
  n->dep_link = Listener{nullptr, nullptr, 0, ListenKind::kDep};
  return n;
}

void retain_user(Node* n) noexcept {
  // relaxed: the caller already holds a reference, so the node cannot go meanwhile.
  n->refs.fetch_add(kUserRef, std::memory_order_relaxed);
}

void retain_internal(Node* n) noexcept {
  // relaxed: as above.
  n->refs.fetch_add(kRefOne, std::memory_order_relaxed);
}

void release_internal(Node* n) noexcept {
  // acq_rel: release our writes to the node; the last one acquires them all before freeing.
  if ((n->refs.fetch_sub(kRefOne, std::memory_order_acq_rel) & kRefMask) == 1) destroy(n);
}

void release_user(Node* n) noexcept {
  if (n->kind != Kind::kPromise) {
    // acq_rel: as in release_internal; both halves drop in one step.
    if ((n->refs.fetch_sub(kUserRef, std::memory_order_acq_rel) & kRefMask) == 1) destroy(n);
    return;
  }
  // A promise: drop the caller half first, fail it if that was the last caller reference (we
  // still hold the low half, so it stays alive while its listeners run), then the low half.
  const uint64_t old = n->refs.fetch_sub(kUserRef - kRefOne, std::memory_order_acq_rel);
  if ((old >> 32) == 1) fail_from(n, kWaiting, AK_ECANCELED, "abandoned promise");
  release_internal(n);
}

// --- outcome ----------------------------------------------------------------------------------

int effective_code(int code) noexcept { return code == 0 ? AK_EWORK : code; }

void set_failure(Node* n, int code, const char* message) noexcept {
  n->status = effective_code(code);
  if (n->message && !n->msg_static) std::free(n->message);
  n->message = nullptr;
  n->msg_static = 0;
  char* copy = nullptr;
  if (message) {
    copy = copy_string(message);
  } else {
    try {
      copy = copy_string(
          fmt::format("failed with code {} ({})", n->status, ak_strerror(n->status)).c_str());
    } catch (...) {
    }
  }
  if (copy) {
    n->message = copy;
  } else {
    n->message = const_cast<char*>(kNoMemoryMessage);
    n->msg_static = 1;
  }
}

bool fail_from(Node* n, uint32_t from, int code, const char* message) noexcept {
  if (!claim(n, from)) return false;
  set_failure(n, code, message);
  publish(n);
  return true;
}

// --- listeners --------------------------------------------------------------------------------

bool add_listener(Node* n, Listener* l) noexcept {
  // acquire: if we see kClosed, the node's outcome is visible to us.
  Listener* head = n->listeners.load(std::memory_order_acquire);
  do {
    if (head == kClosed) return false;
    l->next = head;
    // release: the firer, which exchanges with acquire, sees l's fields.
  } while (!n->listeners.compare_exchange_weak(head, l, std::memory_order_release,
                                               std::memory_order_acquire));
  return true;
}

void notify_listener(Listener* l) noexcept {
  switch (l->kind) {
    case ListenKind::kDep:
      on_dep_done(l->target);
      break;
    case ListenKind::kJoinElem:
      on_join_elem(l->target, l->index);
      break;
    case ListenKind::kAnyElem:
      on_any_elem(l->target, l->index);
      break;
    case ListenKind::kCallback: {
      auto* cb = static_cast<CallbackListener*>(l);
      Node* watched = cb->target;
      // The callback may block or set other values: run it outside this thread's firing loop
      // and outside the completion of the task that fired it.
      Listener* saved_pending = tl_pending;
      const bool saved_firing = tl_firing;
      tl_pending = nullptr;
      tl_firing = false;
      const bool saved_completing = set_completing(false);
      try {
        cb->fn(as_value(watched), cb->arg);
      } catch (...) {  // documented: a throwing callback is ignored
      }
      set_completing(saved_completing);
      tl_pending = saved_pending;
      tl_firing = saved_firing;
      cb->~CallbackListener();
      block_free(cb);
      release_internal(watched);
      break;
    }
    case ListenKind::kWakePool: {
      auto* w = static_cast<WakeListener*>(l);
      Pool* pool = w->pool;
      w->~WakeListener();
      block_free(w);
      pool->wake_all();
      pool->release();
      break;
    }
  }
}

// --- lists ------------------------------------------------------------------------------------

Node* make_list(Kind kind, ak_value* const* values, size_t n, bool user) {
  const size_t bytes = sizeof(ListExt) + n * (sizeof(Node*) + sizeof(void*) + sizeof(Listener));
  if (fault::should_fail()) throw std::bad_alloc();
  void* mem = ::operator new(bytes);
  Node* list;
  try {
    list = new_node(kind);
  } catch (...) {
    ::operator delete(mem);
    throw;
  }
  auto* x = new (mem) ListExt;
  x->n = static_cast<uint32_t>(n);
  x->remaining.store(static_cast<uint32_t>(n), std::memory_order_relaxed);  // not yet shared
  x->scan.store(0, std::memory_order_relaxed);
  x->any_failed.store(0, std::memory_order_relaxed);
  x->decided = kNoIndex;
  auto* base = reinterpret_cast<char*>(x + 1);
  x->links = reinterpret_cast<Listener*>(base);
  x->elems = reinterpret_cast<Node**>(base + n * sizeof(Listener));
  x->results = reinterpret_cast<void**>(base + n * (sizeof(Listener) + sizeof(Node*)));
  list->list = x;
  // One reference for the caller (or the owning task), one held until every element reported.
  list->refs.store(user ? kUserRef : kRefOne, std::memory_order_relaxed);
  if (n == 0) {
    list->status = AK_OK;
    list->state.store(kDone, std::memory_order_release);  // release: before it is shared
    fire(list);
    return list;
  }
  retain_internal(list);
  for (size_t i = 0; i < n; ++i) {
    Node* e = as_node(values[i]);
    retain_internal(e);
    x->elems[i] = e;
    x->results[i] = nullptr;
    x->links[i] = Listener{nullptr, list, static_cast<uint32_t>(i),
                           kind == Kind::kJoin ? ListenKind::kJoinElem : ListenKind::kAnyElem};
  }
  // Hook in only once every slot is initialised: reports may start at once.
  for (size_t i = 0; i < n; ++i) {
    if (!add_listener(x->elems[i], &x->links[i])) notify_listener(&x->links[i]);
  }
  return list;
}

size_t list_size(const Node* n) noexcept {
  if (n->kind != Kind::kJoin && n->kind != Kind::kAny) return 0;
  return n->list ? n->list->n : 0;
}

// --- tasks ------------------------------------------------------------------------------------

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

void on_dep_done(Node* t) noexcept {
  Node* d = t->dep;
  Pool* pool = t->pool;
  if (d->status != AK_OK) {
    // The input failed: name it and keep its message verbatim.
    int code = d->status;
    const uint32_t index = t->spread && d->list->decided != kNoIndex ? d->list->decided : 0;
    std::string msg;
    try {
      if (t->spread && d->list->decided != kNoIndex) {
        Node* e = d->list->elems[index];
        msg = fmt::format("input {} failed: {}", index, failure_text(e));
        code = e->status;
      } else {
        msg = fmt::format("input 0 failed: {}", failure_text(d));
      }
    } catch (...) {
    }
    if (claim(t, kWaiting)) {
      set_failure(t, code, msg.empty() ? nullptr : msg.c_str());
      t->fail_called = kFailedByInput;
      t->failed_input = index;
      pool->count(Pool::Stat::kFailed);  // before waiters wake
      publish(t);
    }
    t->dep = nullptr;
    release_internal(d);
    pool->release_waiting();
    release_internal(t);  // the reference held while the task was pending
    return;
  }
  // Ready: queue it unless it was cancelled while waiting. The task keeps its input until it ran.
  // relaxed: the CAS is the decision; the input's outcome was acquired by whoever fired us.
  uint32_t s = t->state.load(std::memory_order_relaxed);
  bool queued = false;
  while (phase_of(s) == kWaiting) {
    // release: the worker that takes the task from a queue sees its fields (the queue also orders).
    if (t->state.compare_exchange_weak(s, (s & ~kPhaseMask) | kQueued, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      queued = true;
      break;
    }
  }
  if (queued) {
    pool->schedule(t);  // the pending reference now travels with the queued task
    pool->release_waiting();
    return;
  }
  t->dep = nullptr;
  release_internal(d);
  pool->release_waiting();
  release_internal(t);
}

int cancel_node(Node* n) noexcept {
  for (;;) {
    // acquire: if it is already set, report that without touching it.
    const uint32_t s = n->state.load(std::memory_order_acquire);
    const uint32_t phase = phase_of(s);
    if (phase == kWaiting || phase == kQueued) {
      if (!claim(n, phase)) continue;  // it moved on under us: look again
      set_failure(n, AK_ECANCELED, "cancelled");
      if (n->kind == Kind::kTask) {
        // Count before publishing: a waiter that wakes may read the statistics at once.
        n->pool->count(Pool::Stat::kCancelled);
        if (phase == kQueued) n->pool->note_cancelled_in_queue();
      }
      publish(n);
      return AK_OK;  // a queued task is skipped when taken; a waiting one when its input comes
    }
    if (phase == kRunning) {
      // relaxed: a flag that work polls; nothing is published with it.
      n->state.fetch_or(kCancelFlag, std::memory_order_relaxed);
    }
    return AK_ESTATE;
  }
}

uint32_t failed_index(const Node* n) noexcept {
  if (n->status == AK_OK) return kNoIndex;
  switch (n->kind) {
    case Kind::kTask:
      return n->fail_called == kFailedByInput ? n->failed_input : kNoIndex;
    case Kind::kJoin:
    case Kind::kAny:
      return n->list ? n->list->decided : kNoIndex;  // kNoIndex when cancelled
    case Kind::kPromise:
      break;
  }
  return kNoIndex;
}

const Node* task_with_pool(const Node* n) noexcept {
  // Recursion depth is the nesting depth of lists, which callers build by hand.
  if (n->kind == Kind::kTask) return n;
  if (n->kind == Kind::kJoin || n->kind == Kind::kAny) {
    const ListExt* x = n->list;
    for (uint32_t i = 0; x && i < x->n; ++i) {
      if (const Node* t = task_with_pool(x->elems[i])) return t;
    }
  }
  return nullptr;
}

// --- waiting ----------------------------------------------------------------------------------

bool wait_done(Node* n, int64_t deadline) {
  if (is_done(n)) return true;
  if (deadline >= 0 && time_left(deadline) == 0) return false;
  Worker* w = current_worker();
  if (w) return w->pool->help_until_done(w, n, deadline);
  // An outside thread: spin briefly (a short task is often done within microseconds), then sleep.
  const int64_t spin_until = now_ns() + 20000;
  for (int i = 0;; ++i) {
    if (is_done(n)) return true;
    cpu_relax();
    if ((i & 63) == 63 && now_ns() > spin_until) break;
  }
  for (;;) {
    // acquire: if this shows kDone, the outcome is visible.
    uint32_t s = n->state.fetch_or(kSleepersFlag, std::memory_order_acquire);
    if (phase_of(s) == kDone) return true;
    const int64_t left = time_left(deadline);
    if (left == 0) return false;
    futex_wait(n->state, s | kSleepersFlag, left);
  }
}

}  // namespace ak
