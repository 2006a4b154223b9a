// The block recycler: blocks are aligned, distinct while live, and blocks freed on one thread are
// reused on another without ever being handed out twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "base/recycler.hpp"

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

namespace {

// Every block a thread frees comes back: once that thread has ended, allocating as many blocks
// again (plus what this thread's own cache may hold) returns each of them. A block lost in a
// thread's cache at exit would be missing here.
TEST(Recycler, BlocksFreedByAThreadThatEndedAreAllReused) {
#ifdef AK_NO_RECYCLE
  GTEST_SKIP() << "built with AK_NO_RECYCLE: blocks come from operator new";
#endif
  constexpr size_t kBlocks = 10000;
  std::vector<void*> freed;
  std::thread t([&] {
    for (size_t i = 0; i < kBlocks; ++i) freed.push_back(ak::block_alloc());
    for (void* p : freed) ak::block_free(p);
  });
  t.join();
  std::set<void*> wanted(freed.begin(), freed.end());
  ASSERT_EQ(wanted.size(), kBlocks);
  // This thread's cache holds at most two batches (128 blocks) of its own before it refills from
  // the global list, where the ended thread's blocks were pushed last.
  std::vector<void*> again;
  for (size_t i = 0; i < kBlocks + 256 && !wanted.empty(); ++i) {
    void* p = ak::block_alloc();
    again.push_back(p);
    wanted.erase(p);
  }
  EXPECT_TRUE(wanted.empty()) << wanted.size() << " freed blocks never came back";
  for (void* p : again) ak::block_free(p);
}

}  // namespace
