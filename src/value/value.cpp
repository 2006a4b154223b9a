// value.cpp -- setting values and telling their listeners, their lifetime, promises, cancelling,
// done-callbacks and waiting outside a pool (value.hpp).
#include "value/value.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "base/assert.hpp"
#include "base/fault.hpp"
#include "base/futex.hpp"
#include "base/recycler.hpp"
#include "base/status.hpp"
#include "value/executor.hpp"
#include "value/handoff.hpp"

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
  AK_ASSERT(l != kClosed);  // a node is published once
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
      ordered->notify(ordered);
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
    UserCodeScope user;  // a free function may block
    try {
      n->free_fn(n->result);
    } catch (...) {  // a C++ free function that throws: nothing to report to, keep going
    }
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

// kCallback listeners: ak_value_on_done. Holds a reference to the node it watches.
struct CallbackListener {
  Listener base;
  Node* watched;
  ak_done_fn fn;
  void* arg;
};
static_assert(sizeof(CallbackListener) <= kBlockSize, "a listener must fit a block");

void notify_callback(Listener* l) noexcept {
  auto* cb = reinterpret_cast<CallbackListener*>(l);
  Node* watched = cb->watched;
  {
    // The callback may block or set other values: run it outside this thread's firing loop and
    // as user code (see handoff.hpp).
    Listener* saved_pending = tl_pending;
    const bool saved_firing = tl_firing;
    tl_pending = nullptr;
    tl_firing = false;
    UserCodeScope user;
    try {
      cb->fn(as_value(watched), cb->arg);
    } catch (...) {  // documented: a throwing callback is ignored
    }
    tl_pending = saved_pending;
    tl_firing = saved_firing;
  }
  cb->~CallbackListener();
  block_free(cb);
  release_internal(watched);
}

// Library hooks (add_hook): a function of ours to call when the node is set.
struct HookListener {
  Listener base;
  void (*fn)(void* ctx) noexcept;
  void* ctx;
};
static_assert(sizeof(HookListener) <= kBlockSize, "a listener must fit a block");

void notify_hook(Listener* l) noexcept {
  auto* h = reinterpret_cast<HookListener*>(l);
  void (*fn)(void*) noexcept = h->fn;
  void* ctx = h->ctx;
  h->~HookListener();
  block_free(h);
  fn(ctx);
}

}  // namespace

// --- outcome ----------------------------------------------------------------------------------

bool claim(Node* n, uint32_t from) noexcept {
  AK_ASSERT(from == kWaiting || from == kQueued || from == kRunning);
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
  AK_ASSERT(from == kCompleting || (from == kRunning && n->kind == Kind::kTask));
  // seq_cst: release makes the outcome visible to whoever sees kDone; seq_cst also orders it
  // against the join's any_failed flag (Dekker pairing in list.cpp). An add, not a store:
  // flags set meanwhile (sleepers, cancel) are kept.
  const uint32_t old = n->state.fetch_add(kDone - from, std::memory_order_seq_cst);
  AK_ASSERT(phase_of(old) == from);  // only the thread that owns the phase moves it on
  if (old & kSleepersFlag) futex_wake(n->state, INT_MAX);
  fire(n);
}

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
          fmt::format("failed with code {} ({})", n->status, status_text(n->status)).c_str());
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

std::string failure_text(const Node* n) {
  if (n->message && n->message[0]) return n->message;
  return fmt::format("failed with code {} ({})", n->status, status_text(n->status));
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
  n->exec = nullptr;
  n->exec_serial = 0;
  n->fn = nullptr;
  n->arg = nullptr;
  n->dep = nullptr;
  n->kind = kind;
  n->spread = 0;
  n->msg_static = 0;
  n->fail_kind = kFailNone;
  n->fail_code = 0;
  n->dep_link = Listener{nullptr, nullptr};
  return n;
}

void retain_user(Node* n) noexcept {
  // relaxed: the caller already holds a reference, so the node cannot go meanwhile.
  const uint64_t old = n->refs.fetch_add(kUserRef, std::memory_order_relaxed);
  AK_ASSERT((old & kRefMask) > 0 && (old >> 32) < kRefMask);
  static_cast<void>(old);
}

void retain_internal(Node* n) noexcept {
  // relaxed: as above.
  const uint64_t old = n->refs.fetch_add(kRefOne, std::memory_order_relaxed);
  AK_ASSERT((old & kRefMask) > 0 && (old & kRefMask) < kRefMask);
  static_cast<void>(old);
}

void release_internal(Node* n) noexcept {
  // acq_rel: release our writes to the node; the last one acquires them all before freeing.
  const uint64_t old = n->refs.fetch_sub(kRefOne, std::memory_order_acq_rel);
  AK_ASSERT((old & kRefMask) > (old >> 32));  // never below zero, nor below the caller half
  if ((old & kRefMask) == 1) destroy(n);
}

void release_user(Node* n) noexcept {
  if (n->kind != Kind::kPromise) {
    // acq_rel: as in release_internal; both halves drop in one step.
    const uint64_t old = n->refs.fetch_sub(kUserRef, std::memory_order_acq_rel);
    AK_ASSERT((old >> 32) > 0 && (old & kRefMask) > 0);
    if ((old & kRefMask) == 1) destroy(n);
    return;
  }
  // A promise: drop the caller half first, fail it if that was the last caller reference (we
  // still hold the low half, so it stays alive while its listeners run), then the low half.
  // acq_rel: as in release_internal.
  const uint64_t old = n->refs.fetch_sub(kUserRef - kRefOne, std::memory_order_acq_rel);
  AK_ASSERT((old >> 32) > 0);
  if ((old >> 32) == 1) fail_from(n, kWaiting, AK_ECANCELED, "abandoned promise");
  release_internal(n);
}

void discard_unshared(Node* n) noexcept {
  n->refs.store(kUserRef, std::memory_order_relaxed);  // relaxed: not shared
  release_user(n);
}

// --- listeners --------------------------------------------------------------------------------

bool add_listener(Node* n, Listener* l) noexcept {
  AK_ASSERT(l->notify != nullptr);
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

bool add_hook(Node* n, void (*fn)(void* ctx) noexcept, void* ctx) {
  auto* h = new (block_alloc()) HookListener{Listener{nullptr, &notify_hook}, fn, ctx};
  if (add_listener(n, &h->base)) return true;
  h->~HookListener();
  block_free(h);
  return false;
}

void add_done_callback(Node* n, ak_done_fn fn, void* arg) {
  auto* cb = new (block_alloc()) CallbackListener{Listener{nullptr, &notify_callback}, n, fn, arg};
  retain_internal(n);  // the callback gets the value, even if every caller let go of it
  if (!add_listener(n, &cb->base)) notify_callback(&cb->base);  // already set: call it now
}

// --- promises and cancelling ------------------------------------------------------------------

Node* new_promise() { return new_node(Kind::kPromise); }

int promise_set(Node* n, void* result, ak_free_fn free_fn) noexcept {
  if (n->kind != Kind::kPromise || !claim(n, kWaiting)) return AK_ESTATE;
  n->result = result;
  n->free_fn = free_fn;
  n->status = AK_OK;
  publish(n);
  return AK_OK;
}

int promise_fail(Node* n, int code, const char* message) noexcept {
  if (n->kind != Kind::kPromise) return AK_ESTATE;
  return fail_from(n, kWaiting, code, message) ? AK_OK : AK_ESTATE;
}

int cancel(Node* n) noexcept {
  for (;;) {
    // acquire: if it is already set, report that without touching it.
    const uint32_t s = n->state.load(std::memory_order_acquire);
    const uint32_t phase = phase_of(s);
    if (phase == kWaiting || phase == kQueued) {
      if (!claim(n, phase)) continue;  // it moved on under us: look again
      set_failure(n, AK_ECANCELED, "cancelled");
      if (n->kind == Kind::kTask) {
        // Count before publishing: a waiter that wakes may read the statistics at once.
        n->exec->count(Outcome::kCancelled);
        if (phase == kQueued) n->exec->note_cancelled_in_queue();
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

// --- reading and waiting ----------------------------------------------------------------------

int status_of(const Node* n) noexcept { return is_done(n) ? n->status : AK_EPENDING; }

const char* message_of(const Node* n) noexcept {
  if (!is_done(n) || n->status == AK_OK || !n->message) return "";
  return n->message;
}

bool wait_outside(Node* n, int64_t deadline) noexcept {
  if (is_done(n)) return true;
  if (deadline >= 0 && time_left(deadline) == 0) return false;
  // Spin briefly (a short task is often done within microseconds), then sleep.
  const int64_t spin_until = now_ns() + 20000;
  for (int i = 0;; ++i) {
    if (is_done(n)) return true;
    cpu_relax();
    if ((i & 63) == 63 && now_ns() > spin_until) break;
  }
  for (;;) {
    // acquire: if this shows kDone, the outcome is visible.
    const uint32_t s = n->state.fetch_or(kSleepersFlag, std::memory_order_acquire);
    if (phase_of(s) == kDone) return true;
    const int64_t left = time_left(deadline);
    if (left == 0) return false;
    futex_wait(n->state, s | kSleepersFlag, left);
  }
}

}  // namespace ak
