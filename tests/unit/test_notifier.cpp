// The event count: a sleeper that announced itself is always woken by a later notify; one that
// sees the work in its recheck does not sleep. A lost wake-up makes this test hang, so every
// wait has a bound that turns a hang into a failure.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/futex.hpp"
#include "base/notifier.hpp"

namespace {

TEST(Notifier, CommitAfterNotifyReturnsAtOnce) {
  ak::Notifier n;
  const uint32_t key = n.prepare_wait();
  n.notify(false);
  n.commit_wait(key, 10'000'000'000);  // would sleep 10 s if the notify were lost
  EXPECT_FALSE(n.has_waiters());
}

TEST(Notifier, ANotifyWhileAWakeUpIsOnItsWayIsSkippedUntilAWaiterLeaves) {
  ak::Notifier n;
  const uint32_t first = n.prepare_wait();   // waiter 1
  n.notify(false);                           // wakes waiter 1 (on its way)
  const uint32_t second = n.prepare_wait();  // waiter 2 announces after that wake-up
  n.notify(false);                           // skipped: waiter 1 has not left yet
  // Waiter 2 looks without sleeping and leaves; leaving clears the flag.
  EXPECT_FALSE(n.commit_wait(second, 0)) << "the second notify was not skipped";
  EXPECT_TRUE(n.commit_wait(first, 0));
  const uint32_t third = n.prepare_wait();
  n.notify(false);  // nothing on its way any more: wakes
  EXPECT_TRUE(n.commit_wait(third, 1'000'000'000)) << "the flag was left set";
  EXPECT_FALSE(n.has_waiters());
}

TEST(Notifier, CancelledWaitClearsAWakeUpOnItsWay) {
  ak::Notifier n;
  (void)n.prepare_wait();
  n.notify(false);
  n.cancel_wait();  // the recheck found work: it leaves without sleeping
  const uint32_t key = n.prepare_wait();
  n.notify(false);
  EXPECT_TRUE(n.commit_wait(key, 1'000'000'000)) << "the flag was left set";
}

// Several consumers sleep on one notifier; the producer publishes bursts of items with a notify
// each, most of them skipped while a wake-up is on its way. Every item must still be taken: a
// lost wake-up leaves items behind and the bounded wait below fails.
TEST(Notifier, BurstsWithSkippedNotifiesLoseNoItem) {
  constexpr int kConsumers = 3;
  constexpr int kRounds = 5000;
  ak::Notifier n;
  std::atomic<int> items{0};
  std::atomic<int> taken{0};
  std::atomic<bool> quit{false};
  auto take = [&] {
    int v = items.load();
    while (v > 0) {
      if (items.compare_exchange_weak(v, v - 1)) return true;
    }
    return false;
  };
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      while (!quit.load()) {
        if (take()) {
          taken.fetch_add(1);
          continue;
        }
        const uint32_t key = n.prepare_wait();
        if (items.load() > 0 || quit.load()) {
          n.cancel_wait();
          continue;
        }
        n.commit_wait(key, -1);
      }
    });
  }
  const int64_t deadline = ak::deadline_after(60'000'000'000);
  int published = 0;
  bool complete = true;
  for (int r = 0; r < kRounds && complete; ++r) {
    const int burst = 1 + r % 4;
    for (int i = 0; i < burst; ++i) {
      items.fetch_add(1);
      ++published;
      n.notify(false);
    }
    while (taken.load() != published) {  // the consumers must take it all without more help
      if (ak::time_left(deadline) == 0) {
        complete = false;
        break;
      }
      std::this_thread::yield();
    }
  }
  quit.store(true);
  n.notify(true);
  for (auto& t : consumers) t.join();
  EXPECT_TRUE(complete) << "items left behind: " << published - taken.load();
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
