// Stress: many tasks, random chains and joins, resize while submitting, and races between cancel,
// set and on_done. Sizes scale with AK_STRESS_SCALE (default 1; sanitizer runs set it lower).
#include <algorithm>
#include <random>

#include "capi_test_util.hpp"

namespace {

using namespace akt;

constexpr intptr_t kMod = 1000003;

intptr_t f(intptr_t i) { return (i * 7 + 3) % kMod; }

int work_f(ak_task *t, void *arg) { return ak_task_set_result(t, iv(f(vi(arg))), nullptr); }

uint32_t seed() {
  const char *s = std::getenv("AK_STRESS_SEED");
  return s != nullptr && *s != '\0' ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10))
                                    : 20240601u;
}

// ---- one million tasks --------------------------------------------------------------------------

TEST(Stress, MillionTasksEachGiveTheirCheckedResult) {
  const size_t n = scaled(1000000);
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::atomic<size_t> wrong{0}, refused{0}, checked{0};
  auto submitter = [&](size_t begin, size_t end) {
    std::vector<std::pair<size_t, ak_value *>> batch;
    batch.reserve(4096);
    for (size_t i = begin; i < end;) {
      batch.clear();
      size_t stop = std::min(end, i + 4096);
      for (; i < stop; ++i) {
        ak_value *v = nullptr;
        if (ak_pool_do(pool.get(), work_f, iv(static_cast<intptr_t>(i)), &v) != AK_OK) {
          refused++;
          continue;
        }
        batch.emplace_back(i, v);
      }
      for (auto &[k, v] : batch) {
        void *r = nullptr;
        if (ak_value_get(v, kBound, &r) != AK_OK || vi(r) != f(static_cast<intptr_t>(k))) wrong++;
        checked++;
        ak_value_release(v);
      }
    }
  };
  std::thread a(submitter, size_t{0}, n / 2), b(submitter, n / 2, n);
  a.join();
  b.join();
  EXPECT_EQ(refused.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_EQ(checked.load(), n);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).completed == n; }))
      << "completed " << stats_of(pool.get()).completed << " of " << n;
  ak_stats s = stats_of(pool.get());
  EXPECT_EQ(s.submitted, n);
  EXPECT_EQ(s.failed, 0u);
}

// ---- random chains and joins --------------------------------------------------------------------

struct LeafSpec {
  intptr_t value;
  int code;
  std::string msg;
};
int leaf_work(ak_task *t, void *arg) {
  auto *l = static_cast<LeafSpec *>(arg);
  if (l->code != 0) return ak_task_fail(t, l->code, "%s", l->msg.c_str());
  return ak_task_set_result(t, iv(l->value), nullptr);
}

// result = (k + sum of inputs) mod kMod
int sum_k_work(ak_task *t, void *arg) {
  intptr_t s = vi(arg);
  size_t n = ak_task_input_count(t);
  for (size_t i = 0; i < n; ++i) s += vi(ak_task_input(t, i));
  return ak_task_set_result(t, iv(s % kMod), nullptr);
}

struct Node {
  enum Kind { kLeafTask, kLeafPromise, kChain, kJoin, kJoinChain, kAfter, kAny } kind;
  Value v;
  int code = AK_OK;             // expected status
  intptr_t value = 0;           // expected result (non-list)
  std::string root_msg;         // expected failure message ends with this
  std::vector<size_t> deps;     // for lists: the elements
  std::vector<intptr_t> elems;  // expected join array
};

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Fills `n` as a function of its deps (lowest-index failure wins), with `k` added to the sum.
void derive(Node &n, const std::vector<Node> &nodes, const std::vector<size_t> &deps, intptr_t k) {
  intptr_t s = k;
  for (size_t d : deps) {
    const Node &e = nodes[d];
    if (e.code != AK_OK) {
      n.code = e.code;
      n.root_msg = e.root_msg;
      return;
    }
    s += e.value;
  }
  n.value = s % kMod;
}

// ---- bursts from one outside thread ------------------------------------------------------------

// One outside thread submits small bursts and waits for each, so the workers go to sleep and are
// woken again thousands of times while submissions race their wake-ups. A wake-up lost on the way
// strands a task with every worker asleep: its wait then times out. (A notifier that read a
// sleeper's key apart from its announcement stranded one every 5-10 s of this loop: a stress
// test, likely but not certain to catch such a bug in one run.)
TEST(Stress, OutsideBurstsWithSleepingWorkersStrandNoTask) {
  const size_t rounds = scaled(60000);
  constexpr size_t kBurst = 100;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::vector<ak_value *> vals(kBurst, nullptr);
  size_t stranded = 0;
  for (size_t r = 0; r < rounds && stranded == 0; ++r) {
    for (size_t i = 0; i < kBurst; ++i) {
      ASSERT_EQ(ak_pool_do(pool.get(), work_f, iv(static_cast<intptr_t>(i)), &vals[i]), AK_OK);
    }
    for (size_t i = 0; i < kBurst; ++i) {
      void *res = nullptr;
      const int rc = ak_value_get(vals[i], 10 * kSecond, &res);
      if (rc == AK_ETIMEDOUT) {
        ++stranded;
      } else {
        EXPECT_EQ(rc, AK_OK);
        EXPECT_EQ(vi(res), f(static_cast<intptr_t>(i)));
      }
    }
    for (ak_value *v : vals) ak_value_release(v);
  }
  EXPECT_EQ(stranded, 0u) << "a task stayed queued while every worker slept";
}

TEST(Stress, RandomChainsAndJoinsGiveTheirCheckedResults) {
  const uint32_t sd = seed();
  SCOPED_TRACE("AK_STRESS_SEED=" + std::to_string(sd));
  std::mt19937 rng(sd);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const size_t rounds = scaled(150);
  constexpr size_t kLeaves = 24, kDerived = 100;

  Pool p2 = make_pool(2), p1 = make_pool(1);
  ASSERT_TRUE(p2 && p1);
  ak_pool *pools[] = {p2.get(), p1.get(), ak_pool_default()};

  size_t failures_seen = 0, checked = 0;
  for (size_t round = 0; round < rounds; ++round) {
    std::deque<LeafSpec> leaves;
    std::vector<Node> nodes;
    nodes.reserve(kLeaves + 2 * kDerived);
    std::vector<size_t> usable;  // nodes that later nodes may depend on
    std::vector<size_t> promise_nodes;

    for (size_t i = 0; i < kLeaves; ++i) {
      LeafSpec &l = leaves.emplace_back();
      l.value = static_cast<intptr_t>(rng() % kMod);
      l.code = pick(100) < 8 ? static_cast<int>(1 + pick(50)) : 0;
      l.msg = "leaf " + std::to_string(round) + "." + std::to_string(i) + " failed (" +
              std::to_string(l.code) + ")";
      Node n;
      n.code = l.code;
      n.value = l.value;
      if (l.code != 0) n.root_msg = l.msg;
      ak_value *v = nullptr;
      if (pick(4) == 0) {
        n.kind = Node::kLeafPromise;
        ASSERT_EQ(ak_value_new(&v), AK_OK);
        promise_nodes.push_back(nodes.size());
      } else {
        n.kind = Node::kLeafTask;
        ASSERT_EQ(ak_pool_do(pools[pick(3)], leaf_work, &l, &v), AK_OK);
      }
      n.v.reset(v);
      usable.push_back(nodes.size());
      nodes.push_back(std::move(n));
    }

    for (size_t i = 0; i < kDerived; ++i) {
      size_t what = pick(100);
      intptr_t k = static_cast<intptr_t>(pick(1000));
      auto some_deps = [&](size_t lo, size_t hi) {
        std::vector<size_t> d;
        size_t count = lo + pick(hi - lo + 1);
        for (size_t j = 0; j < count; ++j) d.push_back(usable[pick(usable.size())]);
        return d;
      };
      auto raw_of = [&](const std::vector<size_t> &d) {
        std::vector<ak_value *> r;
        for (size_t x : d) r.push_back(nodes[x].v.get());
        return r;
      };
      Node n;
      ak_value *v = nullptr;
      if (what < 30) {  // chain on one earlier value, maybe on a chosen pool
        n.kind = Node::kChain;
        n.deps = some_deps(1, 1);
        derive(n, nodes, n.deps, k);
        if (pick(2) == 0) {
          ASSERT_EQ(ak_chain(nodes[n.deps[0]].v.get(), sum_k_work, iv(k), &v), AK_OK);
        } else {
          ASSERT_EQ(ak_chain_on(pools[pick(3)], nodes[n.deps[0]].v.get(), sum_k_work, iv(k), &v),
                    AK_OK);
        }
      } else if (what < 55) {  // join, then a chain summing its elements
        Node j;
        j.kind = Node::kJoin;
        j.deps = some_deps(1, 4);
        derive(j, nodes, j.deps, 0);
        for (size_t d : j.deps) j.elems.push_back(nodes[d].value);
        std::vector<ak_value *> r = raw_of(j.deps);
        ak_value *jv = nullptr;
        ASSERT_EQ(ak_list_join(r.data(), r.size(), &jv), AK_OK);
        j.v.reset(jv);
        n.kind = Node::kJoinChain;
        n.deps = j.deps;
        derive(n, nodes, n.deps, k);
        ASSERT_EQ(ak_chain(jv, sum_k_work, iv(k), &v), AK_OK);
        nodes.push_back(std::move(j));  // terminal: checked, not depended on
      } else if (what < 80) {           // dataflow on 0..4 deps
        n.kind = Node::kAfter;
        n.deps = some_deps(0, 4);
        derive(n, nodes, n.deps, k);
        std::vector<ak_value *> r = raw_of(n.deps);
        ASSERT_EQ(ak_pool_do_after(pools[pick(2)], r.empty() ? nullptr : r.data(), r.size(),
                                   sum_k_work, iv(k), &v),
                  AK_OK);
      } else if (what < 90) {  // any-list (terminal: its winner is not deterministic)
        n.kind = Node::kAny;
        n.deps = some_deps(1, 3);
        std::vector<ak_value *> r = raw_of(n.deps);
        ASSERT_EQ(ak_list_any(r.data(), r.size(), &v), AK_OK);
        n.v.reset(v);
        nodes.push_back(std::move(n));
        continue;
      } else {  // plain join (terminal)
        n.kind = Node::kJoin;
        n.deps = some_deps(1, 4);
        derive(n, nodes, n.deps, 0);
        for (size_t d : n.deps) n.elems.push_back(nodes[d].value);
        std::vector<ak_value *> r = raw_of(n.deps);
        ASSERT_EQ(ak_list_join(r.data(), r.size(), &v), AK_OK);
        n.v.reset(v);
        nodes.push_back(std::move(n));
        continue;
      }
      n.v.reset(v);
      usable.push_back(nodes.size());
      nodes.push_back(std::move(n));
    }

    // Promise leaves are set from another thread in random order while we check.
    std::shuffle(promise_nodes.begin(), promise_nodes.end(), rng);
    std::thread setter([&] {
      for (size_t x : promise_nodes) {
        Node &n = nodes[x];
        int rc = n.code != AK_OK ? ak_value_fail(n.v.get(), n.code, n.root_msg.c_str())
                                 : ak_value_set(n.v.get(), iv(n.value), nullptr);
        EXPECT_EQ(rc, AK_OK);
      }
    });

    for (size_t x = 0; x < nodes.size(); ++x) {
      Node &n = nodes[x];
      ak_value *v = n.v.get();
      ASSERT_EQ(ak_value_wait(v, kBound), AK_OK) << "round " << round << " node " << x;
      int st = ak_value_status(v);
      checked++;
      if (n.kind == Node::kAny) {
        size_t idx = 999;
        ASSERT_EQ(ak_list_any_index(v, &idx), AK_OK);
        ASSERT_LT(idx, n.deps.size());
        const Node &w = nodes[n.deps[idx]];
        EXPECT_EQ(st, w.code) << "any node " << x;
        if (w.code == AK_OK) {
          void *r = nullptr;
          EXPECT_EQ(ak_value_get(v, 0, &r), AK_OK);
          EXPECT_EQ(vi(r), w.value) << "any node " << x;
        }
        continue;
      }
      EXPECT_EQ(st, n.code) << "round " << round << " node " << x << " kind " << n.kind << ": "
                            << ak_value_message(v);
      if (n.code != AK_OK) {
        failures_seen++;
        std::string m = ak_value_message(v);
        EXPECT_TRUE(ends_with(m, n.root_msg))
            << "message '" << m << "' lacks '" << n.root_msg << "'";
        if (n.kind == Node::kJoin) {
          EXPECT_TRUE(starts_with(m, "element ")) << m;
        }
        if (n.kind == Node::kChain || n.kind == Node::kAfter) {
          EXPECT_TRUE(starts_with(m, "input ")) << m;
        }
        continue;
      }
      void *r = nullptr;
      ASSERT_EQ(ak_value_get(v, 0, &r), AK_OK);
      if (n.kind == Node::kJoin) {
        void **arr = static_cast<void **>(r);
        for (size_t e = 0; e < n.elems.size(); ++e)
          EXPECT_EQ(vi(arr[e]), n.elems[e]) << "join node " << x << " element " << e;
      } else {
        EXPECT_EQ(vi(r), n.value) << "round " << round << " node " << x << " kind " << n.kind;
      }
    }
    setter.join();
  }
  EXPECT_GT(failures_seen, 0u) << "the random graph never exercised failure propagation";
  EXPECT_GT(checked, 0u);
}

TEST(Stress, ListsOverElementsSetConcurrentlyReportTheLowestFailure) {
  const uint32_t sd = seed();
  SCOPED_TRACE("AK_STRESS_SEED=" + std::to_string(sd));
  std::mt19937 rng(sd + 1);
  const size_t rounds = scaled(300);
  constexpr size_t kN = 64;
  constexpr int kThreads = 4;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  size_t failing_rounds = 0;
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<ak_value *> ps(kN);
    std::vector<int> codes(kN, 0);
    std::vector<std::string> msgs(kN);
    intptr_t sum = 0;
    size_t lowest = kN;
    for (size_t i = 0; i < kN; ++i) {
      ASSERT_EQ(ak_value_new(&ps[i]), AK_OK);
      if (rng() % 48 == 0) {
        codes[i] = static_cast<int>(1 + rng() % 50);
        msgs[i] = "elem " + std::to_string(round) + "." + std::to_string(i) + " failed";
        if (lowest == kN) lowest = i;
      }
      sum += static_cast<intptr_t>(i);
    }
    failing_rounds += lowest < kN ? 1 : 0;
    ak_value *j = nullptr, *c = nullptr, *d = nullptr, *a = nullptr;
    ASSERT_EQ(ak_list_join(ps.data(), kN, &j), AK_OK);
    ASSERT_EQ(ak_chain(j, sum_k_work, iv(0), &c), AK_OK);
    ASSERT_EQ(ak_pool_do_after(pool.get(), ps.data(), kN, sum_k_work, iv(0), &d), AK_OK);
    ASSERT_EQ(ak_list_any(ps.data(), kN, &a), AK_OK);
    std::vector<std::vector<size_t>> share(kThreads);
    for (size_t i = 0; i < kN; ++i) share[i % kThreads].push_back(i);
    for (auto &sh : share) std::shuffle(sh.begin(), sh.end(), rng);
    Rendezvous start(kThreads);
    std::vector<std::thread> ts;
    for (int k = 0; k < kThreads; ++k)
      ts.emplace_back([&, k] {
        start.arrive_and_wait();
        for (size_t i : share[static_cast<size_t>(k)]) {
          int rc = codes[i] != 0 ? ak_value_fail(ps[i], codes[i], msgs[i].c_str())
                                 : ak_value_set(ps[i], iv(static_cast<intptr_t>(i)), nullptr);
          EXPECT_EQ(rc, AK_OK);
        }
      });
    for (auto &t : ts) t.join();
    ASSERT_EQ(ak_value_wait(j, kBound), AK_OK);
    ASSERT_EQ(ak_value_wait(c, kBound), AK_OK);
    ASSERT_EQ(ak_value_wait(d, kBound), AK_OK);
    ASSERT_EQ(ak_value_wait(a, kBound), AK_OK);
    if (lowest < kN) {
      const int code = codes[lowest];
      EXPECT_EQ(ak_value_status(j), code) << "round " << round;
      EXPECT_EQ(std::string(ak_value_message(j)),
                "element " + std::to_string(lowest) + " failed: " + msgs[lowest]);
      EXPECT_EQ(ak_value_status(c), code);
      EXPECT_TRUE(ends_with(ak_value_message(c), msgs[lowest])) << ak_value_message(c);
      EXPECT_EQ(ak_value_status(d), code);
      EXPECT_EQ(std::string(ak_value_message(d)),
                "input " + std::to_string(lowest) + " failed: " + msgs[lowest]);
    } else {
      void *r = nullptr;
      ASSERT_EQ(ak_value_get(j, 0, &r), AK_OK);
      void **arr = static_cast<void **>(r);
      for (size_t i = 0; i < kN; ++i) EXPECT_EQ(vi(arr[i]), static_cast<intptr_t>(i));
      EXPECT_EQ(ak_value_get(c, 0, &r), AK_OK);
      EXPECT_EQ(vi(r), sum % kMod);
      EXPECT_EQ(ak_value_get(d, 0, &r), AK_OK);
      EXPECT_EQ(vi(r), sum % kMod);
    }
    size_t idx = kN;
    ASSERT_EQ(ak_list_any_index(a, &idx), AK_OK);
    ASSERT_LT(idx, kN);
    EXPECT_EQ(ak_value_status(a), codes[idx]);
    if (codes[idx] == 0) {
      void *r = nullptr;
      EXPECT_EQ(ak_value_get(a, 0, &r), AK_OK);
      EXPECT_EQ(vi(r), static_cast<intptr_t>(idx));
    } else {
      EXPECT_STREQ(ak_value_message(a), msgs[idx].c_str());
    }
    for (ak_value *v : {j, c, d, a}) ak_value_release(v);
    for (ak_value *p : ps) ak_value_release(p);
  }
  EXPECT_GT(failing_rounds, 0u) << "no round exercised a failure";
}

// ---- resize while submitting --------------------------------------------------------------------

TEST(Stress, ResizeWhileSubmittingLosesNoWork) {
  const size_t n = scaled(200000);
  const size_t max_resizes = scaled(3000);
  std::atomic<size_t> ran{0};
  std::atomic<int> inside_resize_errors{0};
  struct Ctx {
    std::atomic<size_t> *ran;
    std::atomic<int> *errors;
  } ctx{&ran, &inside_resize_errors};
  // arg carries the index; the context is reached through a static pointer per test run.
  static Ctx *g_ctx;
  g_ctx = &ctx;
  auto work = [](ak_task *t, void *arg) -> int {
    intptr_t i = vi(arg);
    g_ctx->ran->fetch_add(1);
    if (i % 997 == 0 && ak_pool_resize(ak_task_pool(t), static_cast<unsigned>(1 + i % 3)) != AK_OK)
      g_ctx->errors->fetch_add(1);
    return ak_task_set_result(t, iv(f(i)), nullptr);
  };
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::atomic<bool> submitting{true};
  std::atomic<int> resize_errors{0};
  std::thread resizer([&] {
    const unsigned sizes[] = {0, 1, 3, 2, 4, 1, 0, 2};
    for (size_t i = 0; submitting.load() && i < max_resizes; ++i) {
      if (ak_pool_resize(pool.get(), sizes[i % 8]) != AK_OK) resize_errors++;
      std::this_thread::yield();
    }
  });
  std::vector<std::pair<size_t, ak_value *>> vs[2];
  auto submitter = [&](int which, size_t begin, size_t end) {
    vs[which].reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      ak_value *v = nullptr;
      if (ak_pool_do(pool.get(), work, iv(static_cast<intptr_t>(i)), &v) == AK_OK)
        vs[which].emplace_back(i, v);
    }
  };
  std::thread a(submitter, 0, size_t{0}, n / 2), b(submitter, 1, n / 2, n);
  a.join();
  b.join();
  submitting = false;
  resizer.join();
  ASSERT_EQ(ak_pool_resize(pool.get(), 2), AK_OK);
  EXPECT_EQ(vs[0].size() + vs[1].size(), n) << "submissions were refused";
  size_t wrong = 0;
  for (auto &list : vs)
    for (auto &[i, v] : list) {
      void *r = nullptr;
      if (ak_value_get(v, kBound, &r) != AK_OK || vi(r) != f(static_cast<intptr_t>(i))) wrong++;
      ak_value_release(v);
    }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(ran.load(), n);
  EXPECT_EQ(resize_errors.load(), 0);
  EXPECT_EQ(inside_resize_errors.load(), 0);
}

// ---- races --------------------------------------------------------------------------------------

TEST(Stress, CancelRacingCompletionIsConsistent) {
  const size_t n = scaled(100000);
  std::vector<std::atomic<int>> ran(n);
  for (auto &r : ran) r = 0;
  auto work = [](ak_task *, void *arg) -> int {
    static_cast<std::atomic<int> *>(arg)->fetch_add(1);
    return AK_OK;
  };
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  vs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work, &ran[i], &v), AK_OK);
    vs.emplace_back(v);
  }
  std::vector<int> rc(n, 1000);
  std::thread canceller([&] {
    for (size_t i = n; i-- > 0;) rc[i] = ak_value_cancel(vs[i].get());
  });
  canceller.join();
  size_t cancelled = 0, completed = 0;
  for (size_t i = 0; i < n; ++i) {
    int st = settle(vs[i].get());
    if (rc[i] == AK_OK) {
      cancelled++;
      EXPECT_EQ(st, AK_ECANCELED) << i;
    } else {
      completed++;
      EXPECT_EQ(rc[i], AK_ESTATE) << i;
      EXPECT_EQ(st, AK_OK) << i;
    }
  }
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  for (size_t i = 0; i < n; ++i)
    EXPECT_EQ(ran[i].load(), rc[i] == AK_OK ? 0 : 1) << "task " << i << " cancel rc " << rc[i];
  EXPECT_EQ(cancelled + completed, n);
}

TEST(Stress, ConcurrentSettersOnOnePromiseExactlyOneWins) {
  const size_t rounds = scaled(1000);
  FreeTracker tracker;
  for (size_t round = 0; round < rounds; ++round) {
    ak_value *p = nullptr;
    ASSERT_EQ(ak_value_new(&p), AK_OK);
    void *items[4];
    for (int k = 0; k < 4; ++k) items[k] = tracker.make(k);
    std::atomic<int> wins{0}, estate{0};
    std::atomic<int> winner{-1};
    Rendezvous start(4);
    std::vector<std::thread> ts;
    for (int k = 0; k < 4; ++k)
      ts.emplace_back([&, k] {
        start.arrive_and_wait();
        int rc = (k % 2 == 0) ? ak_value_set(p, items[k], FreeTracker::free_fn)
                              : ak_value_fail(p, 10 + k, "racer");
        if (rc == AK_OK) {
          wins++;
          winner = k;
        } else if (rc == AK_ESTATE) {
          estate++;
        }
      });
    for (auto &t : ts) t.join();
    ASSERT_EQ(wins.load(), 1) << "round " << round;
    ASSERT_EQ(estate.load(), 3);
    int w = winner.load();
    EXPECT_EQ(ak_value_status(p), w % 2 == 0 ? AK_OK : 10 + w);
    ak_value_release(p);
    for (int k = 0; k < 4; ++k)
      EXPECT_EQ(FreeTracker::frees_of(items[k]), (k == w && k % 2 == 0) ? 1 : 0)
          << "round " << round << " item " << k;
  }
}

TEST(Stress, DoneCallbacksRegisteredWhileSettingEachRunOnce) {
  const size_t rounds = scaled(1000);
  constexpr int kCallbacks = 32;
  auto bump = [](ak_value *, void *arg) { static_cast<std::atomic<int> *>(arg)->fetch_add(1); };
  for (size_t round = 0; round < rounds; ++round) {
    Value p = make_promise();
    ASSERT_TRUE(p);
    std::atomic<int> calls[kCallbacks];
    for (auto &c : calls) c = 0;
    Rendezvous start(2);
    std::thread registrar([&] {
      start.arrive_and_wait();
      for (auto &c : calls) EXPECT_EQ(ak_value_on_done(p.get(), bump, &c), AK_OK);
    });
    std::thread setter([&] {
      start.arrive_and_wait();
      EXPECT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
    });
    registrar.join();
    setter.join();
    for (int i = 0; i < kCallbacks; ++i)
      ASSERT_EQ(calls[i].load(), 1) << "round " << round << " callback " << i;
  }
}

TEST(Stress, ManyThreadsSubmittingChainsToTheDefaultPool) {
  const size_t per_thread = scaled(5000);
  std::atomic<size_t> wrong{0};
  auto body = [&](intptr_t seed_base) {
    for (size_t i = 0; i < per_thread; ++i) {
      intptr_t x = seed_base + static_cast<intptr_t>(i);
      ak_value *a = nullptr, *c = nullptr;
      if (ak_pool_do(ak_pool_default(), work_f, iv(x), &a) != AK_OK) {
        wrong++;
        continue;
      }
      if (ak_chain(a, sum_k_work, iv(1), &c) != AK_OK) {
        wrong++;
        ak_value_release(a);
        continue;
      }
      ak_value_release(a);
      void *r = nullptr;
      if (ak_value_get(c, kBound, &r) != AK_OK || vi(r) != (f(x) + 1) % kMod) wrong++;
      ak_value_release(c);
    }
  };
  std::vector<std::thread> ts;
  for (int k = 0; k < 4; ++k) ts.emplace_back(body, static_cast<intptr_t>(k) * 1000000);
  for (auto &t : ts) t.join();
  EXPECT_EQ(wrong.load(), 0u);
}

}  // namespace
