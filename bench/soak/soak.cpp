// ak_soak: runs random DAGs of do / do_after / chain / join / any / cancel with checked results on
// one pool that is resized all the time (and remade every few dozen rounds), for a given duration.
// Prints tasks run, values checked, peak RSS, and the resident set at the end of the warm-up and
// at the end: a runtime that leaks or keeps growing its caches shows here first.
//
//   ak_soak SECONDS [--seed N] [--nodes N] [--max-growth-mb MB] [--warmup-seconds S]
//
// Exits 1 on a wrong result, a value not set within 60 s, a result not freed exactly once, or
// resident memory at the end more than --max-growth-mb (default 16 MiB) above its level at the end
// of the warm-up (default: the first quarter of the run, at least 1 s, at most 30 s).
//
// Every value is a malloc'd uint64_t freed through a counting free function. A task's value is
// mix(its id, the sum of its inputs' values); a join is only consumed by ak_chain (whose inputs
// are then the elements); an any-list's value is its winning element's. Cancelled values, and the
// values that depend on them, fail with AK_ECANCELED: that is checked too.
#include <asynckit.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int64_t kBoundNs = int64_t{60} * 1000 * 1000 * 1000;

std::atomic<uint64_t> g_tasks_run{0};
std::atomic<uint64_t> g_allocated{0};
std::atomic<uint64_t> g_freed{0};

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "ak_soak: FAILED: %s\n", what.c_str());
  std::exit(1);
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

void counted_free(void *p) {
  g_freed.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

uint64_t *new_result(uint64_t v) {
  auto *r = static_cast<uint64_t *>(std::malloc(sizeof(uint64_t)));
  if (!r) fail("out of memory in the soak itself");
  *r = v;
  g_allocated.fetch_add(1, std::memory_order_relaxed);
  return r;
}

// The work of every task: its id is the arg.
int soak_work(ak_task *t, void *arg) {
  const auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(arg));
  uint64_t sum = 0;
  const size_t n = ak_task_input_count(t);
  for (size_t i = 0; i < n; ++i) {
    auto *in = static_cast<const uint64_t *>(ak_task_input(t, i));
    if (!in) return 1000;  // every input carries a value
    sum += *in;
  }
  g_tasks_run.fetch_add(1, std::memory_order_relaxed);
  return ak_task_set_result(t, new_result(mix(id + sum)), counted_free);
}

size_t resident_bytes() {
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

size_t peak_resident_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<size_t>(ru.ru_maxrss) * 1024;
}

double mib(size_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

enum class Kind { kLeafTask, kPromise, kAfter, kChain, kJoinChain, kAny };

struct Node {
  Kind kind;
  uint64_t id;
  std::vector<size_t> deps;  // indices of earlier value nodes
  ak_value *v = nullptr;     // the value checked (for kJoinChain: the chain on the join)
  ak_value *join = nullptr;  // kJoinChain: the join list
  bool cancelled = false;    // ak_value_cancel returned AK_OK on it
  bool promise_set = false;
  // Filled in when checked.
  bool failed = false;
  uint64_t value = 0;
};

struct Round {
  std::mt19937_64 &rng;
  ak_pool *pool;
  size_t nodes;
  uint64_t next_id;
  std::vector<Node> dag;
  uint64_t checked = 0;

  size_t pick(size_t below) { return static_cast<size_t>(rng() % below); }

  void resize(unsigned lo, unsigned hi) {
    const unsigned w = lo + static_cast<unsigned>(pick(hi - lo + 1));
    const int rc = ak_pool_resize(pool, w);
    if (rc != AK_OK) fail("ak_pool_resize: " + std::string(ak_strerror(rc)));
  }

  void build() {
    dag.reserve(nodes);
    for (size_t i = 0; i < nodes; ++i) {
      Node n{};
      n.id = next_id++;
      const size_t r = i < 4 ? pick(2) : pick(100);
      n.kind = r < 25   ? Kind::kLeafTask
               : r < 35 ? Kind::kPromise
               : r < 60 ? Kind::kAfter
               : r < 80 ? Kind::kChain
               : r < 90 ? Kind::kJoinChain
                        : Kind::kAny;
      if (i < 4) n.kind = r == 0 ? Kind::kLeafTask : Kind::kPromise;
      const size_t k = n.kind == Kind::kChain ? 1 : 1 + pick(4);
      if (n.kind != Kind::kLeafTask && n.kind != Kind::kPromise) {
        // Mostly recent values: long chains as well as wide fan-in.
        for (size_t j = 0; j < k; ++j) {
          const size_t span = std::min<size_t>(i, 32);
          n.deps.push_back(i - 1 - pick(span));
        }
      }
      make(n);
      dag.push_back(n);
      // Now and then: cancel something recent, set a pending promise, resize (even to 0).
      if (pick(100) < 3) cancel(dag[i - pick(std::min<size_t>(i + 1, 8))]);
      if (pick(100) < 20) set_some_promise();
      if (pick(100) < 2) resize(0, 3);
    }
  }

  void make(Node &n) {
    void *arg = reinterpret_cast<void *>(static_cast<uintptr_t>(n.id));
    std::vector<ak_value *> deps;
    for (size_t d : n.deps) deps.push_back(dag[d].v);
    int rc = AK_OK;
    switch (n.kind) {
      case Kind::kLeafTask:
        rc = ak_pool_do(pool, soak_work, arg, &n.v);
        break;
      case Kind::kPromise:
        rc = ak_value_new(&n.v);
        break;
      case Kind::kAfter:
        rc = ak_pool_do_after(pool, deps.data(), deps.size(), soak_work, arg, &n.v);
        break;
      case Kind::kChain:
        rc = ak_chain(deps[0], soak_work, arg, &n.v);
        break;
      case Kind::kJoinChain:
        rc = ak_list_join(deps.data(), deps.size(), &n.join);
        if (rc == AK_OK) rc = ak_chain_on(pool, n.join, soak_work, arg, &n.v);
        break;
      case Kind::kAny:
        rc = ak_list_any(deps.data(), deps.size(), &n.v);
        break;
    }
    if (rc != AK_OK) fail("making a value: " + std::string(ak_strerror(rc)));
  }

  void cancel(Node &n) {
    const int rc = ak_value_cancel(n.v);
    if (rc == AK_OK) {
      n.cancelled = true;
    } else if (rc != AK_ESTATE) {
      fail("ak_value_cancel: " + std::string(ak_strerror(rc)));
    }
  }

  void set_promise(Node &n) {
    if (n.kind != Kind::kPromise || n.promise_set || n.cancelled) return;
    n.promise_set = true;
    uint64_t *r = new_result(mix(n.id));
    const int rc = ak_value_set(n.v, r, counted_free);
    if (rc == AK_ESTATE) {  // cancelled meanwhile? only we cancel, and we know: a library bug
      fail("ak_value_set on an unset promise returned AK_ESTATE");
    }
    if (rc != AK_OK) fail("ak_value_set: " + std::string(ak_strerror(rc)));
  }

  void set_some_promise() {
    for (int tries = 0; tries < 4 && !dag.empty(); ++tries) {
      Node &n = dag[pick(dag.size())];
      if (n.kind == Kind::kPromise && !n.promise_set && !n.cancelled) {
        set_promise(n);
        return;
      }
    }
  }

  // The failure a value must have given its inputs, or none.
  bool inputs_failed(const Node &n) const {
    for (size_t d : n.deps) {
      if (dag[d].failed) return true;
    }
    return false;
  }

  void check(Node &n, size_t index) {
    const std::string where =
        "value " + std::to_string(index) + " (id " + std::to_string(n.id) + ")";
    if (ak_value_wait(n.v, kBoundNs) != AK_OK) fail(where + " was not set within 60 s");
    void *r = nullptr;
    const int st = ak_value_get(n.v, 0, &r);
    if (n.kind == Kind::kAny) {
      size_t win = 0;
      const int irc = ak_list_any_index(n.v, &win);
      if (n.cancelled) {
        if (st != AK_ECANCELED || irc != AK_EPENDING) fail(where + ": cancelled any-list");
        n.failed = true;
      } else {
        if (irc != AK_OK || win >= n.deps.size()) fail(where + ": any-list without a winner");
        const Node &e = dag[n.deps[win]];
        if (e.failed) {
          if (st != AK_ECANCELED) fail(where + ": any-list won by a failed element is not failed");
          n.failed = true;
        } else {
          if (st != AK_OK || *static_cast<uint64_t *>(r) != e.value)
            fail(where + ": any-list does not carry its winner's value");
          n.value = e.value;
        }
      }
      ++checked;
      return;
    }
    const bool must_fail = n.cancelled || inputs_failed(n);
    if (must_fail) {
      if (st != AK_ECANCELED) {
        fail(where + ": should have failed with AK_ECANCELED, status " + std::to_string(st) + " (" +
             ak_value_message(n.v) + ")");
      }
      n.failed = true;
      ++checked;
      return;
    }
    if (st != AK_OK) {
      fail(where + ": failed with " + std::to_string(st) + " (" + ak_value_message(n.v) + ")");
    }
    uint64_t sum = 0;
    for (size_t d : n.deps) sum += dag[d].value;
    const uint64_t want = mix(n.id + sum);
    const uint64_t got = *static_cast<uint64_t *>(r);
    if (got != want) fail(where + ": wrong result");
    n.value = got;
    ++checked;
  }

  void run() {
    build();
    resize(1, 4);  // the checks below wait: the pool must have workers now
    for (Node &n : dag) set_promise(n);
    for (size_t i = 0; i < dag.size(); ++i) check(dag[i], i);
    for (Node &n : dag) {
      ak_value_release(n.v);
      ak_value_release(n.join);
    }
  }
};

void usage() {
  std::fprintf(stderr,
               "usage: ak_soak SECONDS [--seed N] [--nodes N] [--max-growth-mb MB] "
               "[--warmup-seconds S]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) usage();
  const double seconds = std::atof(argv[1]);
  if (!(seconds > 0)) usage();
  uint64_t seed = 1;
  size_t nodes = 400;
  double max_growth_mb = 16;
  double warmup = std::min(30.0, std::max(1.0, seconds / 4));
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--seed")
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--nodes")
      nodes = std::strtoul(argv[i + 1], nullptr, 10);
    else if (k == "--max-growth-mb")
      max_growth_mb = std::atof(argv[i + 1]);
    else if (k == "--warmup-seconds")
      warmup = std::atof(argv[i + 1]);
    else
      usage();
  }
  if (nodes < 8) nodes = 8;

  std::mt19937_64 rng(seed);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };

  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 2;
  o.name = "soak";
  ak_pool *pool = nullptr;
  if (ak_pool_create(&o, &pool) != AK_OK) fail("ak_pool_create");

  uint64_t rounds = 0, checked = 0, next_id = 1, pools_made = 1;
  size_t rss_warm = 0, rss_max_after_warm = 0;
  while (elapsed() < seconds) {
    Round r{rng, pool, nodes, next_id, {}, 0};
    r.run();
    next_id = r.next_id;
    checked += r.checked;
    ++rounds;
    // Every result made so far is freed once its values are released; a worker may drop the last
    // reference a moment after the value is set, so give the count a bounded while to catch up.
    const auto deadline = clock::now() + std::chrono::seconds(60);
    while (g_freed.load() != g_allocated.load()) {
      if (clock::now() > deadline) {
        fail("results not freed: " + std::to_string(g_allocated.load() - g_freed.load()) + " of " +
             std::to_string(g_allocated.load()) + " still held");
      }
      std::this_thread::yield();
    }
    if (g_freed.load() != g_allocated.load()) fail("a result was freed twice");
    if (rounds % 40 == 0) {  // soak creation and destruction too
      ak_pool_destroy(pool);
      pool = nullptr;
      if (ak_pool_create(&o, &pool) != AK_OK) fail("ak_pool_create");
      ++pools_made;
    }
    const size_t rss = resident_bytes();
    if (rss_warm == 0 && elapsed() >= warmup) rss_warm = rss;
    if (rss_warm != 0 && rss > rss_max_after_warm) rss_max_after_warm = rss;
  }
  ak_stats st = AK_STATS_INIT;
  ak_pool_stats(pool, &st);
  ak_pool_destroy(pool);
  const size_t rss_end = resident_bytes();
  if (rss_warm == 0) rss_warm = rss_end;  // a run shorter than its warm-up

  const double growth = mib(rss_end) - mib(rss_warm);
  std::printf("ak_soak: %.1f s, %" PRIu64 " rounds of %zu values, %" PRIu64 " pools\n", elapsed(),
              rounds, nodes, pools_made);
  std::printf("  tasks run      %" PRIu64 "\n", g_tasks_run.load());
  std::printf("  values checked %" PRIu64 "\n", checked);
  std::printf("  results freed  %" PRIu64 " of %" PRIu64 "\n", g_freed.load(), g_allocated.load());
  std::printf("  peak RSS       %.1f MiB\n", mib(peak_resident_bytes()));
  std::printf(
      "  RSS after warm-up (%.0f s) %.1f MiB, highest since %.1f MiB, at the end %.1f MiB "
      "(growth %+.1f MiB, margin %.1f MiB)\n",
      warmup, mib(rss_warm), mib(rss_max_after_warm), mib(rss_end), growth, max_growth_mb);
  if (growth > max_growth_mb) {
    std::fprintf(stderr, "ak_soak: FAILED: resident memory grew by %.1f MiB after the warm-up\n",
                 growth);
    return 1;
  }
  return 0;
}
