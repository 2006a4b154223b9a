// fault.cpp -- the allocation-failure counter of the test-only AK_FAULT_INJECTION build
// (fault.hpp).
#include "base/fault.hpp"

#ifdef AK_FAULT_INJECTION
#  include <atomic>

namespace ak::fault {
namespace {
// relaxed throughout: a test-only counter; tests drive it from one thread at a time.
std::atomic<long> g_count{0};
std::atomic<long> g_fail_at{0};
std::atomic<bool> g_sticky{false};
}  // namespace

bool should_fail() noexcept {
  const long n = g_count.fetch_add(1, std::memory_order_relaxed) + 1;
  const long at = g_fail_at.load(std::memory_order_relaxed);
  if (at <= 0) return false;
  return n == at || (n > at && g_sticky.load(std::memory_order_relaxed));
}

void fail_at(long n, bool sticky) noexcept {
  g_count.store(0, std::memory_order_relaxed);
  g_sticky.store(sticky, std::memory_order_relaxed);
  g_fail_at.store(n, std::memory_order_relaxed);
}

long count() noexcept { return g_count.load(std::memory_order_relaxed); }
}  // namespace ak::fault
#endif
