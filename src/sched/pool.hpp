// pool.hpp -- the scheduler: a pool of workers that run tasks, and the Executor tasks hand
// themselves back to.
//
// One class, in four files by concern:
//   submit.cpp     work coming in (submit, ready), wake-ups, statistics counting;
//   scheduler.cpp  the worker loop: running tasks, finding work, stealing, parking, and waiting
//                  inside work (help_until_done);
//   lifecycle.cpp  making the pool, starting workers, resizing, statistics, stopping, destroying;
//   references.cpp the pool's reference count and the per-thread bank of references that
//                  waiting tasks hold.
// The default pool and the registry of live pools are in registry.hpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "asynckit.h"
#include "base/injector.hpp"
#include "base/notifier.hpp"
#include "sched/worker.hpp"
#include "value/executor.hpp"
#include "value/node.hpp"

namespace ak {

// One worker per hardware thread (at least 1, at most AK_WORKERS_MAX).
unsigned hardware_workers() noexcept;

enum class PoolPhase : uint32_t { kRunning, kStopping, kStopped };

class Pool final : public Executor {
 public:
  // --- made and ended (lifecycle.cpp) ---------------------------------------------------------
  // A pool with `workers` threads (AK_WORKERS_DEFAULT allowed). AK_OK, AK_ENOMEM (memory or
  // threads; nothing is left behind). Throws std::bad_alloc.
  static int create(unsigned workers, const char* name, bool is_default, Pool** out);
  int resize(unsigned workers);
  [[nodiscard]] unsigned workers_asked() const noexcept {
    // relaxed: a plain read of the last request.
    return target_.load(std::memory_order_relaxed);
  }
  void stats(ak_stats* out) const noexcept;
  int stop(int how, int64_t timeout_ns);
  void destroy() noexcept;  // the handle's end: stop(DRAIN), then drop the handle's reference
  [[nodiscard]] bool is_default() const noexcept { return is_default_; }
  [[nodiscard]] uint64_t serial() const noexcept { return serial_; }

  // --- work coming in (submit.cpp) ------------------------------------------------------------
  // ak_pool_do: a task with no inputs. Throws std::bad_alloc; returns AK_ESHUTDOWN when refused.
  int submit(ak_fn fn, void* arg, Node** out);
  // ak_pool_do_after / ak_chain_on: a task waiting for `dep` (an internal reference is taken
  // over by the task). spread: the task's inputs are dep's elements.
  int submit_after(Node* dep, bool spread, ak_fn fn, void* arg, Node** out);

  // --- the Executor that tasks see (submit.cpp, references.cpp) ------------------------------
  void ready(Node* t) noexcept override;
  void count(Outcome outcome) noexcept override;
  void note_cancelled_in_queue() noexcept override {
    // relaxed: statistics only.
    stale_queued_.fetch_add(1, std::memory_order_relaxed);
  }
  void release_waiting() noexcept override;
  [[nodiscard]] bool cancelling() const noexcept override {
    // relaxed: a flag polled by work; no data hangs off it.
    return cancelling_.load(std::memory_order_relaxed);
  }

  // --- a worker waiting inside work (scheduler.cpp) -------------------------------------------
  // Worker w of this pool waits for n up to the absolute deadline (-1: none), running other work
  // meanwhile. True once n is set.
  bool help_until_done(Worker* w, Node* n, int64_t deadline);

  // --- references (references.cpp) ------------------------------------------------------------
  // The handle, each live worker thread, each task waiting for its inputs, and the references
  // threads keep in their banks hold one each.
  void retain() noexcept {
    // relaxed: the caller already holds a reference.
    refs_.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept { release_many(1); }
  void release_many(uint32_t n) noexcept;
  // One more reference unless the count is already zero (the pool is being deleted). Only under
  // the registry's lock, which keeps the memory alive while we look.
  [[nodiscard]] bool try_retain() noexcept;
  // The reference a task holds while it waits for its inputs, taken when it is made (the caller
  // holds a reference) and dropped once it is queued or failed. Both go through a per-thread
  // bank of references to one pool, so building or completing a chain makes no read-modify-write
  // on the pool's count per task. A thread's bank keeps the pool's memory (not its workers) until
  // the thread banks for another pool or ends.
  void retain_waiting() noexcept;

 private:
  Pool(const char* name, bool is_default);  // no workers yet: resize() starts them
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // submit.cpp
  void count_submitted() noexcept;
  // ready() without dropping a waiting reference: for a task that holds none any more (a kept
  // continuation handed on).
  void queue_ready(Node* t) noexcept;
  void push_local_or_inject(Worker* w, Node* t) noexcept;
  // Work was published: wake a sleeping worker unless one is already searching for work (it
  // will find it, or wake another before it stops searching).
  void notify_work() noexcept;
  // Fails a task taken out of a queue (phase `from`: queued, or just started) without running
  // its work. If it was cancelled while queued, only drops it.
  void fail_unrunnable(Node* t, uint32_t from, int code, const char* why) noexcept;

  // scheduler.cpp
  static void thread_entry(Pool* pool, Worker* w) noexcept;
  void worker_main(Worker* w) noexcept;
  // Runs a task taken from a queue on the calling worker; returns the continuation its
  // completion kept for this worker to run next (handoff.hpp), or null. The continuation holds
  // no waiting reference any more: run it, or hand it on with queue_ready().
  Node* run(Node* t) noexcept;
  Node* find_work(Worker* w) noexcept;
  Node* steal(Worker* w) noexcept;
  bool queues_empty() const noexcept;
  bool has_work() const noexcept { return !queues_empty(); }
  bool should_exit(const Worker* w) const noexcept;
  bool exit_if_surplus(Worker* w) noexcept;  // true: the worker has left
  void park(Worker* w) noexcept;
  void move_local_work_to_injector(Worker* w) noexcept;
  void wake_all() noexcept { notifier_.notify(true); }
  // The hook help_until_done leaves on the value it waits for: its completion wakes the pool's
  // sleepers, the waiter among them, and drops the reference the hook held.
  static void wake_from_hook(void* pool) noexcept;

  // lifecycle.cpp
  int start_worker_locked(unsigned index);
  bool quiet_locked(unsigned busy_allowed) const noexcept;
  int finish_stop_locked();
  int drain_here(int64_t deadline);  // the stopping thread drains a pool with no workers
  int help_stop(Worker* self, int64_t deadline, std::unique_lock<std::mutex>& lock);
  void cancel_queued() noexcept;  // AK_STOP_CANCEL: fail everything queued, from any thread
  void join_all() noexcept;

  static constexpr unsigned kMaxSlots = AK_WORKERS_MAX;

  Notifier notifier_;
  Injector<Node> injector_;
  // Written by outside submitters on every task: a line of its own, away from what workers read.
  alignas(64) std::atomic<uint32_t> refs_{1};
  // Read by workers on every steal and run; written rarely (resize, stop).
  alignas(64) std::atomic<unsigned> target_{0};  // workers asked for
  std::atomic<unsigned> high_{0};                // slots [0, high_) may hold a worker
  std::atomic<int> parked_{0};                   // workers asleep with nothing to do
  std::atomic<PoolPhase> phase_{PoolPhase::kRunning};
  std::atomic<bool> cancelling_{false};
  std::atomic<bool> quit_{false};              // every worker leaves
  alignas(64) std::atomic<int> searching_{0};  // workers spinning for work before they sleep
  alignas(64) std::atomic<Worker*> slots_[kMaxSlots] = {};
  int live_ = 0;                          // worker threads running; guarded by mutex_
  mutable std::mutex mutex_;              // resize, stop, thread start and exit
  std::condition_variable changed_;       // a worker parked or left (while stopping)
  std::atomic<int64_t> stale_queued_{0};  // cancelled tasks still sitting in a queue
  // Counted by threads that are not our workers.
  alignas(64) std::atomic<uint64_t> ext_submitted_{0}, ext_completed_{0}, ext_failed_{0},
      ext_cancelled_{0};
  std::string name_;
  bool is_default_;
  uint64_t serial_;
};

}  // namespace ak
