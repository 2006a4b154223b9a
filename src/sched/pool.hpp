// pool.hpp -- the pool: its workers, its queues, resizing and stopping.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "asynckit.h"
#include "injector.hpp"
#include "node.hpp"
#include "notifier.hpp"
#include "worker.hpp"

namespace ak {

// One worker per hardware thread (at least 1, at most AK_WORKERS_MAX).
unsigned hardware_workers() noexcept;

enum class PoolPhase : uint32_t { kRunning, kStopping, kStopped };

// Whether this thread is completing a task it ran (publishing its value and making its
// continuations ready); returns the previous setting. User code called from there (done
// callbacks, free functions) runs with it cleared, since it may block: see Pool::schedule.
// Clearing it also moves a continuation this worker kept for itself to its deque and wakes a
// worker for it, so a callback that blocks cannot hold it back from the others.
bool set_completing(bool on) noexcept;

class Pool {
 public:
  Pool(const char* name, bool is_default);  // no workers yet: resize() starts them
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // ak_pool_do: a task with no inputs. Throws std::bad_alloc; returns AK_ESHUTDOWN when refused.
  int submit(ak_fn fn, void* arg, Node** out);
  // ak_pool_do_after / ak_chain_on: a task waiting for `dep` (an internal reference is taken
  // over by the task). spread: the task's inputs are dep's elements.
  int submit_after(Node* dep, bool spread, ak_fn fn, void* arg, Node** out);
  // Puts a task that became ready into a queue, or fails it if the pool has stopped.
  void schedule(Node* t) noexcept;

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
  // The pool with this serial, or null if it is gone. Borrowed: valid until this thread's next
  // find_live() call. The thread keeps a reference to the last pool it found, so a run of calls
  // for one pool (building a chain) skips the registry. A cached pool that was stopped since
  // still refuses work (AK_ESHUTDOWN).
  static Pool* find_live(uint64_t serial) noexcept;
  [[nodiscard]] bool cancelling() const noexcept {
    // relaxed: a flag polled by work; no data hangs off it.
    return cancelling_.load(std::memory_order_relaxed);
  }

  // Reference count: the handle, each live worker thread, each task waiting for its inputs, and
  // the references threads keep in their banks (below).
  void retain() noexcept {
    // relaxed: the caller already holds a reference.
    refs_.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept;
  // The reference a task holds while it waits for its inputs, taken when it is made (the caller
  // holds a reference) and dropped once it is queued or failed. Both go through a per-thread bank
  // of references to one pool, so building or completing a chain makes no read-modify-write on
  // the pool's count per task. A thread's bank keeps the pool's memory (not its workers) until
  // the thread banks for another pool or ends.
  void retain_waiting() noexcept;
  void release_waiting() noexcept;
  void release_many(uint32_t n) noexcept;

  // A task was cancelled while it sat in a queue: it stays there until taken, but no longer counts
  // as queued work in the statistics.
  void note_cancelled_in_queue() noexcept {
    // relaxed: statistics only.
    stale_queued_.fetch_add(1, std::memory_order_relaxed);
  }

  // Statistics from a thread that may not be one of our workers.
  enum class Stat { kSubmitted, kCompleted, kFailed, kCancelled };
  void count(Stat s) noexcept;

  // Worker side.
  Node* find_work(Worker* w) noexcept;
  void run(Node* t) noexcept;  // on the calling worker (current_worker())
  bool has_work() const noexcept;
  // A worker (w) waits inside work for n, running other work meanwhile.
  bool help_until_done(Worker* w, Node* n, int64_t deadline);
  void wake_all() noexcept { notifier_.notify(true); }
  // Work was published: wake a sleeping worker unless one is already searching for work (it will
  // find it, or wake another before it stops searching).
  void notify_work() noexcept;
  // Moves the continuation worker w kept for itself (if any) to its deque, where others can take
  // it, and wakes one for it.
  void share_kept(Worker* w) noexcept;

 private:
  // The pool with this serial with a reference taken for the caller, or null if it is gone.
  static Pool* acquire_live(uint64_t serial) noexcept;
  static void thread_entry(Pool* pool, Worker* w) noexcept;
  void worker_main(Worker* w) noexcept;
  void push_local_or_inject(Worker* w, Node* t) noexcept;
  bool should_exit(const Worker* w) const noexcept;
  bool exit_if_surplus(Worker* w) noexcept;  // true: the worker has left
  void park(Worker* w) noexcept;
  Node* steal(Worker* w) noexcept;
  bool queues_empty() const noexcept;
  bool quiet_locked(unsigned busy_allowed) const noexcept;
  int drain_here(int64_t deadline);   // the stopping thread drains a pool with no workers
  int finish_stop_locked(std::unique_lock<std::mutex>& lock);
  int start_worker_locked(unsigned index);
  void join_all() noexcept;
  void move_local_work_to_injector(Worker* w) noexcept;
  // Fails a task taken out of a queue (phase `from`: queued, or just claimed as running) without
  // running its work, and drops what it held. If it was cancelled while queued, only drops.
  void fail_unrunnable(Node* t, uint32_t from, int code, const char* why) noexcept;
  void cancel_queued() noexcept;  // AK_STOP_CANCEL: fail everything queued, from any thread

  static constexpr unsigned kMaxSlots = AK_WORKERS_MAX;

  Notifier notifier_;
  Injector<Node> injector_;
  // Written by outside submitters on every task: a line of its own, away from what workers read.
  alignas(64) std::atomic<uint32_t> refs_{1};
  // Read by workers on every steal and run; written rarely (resize, stop).
  alignas(64) std::atomic<unsigned> target_{0};       // workers asked for
  std::atomic<unsigned> high_{0};         // slots [0, high_) may hold a worker
  std::atomic<int> parked_{0};            // workers asleep with nothing to do
  std::atomic<PoolPhase> phase_{PoolPhase::kRunning};
  std::atomic<bool> cancelling_{false};
  std::atomic<bool> quit_{false};         // every worker leaves
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
