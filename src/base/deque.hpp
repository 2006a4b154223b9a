// deque.hpp -- the per-worker work-stealing deque.
//
// Chase and Lev, "Dynamic Circular Work-Stealing Deque" (SPAA 2005), with the C11 memory orders of
// Le, Pop, Cohen and Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models"
// (PPoPP 2013). The owner pushes and pops at the bottom (LIFO); thieves take from the top (FIFO).
// Where the paper uses a release fence followed by a relaxed store, this uses a release store:
// the same code on x86 and ARM, and ThreadSanitizer can see it.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "base/assert.hpp"

namespace ak {

enum class StealResult { kEmpty, kLostRace, kTaken };

template <typename T>  // T is a pointer type
class WorkDeque {
 public:
  explicit WorkDeque(int64_t capacity = 256) : array_(new Array(capacity)) {}
  ~WorkDeque() {
    delete array_.load(std::memory_order_relaxed);
    for (Array* a : retired_) delete a;
  }
  WorkDeque(const WorkDeque&) = delete;
  WorkDeque& operator=(const WorkDeque&) = delete;

  // Owner only. May throw std::bad_alloc when growing; the deque is then unchanged.
  void push(T item) {
    // relaxed: only the owner writes bottom_.
    const int64_t b = bottom_.load(std::memory_order_relaxed);
    // acquire: see thieves' progress so the fullness check is not too pessimistic.
    const int64_t t = top_.load(std::memory_order_acquire);
    // relaxed: only the owner replaces the array.
    Array* a = array_.load(std::memory_order_relaxed);
    AK_ASSERT(t <= b);  // thieves never take past the bottom
    if (b - t > a->capacity - 1) a = grow(a, b, t);
    a->put(b, item);
    // release: a thief that reads the new bottom also sees the item and what it points to.
    bottom_.store(b + 1, std::memory_order_release);
  }

  // Owner only. Returns nullptr when empty.
  T pop() noexcept {
    // relaxed: owner-only reads of its own writes.
    const int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Array* a = array_.load(std::memory_order_relaxed);
    bottom_.store(b, std::memory_order_relaxed);
    // seq_cst fence: the claim on bottom must be visible before we read top (the paper's fence).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int64_t t = top_.load(std::memory_order_relaxed);
    AK_ASSERT(t <= b + 1);  // at most one past our claim: the deque was empty
    if (t > b) {            // empty
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    T item = a->get(b);
    if (t == b) {  // last item: race the thieves for it
      // seq_cst: the paper's order for the single-item race.
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return item;
  }

  // Any thread. Reports why nothing was taken: empty, or lost a race (worth retrying).
  StealResult steal(T& out) noexcept {
    // acquire: pairs with the CAS of other thieves and the owner.
    int64_t t = top_.load(std::memory_order_acquire);
    // seq_cst fence: read top before bottom (the paper's fence).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // acquire: pairs with the release store in push(), making the item visible.
    const int64_t b = bottom_.load(std::memory_order_acquire);
    if (t >= b) return StealResult::kEmpty;
    // acquire: see the contents of an array the owner just grew into.
    Array* a = array_.load(std::memory_order_acquire);
    T item = a->get(t);
    // seq_cst: the paper's order; failure means another thief or the owner took it.
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return StealResult::kLostRace;
    }
    out = item;
    return StealResult::kTaken;
  }

  // Approximate number of items (any thread; a snapshot).
  [[nodiscard]] int64_t size() const noexcept {
    // relaxed: a hint for statistics and "is there work" checks that are rechecked.
    const int64_t b = bottom_.load(std::memory_order_relaxed);
    const int64_t t = top_.load(std::memory_order_relaxed);
    return b > t ? b - t : 0;
  }

  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  struct Array {
    explicit Array(int64_t cap) : capacity(cap), mask(cap - 1), slots(new std::atomic<T>[cap]) {
      AK_ASSERT(cap > 0 && (cap & (cap - 1)) == 0);  // indices wrap with the mask
    }
    ~Array() { delete[] slots; }
    // relaxed: publication is done by bottom_ (push) and the top_ CAS (steal).
    void put(int64_t i, T v) noexcept { slots[i & mask].store(v, std::memory_order_relaxed); }
    T get(int64_t i) const noexcept { return slots[i & mask].load(std::memory_order_relaxed); }
    int64_t capacity;
    int64_t mask;
    std::atomic<T>* slots;
  };

  Array* grow(Array* old, int64_t b, int64_t t) {
    retired_.reserve(retired_.size() + 1);  // may throw before anything changes
    auto* bigger = new Array(old->capacity * 2);
    for (int64_t i = t; i < b; ++i) bigger->put(i, old->get(i));
    // Thieves may still read the old array: keep it until the deque dies (as Taskflow does).
    retired_.push_back(old);
    // release: thieves that load the new array see the copied items.
    array_.store(bigger, std::memory_order_release);
    return bigger;
  }

  alignas(64) std::atomic<int64_t> top_{0};
  alignas(64) std::atomic<int64_t> bottom_{0};
  std::atomic<Array*> array_;
  std::vector<Array*> retired_;  // owner only
};

}  // namespace ak
