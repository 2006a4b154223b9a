// Ownership: results are freed with their free_fn exactly once, when the last reference to their
// value goes and never earlier; values stay valid after their pool is destroyed.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

// Work: sets the tracked item given as arg as its result.
int set_tracked(ak_task *t, void *item) {
  return ak_task_set_result(t, item, FreeTracker::free_fn);
}

TEST(Ownership, TaskResultIsFreedOnceWhenTheLastReferenceGoesAndNeverEarlier) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), set_tracked, res, &v), AK_OK);
    ASSERT_EQ(settle(v), AK_OK);
    ak_value_retain(v);
    ak_value_retain(v);
    ak_value_release(v);
    ak_value_release(v);
    EXPECT_EQ(FreeTracker::frees_of(res), 0) << "freed while a reference was held";
    void *r = nullptr;
    ASSERT_EQ(ak_value_get(v, 0, &r), AK_OK);
    EXPECT_EQ(FreeTracker::payload(r), 1);
    ak_value_release(v);
    EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }))
        << "not freed after the last release";
  }
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, PromiseResultIsFreedAtTheLastRelease) {
  FreeTracker tracker;
  void *res = tracker.make(2);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_value_new(&v), AK_OK);
  ASSERT_EQ(ak_value_set(v, res, FreeTracker::free_fn), AK_OK);
  ak_value_retain(v);
  ak_value_release(v);
  EXPECT_EQ(FreeTracker::frees_of(res), 0);
  ak_value_release(v);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, ResultWithoutFreeFnIsLeftAlone) {
  static int not_heap = 5;  // a free() on it would crash
  ak_value *v = nullptr;
  ASSERT_EQ(ak_value_new(&v), AK_OK);
  ASSERT_EQ(ak_value_set(v, &not_heap, nullptr), AK_OK);
  ak_value_release(v);
  EXPECT_EQ(not_heap, 5);
}

TEST(Ownership, ResultIsNotFreedWhileAJoinHoldsItsValue) {
  FreeTracker tracker;
  void *res = tracker.make(3);
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ASSERT_EQ(ak_value_set(p, res, FreeTracker::free_fn), AK_OK);
  ak_value *j = nullptr;
  ASSERT_EQ(ak_list_join(&p, 1, &j), AK_OK);
  ak_value_release(p);
  EXPECT_EQ(FreeTracker::frees_of(res), 0) << "freed while the join held the element";
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j, kBound, &r), AK_OK);
  EXPECT_EQ(static_cast<void **>(r)[0], res);
  EXPECT_EQ(FreeTracker::payload(static_cast<void **>(r)[0]), 3);
  ak_value_release(j);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, JoinResultArrayStaysValidWhileTheListIsHeld) {
  FreeTracker tracker;
  constexpr int kN = 16;
  {
    Pool pool = make_pool(2);
    ASSERT_TRUE(pool);
    std::vector<ak_value *> vs;
    for (int i = 0; i < kN; ++i) {
      ak_value *v = nullptr;
      ASSERT_EQ(ak_pool_do(pool.get(), set_tracked, tracker.make(i), &v), AK_OK);
      vs.push_back(v);
    }
    ak_value *j = nullptr;
    ASSERT_EQ(ak_list_join(vs.data(), vs.size(), &j), AK_OK);
    for (ak_value *v : vs) ak_value_release(v);
    void *r = nullptr;
    ASSERT_EQ(ak_value_get(j, kBound, &r), AK_OK);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(tracker.total(), 0);
    void **arr = static_cast<void **>(r);
    for (int i = 0; i < kN; ++i) EXPECT_EQ(FreeTracker::payload(arr[i]), i);
    ak_value_release(j);
    EXPECT_TRUE(eventually([&] { return tracker.total() == kN; })) << tracker.total();
  }
  EXPECT_EQ(tracker.total(), kN);
  EXPECT_EQ(tracker.freed_twice(), 0);
}

TEST(Ownership, ContinuationKeepsItsInputUntilItHasRunThenLetsItGo) {
  FreeTracker tracker;
  void *res = tracker.make(4);
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, res, FreeTracker::free_fn);
  });
  std::atomic<intptr_t> seen{-1};
  Work reader([&](ak_task *t) -> int {
    seen = FreeTracker::payload(ak_task_input(t, 0));
    return AK_OK;
  });
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    OpenOnExit open{&gate};
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &v), AK_OK);
    Value c = chain(v, &reader);
    ASSERT_TRUE(c);
    ak_value_release(v);
    gate.set();
    EXPECT_EQ(settle(c.get()), AK_OK);
    EXPECT_EQ(seen.load(), 4) << "the input's result was gone when the continuation ran";
    EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }))
        << "the continuation kept its input after it had run";
  }
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, DataflowTaskLetsItsInputsGoAfterItHasRun) {
  FreeTracker tracker;
  void *res = tracker.make(5);
  std::atomic<int> ran{0};
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    ak_value *p = nullptr;
    ASSERT_EQ(ak_value_new(&p), AK_OK);
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do_after(pool.get(), &p, 1, work_count, &ran, &v), AK_OK);
    Value hv(v);
    ASSERT_EQ(ak_value_set(p, res, FreeTracker::free_fn), AK_OK);
    ak_value_release(p);
    EXPECT_EQ(settle(v), AK_OK);
    EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }))
        << "the dataflow task kept its input after it had run";
  }
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, ReleasingAPendingValueFreesItsResultOnceTheWorkIsDone) {
  FreeTracker tracker;
  void *res = tracker.make(6);
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, res, FreeTracker::free_fn);
  });
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    OpenOnExit open{&gate};
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &v), AK_OK);
    ak_value_release(v);
    gate.set();
    EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }));
  }
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Ownership, ValuesStayValidAfterTheirPoolIsDestroyed) {
  FreeTracker tracker;
  constexpr int kN = 50;
  std::vector<Value> vs;
  Work fail_after_set([&](ak_task *t) -> int {
    ak_task_set_result(t, tracker.make(-1), FreeTracker::free_fn);
    return ak_task_fail(t, 8, "failed after setting %d", 8);
  });
  {
    ak_pool *p = nullptr;
    ak_pool_options o = AK_POOL_OPTIONS_INIT;
    o.workers = 2;
    ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
    for (int i = 0; i < kN; ++i) {
      ak_value *v = nullptr;
      if (i % 5 == 0) {
        ASSERT_EQ(ak_pool_do(p, run_work, &fail_after_set, &v), AK_OK);
      } else {
        ASSERT_EQ(ak_pool_do(p, set_tracked, tracker.make(i), &v), AK_OK);
      }
      vs.emplace_back(v);
    }
    ak_pool_destroy(p);
  }
  EXPECT_EQ(tracker.total(), 0) << "results freed while their values were held";
  for (int i = 0; i < kN; ++i) {
    ak_value *v = vs[i].get();
    ASSERT_EQ(ak_value_is_set(v), 1) << "destroy returned before queued work ran";
    if (i % 5 == 0) {
      EXPECT_EQ(ak_value_status(v), 8);
      EXPECT_STREQ(ak_value_message(v), "failed after setting 8");
    } else {
      void *r = nullptr;
      ASSERT_EQ(ak_value_get(v, 0, &r), AK_OK);
      EXPECT_EQ(FreeTracker::payload(r), i);
    }
  }
  vs.clear();
  EXPECT_TRUE(eventually([&] { return tracker.total() == kN; })) << tracker.total();
  EXPECT_EQ(tracker.freed_twice(), 0);
}

TEST(Ownership, ManyResultsAreEachFreedExactlyOnce) {
  FreeTracker tracker;
  const int n = static_cast<int>(scaled(20000));
  Work w([&](ak_task *t) -> int {
    void *first = tracker.make(1);
    ak_task_set_result(t, first, FreeTracker::free_fn);
    if (FreeTracker::frees_of(first) != 0) return 50;
    void *second = tracker.make(2);
    ak_task_set_result(t, second, FreeTracker::free_fn);  // frees `first` at once
    if (FreeTracker::frees_of(first) != 1) return 51;
    return AK_OK;
  });
  {
    Pool pool = make_pool(2);
    ASSERT_TRUE(pool);
    std::vector<Value> vs;
    vs.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) vs.push_back(submit(pool.get(), &w));
    for (auto &v : vs) ASSERT_EQ(settle(v.get()), AK_OK) << ak_value_message(v.get());
    EXPECT_EQ(tracker.total(), n) << "only the replaced results may be freed while values are held";
    vs.clear();
    EXPECT_TRUE(eventually([&] { return tracker.total() == 2 * n; })) << tracker.total();
  }
  EXPECT_EQ(tracker.total(), 2 * n);
  EXPECT_EQ(tracker.freed_twice(), 0);
}

TEST(Ownership, ChainAndDataflowResultsAreFreedOnRelease) {
  FreeTracker tracker;
  Work make_res([&](ak_task *t) -> int {
    return ak_task_set_result(t, tracker.make(7), FreeTracker::free_fn);
  });
  {
    Value p = make_promise();
    ASSERT_TRUE(p);
    Value c = chain(p.get(), &make_res);
    ASSERT_TRUE(c);
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    Value d = submit_after(pool.get(), {p.get()}, &make_res);
    ASSERT_TRUE(d);
    ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
    EXPECT_EQ(settle(c.get()), AK_OK);
    EXPECT_EQ(settle(d.get()), AK_OK);
    EXPECT_EQ(tracker.total(), 0);
  }
  EXPECT_TRUE(eventually([&] { return tracker.total() == 2; }));
  EXPECT_EQ(tracker.freed_twice(), 0);
}

TEST(Ownership, ConcurrentRetainsAndReleasesFreeExactlyOnce) {
  FreeTracker tracker;
  void *res = tracker.make(9);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_value_new(&v), AK_OK);
  ASSERT_EQ(ak_value_set(v, res, FreeTracker::free_fn), AK_OK);
  const int per_thread = static_cast<int>(scaled(50000));
  std::vector<std::thread> ts;
  for (int k = 0; k < 4; ++k)
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        ak_value_retain(v);
        ak_value_release(v);
      }
    });
  for (auto &t : ts) t.join();
  EXPECT_EQ(FreeTracker::frees_of(res), 0);
  ak_value_release(v);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

}  // namespace
