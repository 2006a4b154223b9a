// registry.cpp -- the default pool, the live pools by serial, and the calling thread's worker
// (registry.hpp).
#include "sched/registry.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "sched/pool.hpp"
#include "sched/worker.hpp"

namespace ak {

namespace {

// Every live pool by serial. Made on first use and never destroyed (pools may outlive static
// destruction).
struct Registry {
  std::mutex mutex;
  std::unordered_map<uint64_t, Pool*> pools;
  uint64_t next_serial = 1;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// The pool with this serial with a reference taken for the caller, or null if it is gone.
Pool* acquire_live(uint64_t serial) noexcept {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.pools.find(serial);
  if (it == r.pools.end()) return nullptr;
  // Only while someone else still holds it: a pool at zero is being deleted (and will leave the
  // registry as soon as we let go of the lock).
  return it->second->try_retain() ? it->second : nullptr;
}

// The last pool this thread found by serial, with a reference held (see find_live).
struct FoundPool {
  uint64_t serial = 0;
  Pool* pool = nullptr;
  ~FoundPool() {
    if (pool) pool->release();
  }
};
thread_local FoundPool tl_found;

}  // namespace

uint64_t registry_add(Pool* p) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const uint64_t serial = r.next_serial++;
  r.pools.emplace(serial, p);  // may throw std::bad_alloc before anything changed
  return serial;
}

void registry_remove(uint64_t serial) noexcept {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.pools.erase(serial);
}

Pool* find_live(uint64_t serial) noexcept {
  FoundPool& f = tl_found;
  if (f.pool && f.serial == serial) return f.pool;
  Pool* p = acquire_live(serial);
  if (!p) return nullptr;
  Pool* old = f.pool;
  f.pool = p;
  f.serial = serial;
  if (old) old->release();
  return p;
}

Pool* default_pool() noexcept {
  static std::mutex mutex;
  static std::atomic<Pool*> pool{nullptr};
  // acquire: pairs with the release below; the pool is fully made once seen.
  if (Pool* p = pool.load(std::memory_order_acquire)) return p;
  try {
    std::lock_guard<std::mutex> lock(mutex);
    if (!pool.load(std::memory_order_relaxed)) {  // relaxed: under the lock
      Pool* made = nullptr;
      if (Pool::create(hardware_workers(), "ak-default", true, &made) == AK_OK) {
        pool.store(made, std::memory_order_release);
      }
    }
  } catch (...) {  // out of memory (or a lock that failed): no default pool this time
    return nullptr;
  }
  return pool.load(std::memory_order_acquire);
}

unsigned hardware_workers() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (n > AK_WORKERS_MAX ? AK_WORKERS_MAX : n);
}

Worker*& current_worker() noexcept {
  thread_local Worker* worker = nullptr;
  return worker;
}

}  // namespace ak
