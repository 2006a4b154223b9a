// futex.cpp -- the futex system calls and the monotonic clock (futex.hpp).
#include "base/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <climits>
#include <ctime>

namespace ak {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex word must be 32 bits");

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, int64_t timeout_ns) noexcept {
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
    tsp = &ts;
  }
  // Relative timeout for FUTEX_WAIT; EAGAIN (value changed), EINTR and ETIMEDOUT all just return.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, tsp, nullptr,
          0);
}

void futex_wake(std::atomic<uint32_t>& word, int count) noexcept {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr,
          nullptr, 0);
}

int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t deadline_after(int64_t timeout_ns) noexcept {
  if (timeout_ns < 0) return -1;
  const int64_t now = now_ns();
  if (timeout_ns > INT64_MAX - now) return INT64_MAX;
  return now + timeout_ns;
}

int64_t time_left(int64_t deadline) noexcept {
  if (deadline < 0) return -1;
  const int64_t left = deadline - now_ns();
  return left > 0 ? left : 0;
}

}  // namespace ak
