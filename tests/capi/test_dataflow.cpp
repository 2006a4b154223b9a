// Dataflow: ak_pool_do_after.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

// Records the inputs it saw; result = sum of inputs.
struct SumInputs {
  std::atomic<int> runs{0};
  std::mutex m;
  std::vector<intptr_t> seen;
  size_t count = 999;
  void *beyond = untouched();
};
int sum_inputs(ak_task *t, void *arg) {
  auto *s = static_cast<SumInputs *>(arg);
  intptr_t sum = 0;
  {
    std::lock_guard<std::mutex> lk(s->m);
    s->count = ak_task_input_count(t);
    s->seen.clear();
    for (size_t i = 0; i < s->count; ++i) {
      s->seen.push_back(vi(ak_task_input(t, i)));
      sum += s->seen.back();
    }
    s->beyond = ak_task_input(t, s->count);
  }
  s->runs++;
  return ak_task_set_result(t, iv(sum), nullptr);
}

Value after(ak_pool *p, std::vector<ak_value *> deps, SumInputs *s) {
  ak_value *v = nullptr;
  int rc =
      ak_pool_do_after(p, deps.empty() ? nullptr : deps.data(), deps.size(), sum_inputs, s, &v);
  EXPECT_EQ(rc, AK_OK);
  return Value(rc == AK_OK ? v : nullptr);
}

TEST(DoAfter, WithNoDepsRunsLikeDo) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value v = after(pool.get(), {}, &s);
  ASSERT_TRUE(v);
  EXPECT_EQ(get_int(v.get()), 0);
  EXPECT_EQ(s.runs.load(), 1);
  std::lock_guard<std::mutex> lk(s.m);
  EXPECT_EQ(s.count, 0u);
}

TEST(DoAfter, RunsOnlyOnceAllDepsAreSetAndSeesThemInTheOrderGiven) {
  SumInputs s;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  Value a = make_promise(), b = make_promise(), c = make_promise();
  Value v = after(pool.get(), {c.get(), a.get(), b.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(a.get(), iv(1), nullptr), AK_OK);
  ASSERT_EQ(ak_value_set(c.get(), iv(100), nullptr), AK_OK);
  EXPECT_EQ(ak_value_wait(v.get(), kAbsent), AK_ETIMEDOUT) << "ran before all deps were set";
  EXPECT_EQ(s.runs.load(), 0);
  ASSERT_EQ(ak_value_set(b.get(), iv(10), nullptr), AK_OK);
  EXPECT_EQ(get_int(v.get()), 111);
  std::lock_guard<std::mutex> lk(s.m);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.seen, (std::vector<intptr_t>{100, 1, 10}));
  EXPECT_EQ(s.beyond, nullptr) << "ak_task_input out of range must be NULL";
}

TEST(DoAfter, MixesSetAndPendingDepsFromOtherPools) {
  SumInputs s;
  Pool pa = make_pool(1), pb = make_pool(1);
  ASSERT_TRUE(pa && pb);
  ak_value *ta = nullptr;
  ASSERT_EQ(ak_pool_do(pa.get(), work_result_is_arg, iv(5), &ta), AK_OK);
  Value hta(ta);
  ASSERT_EQ(settle(ta), AK_OK);
  Value p = make_promise();
  Value v = after(pb.get(), {ta, p.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(p.get(), iv(6), nullptr), AK_OK);
  EXPECT_EQ(get_int(v.get()), 11);
}

TEST(DoAfter, TheSameDepTwiceGivesItsResultTwice) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  Value v = after(pool.get(), {p.get(), p.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(p.get(), iv(21), nullptr), AK_OK);
  EXPECT_EQ(get_int(v.get()), 42);
}

TEST(DoAfter, LowestFailedDepWinsAndIsReportedOnceEveryDepBeforeItIsSet) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p0 = make_promise(), p1 = make_promise(), p2 = make_promise(), p3 = make_promise();
  Value v = after(pool.get(), {p0.get(), p1.get(), p2.get(), p3.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(p2.get(), 20, "two"), AK_OK);
  EXPECT_EQ(ak_value_wait(v.get(), kAbsent), AK_ETIMEDOUT) << "reported input 2 too early";
  ASSERT_EQ(ak_value_fail(p1.get(), 9, "bad %s {}"), AK_OK);
  EXPECT_EQ(ak_value_wait(v.get(), kAbsent), AK_ETIMEDOUT) << "reported input 1 too early";
  ASSERT_EQ(ak_value_set(p0.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), 9);
  EXPECT_STREQ(ak_value_message(v.get()), "input 1 failed: bad %s {}");
  EXPECT_EQ(ak_value_status(p3.get()), AK_EPENDING) << "failure touched another input";
  EXPECT_EQ(s.runs.load(), 0) << "work ran although an input failed";
}

TEST(DoAfter, FailureOfTheFirstDepIsReportedWithoutWaitingForTheOthers) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p0 = make_promise(), p1 = make_promise();
  Value v = after(pool.get(), {p0.get(), p1.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(p0.get(), 31, "early"), AK_OK);
  EXPECT_EQ(settle(v.get()), 31);
  EXPECT_STREQ(ak_value_message(v.get()), "input 0 failed: early");
  EXPECT_EQ(s.runs.load(), 0);
}

TEST(DoAfter, CancelledDepFailsTheValueWithEcanceled) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p0 = make_promise(), p1 = make_promise();
  Value v = after(pool.get(), {p0.get(), p1.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(p0.get(), iv(1), nullptr), AK_OK);
  ASSERT_EQ(ak_value_cancel(p1.get()), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ECANCELED);
  EXPECT_TRUE(starts_with(ak_value_message(v.get()), "input 1 failed: "))
      << ak_value_message(v.get());
  EXPECT_EQ(s.runs.load(), 0);
}

TEST(DoAfter, FailedTaskDepPropagatesItsCodeAndMessage) {
  SumInputs s;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  Work bad([](ak_task *t) -> int { return ak_task_fail(t, 44, "division by %s", "zero"); });
  Value b = submit(pool.get(), &bad);
  ak_value *ok = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(1), &ok), AK_OK);
  Value hok(ok);
  Value v = after(pool.get(), {ok, b.get()}, &s);
  ASSERT_TRUE(v);
  EXPECT_EQ(settle(v.get()), 44);
  EXPECT_STREQ(ak_value_message(v.get()), "input 1 failed: division by zero");
}

TEST(DoAfter, TaskHoldsItsOwnReferencesToItsInputs) {
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, iv(4), nullptr);
  });
  SumInputs s;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  ak_value *a = nullptr, *b = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &a), AK_OK);
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &b), AK_OK);
  Value v = after(pool.get(), {a, b}, &s);
  ASSERT_TRUE(v);
  ak_value_release(a);
  ak_value_release(b);
  gate.set();
  EXPECT_EQ(get_int(v.get()), 8);
}

TEST(DoAfter, CallersReferencesToItsInputsAreUntouched) {
  FreeTracker tracker;
  void *res = tracker.make(3);
  std::atomic<int> ran{0};
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    Value p = make_promise();
    ASSERT_EQ(ak_value_set(p.get(), res, FreeTracker::free_fn), AK_OK);
    ak_value *deps[] = {p.get()};
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do_after(pool.get(), deps, 1, work_count, &ran, &v), AK_OK);
    Value hv(v);
    EXPECT_EQ(settle(v), AK_OK);
    ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
    EXPECT_EQ(FreeTracker::frees_of(res), 0) << "the task dropped the caller's reference";
    void *r = nullptr;
    EXPECT_EQ(ak_value_get(p.get(), 0, &r), AK_OK);
    EXPECT_EQ(r, res);
  }
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(DoAfter, DiamondComputesTheRightResult) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  Work times2([](ak_task *t) -> int {
    return ak_task_set_result(t, iv(vi(ak_task_input(t, 0)) * 2), nullptr);
  });
  Work plus10([](ak_task *t) -> int {
    return ak_task_set_result(t, iv(vi(ak_task_input(t, 0)) + 10), nullptr);
  });
  Work product([](ak_task *t) -> int {
    return ak_task_set_result(t, iv(vi(ak_task_input(t, 0)) * vi(ak_task_input(t, 1))), nullptr);
  });
  ak_value *a = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(3), &a), AK_OK);
  Value ha(a);
  Value b = submit_after(pool.get(), {a}, &times2);
  Value c = submit_after(pool.get(), {a}, &plus10);
  Value d = submit_after(pool.get(), {b.get(), c.get()}, &product);
  EXPECT_EQ(get_int(d.get()), 6 * 13);
}

TEST(DoAfter, CancelledWhileWaitingForInputsNeverRuns) {
  SumInputs s, witness;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  Value v = after(pool.get(), {p.get()}, &s);
  ASSERT_TRUE(v);
  EXPECT_EQ(ak_value_cancel(v.get()), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), AK_ECANCELED);
  Value w = after(pool.get(), {p.get()}, &witness);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(get_int(w.get()), 1);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(s.runs.load(), 0);
  EXPECT_EQ(ak_value_status(v.get()), AK_ECANCELED);
}

TEST(DoAfter, WaitingAcrossAStopFailsWithEshutdownWhenItsInputsArrive) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  Value v = after(pool.get(), {p.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK)
      << "stop waited for work that waits for its inputs";
  EXPECT_EQ(ak_value_is_set(v.get()), 0);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ESHUTDOWN);
  EXPECT_EQ(s.runs.load(), 0);
}

TEST(DoAfter, WaitingAcrossADestroyFailsWithEshutdownWhenItsInputsArrive) {
  SumInputs s;
  ak_pool *pool = nullptr;
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 2;
  ASSERT_EQ(ak_pool_create(&o, &pool), AK_OK);
  Value p = make_promise();
  Value v = after(pool, {p.get()}, &s);
  ASSERT_TRUE(v);
  ak_pool_destroy(pool);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ESHUTDOWN);
  EXPECT_EQ(s.runs.load(), 0);
}

TEST(DoAfter, SubmittedFromInsideWorkWaitsForItsInputs) {
  SumInputs s;
  Value p = make_promise();
  std::atomic<ak_value *> inner{nullptr};
  Work w([&](ak_task *t) -> int {
    ak_value *deps[] = {p.get()};
    ak_value *v = nullptr;
    int rc = ak_pool_do_after(ak_task_pool(t), deps, 1, sum_inputs, &s, &v);
    if (rc == AK_OK) inner = v;
    return rc;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value outer = submit(pool.get(), &w);
  ASSERT_EQ(settle(outer.get()), AK_OK);
  Value in(inner.load());
  ASSERT_TRUE(in);
  EXPECT_EQ(ak_value_wait(in.get(), kAbsent), AK_ETIMEDOUT);
  ASSERT_EQ(ak_value_set(p.get(), iv(17), nullptr), AK_OK);
  EXPECT_EQ(get_int(in.get()), 17);
}

TEST(DoAfter, OnAZeroWorkerPoolQueuesOnceItsInputsAreSetAndRunsAfterResize) {
  SumInputs s;
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  Value v = after(pool.get(), {p.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(p.get(), iv(2), nullptr), AK_OK);
  EXPECT_EQ(ak_value_wait(v.get(), kAbsent), AK_ETIMEDOUT) << "ran on a pool with 0 workers";
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(get_int(v.get()), 2);
}

TEST(DoAfter, ManyDependentsOfOneInputAllRun) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  std::vector<Value> vs;
  for (int i = 0; i < 200; ++i) {
    ak_value *deps[] = {p.get()};
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do_after(pool.get(), deps, 1, work_count, &ran, &v), AK_OK);
    vs.emplace_back(v);
  }
  ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
  for (auto &v : vs) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(ran.load(), 200);
}

TEST(DoAfter, OnAJoinListDepSeesTheListsArrayAsThatOneInput) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p0 = make_promise(), p1 = make_promise();
  Value j = join({p0.get(), p1.get()});
  ASSERT_TRUE(j);
  std::atomic<size_t> count{999};
  std::atomic<intptr_t> e0{-1}, e1{-1};
  Work w([&](ak_task *t) -> int {
    count = ak_task_input_count(t);
    void **arr = static_cast<void **>(ak_task_input(t, 0));
    if (arr == nullptr) return 1;
    e0 = vi(arr[0]);
    e1 = vi(arr[1]);
    return AK_OK;
  });
  Value v = submit_after(pool.get(), {j.get()}, &w);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(p0.get(), iv(5), nullptr), AK_OK);
  ASSERT_EQ(ak_value_set(p1.get(), iv(6), nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(count.load(), 1u) << "a join given as one dep is one input (unlike ak_chain)";
  EXPECT_EQ(e0.load(), 5);
  EXPECT_EQ(e1.load(), 6);
}

TEST(DoAfter, CancelledQueuedDepFailsDependentsAtOnce) {
  std::atomic<int> ran{0};
  SumInputs s;
  Pool idle = make_pool(0), pool = make_pool(1);
  ASSERT_TRUE(idle && pool);
  ak_value *q = nullptr;
  ASSERT_EQ(ak_pool_do(idle.get(), work_count, &ran, &q), AK_OK);
  Value hq(q);
  Value v = after(pool.get(), {q}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_cancel(q), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ECANCELED);
  EXPECT_TRUE(starts_with(ak_value_message(v.get()), "input 0 failed: "))
      << ak_value_message(v.get());
  EXPECT_EQ(s.runs.load(), 0);
  EXPECT_EQ(ran.load(), 0);
}

TEST(DoAfter, WaitingAcrossAStopCancelFailsWithEshutdownWhenItsInputsArrive) {
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  Value v = after(pool.get(), {p.get()}, &s);
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  EXPECT_EQ(ak_value_is_set(v.get()), 0) << "stop touched work that waits for its inputs";
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ESHUTDOWN);
  EXPECT_EQ(s.runs.load(), 0);
}

TEST(DoAfter, InputsArrivingDuringADrainLetTheirWorkRun) {
  // B sets P while a DRAIN stop waits for B: the work waiting for P becomes queued before the
  // stop can complete, so the drain runs it.
  Event started, gate;
  Value p = make_promise();
  ASSERT_TRUE(p);
  Work b([&](ak_task *) -> int {
    started.set();
    gate.wait();
    return ak_value_set(p.get(), iv(3), nullptr);
  });
  SumInputs s;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value vb = submit(pool.get(), &b);
  Value d = after(pool.get(), {p.get()}, &s);
  ASSERT_TRUE(d);
  ASSERT_TRUE(started.wait());
  std::atomic<int> stop_rc{1000};
  std::thread stopper([&] { stop_rc = ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound); });
  ASSERT_TRUE(eventually([&] {
    ak_value *x = nullptr;
    int rc = ak_pool_do(pool.get(), work_ok, nullptr, &x);
    if (rc == AK_OK) ak_value_release(x);
    return rc == AK_ESHUTDOWN;
  })) << "the stop never took effect";
  gate.set();
  stopper.join();
  EXPECT_EQ(stop_rc.load(), AK_OK);
  EXPECT_EQ(ak_value_status(vb.get()), AK_OK);
  EXPECT_EQ(settle(d.get()), AK_OK) << ak_value_message(d.get());
  EXPECT_EQ(s.runs.load(), 1);
}

}  // namespace
