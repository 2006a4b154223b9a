// peer_tbb.cpp -- the workloads on oneTBB, written the way its documentation suggests:
// tbb::task_group inside one task_arena of `workers` slots (the thread that calls execute() and
// wait() takes one of them, as TBB's default arena does), and task_arena::enqueue with a
// std::promise for a round trip from an outside thread. oneTBB hands out no value per task, so
// tasks that must report write into a slot of a results array made before the clock starts.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#include <oneapi/tbb/version.h>

#include <cstdint>
#include <future>
#include <vector>

#include "harness.hpp"
#include "peer.hpp"

namespace bench {
namespace {

constexpr size_t kUnset = SIZE_MAX;

// Runs `tasks` tasks on task_group `g` that each write their index, waits, checks.
void burst(tbb::task_group& g, std::vector<size_t>& out, size_t base, size_t tasks) {
  for (size_t i = 0; i < tasks; ++i) {
    g.run([&out, i, base] { out[i] = base + i; });
  }
  g.wait();
}

void check_burst(const std::vector<size_t>& out, size_t base, size_t tasks) {
  for (size_t i = 0; i < tasks; ++i) {
    BENCH_CHECK(out[i] == base + i, "task %zu wrote %zu", base + i, out[i]);
  }
}

// fib(n) with a task_group per call: spawn fib(n-1), compute fib(n-2) inline, wait.
long fib(long n) {
  if (n < 2) return n;
  long a = 0;
  tbb::task_group g;
  g.run([&a, n] { a = fib(n - 1); });
  const long b = fib(n - 2);
  g.wait();
  return a + b;
}

// A task that spawns its successor, carrying the running count.
struct Chain {
  tbb::task_group& g;
  size_t links;
  size_t last = kUnset;

  void link(size_t i) {
    if (i == links) {
      last = i;
      return;
    }
    g.run([this, i] { link(i + 1); });
  }
};

// The round trip's task: owns its promise, so the promise lives until set_value has returned on
// the worker. oneTBB calls enqueued functors as const, hence the mutable member.
struct SetPromise {
  mutable std::promise<size_t> promise;
  size_t value;
  void operator()() const { promise.set_value(value); }
};

class TbbPeer final : public Peer {
 public:
  explicit TbbPeer(unsigned workers) : arena_(static_cast<int>(workers)) {}

  [[nodiscard]] const char* name() const override { return "oneTBB"; }
  [[nodiscard]] std::string version() const override { return TBB_runtime_version(); }

  double spawn_empty(size_t tasks) override {
    std::vector<size_t> out(tasks, kUnset);
    const int64_t t0 = now_ns();
    arena_.execute([&] {
      tbb::task_group g;
      burst(g, out, 0, tasks);
    });
    const int64_t t1 = now_ns();
    check_burst(out, 0, tasks);
    return static_cast<double>(t1 - t0) / static_cast<double>(tasks);
  }

  double fib_full(int n) override {
    long r = 0;
    const int64_t t0 = now_ns();
    arena_.execute([&] { r = fib(n); });
    const double ms = static_cast<double>(now_ns() - t0) / 1e6;
    BENCH_CHECK(r == fib_expected(n), "fib(%d) = %ld, expected %ld", n, r, fib_expected(n));
    return ms;
  }

  double chain(size_t links) override {
    size_t last = kUnset;
    const int64_t t0 = now_ns();
    arena_.execute([&] {
      tbb::task_group g;
      Chain c{g, links};
      g.run([&c] { c.link(0); });
      g.wait();
      last = c.last;
    });
    const int64_t t1 = now_ns();
    BENCH_CHECK(last == links, "the last of %zu links saw %zu", links, last);
    return static_cast<double>(t1 - t0) / static_cast<double>(links);
  }

  double join(size_t rounds, size_t width) override {
    std::vector<size_t> out(width, kUnset);
    const int64_t t0 = now_ns();
    arena_.execute([&] {
      for (size_t round = 0; round < rounds; ++round) {
        tbb::task_group g;
        burst(g, out, round * width, width);
        check_burst(out, round * width, width);
      }
    });
    return static_cast<double>(now_ns() - t0) / static_cast<double>(rounds * width);
  }

  Latency roundtrip(size_t times) override {
    std::vector<double> us(times);
    for (size_t i = 0; i < times; ++i) {
      const int64_t t0 = now_ns();
      std::promise<size_t> promise;
      std::future<size_t> future = promise.get_future();
      arena_.enqueue(SetPromise{std::move(promise), i});
      const size_t r = future.get();
      us[i] = static_cast<double>(now_ns() - t0) / 1e3;
      BENCH_CHECK(r == i, "round trip %zu returned %zu", i, r);
    }
    Latency l;
    l.median_us = quantile(us, 0.5);
    l.p99_us = quantile(us, 0.99);
    return l;
  }

  double idle(size_t burst_tasks, double seconds) override {
    std::vector<size_t> out(burst_tasks, kUnset);
    arena_.execute([&] {
      tbb::task_group g;
      burst(g, out, 0, burst_tasks);
    });
    check_burst(out, 0, burst_tasks);
    const double cpu0 = process_cpu_seconds();
    const int64_t t0 = now_ns();
    sleep_seconds(seconds);
    const double cpu1 = process_cpu_seconds();
    const int64_t t1 = now_ns();
    return (cpu1 - cpu0) / (static_cast<double>(t1 - t0) / 1e9);
  }

  // oneTBB has no zero-worker pool; with max_allowed_parallelism 1 there are no worker threads,
  // so tasks spawned with task_group::run wait in the calling thread's task pool until wait().
  // This counts the task alone: oneTBB gives no value per task (the results array is made and
  // touched before the first reading).
  double memory(size_t pending) override {
    tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
    std::vector<size_t> out(pending, kUnset);
    {
      tbb::task_group warm;  // the scheduler's own set-up is not a pending task's cost
      warm.run([] {});
      warm.wait();
    }
    tbb::task_group g;
    // Marginal cost from pending/2 to pending tasks, as for every peer.
    const size_t half = pending / 2;
    for (size_t i = 0; i < half; ++i) g.run([&out, i] { out[i] = i; });
    const int64_t rss0 = resident_bytes();
    for (size_t i = half; i < pending; ++i) g.run([&out, i] { out[i] = i; });
    const int64_t rss1 = resident_bytes();
    g.wait();
    check_burst(out, 0, pending);
    return static_cast<double>(rss1 - rss0) / static_cast<double>(pending - half);
  }

 private:
  tbb::task_arena arena_;
};

}  // namespace

std::unique_ptr<Peer> make_tbb_peer(unsigned workers) { return std::make_unique<TbbPeer>(workers); }

}  // namespace bench
