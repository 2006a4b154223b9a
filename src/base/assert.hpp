// assert.hpp -- AK_ASSERT: the invariants the comments state, checked where checking is free.
//
// Active when AK_ENABLE_ASSERTS is defined: CMake defines it for Debug and for every sanitizer
// build (so the TSan and ASan+UBSan suites run with it), and leaves it out of Release and
// RelWithDebInfo, where the condition is not evaluated at all. A failed assertion names the
// condition and its place on stderr and aborts: an invariant that does not hold means the
// runtime's state can no longer be trusted, so there is nothing to hand back to the caller.
#pragma once

namespace ak {
[[noreturn]] void assert_failed(const char* condition, const char* file, int line) noexcept;
}  // namespace ak

#if defined(AK_ENABLE_ASSERTS)
#  define AK_ASSERT(condition)                                                                     \
    (static_cast<bool>(condition) ? void(0) : ::ak::assert_failed(#condition, __FILE__, __LINE__))
#else
// sizeof keeps the names in the condition "used" without evaluating anything.
#  define AK_ASSERT(condition) static_cast<void>(sizeof(static_cast<bool>(condition)))
#endif
