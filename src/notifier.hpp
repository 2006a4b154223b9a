// notifier.hpp -- an event count: lets workers sleep when there is no work without losing a
// wake-up (Dmitry Vyukov's eventcount, the shape Taskflow's Notifier also uses).
//
// A sleeper follows prepare_wait() -> recheck its condition -> commit_wait() or cancel_wait().
// A waker publishes its work first, then calls notify(). Either the waker sees the sleeper's
// announcement (and bumps the epoch it sleeps on), or the sleeper's recheck sees the work.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "futex.hpp"

namespace ak {

class Notifier {
 public:
  // Announces the intent to sleep; returns the key for commit_wait.
  [[nodiscard]] uint32_t prepare_wait() noexcept {
    // seq_cst RMW + fence: Dekker pairing with the fence in notify(); the caller's recheck that
    // follows must not be reordered before this announcement.
    state_.fetch_add(kWaiter, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // acquire: pairs with the release bump in notify(), so a later key compare is ordered.
    return epoch_.load(std::memory_order_acquire);
  }

  // The recheck found something to do: withdraw the announcement.
  void cancel_wait() noexcept { leave(); }

  // Sleeps unless a notify() happened since prepare_wait(); up to timeout_ns (negative: forever;
  // 0: no sleep). Returns true if a notify() happened since prepare_wait() (false: timed out, or
  // woken spuriously).
  bool commit_wait(uint32_t key, int64_t timeout_ns) noexcept {
    // acquire: see the work published before the bump we may observe.
    if (timeout_ns != 0 && epoch_.load(std::memory_order_acquire) == key) {
      futex_wait(epoch_, key, timeout_ns);
    }
    // acquire: as above.
    const bool notified = epoch_.load(std::memory_order_acquire) != key;
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
  // Waking one is skipped while an earlier one-wake is still on its way (kPending): the thread it
  // reaches, or any other that stops waiting first, clears the flag and then looks for work, so
  // it finds ours (see leave()). Without this, every publication between the wake-up and the
  // moment the woken thread runs again (microseconds) made a futex system call of its own.
  void notify_after_fence(bool all) noexcept {
    // relaxed: ordered by the caller's fence; the CAS below revalidates.
    uint32_t s = state_.load(std::memory_order_relaxed);
    if (s < kWaiter) return;  // nobody waits
    if (!all) {
      do {
        if (s < kWaiter || (s & kPending)) return;
        // relaxed: the flag guards only the system call; the epoch bump publishes.
      } while (!state_.compare_exchange_weak(s, s | kPending, std::memory_order_relaxed));
    }
    // release: a sleeper that sees the new epoch also sees the work published before it.
    epoch_.fetch_add(1, std::memory_order_release);
    futex_wake(epoch_, all ? INT_MAX : 1);
  }

  // True if anyone announced an intent to sleep (a hint for callers that want to skip work).
  [[nodiscard]] bool has_waiters() const noexcept {
    // relaxed: a hint only.
    return state_.load(std::memory_order_relaxed) >= kWaiter;
  }

 private:
  static constexpr uint32_t kPending = 1;  // a one-wake is on its way
  static constexpr uint32_t kWaiter = 2;   // one announced sleeper (the count is state_ >> 1)

  // One waiter less, and any wake-up on its way has arrived. The flag is cleared together with
  // the count, so it is never left set with nobody waiting to clear it.
  void leave() noexcept {
    // relaxed: the fence below orders what follows.
    uint32_t s = state_.load(std::memory_order_relaxed);
    while (!state_.compare_exchange_weak(s, (s - kWaiter) & ~kPending,
                                         std::memory_order_relaxed)) {
    }
    // seq_cst fence: a notifier that saw the flag still set and skipped its wake-up published
    // its work before its own fence; either that fence comes first and our look for work after
    // this one sees the work, or ours comes first and it saw the flag cleared (and woke someone).
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }

  alignas(64) std::atomic<uint32_t> epoch_{0};
  alignas(64) std::atomic<uint32_t> state_{0};  // waiters * kWaiter | kPending
};

}  // namespace ak
