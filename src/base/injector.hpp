// injector.hpp -- the queue through which work enters a pool from outside its workers.
//
// Dmitry Vyukov's intrusive MPSC queue ("Intrusive MPSC node-based queue", 1024cores.net):
// producers never block (one exchange and one store per push), and a queued task costs no memory
// beyond its own block, since the queue links through T::next. Consumers take turns through a
// small spin flag and move a batch at a time into their own deque, so the flag is held briefly.
//
// Closing is how a stopped pool refuses work that becomes ready after the stop. The closed state
// is a bit of the size counter, and a push counts itself in the size before it links, so
// "closed and size 0" means nothing is queued and nothing ever will be.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "base/assert.hpp"
#include "base/futex.hpp"

namespace ak {

template <typename T>  // T has `std::atomic<T*> next` and a default constructor
class Injector {
 public:
  Injector() {
    stub_.next.store(nullptr, std::memory_order_relaxed);  // relaxed: not yet shared
    head_ = &stub_;
    tail_.store(&stub_, std::memory_order_relaxed);
  }
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  // Appends (any thread); returns false, and does nothing, once closed.
  [[nodiscard]] bool push(T* item) noexcept {
    // seq_cst: counted before it is linked (see close()), and workers about to sleep read the
    // size after announcing themselves (Dekker pairing, see Notifier).
    const uint64_t old = size_.fetch_add(1, std::memory_order_seq_cst);
    if (old & kClosed) {
      // relaxed: undoing our own count; nothing was published.
      size_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    link(item);
    return true;
  }

  // Takes up to `max` items in FIFO order into out[]; returns how many. With wait = false it
  // gives up at once when another consumer is taking (the caller looks elsewhere). May return 0
  // while size() > 0 if a producer is between its two steps: callers retry later.
  size_t pop_batch(T** out, size_t max, bool wait = true) noexcept {
    if (!lock_consumer(wait)) return 0;
    size_t n = 0;
    while (n < max) {
      T* t = pop_one();
      if (!t) break;
      out[n++] = t;
    }
    unlock_consumer();
    // relaxed: items were published through their links; the count is a hint for size().
    if (n) {
      const uint64_t before = size_.fetch_sub(n, std::memory_order_relaxed);
      AK_ASSERT((before & ~kClosed) >= n);  // every item taken was counted by its push
      static_cast<void>(before);
    }
    return n;
  }

  // From now on push() fails. Items already counted stay and are still taken by pop_batch().
  void close() noexcept {
    // seq_cst: ordered against every push's counting RMW (same variable).
    size_.fetch_or(kClosed, std::memory_order_seq_cst);
  }

  [[nodiscard]] bool closed() const noexcept {
    // acquire: pairs with close(); a reader that sees the bit sees what preceded it.
    return size_.load(std::memory_order_acquire) & kClosed;
  }

  // Items pushed and not yet taken (including pushes still linking): a lock-free snapshot.
  [[nodiscard]] size_t size() const noexcept {
    // seq_cst: pairs with push() for the sleep decision (see Notifier).
    return static_cast<size_t>(size_.load(std::memory_order_seq_cst) & ~kClosed);
  }

 private:
  static constexpr uint64_t kClosed = uint64_t{1} << 63;

  void link(T* item) noexcept {
    // relaxed: published by the release store into the predecessor's link below.
    item->next.store(nullptr, std::memory_order_relaxed);
    // acq_rel: serialises producers on the tail; the predecessor stays in the queue until we
    // link it (a consumer never takes the last node), so writing to it is safe.
    T* prev = tail_.exchange(item, std::memory_order_acq_rel);
    // release: the consumer that loads this link (acquire) sees the item's contents.
    prev->next.store(item, std::memory_order_release);
  }

  // Consumer only (under the consumer flag).
  T* pop_one() noexcept {
    T* head = head_;
    // acquire: pairs with the release store in link().
    T* next = head->next.load(std::memory_order_acquire);
    if (head == &stub_) {
      if (!next) return nullptr;  // empty (or the first push is still linking)
      head_ = next;
      head = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next) {
      head_ = next;
      return head;
    }
    // head is the last linked node. If the tail moved past it, a producer is linking: come back.
    // acquire: pairs with the producers' exchange.
    if (tail_.load(std::memory_order_acquire) != head) return nullptr;
    link(&stub_);  // put the stub behind head so head can be taken
    next = head->next.load(std::memory_order_acquire);
    if (next) {
      head_ = next;
      return head;
    }
    return nullptr;
  }

  bool lock_consumer(bool wait) noexcept {
    for (int i = 0;; ++i) {
      // relaxed test before the exchange: spin on a shared line, not on exclusive ownership.
      // acquire: see the head_ written by the previous consumer.
      if (!consumer_busy_.load(std::memory_order_relaxed) &&
          !consumer_busy_.exchange(true, std::memory_order_acquire)) {
        return true;
      }
      if (!wait) return false;
      if (i < 64) {
        cpu_relax();
      } else {
        std::this_thread::yield();  // the holder may have been preempted
      }
    }
  }

  void unlock_consumer() noexcept {
    // release: the next consumer sees our head_.
    consumer_busy_.store(false, std::memory_order_release);
  }

  alignas(64) std::atomic<T*> tail_;  // producers
  alignas(64) std::atomic<uint64_t> size_{0};
  alignas(64) std::atomic<bool> consumer_busy_{false};
  T* head_;  // consumer only
  T stub_;
};

}  // namespace ak
