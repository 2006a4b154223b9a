// Continuations: ak_chain / ak_chain_on on pending and set values, lists and promises; the pool
// they run on; failure propagation; stopped pools.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

// Work: one input, result = input + 1; records the pool it ran on.
struct AddOne {
  std::atomic<int> runs{0};
  std::atomic<ak_pool *> pool{nullptr};
  std::atomic<size_t> inputs{999};
};
int add_one(ak_task *t, void *arg) {
  auto *a = static_cast<AddOne *>(arg);
  a->runs++;
  a->pool = ak_task_pool(t);
  a->inputs = ak_task_input_count(t);
  if (ak_task_input_count(t) != 1) return ak_task_fail(t, 100, "expected one input");
  return ak_task_set_result(t, iv(vi(ak_task_input(t, 0)) + 1), nullptr);
}

Value chain_add_one(ak_value *prev, AddOne *a) {
  ak_value *c = nullptr;
  int rc = ak_chain(prev, add_one, a, &c);
  EXPECT_EQ(rc, AK_OK);
  return Value(rc == AK_OK ? c : nullptr);
}

// ---- where and with what it runs ---------------------------------------------------------------

TEST(Chain, OnAPendingTaskValueRunsAfterItWithItsResultOnItsPool) {
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, iv(20), nullptr);
  });
  AddOne a;
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value v = submit(pool.get(), &w);
  Value c = chain_add_one(v.get(), &a);
  ASSERT_TRUE(c);
  EXPECT_EQ(ak_value_wait(c.get(), kAbsent), AK_ETIMEDOUT) << "ran before its input was set";
  EXPECT_EQ(a.runs.load(), 0);
  gate.set();
  EXPECT_EQ(get_int(c.get()), 21);
  EXPECT_EQ(a.runs.load(), 1);
  EXPECT_EQ(a.inputs.load(), 1u);
  EXPECT_EQ(a.pool.load(), pool.get());
}

TEST(Chain, OnAnAlreadySetTaskValueRunsOnItsPool) {
  AddOne a;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(40), &v), AK_OK);
  Value hv(v);
  ASSERT_EQ(settle(v), AK_OK);
  Value c = chain_add_one(v, &a);
  ASSERT_TRUE(c);
  EXPECT_EQ(get_int(c.get()), 41);
  EXPECT_EQ(a.pool.load(), pool.get());
}

TEST(Chain, OnASetPromiseRunsOnTheDefaultPool) {
  AddOne a;
  Value p = make_promise();
  ASSERT_TRUE(p);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  Value c = chain_add_one(p.get(), &a);
  ASSERT_TRUE(c);
  EXPECT_EQ(get_int(c.get()), 2);
  EXPECT_EQ(a.pool.load(), ak_pool_default());
}

TEST(Chain, OnAPendingPromiseRunsOnTheDefaultPoolOnceItIsSet) {
  AddOne a;
  Value p = make_promise();
  ASSERT_TRUE(p);
  Value c = chain_add_one(p.get(), &a);
  ASSERT_TRUE(c);
  EXPECT_EQ(ak_value_wait(c.get(), kAbsent), AK_ETIMEDOUT);
  ASSERT_EQ(ak_value_set(p.get(), iv(8), nullptr), AK_OK);
  EXPECT_EQ(get_int(c.get()), 9);
  EXPECT_EQ(a.pool.load(), ak_pool_default());
}

TEST(Chain, OnAJoinListGetsTheElementsResultsInOrderAndRunsOnTheFirstElementPool) {
  Pool pa = make_pool(1), pb = make_pool(1);
  ASSERT_TRUE(pa && pb);
  Value promise = make_promise();
  ak_value *ta = nullptr, *tb = nullptr;
  ASSERT_EQ(ak_pool_do(pa.get(), work_result_is_arg, iv(2), &ta), AK_OK);
  ASSERT_EQ(ak_pool_do(pb.get(), work_result_is_arg, iv(3), &tb), AK_OK);
  Value hta(ta), htb(tb);
  Value j = join({promise.get(), ta, tb});
  ASSERT_TRUE(j);
  std::atomic<ak_pool *> ran_on{nullptr};
  std::atomic<size_t> count{0};
  std::atomic<intptr_t> seen[3] = {{-1}, {-1}, {-1}};
  Work w([&](ak_task *t) -> int {
    ran_on = ak_task_pool(t);
    count = ak_task_input_count(t);
    for (size_t i = 0; i < 3; ++i) seen[i] = vi(ak_task_input(t, i));
    return AK_OK;
  });
  Value c = chain(j.get(), &w);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_set(promise.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(c.get()), AK_OK) << ak_value_message(c.get());
  EXPECT_EQ(count.load(), 3u);
  EXPECT_EQ(seen[0].load(), 1);
  EXPECT_EQ(seen[1].load(), 2);
  EXPECT_EQ(seen[2].load(), 3);
  EXPECT_EQ(ran_on.load(), pa.get()) << "not the pool of the first element that has one";
}

TEST(Chain, OnAJoinOfPromisesRunsOnTheDefaultPool) {
  Value p0 = make_promise(), p1 = make_promise();
  Value j = join({p0.get(), p1.get()});
  ASSERT_TRUE(j);
  std::atomic<ak_pool *> ran_on{nullptr};
  std::atomic<intptr_t> sum{-1};
  Work w([&](ak_task *t) -> int {
    ran_on = ak_task_pool(t);
    sum = vi(ak_task_input(t, 0)) + vi(ak_task_input(t, 1));
    return AK_OK;
  });
  Value c = chain(j.get(), &w);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_set(p1.get(), iv(30), nullptr), AK_OK);
  ASSERT_EQ(ak_value_set(p0.get(), iv(12), nullptr), AK_OK);
  EXPECT_EQ(settle(c.get()), AK_OK);
  EXPECT_EQ(sum.load(), 42);
  EXPECT_EQ(ran_on.load(), ak_pool_default());
}

TEST(Chain, OnAnEmptyJoinHasNoInputsAndRunsOnTheDefaultPool) {
  ak_value *j = nullptr;
  ASSERT_EQ(ak_list_join(nullptr, 0, &j), AK_OK);
  Value hj(j);
  std::atomic<size_t> count{999};
  std::atomic<ak_pool *> ran_on{nullptr};
  Work w([&](ak_task *t) -> int {
    count = ak_task_input_count(t);
    ran_on = ak_task_pool(t);
    return AK_OK;
  });
  Value c = chain(j, &w);
  ASSERT_TRUE(c);
  EXPECT_EQ(settle(c.get()), AK_OK);
  EXPECT_EQ(count.load(), 0u);
  EXPECT_EQ(ran_on.load(), ak_pool_default());
}

TEST(Chain, OnAnAnyListGetsTheWinningResultAsItsOneInput) {
  Value p0 = make_promise(), p1 = make_promise();
  Value a = any({p0.get(), p1.get()});
  ASSERT_TRUE(a);
  AddOne add;
  Value c = chain_add_one(a.get(), &add);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_set(p1.get(), iv(70), nullptr), AK_OK);
  EXPECT_EQ(get_int(c.get()), 71);
  EXPECT_EQ(add.inputs.load(), 1u);
  ASSERT_EQ(ak_value_set(p0.get(), iv(0), nullptr), AK_OK);
}

TEST(Chain, ChainOnRunsOnTheChosenPool) {
  AddOne a, b;
  Pool pa = make_pool(1), pb = make_pool(1);
  ASSERT_TRUE(pa && pb);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pa.get(), work_result_is_arg, iv(5), &v), AK_OK);
  Value hv(v);
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain_on(pb.get(), v, add_one, &a, &c), AK_OK);
  Value hc(c);
  EXPECT_EQ(get_int(c), 6);
  EXPECT_EQ(a.pool.load(), pb.get());

  Value p = make_promise();
  ak_value *c2 = nullptr;
  ASSERT_EQ(ak_chain_on(pa.get(), p.get(), add_one, &b, &c2), AK_OK);
  Value hc2(c2);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(get_int(c2), 2);
  EXPECT_EQ(b.pool.load(), pa.get()) << "chain_on a promise must use the given pool";
}

TEST(Chain, LongChainOfContinuationsComputesInOrder) {
  constexpr int kLinks = 500;
  AddOne a;
  Value p = make_promise();
  ASSERT_TRUE(p);
  std::vector<Value> links;
  ak_value *prev = p.get();
  for (int i = 0; i < kLinks; ++i) {
    links.push_back(chain_add_one(prev, &a));
    ASSERT_TRUE(links.back());
    prev = links.back().get();
  }
  ASSERT_EQ(ak_value_set(p.get(), iv(1000), nullptr), AK_OK);
  EXPECT_EQ(get_int(links.back().get()), 1000 + kLinks);
  EXPECT_EQ(a.runs.load(), kLinks);
}

// A done-callback runs on the worker that completed the value. If it makes a continuation ready
// and then blocks until that continuation has run, another worker must be able to run it: the
// continuation may not be kept back for the blocked worker.
struct BlockingCallback {
  ak_value *promise = nullptr;
  Event continuation_ran;
  Event finished;
  std::atomic<bool> saw_run{false};
};
void set_promise_then_wait(ak_value * /*v*/, void *arg) {
  auto *b = static_cast<BlockingCallback *>(arg);
  EXPECT_EQ(ak_value_set(b->promise, iv(1), nullptr), AK_OK);
  b->saw_run = b->continuation_ran.wait();
  b->finished.set();
}

TEST(Chain, ContinuationMadeReadyByABlockingDoneCallbackRunsOnAnotherWorker) {
  Event gate;
  BlockingCallback b;
  Work cont([&](ak_task *) -> int {
    b.continuation_ran.set();
    return AK_OK;
  });
  Work first([&](ak_task *) -> int { return gate.wait() ? AK_OK : 100; });
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate, &b.continuation_ran};
  Value promise = make_promise();
  ASSERT_TRUE(promise);
  b.promise = promise.get();
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain_on(pool.get(), promise.get(), run_work, &cont, &c), AK_OK);
  Value continuation(c);
  Value v = submit(pool.get(), &first);
  ASSERT_TRUE(v);
  // Registered while `first` is still running, so the callback runs on the worker completing it.
  ASSERT_EQ(ak_value_on_done(v.get(), set_promise_then_wait, &b), AK_OK);
  gate.set();
  ASSERT_TRUE(b.finished.wait());
  EXPECT_TRUE(b.saw_run.load()) << "the continuation waited for the blocked worker";
  EXPECT_EQ(settle(continuation.get()), AK_OK);
}

// Same, when the continuation hangs off the very value whose callback blocks: the worker
// completing it readies the continuation first (it was registered first), then runs the callback.
TEST(Chain, ContinuationReadiedBeforeABlockingCallbackOfTheSameValueRunsOnAnotherWorker) {
  Event gate, continuation_ran, finished;
  std::atomic<bool> saw_run{false};
  Work cont([&](ak_task *) -> int {
    continuation_ran.set();
    return AK_OK;
  });
  Work first([&](ak_task *) -> int { return gate.wait() ? AK_OK : 100; });
  struct Blocker {
    Event *ran, *finished;
    std::atomic<bool> *saw;
  } blocker{&continuation_ran, &finished, &saw_run};
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate, &continuation_ran};
  Value v = submit(pool.get(), &first);
  ASSERT_TRUE(v);
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain(v.get(), run_work, &cont, &c), AK_OK);
  Value continuation(c);
  ASSERT_EQ(ak_value_on_done(
                v.get(),
                [](ak_value *, void *arg) {
                  auto *b = static_cast<Blocker *>(arg);
                  *b->saw = b->ran->wait();
                  b->finished->set();
                },
                &blocker),
            AK_OK);
  gate.set();
  ASSERT_TRUE(finished.wait());
  EXPECT_TRUE(saw_run.load()) << "the continuation waited for the blocked worker";
  EXPECT_EQ(settle(continuation.get()), AK_OK);
}

TEST(Chain, ContinuationHoldsItsOwnReferenceToItsInput) {
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, iv(60), nullptr);
  });
  AddOne a;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &v), AK_OK);
  Value c = chain_add_one(v, &a);
  ASSERT_TRUE(c);
  ak_value_release(v);
  gate.set();
  EXPECT_EQ(get_int(c.get()), 61);
}

// ---- failure propagation -----------------------------------------------------------------------

TEST(Chain, FailedInputFailsTheContinuationWithItsCodeAndNamesTheInput) {
  AddOne a;
  Value p = make_promise();
  ASSERT_TRUE(p);
  Value c = chain_add_one(p.get(), &a);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_fail(p.get(), 7, "division by zero"), AK_OK);
  EXPECT_EQ(settle(c.get()), 7);
  EXPECT_STREQ(ak_value_message(c.get()), "input 0 failed: division by zero");
  EXPECT_EQ(a.runs.load(), 0) << "the continuation ran although its input failed";
}

TEST(Chain, OnAnAlreadyFailedInputFailsTheSameWay) {
  AddOne a;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Work w([](ak_task *t) -> int { return ak_task_fail(t, 12, "bad %s", "input"); });
  Value v = submit(pool.get(), &w);
  ASSERT_EQ(settle(v.get()), 12);
  Value c = chain_add_one(v.get(), &a);
  ASSERT_TRUE(c);
  EXPECT_EQ(settle(c.get()), 12);
  EXPECT_STREQ(ak_value_message(c.get()), "input 0 failed: bad input");
  EXPECT_EQ(a.runs.load(), 0);
}

TEST(Chain, FailureMessageContainsTheInputsMessageVerbatim) {
  AddOne a;
  Value p = make_promise();
  ASSERT_TRUE(p);
  Value c = chain_add_one(p.get(), &a);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_fail(p.get(), 3, "100% %s %d {} {:x} \\n"), AK_OK);
  EXPECT_EQ(settle(c.get()), 3);
  EXPECT_STREQ(ak_value_message(c.get()), "input 0 failed: 100% %s %d {} {:x} \\n");
}

TEST(Chain, FailurePropagatesThroughAChainNamingEachInput) {
  AddOne a;
  Value p = make_promise();
  Value c1 = chain_add_one(p.get(), &a);
  Value c2 = chain_add_one(c1.get(), &a);
  ASSERT_TRUE(c1 && c2);
  ASSERT_EQ(ak_value_fail(p.get(), 5, "root"), AK_OK);
  EXPECT_EQ(settle(c2.get()), 5);
  EXPECT_STREQ(ak_value_message(c2.get()), "input 0 failed: input 0 failed: root");
  EXPECT_EQ(a.runs.load(), 0);
}

TEST(Chain, CancelledInputFailsTheContinuationWithEcanceled) {
  AddOne a;
  Value p = make_promise();
  Value c = chain_add_one(p.get(), &a);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_value_cancel(p.get()), AK_OK);
  EXPECT_EQ(settle(c.get()), AK_ECANCELED);
  EXPECT_TRUE(starts_with(ak_value_message(c.get()), "input 0 failed: "))
      << ak_value_message(c.get());
  EXPECT_EQ(a.runs.load(), 0);
}

TEST(Chain, OnAFailingJoinListFailsWithTheElementsCodeAndItsMessageVerbatim) {
  Value p0 = make_promise(), p1 = make_promise();
  Value j = join({p0.get(), p1.get()});
  std::atomic<int> runs{0};
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain(j.get(), work_count, &runs, &c), AK_OK);
  Value hc(c);
  ASSERT_EQ(ak_value_set(p0.get(), nullptr, nullptr), AK_OK);
  ASSERT_EQ(ak_value_fail(p1.get(), 13, "element trouble"), AK_OK);
  EXPECT_EQ(settle(c), 13);
  std::string m = ak_value_message(c);
  EXPECT_TRUE(starts_with(m, "input ")) << m;
  EXPECT_NE(m.find("failed: "), std::string::npos) << m;
  EXPECT_NE(m.find("element trouble"), std::string::npos) << m;
  EXPECT_EQ(runs.load(), 0);
}

TEST(Chain, CancelledContinuationWaitingForItsInputNeverRuns) {
  AddOne cancelled, witness;
  Value p = make_promise();
  Value c = chain_add_one(p.get(), &cancelled);
  ASSERT_TRUE(c);
  EXPECT_EQ(ak_value_cancel(c.get()), AK_OK);
  EXPECT_EQ(ak_value_status(c.get()), AK_ECANCELED);
  Value w = chain_add_one(p.get(), &witness);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(get_int(w.get()), 2);
  EXPECT_EQ(ak_value_wait(c.get(), 0), AK_OK);
  EXPECT_EQ(ak_value_status(c.get()), AK_ECANCELED);
  EXPECT_EQ(cancelled.runs.load(), 0);
}

// ---- stopped pools ------------------------------------------------------------------------------

TEST(Chain, OnAStoppedPoolFailsWithEshutdownWhenItsInputCompletes) {
  AddOne a;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain_on(pool.get(), p.get(), add_one, &a, &c), AK_OK);
  Value hc(c);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_value_is_set(c), 0) << "a continuation waiting for its input was failed by stop";
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(c), AK_ESHUTDOWN);
  EXPECT_EQ(a.runs.load(), 0);
}

TEST(Chain, OnAPendingTaskValueWhosePoolStopsFirstFailsWithEshutdown) {
  AddOne a;
  std::atomic<int> ran{0};
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p = make_promise();
  ak_value *deps[] = {p.get()};
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do_after(pool.get(), deps, 1, work_count, &ran, &v), AK_OK);
  Value hv(v);
  Value c = chain_add_one(v, &a);
  ASSERT_TRUE(c);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(v), AK_ESHUTDOWN);
  EXPECT_EQ(settle(c.get()), AK_ESHUTDOWN);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(a.runs.load(), 0);
}

// Either refused at the call or failed once the input is there: both are AK_ESHUTDOWN.
void expect_shutdown_outcome(int rc, ak_value *c, ak_value *sentinel, const AddOne &a) {
  if (rc == AK_ESHUTDOWN) {
    EXPECT_EQ(c, sentinel) << "out pointer written on failure";
  } else {
    ASSERT_EQ(rc, AK_OK);
    EXPECT_EQ(settle(c), AK_ESHUTDOWN);
    ak_value_release(c);
  }
  EXPECT_EQ(a.runs.load(), 0);
}

TEST(Chain, OnAPoolStoppedBeforeTheCallIsRefusedOrFailsWithEshutdown) {
  AddOne a;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  Value p = make_promise();
  ASSERT_EQ(ak_value_set(p.get(), iv(1), nullptr), AK_OK);
  ak_value *sentinel = reinterpret_cast<ak_value *>(0x77);
  ak_value *c = sentinel;
  int rc = ak_chain_on(pool.get(), p.get(), add_one, &a, &c);
  expect_shutdown_outcome(rc, c, sentinel, a);
}

TEST(Chain, OnAValueWhosePoolWasDestroyedIsRefusedOrFailsWithEshutdown) {
  AddOne a;
  ak_pool *p = nullptr;
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 1;
  ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(p, work_result_is_arg, iv(3), &v), AK_OK);
  Value hv(v);
  ak_pool_destroy(p);
  EXPECT_EQ(get_int(v), 3) << "value not valid after its pool was destroyed";
  ak_value *sentinel = reinterpret_cast<ak_value *>(0x78);
  ak_value *c = sentinel;
  int rc = ak_chain(v, add_one, &a, &c);
  expect_shutdown_outcome(rc, c, sentinel, a);
}

}  // namespace
