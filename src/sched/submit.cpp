// submit.cpp -- work coming into a pool: new tasks, tasks made ready by their inputs, wake-ups,
// and the statistics counted on the way.
#include <atomic>

#include "sched/pool.hpp"
#include "value/task.hpp"
#include "value/value.hpp"

namespace ak {

int Pool::submit(ak_fn fn, void* arg, Node** out) {
  Worker* w = current_worker();
  const bool own = w && w->pool == this;
  // acquire: pairs with the phase change in stop(); a stale read is caught by the closed queue.
  const PoolPhase ph = phase_.load(std::memory_order_acquire);
  if (own ? ph == PoolPhase::kStopped : ph != PoolPhase::kRunning) return AK_ESHUTDOWN;
  Node* t = new_task(this, serial_, fn, arg);
  if (own) {
    try {
      w->deque.push(t);
    } catch (...) {
      discard_unshared(t);
      throw;
    }
    w->counters.submitted.add();
    notify_work();
  } else {
    // The task may run, and destroy this pool from inside, before we are done with the pool
    // here: hold a reference across the push and the wake-up. (Our own workers need none: the
    // worker thread holds one.)
    retain();
    if (!injector_.push(t)) {
      release();
      discard_unshared(t);
      return AK_ESHUTDOWN;
    }
    // relaxed: statistics only.
    ext_submitted_.fetch_add(1, std::memory_order_relaxed);
    notify_work();
    release();
  }
  *out = t;
  return AK_OK;
}

int Pool::submit_after(Node* dep, bool spread, ak_fn fn, void* arg, Node** out) {
  Worker* w = current_worker();
  const bool own = w && w->pool == this;
  // acquire: as in submit().
  const PoolPhase ph = phase_.load(std::memory_order_acquire);
  if (own ? ph == PoolPhase::kStopped : ph != PoolPhase::kRunning) return AK_ESHUTDOWN;
  Node* t = new_waiting_task(this, serial_, fn, arg, dep, spread);
  retain_waiting();  // a waiting task keeps the pool's memory alive until it is queued or failed
  count_submitted();
  *out = t;
  wait_for_input(t);
  return AK_OK;
}

void Pool::ready(Node* t) noexcept {
  queue_ready(t);
  release_waiting();  // last: the reference kept the pool alive up to here
}

void Pool::queue_ready(Node* t) noexcept {
  Worker* w = current_worker();
  // acquire: as in submit(). Our own workers only push locally while the pool still runs work.
  const bool own =
      w && w->pool == this && phase_.load(std::memory_order_acquire) != PoolPhase::kStopped;
  push_local_or_inject(own ? w : nullptr, t);
  notify_work();
}

void Pool::push_local_or_inject(Worker* w, Node* t) noexcept {
  if (w) {
    try {
      w->deque.push(t);
      return;
    } catch (...) {  // the deque could not grow: the injection queue needs no allocation
    }
  }
  if (!injector_.push(t)) fail_unrunnable(t, kQueued, AK_ESHUTDOWN, "the pool is shut down");
}

void Pool::notify_work() noexcept {
  // seq_cst fence: Dekker pairing with a searcher's decrement followed by its look at the queues
  // (worker_main), and with a sleeper's announcement (Notifier::prepare_wait).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // relaxed: ordered by the fence above.
  if (searching_.load(std::memory_order_relaxed) > 0) return;
  notifier_.notify_after_fence(false);
}

void Pool::fail_unrunnable(Node* t, uint32_t from, int code, const char* why) noexcept {
  if (!task_fail_unrun(t, from, code, why)) {
    // relaxed: statistics only. It was cancelled while queued and is now out of the queue.
    stale_queued_.fetch_sub(1, std::memory_order_relaxed);
  }
}

// --- statistics -------------------------------------------------------------------------------
// A worker of this pool counts in its own counters (no read-modify-write); any other thread in
// the shared ones.

void Pool::count_submitted() noexcept {
  Worker* w = current_worker();
  if (w && w->pool == this) {
    w->counters.submitted.add();
  } else {
    // relaxed: statistics only.
    ext_submitted_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Pool::count(Outcome outcome) noexcept {
  Worker* w = current_worker();
  if (w && w->pool == this) {
    switch (outcome) {
      case Outcome::kCompleted:
        w->counters.completed.add();
        break;
      case Outcome::kFailed:
        w->counters.failed.add();
        break;
      case Outcome::kCancelled:
        w->counters.cancelled.add();
        break;
    }
    return;
  }
  // relaxed: statistics only.
  switch (outcome) {
    case Outcome::kCompleted:
      ext_completed_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kFailed:
      ext_failed_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kCancelled:
      ext_cancelled_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

}  // namespace ak
