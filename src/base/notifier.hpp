// notifier.hpp -- an event count: lets workers sleep when there is no work without losing a
// wake-up (Dmitry Vyukov's eventcount, the shape Taskflow's Notifier also uses).
//
// A sleeper follows prepare_wait() -> recheck its condition -> commit_wait() or cancel_wait().
// A waker publishes its work first, then calls notify(). Either the waker sees the sleeper's
// announcement (and bumps the epoch it sleeps on), or the sleeper's recheck sees the work.
//
// One 32-bit word holds it all, so each step is one atomic operation and the futex sleeps on it:
// bit 0, a one-wake on its way (see notify_after_fence); bits 1-11, the number of announced
// sleepers (at most AK_WORKERS_MAX: a worker waits in one place at a time); bits 12-31, the epoch.
// A sleeper's key is the epoch its announcement saw, read by the same operation: a notify that
// counted the sleeper always bumps the epoch past its key, so it cannot sleep through it.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "asynckit.h"
#include "base/assert.hpp"
#include "base/futex.hpp"

namespace ak {

class Notifier {
 public:
  // Announces the intent to sleep; returns the key for commit_wait.
  [[nodiscard]] uint32_t prepare_wait() noexcept {
    // seq_cst RMW + fence: Dekker pairing with the fence in notify(); the caller's recheck that
    // follows must not be reordered before this announcement.
    const uint32_t s = state_.fetch_add(kWaiter, std::memory_order_seq_cst);
    AK_ASSERT((s & kWaiterMask) != kWaiterMask);  // the count did not overflow into the epoch
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return s >> kEpochShift;
  }

  // The recheck found something to do: withdraw the announcement.
  void cancel_wait() noexcept { leave(); }

  // Sleeps unless a notify() happened since prepare_wait(); up to timeout_ns (negative: forever;
  // 0: no sleep). Returns true if a notify() happened since prepare_wait() (false: timed out, or
  // woken spuriously).
  bool commit_wait(uint32_t key, int64_t timeout_ns) noexcept {
    const int64_t deadline = deadline_after(timeout_ns);
    for (;;) {
      // acquire: see the work published before a bump we observe.
      const uint32_t s = state_.load(std::memory_order_acquire);
      if ((s >> kEpochShift) != key) break;
      const int64_t left = time_left(deadline);
      if (left == 0) break;
      // The kernel sleeps only while the whole word is s: another sleeper coming or going makes
      // it return at once, and the loop looks again.
      futex_wait(state_, s, left);
    }
    // acquire: as above.
    const bool notified = (state_.load(std::memory_order_acquire) >> kEpochShift) != key;
    leave();
    return notified;
  }

  // Wakes one sleeper (or all). Call after publishing the work the sleepers look for.
  void notify(bool all) noexcept {
    // seq_cst fence: the other half of the Dekker pairing with prepare_wait().
    std::atomic_thread_fence(std::memory_order_seq_cst);
    notify_after_fence(all);
  }

  // notify() for callers that already issued the seq_cst fence after publishing their work.
  //
  // Waking one is skipped while an earlier one-wake is still on its way (kPending): every sleeper
  // counted when it was sent has a key older than its bump, so it does not sleep through it; it
  // leaves, clearing the flag, and then looks for work, so it finds ours (see leave()). Without
  // this, every publication between the wake-up and the moment the woken thread runs again
  // (microseconds) made a futex system call of its own.
  void notify_after_fence(bool all) noexcept {
    // relaxed: ordered by the caller's fence; the CAS below revalidates.
    uint32_t s = state_.load(std::memory_order_relaxed);
    uint32_t next;
    do {
      if ((s & kWaiterMask) == 0) return;  // nobody waits
      if (!all && (s & kPending)) return;  // a wake-up is on its way
      next = (s + kEpochOne) | (all ? 0 : kPending);
      // release: a sleeper that sees the new epoch also sees the work published before it.
    } while (!state_.compare_exchange_weak(s, next, std::memory_order_release,
                                           std::memory_order_relaxed));
    futex_wake(state_, all ? INT_MAX : 1);
  }

  // True if anyone announced an intent to sleep (a hint for callers that want to skip work).
  [[nodiscard]] bool has_waiters() const noexcept {
    // relaxed: a hint only.
    return (state_.load(std::memory_order_relaxed) & kWaiterMask) != 0;
  }

 private:
  static constexpr uint32_t kPending = 1;         // a one-wake is on its way
  static constexpr uint32_t kWaiter = 2;          // one announced sleeper
  static constexpr uint32_t kWaiterMask = 0xffe;  // bits 1-11: up to 2047 sleepers
  static constexpr uint32_t kEpochShift = 12;
  static constexpr uint32_t kEpochOne = uint32_t{1} << kEpochShift;
  static_assert(AK_WORKERS_MAX <= (kWaiterMask >> 1), "the sleeper count must fit its bits");

  // One sleeper less, and any wake-up on its way has arrived. The flag is cleared together with
  // the count, so it is never left set with nobody counted to clear it.
  void leave() noexcept {
    // relaxed: the fence below orders what follows.
    uint32_t s = state_.load(std::memory_order_relaxed);
    do {
      AK_ASSERT((s & kWaiterMask) != 0);  // leaves only after its own prepare_wait
    } while (
        !state_.compare_exchange_weak(s, (s - kWaiter) & ~kPending, std::memory_order_relaxed));
    // seq_cst fence: a notifier that saw the flag still set and skipped its wake-up published
    // its work before its own fence; either that fence comes first and our look for work after
    // this one sees the work, or ours comes first and it saw the flag cleared (and woke someone).
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }

  // Epoch, sleeper count and flag (see the top of the file); the futex word.
  alignas(64) std::atomic<uint32_t> state_{0};
};

}  // namespace ak
