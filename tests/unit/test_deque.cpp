// The work-stealing deque: owner LIFO, thieves FIFO, and under contention every item is taken
// exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/deque.hpp"

namespace {

TEST(Deque, OwnerPopsLastPushedFirst) {
  ak::WorkDeque<int*> d(4);
  int items[3] = {0, 1, 2};
  for (int& i : items) d.push(&i);
  EXPECT_EQ(d.pop(), &items[2]);
  EXPECT_EQ(d.pop(), &items[1]);
  EXPECT_EQ(d.pop(), &items[0]);
  EXPECT_EQ(d.pop(), nullptr);
}

TEST(Deque, ThiefTakesOldestFirstAndReportsEmpty) {
  ak::WorkDeque<int*> d(4);
  int items[2] = {0, 1};
  d.push(&items[0]);
  d.push(&items[1]);
  int* got = nullptr;
  EXPECT_EQ(d.steal(got), ak::StealResult::kTaken);
  EXPECT_EQ(got, &items[0]);
  EXPECT_EQ(d.steal(got), ak::StealResult::kTaken);
  EXPECT_EQ(got, &items[1]);
  EXPECT_EQ(d.steal(got), ak::StealResult::kEmpty);
}

TEST(Deque, GrowsPastInitialCapacityKeepingOrder) {
  ak::WorkDeque<int*> d(2);
  std::vector<int> items(1000);
  for (int& i : items) d.push(&i);
  EXPECT_EQ(d.size(), 1000);
  for (int k = 999; k >= 0; --k) ASSERT_EQ(d.pop(), &items[k]);
}

TEST(Deque, EveryItemTakenExactlyOnceUnderConcurrentSteals) {
  constexpr int kItems = 200000;
  constexpr int kThieves = 3;
  ak::WorkDeque<int*> d(8);
  std::vector<int> items(kItems);
  std::vector<std::atomic<int>> taken(kItems);
  std::atomic<bool> done{false};
  std::atomic<int> total{0};
  auto record = [&](int* p) {
    taken[p - items.data()].fetch_add(1);
    total.fetch_add(1);
  };
  std::vector<std::thread> thieves;
  for (int t = 0; t < kThieves; ++t) {
    thieves.emplace_back([&] {
      while (!done.load()) {
        int* got = nullptr;
        if (d.steal(got) == ak::StealResult::kTaken) record(got);
      }
    });
  }
  for (int i = 0; i < kItems; ++i) {
    d.push(&items[i]);
    if (i % 3 == 0) {
      if (int* p = d.pop()) record(p);
    }
  }
  while (int* p = d.pop()) record(p);
  done.store(true);
  for (auto& t : thieves) t.join();
  int* straggler = nullptr;
  while (d.steal(straggler) == ak::StealResult::kTaken) record(straggler);
  EXPECT_EQ(total.load(), kItems);
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
}

}  // namespace
