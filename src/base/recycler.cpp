// recycler.cpp -- per-thread free lists of 128-byte blocks over a global list of batches, carved
// from 2 MiB mappings (recycler.hpp).
#include "base/recycler.hpp"

#include "base/assert.hpp"
#include "base/fault.hpp"

#include <pthread.h>
#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>

namespace ak {

#ifdef AK_NO_RECYCLE

void* block_alloc() {
  if (fault::should_fail()) throw std::bad_alloc();
  return ::operator new(kBlockSize, std::align_val_t(64));
}
void block_free(void* p) noexcept { ::operator delete(p, std::align_val_t(64)); }

#else

namespace {

struct FreeBlock {
  FreeBlock* next;
};

constexpr size_t kBatch = 64;              // blocks moved between a thread and the global list
constexpr size_t kRegionBytes = 2u << 20;  // reserved from the system at a time

// Batches of free blocks, each a list linked through FreeBlock::next, chained to the next batch
// through the second word of its first block and counted in the third (so taking a batch reads
// one block, not all of them); plus the region blocks are carved from.
// Carving lazily keeps untouched pages out of the resident set.
struct Global {
  std::mutex mutex;
  FreeBlock* batches = nullptr;
  char* region = nullptr;  // next uncarved byte
  char* region_end = nullptr;
};

// Made on first use and never destroyed: threads may free blocks during static destruction.
Global& global() {
  static Global* g = new Global;
  return *g;
}

FreeBlock*& batch_link(FreeBlock* first) { return reinterpret_cast<FreeBlock**>(first)[1]; }
size_t& batch_count(FreeBlock* first) { return reinterpret_cast<size_t*>(first)[2]; }
static_assert(kBlockSize >= 3 * sizeof(void*), "a free block holds three words");

// One thread-local object (trivially destructible, so usable until the thread's very end): one
// TLS lookup per call in a shared library.
struct Cache {
  FreeBlock* head = nullptr;
  size_t count = 0;
  bool registered = false;  // the exit hook below is armed for this thread
  bool dead = false;        // the thread is ending: bypass the cache
};
thread_local Cache tl_cache;

// `first` heads a list of `n` blocks.
void give_batch(FreeBlock* first, size_t n) {
  batch_count(first) = n;
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mutex);
  batch_link(first) = g.batches;
  g.batches = first;
}

// At thread exit, hand the thread's blocks to the global list (a pthread key destructor, so the
// fast path carries no C++ thread_local guard).
void flush_at_exit(void*) {
  Cache& c = tl_cache;
  c.dead = true;
  while (c.head) {
    FreeBlock* first = c.head;
    FreeBlock* last = first;
    size_t n = 1;
    while (n < kBatch && last->next) {
      last = last->next;
      ++n;
    }
    c.head = last->next;
    last->next = nullptr;
    give_batch(first, n);
  }
  c.count = 0;
}

pthread_key_t exit_key() {
  static pthread_key_t key = [] {
    pthread_key_t k;
    if (pthread_key_create(&k, &flush_at_exit) != 0) throw std::bad_alloc();
    return k;
  }();
  return key;
}

void arm_exit_hook(Cache& c) {
  pthread_setspecific(exit_key(), &c);  // any non-null value makes the destructor run
  c.registered = true;
}

void refill(Cache& c) {
  if (!c.registered) arm_exit_hook(c);
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (g.batches) {
    FreeBlock* first = g.batches;
    g.batches = batch_link(first);
    c.head = first;
    c.count = batch_count(first);
    return;
  }
  if (g.region == g.region_end) {
    void* mem =
        mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::bad_alloc();
    g.region = static_cast<char*>(mem);  // page aligned, so every block is 64-byte aligned
    g.region_end = g.region + kRegionBytes;
  }
  FreeBlock* head = nullptr;
  size_t n = 0;
  for (; n < kBatch && g.region != g.region_end; ++n) {
    auto* b = reinterpret_cast<FreeBlock*>(g.region);
    g.region += kBlockSize;
    b->next = head;
    head = b;
  }
  c.head = head;
  c.count = n;
}

}  // namespace

void* block_alloc() {
  if (fault::should_fail()) throw std::bad_alloc();
  Cache& c = tl_cache;
  if (c.dead) return ::operator new(kBlockSize, std::align_val_t(64));
  if (!c.head) refill(c);
  FreeBlock* b = c.head;
  AK_ASSERT(c.count > 0);  // the count follows the list
  c.head = b->next;
  --c.count;
  // The next block is likely cold (freed long ago, or by another thread): start fetching it now,
  // for writing, so the caller's work on this block overlaps the miss instead of waiting on it
  // at the next call. Prefetching a null pointer is harmless.
  __builtin_prefetch(c.head, 1);
  return b;
}

void block_free(void* p) noexcept {
  auto* b = static_cast<FreeBlock*>(p);
  Cache& c = tl_cache;
  if (c.dead) {  // thread is ending: straight to the global list as a batch of one
    b->next = nullptr;
    give_batch(b, 1);
    return;
  }
  if (!c.registered) {
    // A thread may only ever free blocks (a worker releasing what others made): its cache must
    // still go back to the global list when it ends, or those blocks are lost for good.
    try {
      arm_exit_hook(c);
    } catch (...) {  // no key could be made: hand the block over at once instead of caching it
      b->next = nullptr;
      give_batch(b, 1);
      return;
    }
  }
  b->next = c.head;
  c.head = b;
  if (++c.count >= 2 * kBatch) {
    // Move kBatch blocks (the most recently freed stay hot here).
    FreeBlock* keep_last = c.head;
    for (size_t i = 1; i < kBatch; ++i) keep_last = keep_last->next;
    FreeBlock* first = keep_last->next;
    keep_last->next = nullptr;
    c.count = kBatch;
    give_batch(first, kBatch);
  }
}

#endif

}  // namespace ak
