// injector.hpp -- the queue through which work enters a pool from outside its workers.
//
// An intrusive FIFO (linked through T::next, so a queued task costs no memory beyond its block)
// under a mutex. Workers take a batch at a time into their own deque, which keeps the lock off
// the per-task path on the consuming side. Closing it is how a stopped pool refuses work that
// becomes ready after the stop: push() and close() take the same lock, so nothing slips in after.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

namespace ak {

template <typename T>
class Injector {
 public:
  // Appends; returns false (and does nothing) once closed.
  [[nodiscard]] bool push(T* item) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    item->next = nullptr;
    if (tail_) tail_->next = item; else head_ = item;
    tail_ = item;
    // seq_cst: workers about to sleep read size() after their announcement (see Notifier).
    size_.fetch_add(1, std::memory_order_seq_cst);
    return true;
  }

  // Takes up to `max` items in FIFO order into out[]; returns how many.
  size_t pop_batch(T** out, size_t max) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    while (n < max && head_) {
      out[n++] = head_;
      head_ = head_->next;
    }
    if (!head_) tail_ = nullptr;
    // relaxed: the mutex orders the list; the counter is a lock-free hint for size().
    if (n) size_.fetch_sub(n, std::memory_order_relaxed);
    return n;
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }

  [[nodiscard]] bool closed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
  }

  // A lock-free snapshot of the length.
  [[nodiscard]] size_t size() const noexcept {
    // seq_cst: pairs with push() for the sleep decision (see Notifier).
    return size_.load(std::memory_order_seq_cst);
  }

 private:
  std::mutex mutex_;
  T* head_ = nullptr;
  T* tail_ = nullptr;
  bool closed_ = false;
  std::atomic<size_t> size_{0};
};

}  // namespace ak
