// Helpers shared by the C API tests. Includes only the public header and standard headers.
//
// Synchronisation rules followed by every test:
//   - never sleep to synchronise: wait on the value, promise, Event or atomic itself;
//   - every wait has a generous bound (kBound) so that a bug fails loudly instead of hanging;
//   - "must not happen" checks look for kAbsent at most: a bug is caught with high probability,
//     a correct library always passes.
#pragma once

#include <asynckit.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace akt {

using namespace std::chrono_literals;

constexpr int64_t kMs = 1000 * 1000;
constexpr int64_t kSecond = 1000 * kMs;
// How long we wait for something that must happen.
constexpr int64_t kBound = 30 * kSecond;
constexpr std::chrono::seconds kBoundChrono{30};
// How long we look for something that must not happen.
constexpr int64_t kAbsent = 20 * kMs;

// AK_STRESS_SCALE (default 1) scales the stress sizes; sanitizer runs set it smaller.
inline double stress_scale() {
  const char *s = std::getenv("AK_STRESS_SCALE");
  if (s == nullptr || *s == '\0') return 1.0;
  char *end = nullptr;
  double d = std::strtod(s, &end);
  if (end == s || !(d > 0.0)) return 1.0;
  return d;
}

inline size_t scaled(size_t base) {
  double n = static_cast<double>(base) * stress_scale();
  return n < 1.0 ? 1 : static_cast<size_t>(n);
}

// A marker for out pointers that must not be written.
inline void *untouched() { return reinterpret_cast<void *>(0x5eed); }

inline void *iv(intptr_t x) { return reinterpret_cast<void *>(x); }
inline intptr_t vi(const void *p) { return reinterpret_cast<intptr_t>(p); }

// ---- RAII handles ----------------------------------------------------------------------------
struct PoolDeleter {
  void operator()(ak_pool *p) const { ak_pool_destroy(p); }
};
using Pool = std::unique_ptr<ak_pool, PoolDeleter>;

struct ValueDeleter {
  void operator()(ak_value *v) const { ak_value_release(v); }
};
using Value = std::unique_ptr<ak_value, ValueDeleter>;

inline Pool make_pool(unsigned workers, const char *name = nullptr) {
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = workers;
  o.name = name;
  ak_pool *p = nullptr;
  int rc = ak_pool_create(&o, &p);
  EXPECT_EQ(rc, AK_OK) << "ak_pool_create(" << workers << ")";
  return Pool(rc == AK_OK ? p : nullptr);
}

inline Value make_promise() {
  ak_value *v = nullptr;
  int rc = ak_value_new(&v);
  EXPECT_EQ(rc, AK_OK) << "ak_value_new";
  return Value(rc == AK_OK ? v : nullptr);
}

// ---- Work as C++ closures ----------------------------------------------------------------------
// The Work object is the submission's `arg`; it must outlive the run (declare it before the pool).
struct Work {
  std::function<int(ak_task *)> fn;
  explicit Work(std::function<int(ak_task *)> f) : fn(std::move(f)) {}
};
inline int run_work(ak_task *t, void *arg) { return static_cast<Work *>(arg)->fn(t); }

// A stable home for many Work objects (thread-safe to add to).
class WorkList {
 public:
  Work *add(std::function<int(ak_task *)> f) {
    std::lock_guard<std::mutex> lk(m_);
    items_.emplace_back(std::move(f));
    return &items_.back();
  }

 private:
  std::mutex m_;
  std::deque<Work> items_;
};

inline Value submit(ak_pool *p, Work *w) {
  ak_value *v = nullptr;
  int rc = ak_pool_do(p, run_work, w, &v);
  EXPECT_EQ(rc, AK_OK) << "ak_pool_do";
  return Value(rc == AK_OK ? v : nullptr);
}

inline Value submit_after(ak_pool *p, std::vector<ak_value *> deps, Work *w) {
  ak_value *v = nullptr;
  int rc = ak_pool_do_after(p, deps.empty() ? nullptr : deps.data(), deps.size(), run_work, w, &v);
  EXPECT_EQ(rc, AK_OK) << "ak_pool_do_after";
  return Value(rc == AK_OK ? v : nullptr);
}

inline Value chain(ak_value *prev, Work *w) {
  ak_value *v = nullptr;
  int rc = ak_chain(prev, run_work, w, &v);
  EXPECT_EQ(rc, AK_OK) << "ak_chain";
  return Value(rc == AK_OK ? v : nullptr);
}

inline Value join(std::vector<ak_value *> vals) {
  ak_value *v = nullptr;
  int rc = ak_list_join(vals.empty() ? nullptr : vals.data(), vals.size(), &v);
  EXPECT_EQ(rc, AK_OK) << "ak_list_join";
  return Value(rc == AK_OK ? v : nullptr);
}

inline Value any(std::vector<ak_value *> vals) {
  ak_value *v = nullptr;
  int rc = ak_list_any(vals.data(), vals.size(), &v);
  EXPECT_EQ(rc, AK_OK) << "ak_list_any";
  return Value(rc == AK_OK ? v : nullptr);
}

// Plain C work functions used across files.
inline int work_ok(ak_task *, void *) { return AK_OK; }
// Sets the integer carried by arg as the result.
inline int work_result_is_arg(ak_task *t, void *arg) { return ak_task_set_result(t, arg, nullptr); }
// Increments the std::atomic<int> at arg.
inline int work_count(ak_task *, void *arg) {
  static_cast<std::atomic<int> *>(arg)->fetch_add(1);
  return AK_OK;
}

// Reads the integer result of `v`, waiting up to kBound. Records a failure if it is not AK_OK.
inline intptr_t get_int(ak_value *v) {
  void *r = nullptr;
  int rc = ak_value_get(v, kBound, &r);
  EXPECT_EQ(rc, AK_OK) << "ak_value_get: " << ak_value_message(v);
  return vi(r);
}

// Waits for `v` to be set and returns its status.
inline int settle(ak_value *v) {
  int rc = ak_value_wait(v, kBound);
  EXPECT_EQ(rc, AK_OK) << "value was not set within the bound";
  return ak_value_status(v);
}

// ---- Blocking primitives that are NOT the library's ---------------------------------------------
// Work that blocks on an Event keeps its worker busy (it does not run other queued work), which is
// what tests of queued/running work need.
class Event {
 public:
  void set() {
    // Notify under the lock: a waiter may destroy the Event as soon as it sees set_.
    std::lock_guard<std::mutex> lk(m_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds bound = kBoundChrono) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, bound, [&] { return set_; });
  }
  bool is_set() {
    std::lock_guard<std::mutex> lk(m_);
    return set_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Opens the given events when it goes out of scope, so that a test that fails half way releases
// blocked work before the pool is destroyed. Declare it after the pool.
class OpenOnExit {
 public:
  explicit OpenOnExit(std::initializer_list<Event *> evs) : evs_(evs) {}
  ~OpenOnExit() {
    for (Event *e : evs_) e->set();
  }

 private:
  std::vector<Event *> evs_;
};

// n parties meet; true if all arrived within the bound.
class Rendezvous {
 public:
  explicit Rendezvous(int n) : n_(n) {}
  bool arrive_and_wait(std::chrono::milliseconds bound = kBoundChrono) {
    std::unique_lock<std::mutex> lk(m_);
    if (++arrived_ >= n_) cv_.notify_all();
    return cv_.wait_for(lk, bound, [&] { return arrived_ >= n_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_;
  int arrived_ = 0;
};

// Polls `cond` until it holds or the bound passes (for counters the library updates
// asynchronously, e.g. statistics or a worker dropping its reference after setting a value).
template <class F>
bool eventually(F cond, std::chrono::milliseconds bound = kBoundChrono) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return cond();
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // throttle only
  }
  return true;
}

// Aborts the process loudly if a section that waits with AK_FOREVER does not finish.
class Watchdog {
 public:
  explicit Watchdog(std::string what, std::chrono::seconds bound = std::chrono::seconds(60))
      : what_(std::move(what)), thread_([this, bound] {
          if (!done_.wait(bound)) {
            std::fprintf(stderr, "WATCHDOG: '%s' did not finish in time; aborting\n",
                         what_.c_str());
            std::abort();
          }
        }) {}
  ~Watchdog() {
    done_.set();
    thread_.join();
  }

 private:
  std::string what_;
  Event done_;
  std::thread thread_;
};

// ---- Result ownership tracking ----------------------------------------------------------------
// Results handed to the library are Items owned by the tracker; the library's free_fn only counts,
// so a double free is a count of 2 instead of undefined behaviour. free_fn's one and last memory
// access is the item's atomic counter, so a test that has seen the count may destroy the tracker.
// Declare the tracker before any pool or value that holds its items.
class FreeTracker {
 public:
  struct Item {
    intptr_t payload = 0;
    std::atomic<int> frees{0};
  };

  void *make(intptr_t payload) {
    std::lock_guard<std::mutex> lk(m_);
    items_.emplace_back();
    items_.back().payload = payload;
    return &items_.back();
  }

  static void free_fn(void *p) { static_cast<Item *>(p)->frees.fetch_add(1); }

  static intptr_t payload(const void *p) { return static_cast<const Item *>(p)->payload; }
  static int frees_of(const void *p) { return static_cast<const Item *>(p)->frees.load(); }

  // Frees counted over all items.
  int total() {
    std::lock_guard<std::mutex> lk(m_);
    int n = 0;
    for (Item &it : items_) n += it.frees.load();
    return n;
  }
  size_t made() {
    std::lock_guard<std::mutex> lk(m_);
    return items_.size();
  }
  // The number of items freed more than once.
  int freed_twice() {
    std::lock_guard<std::mutex> lk(m_);
    int n = 0;
    for (Item &it : items_) n += it.frees.load() > 1 ? 1 : 0;
    return n;
  }

 private:
  std::mutex m_;
  std::deque<Item> items_;
};

inline ak_stats stats_of(const ak_pool *p) {
  ak_stats s = AK_STATS_INIT;
  EXPECT_EQ(ak_pool_stats(p, &s), AK_OK);
  return s;
}

inline bool starts_with(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace akt
