// references.cpp -- the pool's reference count, and the per-thread bank of references that
// waiting tasks hold (see Pool::retain_waiting).
#include "base/assert.hpp"
#include "sched/pool.hpp"

namespace ak {

namespace {
constexpr uint32_t kBankBatch = 64;  // references a bank takes from a pool at a time

// References to one pool held by this thread for the tasks it makes wait.
struct RefBank {
  Pool* pool = nullptr;
  uint32_t credits = 0;
  bool dead = false;  // the thread is ending (a later thread_local destructor releasing values)
  ~RefBank() {
    empty_out();
    dead = true;
  }
  void empty_out() noexcept {
    Pool* p = pool;
    const uint32_t n = credits;
    pool = nullptr;
    credits = 0;
    if (p && n) p->release_many(n);  // may free the pool
  }
};
thread_local RefBank tl_bank;
}  // namespace

void Pool::release_many(uint32_t n) noexcept {
  // acq_rel: the last release sees every other thread's use of the pool before deleting it.
  const uint32_t before = refs_.fetch_sub(n, std::memory_order_acq_rel);
  AK_ASSERT(before >= n);  // never below zero
  if (before == n) delete this;
}

bool Pool::try_retain() noexcept {
  // relaxed: the registry lock that callers hold orders this with the pool's deletion.
  uint32_t refs = refs_.load(std::memory_order_relaxed);
  do {
    if (refs == 0) return false;
  } while (!refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_relaxed));
  return true;
}

void Pool::retain_waiting() noexcept {
  RefBank& b = tl_bank;
  if (b.pool == this && b.credits > 0) {
    --b.credits;
    return;
  }
  if (b.dead) {
    retain();
    return;
  }
  if (b.pool != this) b.empty_out();
  // relaxed: the caller holds a reference, so the count is not zero.
  refs_.fetch_add(kBankBatch, std::memory_order_relaxed);
  b.pool = this;
  b.credits = kBankBatch - 1;
}

void Pool::release_waiting() noexcept {
  RefBank& b = tl_bank;
  if (b.pool == nullptr && !b.dead) b.pool = this;  // keep it: likely to bank for it again
  if (b.pool != this) {
    release();
    return;
  }
  if (++b.credits < 2 * kBankBatch) return;
  b.credits -= kBankBatch;
  // release: as in release_many(); the bank still holds kBankBatch, so this is never the last.
  const uint32_t before = refs_.fetch_sub(kBankBatch, std::memory_order_release);
  AK_ASSERT(before > kBankBatch);
  static_cast<void>(before);
}

}  // namespace ak
