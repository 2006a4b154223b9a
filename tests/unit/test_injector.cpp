// The injection queue: FIFO, batches, and a closed queue refuses new items.
#include <gtest/gtest.h>

#include "injector.hpp"

namespace {

struct Item {
  Item* next = nullptr;
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
