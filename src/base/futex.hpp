// futex.hpp -- the one place that talks to the kernel about sleeping on a 32-bit word.
//
// Linux futexes: a thread sleeps only while the word still holds the value it expects, which is
// what lets the callers (value waits, the event count) close the gap between "check" and "sleep".
#pragma once

#include <atomic>
#include <cstdint>

namespace ak {

// Sleeps while `word` holds `expected`, up to `timeout_ns` (negative: without bound). Returns
// early on a wake, a signal or a spurious wake-up: callers always recheck their condition.
void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, int64_t timeout_ns) noexcept;

// Wakes up to `count` threads sleeping on `word`.
void futex_wake(std::atomic<uint32_t>& word, int count) noexcept;

// Monotonic clock in nanoseconds.
int64_t now_ns() noexcept;

// Turns a relative timeout (AK_FOREVER = -1, else >= 0) into an absolute deadline, saturating
// instead of overflowing for huge timeouts. -1 stays -1 (no deadline).
int64_t deadline_after(int64_t timeout_ns) noexcept;

// Nanoseconds left until `deadline` (-1 when there is none, 0 once it has passed).
int64_t time_left(int64_t deadline) noexcept;

// A CPU hint for spin loops.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace ak
