// worker.hpp -- one worker thread's state: its deque, its counters, its slot in the pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "base/deque.hpp"

namespace ak {

class Pool;
struct Node;

// Counters written only by the owning worker and read by ak_pool_stats: a load and a store
// instead of a read-modify-write, since nobody else writes them.
struct OwnedCounter {
  std::atomic<uint64_t> v{0};
  // relaxed: a statistic; readers accept a slightly stale snapshot.
  void add(uint64_t d = 1) noexcept {
    v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

struct WorkerCounters {
  OwnedCounter submitted, completed, failed, cancelled, steals;
};

struct Worker {
  enum class Slot { kEmpty, kRunning, kExiting };  // guarded by Pool::mutex_

  Pool* pool = nullptr;
  unsigned index = 0;
  WorkDeque<Node*> deque;
  WorkerCounters counters;
  uint64_t rng = 0;  // victim selection
  std::thread thread;
  Slot slot = Slot::kEmpty;
};

// The worker the calling thread is, or nullptr (also set while a stopping thread drains a pool
// that has no workers). Defined in registry.cpp.
Worker*& current_worker() noexcept;

}  // namespace ak
