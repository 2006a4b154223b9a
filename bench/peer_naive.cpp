// peer_naive.cpp -- the workloads on the naive pool (naive_pool.hpp): every task's result comes
// back through its std::packaged_task future.
#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include "harness.hpp"
#include "naive_pool.hpp"
#include "peer.hpp"

namespace bench {
namespace {

void burst(NaivePool& pool, std::vector<std::future<size_t>>& futures, size_t base, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const size_t id = base + i;
    futures[i] = pool.submit([id] { return id; });
  }
}

void check_burst(std::vector<std::future<size_t>>& futures, size_t base, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const size_t r = futures[i].get();
    BENCH_CHECK(r == base + i, "task %zu returned %zu", base + i, r);
  }
}

// A task that submits its successor. The main thread holds one reference; the last link takes
// another, so the promise outlives its set_value even if the main thread wakes and leaves first.
struct Chain : std::enable_shared_from_this<Chain> {
  Chain(NaivePool& p, size_t n) : pool(p), links(n) {}
  NaivePool& pool;
  size_t links;
  std::promise<size_t> done;

  void link(size_t i) {
    if (i == links) {
      done.set_value(i);
    } else if (i + 1 == links) {
      (void)pool.submit([self = shared_from_this(), i] { self->link(i + 1); });
    } else {
      (void)pool.submit([this, i] { link(i + 1); });
    }
  }
};

class NaivePeer final : public Peer {
 public:
  explicit NaivePeer(unsigned workers) : workers_(workers) {}

  [[nodiscard]] const char* name() const override { return "naive"; }
  [[nodiscard]] std::string version() const override { return "bench/naive_pool.hpp"; }

  double spawn_empty(size_t tasks) override {
    NaivePool& p = pool();
    std::vector<std::future<size_t>> futures(tasks);
    const int64_t t0 = now_ns();
    burst(p, futures, 0, tasks);
    check_burst(futures, 0, tasks);
    return static_cast<double>(now_ns() - t0) / static_cast<double>(tasks);
  }

  double fib_full(int /*n*/) override { return 0; }
  [[nodiscard]] std::string fib_skip_reason() const override {
    return "deadlocks: a worker blocked on a future holds its thread, so nested waits deeper "
           "than the thread count never finish";
  }

  double chain(size_t links) override {
    NaivePool& p = pool();
    const int64_t t0 = now_ns();
    auto c = std::make_shared<Chain>(p, links);
    std::future<size_t> last = c->done.get_future();
    (void)p.submit([raw = c.get()] { raw->link(0); });
    const size_t r = last.get();
    c.reset();
    const int64_t t1 = now_ns();
    BENCH_CHECK(r == links, "the last of %zu links saw %zu", links, r);
    return static_cast<double>(t1 - t0) / static_cast<double>(links);
  }

  double join(size_t rounds, size_t width) override {
    NaivePool& p = pool();
    std::vector<std::future<size_t>> futures(width);
    const int64_t t0 = now_ns();
    for (size_t round = 0; round < rounds; ++round) {
      burst(p, futures, round * width, width);
      check_burst(futures, round * width, width);
    }
    return static_cast<double>(now_ns() - t0) / static_cast<double>(rounds * width);
  }

  Latency roundtrip(size_t times) override {
    NaivePool& p = pool();
    std::vector<double> us(times);
    for (size_t i = 0; i < times; ++i) {
      const int64_t t0 = now_ns();
      const size_t r = p.submit([i] { return i; }).get();
      us[i] = static_cast<double>(now_ns() - t0) / 1e3;
      BENCH_CHECK(r == i, "round trip %zu returned %zu", i, r);
    }
    Latency l;
    l.median_us = quantile(us, 0.5);
    l.p99_us = quantile(us, 0.99);
    return l;
  }

  double idle(size_t burst_tasks, double seconds) override {
    NaivePool p(workers_);
    std::vector<std::future<size_t>> futures(burst_tasks);
    burst(p, futures, 0, burst_tasks);
    check_burst(futures, 0, burst_tasks);
    const double cpu0 = process_cpu_seconds();
    const int64_t t0 = now_ns();
    sleep_seconds(seconds);
    const double cpu1 = process_cpu_seconds();
    const int64_t t1 = now_ns();
    return (cpu1 - cpu0) / (static_cast<double>(t1 - t0) / 1e9);
  }

  // No threads: the tasks wait in the queue (a std::function holding a shared packaged_task,
  // plus its future's shared state) until this thread runs them.
  double memory(size_t pending) override {
    NaivePool p(0);
    std::vector<std::future<size_t>> futures(pending);  // touched now, so not counted below
    // Marginal cost from pending/2 to pending tasks, as for every peer.
    const size_t half = pending / 2;
    for (size_t i = 0; i < half; ++i) futures[i] = p.submit([i] { return i; });
    const int64_t rss0 = resident_bytes();
    for (size_t i = half; i < pending; ++i) futures[i] = p.submit([i] { return i; });
    const int64_t rss1 = resident_bytes();
    p.run_pending_here();
    check_burst(futures, 0, pending);
    return static_cast<double>(rss1 - rss0) / static_cast<double>(pending - half);
  }

 private:
  NaivePool& pool() {
    if (!pool_) pool_ = std::make_unique<NaivePool>(workers_);
    return *pool_;
  }

  unsigned workers_;
  std::unique_ptr<NaivePool> pool_;
};

}  // namespace

std::unique_ptr<Peer> make_naive_peer(unsigned workers) {
  return std::make_unique<NaivePeer>(workers);
}

}  // namespace bench
