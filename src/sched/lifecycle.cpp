// lifecycle.cpp -- a pool's life: made, its workers started, resized, counted, stopped,
// destroyed.
#include <algorithm>
#include <chrono>
#include <new>
#include <system_error>

#include "base/assert.hpp"
#include "base/fault.hpp"
#include "base/futex.hpp"
#include "base/status.hpp"
#include "sched/pool.hpp"
#include "sched/registry.hpp"
#include "value/task.hpp"

namespace ak {

namespace {
constexpr size_t kCancelBatch = 64;  // tasks taken from the injection queue at a time by a cancel
}  // namespace

// --- made and ended ---------------------------------------------------------------------------

Pool::Pool(const char* name, bool is_default)
    : name_(name && name[0] ? std::string(name).substr(0, 11) : std::string("ak")),
      is_default_(is_default),
      serial_(registry_add(this)) {}

Pool::~Pool() {
  registry_remove(serial_);
  for (auto& slot : slots_) {
    // relaxed: the pool is dying; no other thread uses it.
    delete slot.load(std::memory_order_relaxed);
  }
}

int Pool::create(unsigned workers, const char* name, bool is_default, Pool** out) {
  if (fault::should_fail()) return AK_ENOMEM;
  auto* pool = new Pool(name, is_default);
  const int rc = pool->resize(workers);
  if (rc != AK_OK) {
    pool->destroy();
    return rc;
  }
  *out = pool;
  return AK_OK;
}

void Pool::destroy() noexcept {
  while (stop(AK_STOP_DRAIN, AK_FOREVER) != AK_OK) {
  }
  Worker* self = current_worker();
  if (self && self->pool == this) {
    // Inside our own work: we cannot join ourselves. Detach; the last thread out frees the pool.
    std::lock_guard<std::mutex> lock(mutex_);
    // relaxed: high_ and slots_ are written under mutex_, which we hold.
    const unsigned hi = high_.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < hi; ++i) {
      Worker* w = slots_[i].load(std::memory_order_relaxed);
      if (w && w->thread.joinable()) w->thread.detach();
    }
  } else {
    join_all();
  }
  release();  // the handle's reference
}

// --- resizing ---------------------------------------------------------------------------------

int Pool::start_worker_locked(unsigned index) {
  // relaxed: slots are written only under mutex_, which we hold.
  Worker* w = slots_[index].load(std::memory_order_relaxed);
  if (!w) {
    if (fault::should_fail()) return AK_ENOMEM;
    w = new Worker;
    w->pool = this;
    w->index = index;
    w->rng = (index + 1) * 0x9E3779B97F4A7C15ull;
    // release: thieves that load the slot see an initialised Worker.
    slots_[index].store(w, std::memory_order_release);
    if (high_.load(std::memory_order_relaxed) < index + 1) {
      // release: publishes the slot stores before it.
      high_.store(index + 1, std::memory_order_release);
    }
  }
  if (w->slot == Worker::Slot::kRunning) return AK_OK;
  if (w->slot == Worker::Slot::kExiting) {
    w->thread.join();  // it has left the loop and holds no lock
    w->slot = Worker::Slot::kEmpty;
  }
  retain();  // the thread's reference
  try {
    if (fault::should_fail()) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    w->thread = std::thread(&Pool::thread_entry, this, w);
  } catch (...) {
    // relaxed: we still hold the caller's reference, so this cannot be the last.
    refs_.fetch_sub(1, std::memory_order_relaxed);
    return failure_of_current_exception().code;  // AK_ENOMEM: no thread to be had
  }
  w->slot = Worker::Slot::kRunning;
  ++live_;
  return AK_OK;
}

int Pool::resize(unsigned workers) {
  if (workers == AK_WORKERS_DEFAULT) workers = hardware_workers();
  if (workers > kMaxSlots) return AK_EINVAL;
  int rc = AK_OK;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // relaxed: phase_ changes under mutex_, which we hold.
    if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_ESHUTDOWN;
    // relaxed: workers read it as a hint and are woken below to recheck.
    target_.store(workers, std::memory_order_relaxed);
    for (unsigned i = 0; i < workers; ++i) {
      rc = start_worker_locked(i);
      if (rc != AK_OK) {
        target_.store(i, std::memory_order_relaxed);
        break;
      }
    }
  }
  notifier_.notify(true);  // surplus workers wake up and leave
  return rc;
}

// --- statistics -------------------------------------------------------------------------------

void Pool::stats(ak_stats* out) const noexcept {
  // relaxed: a snapshot of statistics.
  out->submitted = ext_submitted_.load(std::memory_order_relaxed);
  out->completed = ext_completed_.load(std::memory_order_relaxed);
  out->failed = ext_failed_.load(std::memory_order_relaxed);
  out->cancelled = ext_cancelled_.load(std::memory_order_relaxed);
  out->steals = 0;
  out->queued = injector_.size();
  // acquire: as in steal().
  const unsigned hi = high_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < hi; ++i) {
    const Worker* w = slots_[i].load(std::memory_order_acquire);
    if (!w) continue;
    out->submitted += w->counters.submitted.get();
    out->completed += w->counters.completed.get();
    out->failed += w->counters.failed.get();
    out->cancelled += w->counters.cancelled.get();
    out->steals += w->counters.steals.get();
    out->queued += static_cast<uint64_t>(w->deque.size());
  }
  // relaxed: statistics only. Snapshots of the queues and of this count are not taken at one
  // instant, so clamp rather than report a negative.
  const int64_t stale = stale_queued_.load(std::memory_order_relaxed);
  out->queued = stale <= 0 ? out->queued
                           : (out->queued > static_cast<uint64_t>(stale)
                                  ? out->queued - static_cast<uint64_t>(stale)
                                  : 0);
  std::lock_guard<std::mutex> lock(mutex_);
  out->workers = static_cast<unsigned>(live_);
}

// --- stopping ---------------------------------------------------------------------------------

void Pool::cancel_queued() noexcept {
  static constexpr const char kWhy[] = "cancelled: the pool is stopping";
  Node* batch[kCancelBatch];
  while (size_t k = injector_.pop_batch(batch, kCancelBatch)) {
    for (size_t i = 0; i < k; ++i) fail_unrunnable(batch[i], kQueued, AK_ECANCELED, kWhy);
  }
  // Other workers' deques: take everything from the thieves' end. Tasks pushed after this are
  // cancelled by the worker that takes them (run() checks cancelling()).
  // acquire: as in steal().
  const unsigned hi = high_.load(std::memory_order_acquire);
  Worker* self = current_worker();
  for (unsigned i = 0; i < hi; ++i) {
    Worker* v = slots_[i].load(std::memory_order_acquire);
    if (!v || v == self) continue;
    for (;;) {
      Node* t = nullptr;
      const StealResult r = v->deque.steal(t);
      if (r == StealResult::kEmpty) break;
      if (r == StealResult::kTaken) fail_unrunnable(t, kQueued, AK_ECANCELED, kWhy);
    }
  }
  if (self && self->pool == this) {
    while (Node* t = self->deque.pop()) fail_unrunnable(t, kQueued, AK_ECANCELED, kWhy);
  }
  notifier_.notify(true);
}

bool Pool::quiet_locked(unsigned busy_allowed) const noexcept {
  // seq_cst: Dekker pairing with park().
  const int parked = parked_.load(std::memory_order_seq_cst);
  return parked + static_cast<int>(busy_allowed) >= live_ && queues_empty();
}

int Pool::finish_stop_locked() {
  injector_.close();  // from here on, work that becomes ready fails with AK_ESHUTDOWN
  if (!queues_empty()) return AK_EPENDING;  // something slipped in before the close: run it
  // seq_cst: ordered with the readers of the phase in submit() and park().
  phase_.store(PoolPhase::kStopped, std::memory_order_seq_cst);
  quit_.store(true, std::memory_order_seq_cst);
  notifier_.notify(true);
  changed_.notify_all();  // other stoppers waiting on the condition are done too
  return AK_OK;
}

int Pool::drain_here(int64_t deadline) {
  Worker temp;
  temp.pool = this;
  temp.index = kMaxSlots;
  Worker*& current = current_worker();
  Worker* saved = current;
  current = &temp;
  int rc = AK_OK;
  Node* t = nullptr;  // a continuation the last run kept for us, else taken from a queue
  for (;;) {
    if (!t) t = temp.deque.pop();
    if (!t) {
      Node* one[1];
      if (injector_.pop_batch(one, 1) == 1) t = one[0];
    }
    if (!t) break;
    t = run(t);
    if (deadline >= 0 && time_left(deadline) == 0) {
      if (t) queue_ready(t);  // onto temp's deque, moved to the injection queue below
      rc = AK_ETIMEDOUT;
      break;
    }
  }
  move_local_work_to_injector(&temp);
  current = saved;
  // relaxed: statistics only.
  ext_submitted_.fetch_add(temp.counters.submitted.get(), std::memory_order_relaxed);
  ext_completed_.fetch_add(temp.counters.completed.get(), std::memory_order_relaxed);
  ext_failed_.fetch_add(temp.counters.failed.get(), std::memory_order_relaxed);
  ext_cancelled_.fetch_add(temp.counters.cancelled.get(), std::memory_order_relaxed);
  return rc;
}

// stop() from inside the pool's own work: help until every other worker is idle, then finish.
// Called and returns with `lock` held. AK_OK once stopped; AK_ETIMEDOUT; AK_EPENDING to look again.
int Pool::help_stop(Worker* self, int64_t deadline, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  Node* t = find_work(self);
  while (t) {
    t = run(t);
    if (deadline >= 0 && time_left(deadline) == 0) {
      if (t) queue_ready(t);
      break;
    }
    if (!t) t = find_work(self);
  }
  lock.lock();
  // relaxed: phase_ changes under mutex_, which we hold.
  if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_OK;
  if (quiet_locked(1) && finish_stop_locked() == AK_OK) return AK_OK;
  if (deadline >= 0 && time_left(deadline) == 0) return AK_ETIMEDOUT;
  // Our workers do not signal new work on this condition variable: look again soon.
  changed_.wait_for(lock, std::chrono::milliseconds(1));
  return AK_EPENDING;
}

int Pool::stop(int how, int64_t timeout_ns) {
  const int64_t deadline = deadline_after(timeout_ns);
  Worker* self = current_worker();
  if (self && self->pool != this) self = nullptr;
  std::unique_lock<std::mutex> lock(mutex_);
  // relaxed: phase_ changes under mutex_, which we hold.
  if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_OK;
  // seq_cst: Dekker pairing with park() (phase, then parked_).
  phase_.store(PoolPhase::kStopping, std::memory_order_seq_cst);
  if (how == AK_STOP_CANCEL) cancelling_.store(true, std::memory_order_seq_cst);
  notifier_.notify(true);  // sleepers recheck and report in
  if (how == AK_STOP_CANCEL) {
    // Don't wait for a worker to come by: queued work fails now, even while others still run.
    lock.unlock();
    cancel_queued();
    lock.lock();
  }
  for (;;) {
    // Another stopper may have finished the stop while we waited.
    if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) {
      if (self) return AK_OK;
      break;
    }
    if (self) {
      const int rc = help_stop(self, deadline, lock);
      if (rc != AK_EPENDING) return rc;
      continue;
    }
    if (live_ == 0) {
      lock.unlock();
      const int rc = drain_here(deadline);
      lock.lock();
      if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) break;
      if (rc != AK_OK) return rc;
      if (live_ == 0 && finish_stop_locked() == AK_OK) break;
      continue;
    }
    if (quiet_locked(0)) {
      if (finish_stop_locked() == AK_OK) break;
      continue;
    }
    if (deadline < 0) {
      changed_.wait(lock);
    } else {
      const int64_t left = time_left(deadline);
      if (left == 0) return AK_ETIMEDOUT;
      // At most an hour per wait: steady_clock::now() + a huge duration would overflow inside
      // the library (undefined behaviour). The loop waits again as long as needed.
      constexpr int64_t kMaxSlice = int64_t{3600} * 1000000000;
      changed_.wait_for(lock, std::chrono::nanoseconds(std::min(left, kMaxSlice)));
    }
  }
  lock.unlock();
  join_all();
  return AK_OK;
}

void Pool::join_all() noexcept {
  // Take each joinable thread out of its slot under the lock, so that concurrent callers (two
  // stops at once, or stop and destroy) never join the same thread; join outside the lock, since
  // leaving workers take it. No allocation: this runs where failure cannot be reported.
  std::thread threads[kMaxSlots];
  unsigned n = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // relaxed: high_ and slots_ are written under mutex_, which we hold.
    const unsigned hi = high_.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < hi; ++i) {
      Worker* w = slots_[i].load(std::memory_order_relaxed);
      if (!w || !w->thread.joinable() || w->thread.get_id() == std::this_thread::get_id()) continue;
      threads[n++] = std::move(w->thread);
      w->slot = Worker::Slot::kEmpty;
    }
  }
  for (unsigned i = 0; i < n; ++i) threads[i].join();
}

}  // namespace ak
