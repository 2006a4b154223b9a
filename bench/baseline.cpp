// baseline.cpp -- two thread-to-thread round trips that bound what any runtime's wake-up can cost
// on this machine: parking through a mutex and condition variable (the slow floor a parked worker
// pays), and a spinning cache line (the fast floor of a worker that has not parked yet). The issue
// quotes both for its reference machine, so they say how this machine compares.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "harness.hpp"
#include "peer.hpp"

namespace bench {

namespace {
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

double condvar_pingpong_us(size_t round_trips) {
  std::mutex mutex;
  std::condition_variable changed;
  uint64_t turn = 0;  // odd: the echo thread's turn; guarded by mutex
  std::thread echo([&] {
    std::unique_lock<std::mutex> lock(mutex);
    for (size_t i = 0; i < round_trips; ++i) {
      changed.wait(lock, [&] { return turn == 2 * i + 1; });
      turn = 2 * i + 2;
      changed.notify_one();
    }
  });
  const int64_t t0 = now_ns();
  {
    std::unique_lock<std::mutex> lock(mutex);
    for (size_t i = 0; i < round_trips; ++i) {
      turn = 2 * i + 1;
      changed.notify_one();
      changed.wait(lock, [&] { return turn == 2 * i + 2; });
    }
  }
  const int64_t t1 = now_ns();
  echo.join();
  BENCH_CHECK(turn == 2 * round_trips, "condvar ping-pong ended at turn %llu",
              static_cast<unsigned long long>(turn));
  return static_cast<double>(t1 - t0) / 1e3 / static_cast<double>(round_trips);
}

double spin_pingpong_us(size_t round_trips) {
  alignas(64) std::atomic<uint64_t> turn{0};
  std::thread echo([&] {
    for (size_t i = 0; i < round_trips; ++i) {
      // acquire/release: the turn word is the only data; the orders keep the hand-off honest.
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) cpu_relax();
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  const int64_t t0 = now_ns();
  for (size_t i = 0; i < round_trips; ++i) {
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) cpu_relax();
  }
  const int64_t t1 = now_ns();
  echo.join();
  return static_cast<double>(t1 - t0) / 1e3 / static_cast<double>(round_trips);
}

}  // namespace bench
