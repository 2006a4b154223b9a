// The injection queue: FIFO, batches, and a closed queue refuses new items.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/injector.hpp"

namespace {

struct Item {
  std::atomic<Item*> next{nullptr};
  int id = 0;
};

TEST(Injector, BatchesComeOutInFifoOrder) {
  ak::Injector<Item> q;
  Item items[5];
  for (int i = 0; i < 5; ++i) {
    items[i].id = i;
    ASSERT_TRUE(q.push(&items[i]));
  }
  EXPECT_EQ(q.size(), 5u);
  Item* out[3];
  ASSERT_EQ(q.pop_batch(out, 3), 3u);
  EXPECT_EQ(out[0]->id, 0);
  EXPECT_EQ(out[2]->id, 2);
  ASSERT_EQ(q.pop_batch(out, 3), 2u);
  EXPECT_EQ(out[0]->id, 3);
  EXPECT_EQ(out[1]->id, 4);
  EXPECT_EQ(q.pop_batch(out, 3), 0u);
  EXPECT_EQ(q.size(), 0u);
}

TEST(Injector, ClosedQueueRefusesPushButKeepsWhatItHas) {
  ak::Injector<Item> q;
  Item a, b;
  ASSERT_TRUE(q.push(&a));
  q.close();
  EXPECT_TRUE(q.closed());
  EXPECT_FALSE(q.push(&b));
  Item* out[2];
  EXPECT_EQ(q.pop_batch(out, 2), 1u);
  EXPECT_EQ(out[0], &a);
}

}  // namespace

namespace {

TEST(Injector, ConcurrentProducersAndConsumersTakeEveryItemOnceInPerProducerOrder) {
  constexpr int kProducers = 3;
  constexpr int kPerProducer = 100000;
  ak::Injector<Item> q;
  std::vector<Item> items(kProducers * kPerProducer);
  for (size_t i = 0; i < items.size(); ++i) items[i].id = static_cast<int>(i);
  std::vector<std::atomic<int>> taken(items.size());
  std::atomic<int> total{0};
  std::atomic<bool> order_ok{true};
  auto consumer = [&](bool wait) {
    std::vector<int> last(kProducers, -1);
    Item* out[16];
    while (total.load() < static_cast<int>(items.size())) {
      const size_t k = q.pop_batch(out, 16, wait);
      for (size_t j = 0; j < k; ++j) {
        const int id = out[j]->id;
        taken[id].fetch_add(1);
        const int producer = id / kPerProducer;
        if (id <= last[producer]) order_ok = false;  // FIFO per producer, seen by one consumer
        last[producer] = id;
        total.fetch_add(1);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(q.push(&items[p * kPerProducer + i]));
    });
  }
  std::thread c1(consumer, true), c2(consumer, false);
  for (auto& t : threads) t.join();
  c1.join();
  c2.join();
  EXPECT_TRUE(order_ok.load());
  EXPECT_EQ(q.size(), 0u);
  for (size_t i = 0; i < items.size(); ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
}

TEST(Injector, AfterCloseUnderLoadEveryAcceptedItemIsTakenAndNoneAfter) {
  ak::Injector<Item> q;
  std::vector<Item> items(200000);
  std::atomic<int> accepted{0};
  std::atomic<bool> closed{false};
  std::thread producer([&] {
    for (auto& it : items) {
      if (q.push(&it)) {
        accepted.fetch_add(1);
      } else {
        EXPECT_TRUE(closed.load());  // refused only after close
      }
    }
  });
  int taken = 0;
  Item* out[32];
  while (taken < 1000) taken += static_cast<int>(q.pop_batch(out, 32));
  closed = true;  // before close(): a refusal may come the instant close() has run
  q.close();
  producer.join();
  // Everything counted before the close can still be taken; then the queue stays empty.
  while (q.size() > 0) taken += static_cast<int>(q.pop_batch(out, 32));
  EXPECT_EQ(taken, accepted.load());
  EXPECT_FALSE(q.push(&items[0]));
  EXPECT_EQ(q.pop_batch(out, 32), 0u);
}

}  // namespace
