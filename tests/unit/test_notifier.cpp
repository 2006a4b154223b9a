// The event count: a sleeper that announced itself is always woken by a later notify; one that
// sees the work in its recheck does not sleep. A lost wake-up makes this test hang, so every
// wait has a bound that turns a hang into a failure.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "futex.hpp"
#include "notifier.hpp"

namespace {

TEST(Notifier, CommitAfterNotifyReturnsAtOnce) {
  ak::Notifier n;
  const uint32_t key = n.prepare_wait();
  n.notify(false);
  n.commit_wait(key, 10'000'000'000);  // would sleep 10 s if the notify were lost
  EXPECT_FALSE(n.has_waiters());
}

TEST(Notifier, PingPongLosesNoWakeUp) {
  constexpr int kRounds = 20000;
  ak::Notifier to_consumer, to_producer;
  std::atomic<int> item{0};  // 0 empty, 1 full
  std::atomic<int> consumed{0};
  std::atomic<bool> timed_out{false};
  const int64_t deadline = ak::deadline_after(60'000'000'000);
  std::thread consumer([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (item.load() != 1) {
        const uint32_t key = to_consumer.prepare_wait();
        if (item.load() == 1) {
          to_consumer.cancel_wait();
          break;
        }
        if (ak::time_left(deadline) == 0) {
          to_consumer.cancel_wait();
          timed_out = true;
          return;
        }
        to_consumer.commit_wait(key, ak::time_left(deadline));
      }
      item.store(0);
      consumed.fetch_add(1);
      to_producer.notify(false);
    }
  });
  for (int i = 0; i < kRounds && !timed_out; ++i) {
    while (item.load() != 0 && !timed_out) {
      const uint32_t key = to_producer.prepare_wait();
      if (item.load() == 0 || timed_out) {
        to_producer.cancel_wait();
        break;
      }
      to_producer.commit_wait(key, 1'000'000'000);
    }
    item.store(1);
    to_consumer.notify(false);
  }
  consumer.join();
  EXPECT_FALSE(timed_out.load());
  EXPECT_EQ(consumed.load(), kRounds);
}

}  // namespace
