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
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // acquire: pairs with the release bump in notify(), so a later key compare is ordered.
    return epoch_.load(std::memory_order_acquire);
  }

  // The recheck found something to do: withdraw the announcement.
  void cancel_wait() noexcept {
    // relaxed: the count is only a hint that makes notify() do a (harmless) extra wake.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Sleeps unless a notify() happened since prepare_wait(); up to timeout_ns (negative: forever).
  void commit_wait(uint32_t key, int64_t timeout_ns) noexcept {
    // acquire: see the work published before the bump we may observe.
    if (epoch_.load(std::memory_order_acquire) == key) futex_wait(epoch_, key, timeout_ns);
    // relaxed: as in cancel_wait.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Wakes one sleeper (or all). Call after publishing the work the sleepers look for.
  void notify(bool all) noexcept {
    // seq_cst fence: the other half of the Dekker pairing with prepare_wait().
    std::atomic_thread_fence(std::memory_order_seq_cst);
    notify_after_fence(all);
  }

  // notify() for callers that already issued the seq_cst fence after publishing their work.
  void notify_after_fence(bool all) noexcept {
    // relaxed: ordered by the caller's fence.
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    // release: a sleeper that sees the new epoch also sees the work published before it.
    epoch_.fetch_add(1, std::memory_order_release);
    futex_wake(epoch_, all ? INT_MAX : 1);
  }

  // True if anyone announced an intent to sleep (a hint for callers that want to skip work).
  [[nodiscard]] bool has_waiters() const noexcept {
    // relaxed: a hint only.
    return waiters_.load(std::memory_order_relaxed) != 0;
  }

 private:
  alignas(64) std::atomic<uint32_t> epoch_{0};
  alignas(64) std::atomic<uint32_t> waiters_{0};
};

}  // namespace ak
