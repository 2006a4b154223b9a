// fault.hpp -- allocation-failure injection for tests.
//
// Built with AK_FAULT_INJECTION (a test-only build of the runtime's objects), every allocation the
// library makes on its own behalf asks should_fail() first, and fails as if the system had no
// memory when told to. In the shipped library should_fail() is a constant false and costs nothing.
#pragma once

namespace ak::fault {

#ifdef AK_FAULT_INJECTION
// Counts one allocation; true if this one must fail.
bool should_fail() noexcept;
// From now on, the n-th allocation (1-based) fails, and so does every one after it while
// `sticky`; n <= 0 turns injection off.
void fail_at(long n, bool sticky) noexcept;
// Allocations counted since the last fail_at().
long count() noexcept;
#else
constexpr bool should_fail() noexcept { return false; }
#endif

}  // namespace ak::fault
