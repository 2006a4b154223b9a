// peer_asynckit.cpp -- the workloads on asynckit, through its public C API only (this file
// includes nothing of the library but asynckit.h), one value per task, as a user would write them.
// Each task's result is a small integer stored in the result pointer itself, so the waiter can
// check it came back without any allocation per task.
#include <asynckit.h>

#include <cstdint>
#include <vector>

#include "harness.hpp"
#include "peer.hpp"

namespace bench {
namespace {

inline void* as_ptr(size_t i) { return reinterpret_cast<void*>(static_cast<uintptr_t>(i)); }
inline size_t as_index(const void* p) {
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(p));
}

#define AK_MUST(call)                                                                              \
  do {                                                                                             \
    const int rc_ = (call);                                                                        \
    BENCH_CHECK(rc_ == AK_OK, "%s returned %d (%s)", #call, rc_, ak_strerror(rc_));                \
  } while (0)

ak_pool* make_pool(unsigned workers) {
  ak_pool_options opts = AK_POOL_OPTIONS_INIT;
  opts.workers = workers;
  opts.name = "akbench";
  ak_pool* p = nullptr;
  AK_MUST(ak_pool_create(&opts, &p));
  return p;
}

// Empty work whose result is its argument.
int echo(ak_task* task, void* arg) {
  ak_task_set_result(task, arg, nullptr);
  return AK_OK;
}

// Submits `n` echo tasks from this thread and checks every result; the values are released.
void burst(ak_pool* p, std::vector<ak_value*>& values, size_t n) {
  values.assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) AK_MUST(ak_pool_do(p, echo, as_ptr(i), &values[i]));
  for (size_t i = 0; i < n; ++i) {
    void* r = nullptr;
    AK_MUST(ak_value_get(values[i], AK_FOREVER, &r));
    BENCH_CHECK(as_index(r) == i, "task %zu returned %zu", i, as_index(r));
    ak_value_release(values[i]);
  }
}

// fib(n): spawns fib(n-1) as a task on `p`, computes fib(n-2) inline, then waits for the task.
// Called on a worker, the wait runs other queued work (the header's promise for nested waits).
long fib(ak_pool* p, long n);

int fib_work(ak_task* task, void* arg) {
  const long r = fib(ak_task_pool(task), static_cast<long>(reinterpret_cast<intptr_t>(arg)));
  ak_task_set_result(task, reinterpret_cast<void*>(static_cast<intptr_t>(r)), nullptr);
  return AK_OK;
}

long fib(ak_pool* p, long n) {
  if (n < 2) return n;
  ak_value* spawned = nullptr;
  AK_MUST(ak_pool_do(p, fib_work, reinterpret_cast<void*>(static_cast<intptr_t>(n - 1)), &spawned));
  const long b = fib(p, n - 2);
  void* a = nullptr;
  AK_MUST(ak_value_get(spawned, AK_FOREVER, &a));
  ak_value_release(spawned);
  return static_cast<long>(reinterpret_cast<intptr_t>(a)) + b;
}

// A chain link: its input plus one.
int next_link(ak_task* task, void* /*arg*/) {
  ak_task_set_result(task, as_ptr(as_index(ak_task_input(task, 0)) + 1), nullptr);
  return AK_OK;
}

class AsynckitPeer final : public Peer {
 public:
  explicit AsynckitPeer(unsigned workers) : workers_(workers) {}
  ~AsynckitPeer() override { ak_pool_destroy(pool_); }  // NULL is ignored
  AsynckitPeer(const AsynckitPeer&) = delete;
  AsynckitPeer& operator=(const AsynckitPeer&) = delete;

  [[nodiscard]] const char* name() const override { return "asynckit"; }
  [[nodiscard]] std::string version() const override { return ak_version(); }

  double spawn_empty(size_t tasks) override {
    ak_pool* p = pool();
    std::vector<ak_value*> values(tasks, nullptr);
    const int64_t t0 = now_ns();
    for (size_t i = 0; i < tasks; ++i) AK_MUST(ak_pool_do(p, echo, as_ptr(i), &values[i]));
    for (size_t i = 0; i < tasks; ++i) {
      void* r = nullptr;
      AK_MUST(ak_value_get(values[i], AK_FOREVER, &r));
      BENCH_CHECK(as_index(r) == i, "task %zu returned %zu", i, as_index(r));
      ak_value_release(values[i]);
    }
    return static_cast<double>(now_ns() - t0) / static_cast<double>(tasks);
  }

  double fib_full(int n) override {
    ak_pool* p = pool();
    const int64_t t0 = now_ns();
    ak_value* top = nullptr;
    AK_MUST(ak_pool_do(p, fib_work, reinterpret_cast<void*>(static_cast<intptr_t>(n)), &top));
    void* r = nullptr;
    AK_MUST(ak_value_get(top, AK_FOREVER, &r));
    ak_value_release(top);
    const double ms = static_cast<double>(now_ns() - t0) / 1e6;
    const long expected = fib_expected(n);
    BENCH_CHECK(static_cast<long>(reinterpret_cast<intptr_t>(r)) == expected,
                "fib(%d) = %ld, expected %ld", n, static_cast<long>(reinterpret_cast<intptr_t>(r)),
                expected);
    return ms;
  }

  // The first link goes on our pool with ak_chain_on: a promise has no pool of its own, and
  // ak_chain would put the whole chain on ak_pool_default(). Every later link is a plain ak_chain
  // on the previous one, which runs on that link's pool.
  double chain(size_t links) override {
    ak_pool* p = pool();
    std::vector<ak_value*> chain(links, nullptr);
    const int64_t t0 = now_ns();
    ak_value* promise = nullptr;
    AK_MUST(ak_value_new(&promise));
    ak_value* prev = promise;
    for (size_t i = 0; i < links; ++i) {
      if (i == 0) {
        AK_MUST(ak_chain_on(p, prev, next_link, nullptr, &chain[i]));
      } else {
        AK_MUST(ak_chain(prev, next_link, nullptr, &chain[i]));
      }
      prev = chain[i];
    }
    AK_MUST(ak_value_set(promise, as_ptr(0), nullptr));
    void* r = nullptr;
    AK_MUST(ak_value_get(prev, AK_FOREVER, &r));
    BENCH_CHECK(as_index(r) == links, "the last of %zu links returned %zu", links, as_index(r));
    ak_value_release(promise);
    for (ak_value* v : chain) ak_value_release(v);
    return static_cast<double>(now_ns() - t0) / static_cast<double>(links);
  }

  double join(size_t rounds, size_t width) override {
    ak_pool* p = pool();
    std::vector<ak_value*> values(width, nullptr);
    const int64_t t0 = now_ns();
    for (size_t round = 0; round < rounds; ++round) {
      const size_t base = round * width;
      for (size_t i = 0; i < width; ++i) {
        AK_MUST(ak_pool_do(p, echo, as_ptr(base + i), &values[i]));
      }
      ak_value* list = nullptr;
      AK_MUST(ak_list_join(values.data(), width, &list));
      void* r = nullptr;
      AK_MUST(ak_value_get(list, AK_FOREVER, &r));
      void** results = static_cast<void**>(r);
      for (size_t i = 0; i < width; ++i) {
        BENCH_CHECK(as_index(results[i]) == base + i, "join element %zu returned %zu", base + i,
                    as_index(results[i]));
      }
      ak_value_release(list);
      for (ak_value* v : values) ak_value_release(v);
    }
    return static_cast<double>(now_ns() - t0) / static_cast<double>(rounds * width);
  }

  Latency roundtrip(size_t times) override {
    ak_pool* p = pool();
    std::vector<double> us(times);
    for (size_t i = 0; i < times; ++i) {
      const int64_t t0 = now_ns();
      ak_value* v = nullptr;
      AK_MUST(ak_pool_do(p, echo, as_ptr(i), &v));
      void* r = nullptr;
      AK_MUST(ak_value_get(v, AK_FOREVER, &r));
      us[i] = static_cast<double>(now_ns() - t0) / 1e3;
      BENCH_CHECK(as_index(r) == i, "round trip %zu returned %zu", i, as_index(r));
      ak_value_release(v);
    }
    Latency l;
    l.median_us = quantile(us, 0.5);
    l.p99_us = quantile(us, 0.99);
    return l;
  }

  double idle(size_t burst_tasks, double seconds) override {
    ak_pool* p = make_pool(workers_);
    std::vector<ak_value*> values;
    burst(p, values, burst_tasks);
    const double cpu0 = process_cpu_seconds();
    const int64_t t0 = now_ns();
    sleep_seconds(seconds);
    const double cpu1 = process_cpu_seconds();
    const int64_t t1 = now_ns();
    ak_pool_destroy(p);
    return (cpu1 - cpu0) / (static_cast<double>(t1 - t0) / 1e9);
  }

  // A pool with 0 workers queues work until resized: the tasks stay pending while we measure,
  // then the pool grows to run them and every result is checked.
  double memory(size_t pending) override {
    ak_pool* p = make_pool(0);
    std::vector<ak_value*> values(pending, nullptr);  // touched now, so not counted below
    // Marginal cost: the growth from pending/2 to pending tasks, so one-time costs (first-touched
    // code and data pages, the pool's set-up) are not counted per task. Same for every peer.
    const size_t half = pending / 2;
    for (size_t i = 0; i < half; ++i) AK_MUST(ak_pool_do(p, echo, as_ptr(i), &values[i]));
    const int64_t rss0 = resident_bytes();
    for (size_t i = half; i < pending; ++i) AK_MUST(ak_pool_do(p, echo, as_ptr(i), &values[i]));
    const int64_t rss1 = resident_bytes();
    AK_MUST(ak_pool_resize(p, workers_));
    for (size_t i = 0; i < pending; ++i) {
      void* r = nullptr;
      AK_MUST(ak_value_get(values[i], AK_FOREVER, &r));
      BENCH_CHECK(as_index(r) == i, "task %zu returned %zu", i, as_index(r));
      ak_value_release(values[i]);
    }
    ak_pool_destroy(p);
    return static_cast<double>(rss1 - rss0) / static_cast<double>(pending - half);
  }

 private:
  ak_pool* pool() {
    if (!pool_) pool_ = make_pool(workers_);
    return pool_;
  }

  unsigned workers_;
  ak_pool* pool_ = nullptr;
};

}  // namespace

std::unique_ptr<Peer> make_asynckit_peer(unsigned workers) {
  return std::make_unique<AsynckitPeer>(workers);
}

}  // namespace bench
