// scheduler.cpp -- the worker loop: running tasks, finding work (own deque, the injection queue,
// other workers' deques), parking when there is none, and waiting inside work.
#include <pthread.h>

#include <algorithm>
#include <new>
#include <string>

#include <fmt/format.h>

#include "base/futex.hpp"
#include "sched/pool.hpp"
#include "value/handoff.hpp"
#include "value/task.hpp"
#include "value/value.hpp"

namespace ak {

namespace {
constexpr int kIdleSpins = 128;      // find_work attempts before a worker sleeps
constexpr int kPauseSpins = 64;      // of which the first ones pause; the rest yield the CPU
constexpr int kRelaxPerSpin = 8;     // pause instructions between attempts
constexpr size_t kInjectBatch = 64;  // most tasks taken from the injection queue at a time

// Between two attempts to find work: pause briefly at first, then give the CPU to whoever needs
// it (on a busy machine, often the thread producing our work).
void idle_backoff(int round) noexcept {
  if (round < kPauseSpins) {
    for (int j = 0; j < kRelaxPerSpin; ++j) cpu_relax();
  } else {
    std::this_thread::yield();
  }
}
}  // namespace

// --- running ----------------------------------------------------------------------------------

Node* Pool::run(Node* t) noexcept {
  if (!task_start(t)) {  // cancelled while queued: its value is already set
    // relaxed: statistics only.
    stale_queued_.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (cancelling()) {
    // Stopping with AK_STOP_CANCEL: queued work never runs.
    fail_unrunnable(t, kRunning, AK_ECANCELED, "cancelled: the pool is stopping");
    return nullptr;
  }
  const int code = task_call(t);
  // Count before publishing: a waiter that wakes may read the statistics at once.
  count(code == AK_OK ? Outcome::kCompleted : Outcome::kFailed);
  Node* next;
  {
    // acquire: as in submit(). A stopped pool keeps nothing: what becomes ready then is refused.
    const bool keeps = phase_.load(std::memory_order_acquire) != PoolPhase::kStopped;
    CompletionScope completion(keeps ? this : nullptr);
    task_finish(t);
    next = completion.take();
  }
  if (next) release_waiting();  // the kept task's waiting reference (see handoff.hpp)
  return next;
}

Node* Pool::find_work(Worker* w) noexcept {
  if (Node* t = w->deque.pop()) return t;
  return steal(w);
}

Node* Pool::steal(Worker* w) noexcept {
  if (injector_.size() > 0) {
    Node* batch[kInjectBatch];
    // Half of what waits (at least one), so the other workers find some left to take.
    const size_t want = std::min(kInjectBatch, injector_.size() / 2 + 1);
    const size_t k = injector_.pop_batch(batch, want, false);  // busy: look elsewhere
    if (k > 0) {
      // Keep FIFO order: the owner pops the last pushed first, so push the later ones first.
      for (size_t j = k - 1; j >= 1; --j) push_local_or_inject(w, batch[j]);
      // Pass the baton: work is left (in our deque or the queue) and a sleeper may be needed for
      // it. A producer that saw a searcher skipped its wake-up; we may be that searcher.
      if (k > 1 || has_work()) notify_work();
      return batch[0];
    }
  }
  // acquire: slots [0, high) were published with release before high moved.
  const unsigned hi = high_.load(std::memory_order_acquire);
  if (hi == 0) return nullptr;
  w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
  const unsigned start = static_cast<unsigned>(w->rng >> 33) % hi;
  for (int round = 0; round < 2; ++round) {
    bool lost = false;
    for (unsigned k = 0; k < hi; ++k) {
      // acquire: see the Worker the slot points to.
      Worker* v = slots_[(start + k) % hi].load(std::memory_order_acquire);
      if (!v || v == w) continue;
      Node* t = nullptr;
      const StealResult r = v->deque.steal(t);
      if (r == StealResult::kTaken) {
        w->counters.steals.add();
        // Pass the baton, as above: a worker woken from sleep takes work without searching, so
        // without this, work left behind could wait while every other worker sleeps.
        if (has_work()) notify_work();
        return t;
      }
      if (r == StealResult::kLostRace) lost = true;
    }
    if (!lost) break;  // everyone was empty: no point in a second round
  }
  return nullptr;
}

bool Pool::queues_empty() const noexcept {
  if (injector_.size() > 0) return false;
  // acquire: as in steal().
  const unsigned hi = high_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < hi; ++i) {
    Worker* v = slots_[i].load(std::memory_order_acquire);
    if (v && !v->deque.empty()) return false;
  }
  return true;
}

// --- leaving and parking ----------------------------------------------------------------------

bool Pool::should_exit(const Worker* w) const noexcept {
  // relaxed: a stale read delays leaving by one loop; resize and stop wake sleepers to recheck.
  return quit_.load(std::memory_order_relaxed) ||
         w->index >= target_.load(std::memory_order_relaxed);
}

void Pool::move_local_work_to_injector(Worker* w) noexcept {
  while (Node* t = w->deque.pop()) {
    if (!injector_.push(t)) fail_unrunnable(t, kQueued, AK_ESHUTDOWN, "the pool is shut down");
  }
  notifier_.notify(true);
}

bool Pool::exit_if_surplus(Worker* w) noexcept {
  if (!should_exit(w)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!should_exit(w)) return false;
  move_local_work_to_injector(w);  // shrinking never drops queued work
  // relaxed: quit_ is written under mutex_, which we hold.
  if (quit_.load(std::memory_order_relaxed)) {
    w->slot = Worker::Slot::kExiting;  // stop/destroy joins it
  } else {
    // Left through a resize: nobody may ever join it (the default pool is never destroyed), so
    // it detaches itself. The slot is free for a new thread at once: from here on this thread
    // touches nothing of the Worker, only its reference to the pool.
    w->thread.detach();
    w->slot = Worker::Slot::kEmpty;
  }
  --live_;
  changed_.notify_all();
  return true;
}

void Pool::park(Worker* w) noexcept {
  const uint32_t key = notifier_.prepare_wait();
  if (has_work() || should_exit(w)) {
    notifier_.cancel_wait();
    return;
  }
  // seq_cst: Dekker pairing with stop(), which changes the phase and then reads parked_.
  parked_.fetch_add(1, std::memory_order_seq_cst);
  if (phase_.load(std::memory_order_seq_cst) != PoolPhase::kRunning) {
    std::lock_guard<std::mutex> lock(mutex_);
    changed_.notify_all();
  }
  notifier_.commit_wait(key, -1);
  // seq_cst: as above.
  parked_.fetch_sub(1, std::memory_order_seq_cst);
}

// --- the loop ---------------------------------------------------------------------------------

void Pool::thread_entry(Pool* pool, Worker* w) noexcept {
  pool->worker_main(w);
  current_worker() = nullptr;
  pool->release();  // may free the pool: touch nothing after this
}

void Pool::worker_main(Worker* w) noexcept {
  current_worker() = w;
  try {
    const std::string thread_name = fmt::format("{}-{}", name_, w->index).substr(0, 15);
    pthread_setname_np(pthread_self(), thread_name.c_str());
  } catch (...) {  // out of memory for a name: the thread runs unnamed
  }
  for (;;) {
    if (Node* t = find_work(w)) {
      while (t) t = run(t);  // and the continuations each run keeps for us
      continue;
    }
    if (exit_if_surplus(w)) return;
    // At most half the workers (at least one) search at a time; the others sleep at once. More
    // searchers only take CPU from the threads producing the work (Go and Tokio cap it alike).
    // relaxed: a soft cap; two workers may both slip in, which is harmless.
    const int cap = std::max(1, static_cast<int>(target_.load(std::memory_order_relaxed) / 2));
    if (searching_.load(std::memory_order_relaxed) >= cap) {
      park(w);
      continue;
    }
    // Search for a while before sleeping. While we search, producers skip waking sleepers.
    // seq_cst: Dekker pairing with notify_work() (see below).
    searching_.fetch_add(1, std::memory_order_seq_cst);
    Node* found = nullptr;
    for (int i = 0; i < kIdleSpins && !found && !should_exit(w); ++i) {
      idle_backoff(i);
      found = find_work(w);
    }
    // seq_cst RMW + fence, then a look at the queues: a producer that saw us searching and
    // skipped its wake-up published its work before we stop, so we see it here (or in park()'s
    // recheck) and hand it on. This is what makes skipping wake-ups safe.
    const bool last = searching_.fetch_sub(1, std::memory_order_seq_cst) == 1;
    if (found) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (last && has_work()) notifier_.notify_after_fence(false);
      while (found) found = run(found);
      continue;
    }
    park(w);
  }
}

// --- waiting inside work ----------------------------------------------------------------------

void Pool::wake_from_hook(void* pool) noexcept {
  auto* p = static_cast<Pool*>(pool);
  p->wake_all();
  p->release();  // the hook's reference
}

bool Pool::help_until_done(Worker* w, Node* n, int64_t deadline) {
  bool hooked = false;
  bool slept = false;  // we announced ourselves on the notifier at least once
  int idle = 0;
  // Leaving the notifier may have taken a wake-up meant for work that was published meanwhile
  // (see Notifier::notify_after_fence). Unlike a parked worker, we may now return to the work
  // that waited instead of looking for more: pass the wake-up on if work is waiting.
  auto hand_on = [&] {
    if (slept && has_work()) notify_work();
  };
  while (!is_done(n)) {
    if (Node* t = find_work(w)) {
      t = run(t);
      while (t && !is_done(n)) t = run(t);
      // n is set: the waiting work goes on, so a continuation still kept goes to the queue,
      // where others can take it, instead of waiting behind that work.
      if (t) queue_ready(t);
      idle = 0;
      continue;
    }
    if (deadline >= 0 && time_left(deadline) == 0) {
      hand_on();
      return is_done(n);
    }
    if (++idle < kIdleSpins) {
      idle_backoff(idle);
      continue;
    }
    if (!hooked) {
      // Have n's completion wake this pool's sleepers, us among them. Without the hook (out of
      // memory) we poll.
      retain();  // the hook's reference
      try {
        hooked = add_hook(n, &Pool::wake_from_hook, this);
        if (!hooked) {  // n is set
          release();
          continue;
        }
      } catch (...) {
        release();
      }
    }
    const uint32_t key = notifier_.prepare_wait();
    slept = true;
    if (is_done(n) || has_work()) {
      notifier_.cancel_wait();
      continue;
    }
    int64_t left = time_left(deadline);
    if (!hooked && (left < 0 || left > 1000000)) left = 1000000;  // no hook: poll every ms
    notifier_.commit_wait(key, left);
  }
  hand_on();
  return true;
}

}  // namespace ak
