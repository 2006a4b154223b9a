#include "recycler.hpp"

#include <cstdlib>
#include <mutex>
#include <new>

namespace ak {

#ifdef AK_NO_RECYCLE

void* block_alloc() { return ::operator new(kBlockSize, std::align_val_t{64}); }
void block_free(void* p) noexcept { ::operator delete(p, std::align_val_t{64}); }

#else

namespace {

struct FreeBlock {
  FreeBlock* next;
};

constexpr size_t kBatch = 64;                 // blocks moved between a thread and the global list
constexpr size_t kSlabBytes = 64 * 1024;      // carved into blocks when everything is in use

// Batches of kBatch blocks, each batch a list linked through FreeBlock::next, chained through the
// second word of its first block.
struct Global {
  std::mutex mutex;
  FreeBlock* batches = nullptr;
};

// Made on first use and never destroyed: threads may free blocks during static destruction.
Global& global() {
  static Global* g = new Global;
  return *g;
}

FreeBlock*& batch_link(FreeBlock* first) { return reinterpret_cast<FreeBlock**>(first)[1]; }

struct Cache {
  FreeBlock* head = nullptr;
  size_t count = 0;
};

thread_local Cache tl_cache;         // trivially destructible: safe to touch until thread exit
thread_local bool tl_cache_dead = false;

void give_batch(FreeBlock* first) {
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mutex);
  batch_link(first) = g.batches;
  g.batches = first;
}

// Hands the thread's blocks to the global list when the thread ends.
struct CacheFlusher {
  ~CacheFlusher() {
    tl_cache_dead = true;
    while (tl_cache.head) {
      FreeBlock* first = tl_cache.head;
      FreeBlock* last = first;
      size_t n = 1;
      while (n < kBatch && last->next) { last = last->next; ++n; }
      tl_cache.head = last->next;
      last->next = nullptr;
      give_batch(first);
    }
    tl_cache.count = 0;
  }
};
thread_local CacheFlusher tl_flusher;

void refill() {
  Global& g = global();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    if (g.batches) {
      FreeBlock* first = g.batches;
      g.batches = batch_link(first);
      size_t n = 0;
      for (FreeBlock* b = first; b; b = b->next) ++n;
      tl_cache.head = first;
      tl_cache.count = n;
      return;
    }
  }
  void* slab = std::aligned_alloc(64, kSlabBytes);
  if (!slab) throw std::bad_alloc();
  auto* bytes = static_cast<char*>(slab);
  FreeBlock* head = nullptr;
  for (size_t off = kSlabBytes; off >= kBlockSize; off -= kBlockSize) {
    auto* b = reinterpret_cast<FreeBlock*>(bytes + off - kBlockSize);
    b->next = head;
    head = b;
  }
  tl_cache.head = head;
  tl_cache.count = kSlabBytes / kBlockSize;
}

}  // namespace

void* block_alloc() {
  if (tl_cache_dead) return ::operator new(kBlockSize, std::align_val_t{64});
  (void)&tl_flusher;  // odr-use: makes the flusher exist for this thread
  if (!tl_cache.head) refill();
  FreeBlock* b = tl_cache.head;
  tl_cache.head = b->next;
  --tl_cache.count;
  return b;
}

void block_free(void* p) noexcept {
  auto* b = static_cast<FreeBlock*>(p);
  if (tl_cache_dead) {  // thread is ending: straight to the global list as a batch of one
    b->next = nullptr;
    give_batch(b);
    return;
  }
  (void)&tl_flusher;
  b->next = tl_cache.head;
  tl_cache.head = b;
  if (++tl_cache.count >= 2 * kBatch) {
    // Move kBatch blocks (the most recently freed stay hot here).
    FreeBlock* keep_last = tl_cache.head;
    for (size_t i = 1; i < kBatch; ++i) keep_last = keep_last->next;
    FreeBlock* first = keep_last->next;
    keep_last->next = nullptr;
    tl_cache.count = kBatch;
    give_batch(first);
  }
}

#endif

}  // namespace ak

