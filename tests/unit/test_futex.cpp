// The futex wrapper and the clock helpers: a wait returns when the word differs, when woken, and
// when its timeout passes; deadlines saturate instead of overflowing. No test measures time: a
// wait that does not return makes the test hang until ctest's timeout fails it.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <thread>

#include "base/futex.hpp"

namespace {

TEST(Futex, WaitOnAWordThatDiffersReturnsAtOnceEvenWithoutATimeout) {
  std::atomic<uint32_t> word{1};
  ak::futex_wait(word, 0, -1);  // expected 0, word is 1: the kernel refuses to sleep
  SUCCEED();
}

TEST(Futex, WaitWithATimeoutReturnsAlthoughNobodyWakes) {
  std::atomic<uint32_t> word{0};
  ak::futex_wait(word, 0, 0);          // zero: returns at once
  ak::futex_wait(word, 0, 1'000'000);  // 1 ms: returns once it passes
  EXPECT_EQ(word.load(), 0u);
}

TEST(Futex, WakeReleasesASleeperThatWaitsWithoutATimeout) {
  std::atomic<uint32_t> word{0};
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    while (word.load() == 0) ak::futex_wait(word, 0, -1);  // rechecks after spurious wake-ups
    woke.store(true);
  });
  word.store(1);
  ak::futex_wake(word, 1);  // if the sleeper is not asleep yet, its wait sees 1 and returns
  sleeper.join();
  EXPECT_TRUE(woke.load());
}

TEST(Futex, WakeAllReleasesEverySleeper) {
  std::atomic<uint32_t> word{0};
  std::atomic<int> woke{0};
  std::thread sleepers[4];
  for (auto& t : sleepers) {
    t = std::thread([&] {
      while (word.load() == 0) ak::futex_wait(word, 0, -1);
      woke.fetch_add(1);
    });
  }
  word.store(1);
  ak::futex_wake(word, INT_MAX);
  for (auto& t : sleepers) t.join();
  EXPECT_EQ(woke.load(), 4);
}

TEST(Futex, NoDeadlineStaysNoDeadline) {
  EXPECT_EQ(ak::deadline_after(-1), -1);
  EXPECT_EQ(ak::time_left(-1), -1);
}

TEST(Futex, HugeTimeoutsSaturateInsteadOfOverflowing) {
  EXPECT_EQ(ak::deadline_after(INT64_MAX), INT64_MAX);
  EXPECT_EQ(ak::deadline_after(INT64_MAX - 1), INT64_MAX);
  EXPECT_GT(ak::time_left(INT64_MAX), 0);
}

TEST(Futex, APassedDeadlineHasNothingLeftAndAFutureOneHasSome) {
  const int64_t now = ak::now_ns();
  EXPECT_EQ(ak::time_left(now - 1), 0);
  EXPECT_EQ(ak::time_left(0), 0);
  const int64_t later = ak::deadline_after(3'600'000'000'000);  // an hour
  EXPECT_GE(later, now + 3'600'000'000'000);
  EXPECT_GT(ak::time_left(later), 0);
  EXPECT_LE(ak::time_left(later), 3'600'000'000'000);
}

TEST(Futex, TheClockNeverGoesBack) {
  int64_t last = ak::now_ns();
  for (int i = 0; i < 100000; ++i) {
    const int64_t t = ak::now_ns();
    ASSERT_GE(t, last);
    last = t;
  }
}

}  // namespace
