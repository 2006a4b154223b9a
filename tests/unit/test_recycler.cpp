// The block recycler: blocks are aligned, distinct while live, and blocks freed on one thread are
// reused on another without ever being handed out twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "recycler.hpp"

namespace {

TEST(Recycler, LiveBlocksAreDistinctAlignedAndWritable) {
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) {
    void* b = ak::block_alloc();
    ASSERT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
    std::memset(b, 0xab, ak::kBlockSize);
    blocks.push_back(b);
  }
  std::set<void*> unique(blocks.begin(), blocks.end());
  EXPECT_EQ(unique.size(), blocks.size());
  for (void* b : blocks) ak::block_free(b);
}

TEST(Recycler, BlocksFreedOnOtherThreadsAreNeverHandedOutTwice) {
  constexpr int kPerThread = 20000;
  std::vector<void*> produced(2 * kPerThread);
  std::thread a([&] {
    for (int i = 0; i < kPerThread; ++i) produced[i] = ak::block_alloc();
  });
  std::thread b([&] {
    for (int i = 0; i < kPerThread; ++i) produced[kPerThread + i] = ak::block_alloc();
  });
  a.join();
  b.join();
  std::set<void*> unique(produced.begin(), produced.end());
  ASSERT_EQ(unique.size(), produced.size());
  // Free them all on a third thread, then allocate again on this one: still no duplicates.
  std::thread c([&] {
    for (void* p : produced) ak::block_free(p);
  });
  c.join();
  std::vector<void*> again;
  for (int i = 0; i < 2 * kPerThread; ++i) again.push_back(ak::block_alloc());
  std::set<void*> unique_again(again.begin(), again.end());
  EXPECT_EQ(unique_again.size(), again.size());
  for (void* p : again) ak::block_free(p);
}

}  // namespace
