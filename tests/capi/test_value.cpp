// Values: get, wait, status, is_set, is_error, message, on_done, cancel, retain, release, and
// promises (new, set, fail, abandoned).
#include <cstring>
#include <stdexcept>

#include "capi_test_util.hpp"

namespace {

using namespace akt;

void *const kUntouched = reinterpret_cast<void *>(0x5eed);

// ---- promises: set / fail / read ----------------------------------------------------------------

TEST(Promise, NewPromiseIsPending) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  EXPECT_EQ(ak_value_status(v.get()), AK_EPENDING);
  EXPECT_EQ(ak_value_is_set(v.get()), 0);
  EXPECT_EQ(ak_value_is_error(v.get()), 0);
  EXPECT_STREQ(ak_value_message(v.get()), "");
  void *r = kUntouched;
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), AK_ETIMEDOUT);
  EXPECT_EQ(r, kUntouched);
  EXPECT_EQ(ak_value_wait(v.get(), 0), AK_ETIMEDOUT);
}

TEST(Promise, GetWithATimeoutOnAPendingValueTimesOutAndLeavesTheResultUntouched) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  void *r = kUntouched;
  EXPECT_EQ(ak_value_get(v.get(), kAbsent, &r), AK_ETIMEDOUT);
  EXPECT_EQ(r, kUntouched);
  EXPECT_EQ(ak_value_wait(v.get(), kAbsent), AK_ETIMEDOUT);
  EXPECT_EQ(ak_value_is_set(v.get()), 0);
}

TEST(Promise, SetDeliversItsResult) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(v.get(), iv(5), nullptr), AK_OK);
  void *r = nullptr;
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), AK_OK);
  EXPECT_EQ(vi(r), 5);
  EXPECT_EQ(ak_value_get(v.get(), AK_FOREVER, &r), AK_OK);
  EXPECT_EQ(vi(r), 5);
  EXPECT_EQ(ak_value_wait(v.get(), 0), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), AK_OK);
  EXPECT_EQ(ak_value_is_set(v.get()), 1);
  EXPECT_EQ(ak_value_is_error(v.get()), 0);
  EXPECT_STREQ(ak_value_message(v.get()), "");
}

TEST(Promise, SetWithANullResultIsASuccessfulValue) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_set(v.get(), nullptr, nullptr), AK_OK);
  void *r = kUntouched;
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), AK_OK);
  EXPECT_EQ(r, nullptr);
  EXPECT_EQ(ak_value_status(v.get()), AK_OK);
}

TEST(Promise, SecondSetReturnsEstateAndLeavesThatResultToTheCaller) {
  FreeTracker tracker;
  void *first = tracker.make(1), *second = tracker.make(2);
  {
    Value v = make_promise();
    ASSERT_TRUE(v);
    ASSERT_EQ(ak_value_set(v.get(), first, FreeTracker::free_fn), AK_OK);
    EXPECT_EQ(ak_value_set(v.get(), second, FreeTracker::free_fn), AK_ESTATE);
    EXPECT_EQ(FreeTracker::frees_of(second), 0);
    void *r = nullptr;
    ASSERT_EQ(ak_value_get(v.get(), 0, &r), AK_OK);
    EXPECT_EQ(r, first);
  }
  EXPECT_EQ(FreeTracker::frees_of(first), 1);
  EXPECT_EQ(FreeTracker::frees_of(second), 0) << "a refused result was freed by the library";
}

TEST(Promise, FailAfterSetAndSetAfterFailReturnEstateAndChangeNothing) {
  Value a = make_promise(), b = make_promise();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(ak_value_set(a.get(), iv(3), nullptr), AK_OK);
  EXPECT_EQ(ak_value_fail(a.get(), 9, "late"), AK_ESTATE);
  EXPECT_EQ(ak_value_status(a.get()), AK_OK);
  EXPECT_STREQ(ak_value_message(a.get()), "");

  ASSERT_EQ(ak_value_fail(b.get(), 9, "first"), AK_OK);
  EXPECT_EQ(ak_value_set(b.get(), iv(3), nullptr), AK_ESTATE);
  EXPECT_EQ(ak_value_fail(b.get(), 10, "second"), AK_ESTATE);
  EXPECT_EQ(ak_value_status(b.get()), 9);
  EXPECT_STREQ(ak_value_message(b.get()), "first");
}

TEST(Promise, FailCarriesItsCodeAndACopyOfTheMessage) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  char msg[] = "disk on fire";
  ASSERT_EQ(ak_value_fail(v.get(), 42, msg), AK_OK);
  std::memset(msg, 'x', sizeof msg - 1);
  EXPECT_EQ(ak_value_status(v.get()), 42);
  EXPECT_EQ(ak_value_is_set(v.get()), 1);
  EXPECT_EQ(ak_value_is_error(v.get()), 1);
  EXPECT_STREQ(ak_value_message(v.get()), "disk on fire");
  void *r = kUntouched;
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), 42);
  EXPECT_EQ(r, kUntouched) << "out pointer written on failure";
  EXPECT_EQ(ak_value_wait(v.get(), 0), AK_OK) << "wait must report a failed value as set";
}

TEST(Promise, FailWithCodeZeroBecomesEwork) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), 0, "zero"), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), AK_EWORK);
  EXPECT_STREQ(ak_value_message(v.get()), "zero");
}

TEST(Promise, FailWithoutAMessageGetsAMessageNamingTheCode) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), 4242, nullptr), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), 4242);
  std::string m = ak_value_message(v.get());
  EXPECT_NE(m.find("4242"), std::string::npos) << "message: '" << m << "'";
}

TEST(Promise, FailMayUseALibraryCode) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), AK_ENOMEM, "no room"), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), AK_ENOMEM);
  EXPECT_EQ(ak_value_is_error(v.get()), 1);
}

TEST(Promise, AWorkCodeEqualToEtimedoutIsToldApartWithIsSet) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), AK_ETIMEDOUT, "work timed out"), AK_OK);
  void *r = kUntouched;
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), AK_ETIMEDOUT);
  EXPECT_EQ(ak_value_is_set(v.get()), 1);
  EXPECT_EQ(r, kUntouched);
}

TEST(Promise, GetWaitsForASetFromAnotherThread) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  std::thread setter([&] { EXPECT_EQ(ak_value_set(v.get(), iv(77), nullptr), AK_OK); });
  EXPECT_EQ(get_int(v.get()), 77);
  setter.join();
}

TEST(Promise, GetForeverWaitsForASetFromAnotherThread) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  Watchdog wd("ak_value_get(AK_FOREVER) on a promise set by another thread");
  Event go;
  std::thread setter([&] {
    go.wait();
    EXPECT_EQ(ak_value_set(v.get(), iv(78), nullptr), AK_OK);
  });
  go.set();
  void *r = nullptr;
  EXPECT_EQ(ak_value_get(v.get(), AK_FOREVER, &r), AK_OK);
  EXPECT_EQ(vi(r), 78);
  EXPECT_EQ(ak_value_wait(v.get(), AK_FOREVER), AK_OK);
  setter.join();
}

TEST(Promise, WaitReturnsOkOnceAFailFromAnotherThreadArrives) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  std::thread failer([&] { EXPECT_EQ(ak_value_fail(v.get(), 3, "bad"), AK_OK); });
  EXPECT_EQ(ak_value_wait(v.get(), kBound), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), 3);
  failer.join();
}

TEST(Promise, ManyWaitersAllWakeOnOneSet) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  std::atomic<int> woke{0};
  std::vector<std::thread> ws;
  for (int i = 0; i < 8; ++i)
    ws.emplace_back([&] {
      void *r = nullptr;
      if (ak_value_get(v.get(), kBound, &r) == AK_OK && vi(r) == 6) woke++;
    });
  ASSERT_EQ(ak_value_set(v.get(), iv(6), nullptr), AK_OK);
  for (auto &t : ws) t.join();
  EXPECT_EQ(woke.load(), 8);
}

TEST(Promise, MessageStaysValidWhileTheValueIsHeld) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), 5, "kept message"), AK_OK);
  const char *m = ak_value_message(v.get());
  ak_value_retain(v.get());
  ak_value_release(v.get());
  EXPECT_EQ(ak_value_status(v.get()), 5);
  (void)ak_value_message(v.get());
  EXPECT_STREQ(m, "kept message");
}

TEST(Promise, SetAndFailOnATaskValueReturnEstateAndLeaveTheResultToTheCaller) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  std::atomic<int> ran{0};
  {
    Pool pool = make_pool(0);
    ASSERT_TRUE(pool);
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    Value hold(v);
    EXPECT_EQ(ak_value_set(v, res, FreeTracker::free_fn), AK_ESTATE);
    EXPECT_EQ(ak_value_fail(v, 3, "no"), AK_ESTATE);
    EXPECT_EQ(ak_value_status(v), AK_EPENDING);
    ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
    EXPECT_EQ(settle(v), AK_OK);
    EXPECT_EQ(ak_value_set(v, res, FreeTracker::free_fn), AK_ESTATE);
  }
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(FreeTracker::frees_of(res), 0);
}

TEST(Promise, SetAndFailOnAListReturnEstate) {
  Value p = make_promise();
  ASSERT_TRUE(p);
  Value j = join({p.get()});
  Value a = any({p.get()});
  ASSERT_TRUE(j && a);
  EXPECT_EQ(ak_value_set(j.get(), iv(1), nullptr), AK_ESTATE);
  EXPECT_EQ(ak_value_fail(j.get(), 3, "no"), AK_ESTATE);
  EXPECT_EQ(ak_value_set(a.get(), iv(1), nullptr), AK_ESTATE);
  EXPECT_EQ(ak_value_fail(a.get(), 3, "no"), AK_ESTATE);
  EXPECT_EQ(ak_value_status(j.get()), AK_EPENDING);
  EXPECT_EQ(ak_value_status(a.get()), AK_EPENDING);
  ASSERT_EQ(ak_value_set(p.get(), iv(8), nullptr), AK_OK);
}

// ---- task values --------------------------------------------------------------------------------

TEST(Value, TaskValueReportsSuccessAndItsResult) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(31), &v), AK_OK);
  Value hold(v);
  EXPECT_EQ(get_int(v), 31);
  EXPECT_EQ(ak_value_status(v), AK_OK);
  EXPECT_EQ(ak_value_is_set(v), 1);
  EXPECT_EQ(ak_value_is_error(v), 0);
  EXPECT_STREQ(ak_value_message(v), "");
}

TEST(Value, ReleasingAPendingTaskValueStillRunsTheWork) {
  Event ran;
  Work w([&](ak_task *) -> int {
    ran.set();
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &v), AK_OK);
  ak_value_release(v);
  EXPECT_TRUE(ran.wait()) << "work whose value was released never ran";
}

TEST(Value, RetainedValueSurvivesOneRelease) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_value_new(&v), AK_OK);
  ASSERT_EQ(ak_value_set(v, res, FreeTracker::free_fn), AK_OK);
  ak_value_retain(v);
  ak_value_release(v);
  EXPECT_EQ(FreeTracker::frees_of(res), 0);
  void *r = nullptr;
  EXPECT_EQ(ak_value_get(v, 0, &r), AK_OK);
  EXPECT_EQ(r, res);
  ak_value_release(v);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

// ---- on_done ------------------------------------------------------------------------------------

struct DoneRecord {
  std::atomic<int> calls{0};
  std::atomic<ak_value *> seen{nullptr};
  std::atomic<int> status_seen{1000};
  std::thread::id thread;
  std::string message;
};

void record_done(ak_value *v, void *arg) {
  auto *d = static_cast<DoneRecord *>(arg);
  d->thread = std::this_thread::get_id();
  d->seen = v;
  d->status_seen = ak_value_status(v);
  d->message = ak_value_message(v);
  d->calls++;
}

TEST(OnDone, OnAPendingPromiseRunsOnceOnTheSettingThreadBeforeSetReturns) {
  DoneRecord d;
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_on_done(v.get(), record_done, &d), AK_OK);
  EXPECT_EQ(d.calls.load(), 0) << "callback ran before the value was set";
  std::thread::id setter_id;
  int calls_when_set_returned = -1;
  std::thread setter([&] {
    setter_id = std::this_thread::get_id();
    EXPECT_EQ(ak_value_set(v.get(), iv(1), nullptr), AK_OK);
    calls_when_set_returned = d.calls.load();
  });
  setter.join();
  EXPECT_EQ(calls_when_set_returned, 1);
  EXPECT_EQ(d.calls.load(), 1);
  EXPECT_EQ(d.thread, setter_id);
  EXPECT_EQ(d.seen.load(), v.get());
  EXPECT_EQ(d.status_seen.load(), AK_OK);
}

TEST(OnDone, OnASetValueRunsAtOnceOnTheCallingThread) {
  DoneRecord d;
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_fail(v.get(), 12, "done already"), AK_OK);
  ASSERT_EQ(ak_value_on_done(v.get(), record_done, &d), AK_OK);
  EXPECT_EQ(d.calls.load(), 1);
  EXPECT_EQ(d.thread, std::this_thread::get_id());
  EXPECT_EQ(d.seen.load(), v.get());
  EXPECT_EQ(d.status_seen.load(), 12);
  EXPECT_EQ(d.message, "done already");
}

TEST(OnDone, SeveralCallbacksEachRunOnce) {
  DoneRecord d[4];
  Value v = make_promise();
  ASSERT_TRUE(v);
  for (auto &r : d) ASSERT_EQ(ak_value_on_done(v.get(), record_done, &r), AK_OK);
  ASSERT_EQ(ak_value_set(v.get(), nullptr, nullptr), AK_OK);
  DoneRecord late;
  ASSERT_EQ(ak_value_on_done(v.get(), record_done, &late), AK_OK);
  for (auto &r : d) EXPECT_EQ(r.calls.load(), 1);
  EXPECT_EQ(late.calls.load(), 1);
}

TEST(OnDone, ForATaskValueRunsOnTheWorkerThatSetsIt) {
  Event gate;
  Work w([&](ak_task *) -> int {
    gate.wait();
    return 17;
  });
  DoneRecord d;
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value v = submit(pool.get(), &w);
  ASSERT_EQ(ak_value_on_done(v.get(), record_done, &d), AK_OK);
  gate.set();
  EXPECT_EQ(settle(v.get()), 17);
  ASSERT_TRUE(eventually([&] { return d.calls.load() == 1; }));
  EXPECT_NE(d.thread, std::this_thread::get_id());
  EXPECT_EQ(d.status_seen.load(), 17);
  EXPECT_EQ(d.calls.load(), 1);
}

struct Reentrant {
  DoneRecord inner;
  std::atomic<int> status_in_callback{1000};
};
void reentrant_done(ak_value *v, void *arg) {
  auto *r = static_cast<Reentrant *>(arg);
  r->status_in_callback = ak_value_status(v);
  ak_value_retain(v);
  EXPECT_EQ(ak_value_on_done(v, record_done, &r->inner), AK_OK);
  void *res = nullptr;
  EXPECT_EQ(ak_value_get(v, 0, &res), AK_OK);
  ak_value_release(v);
}

TEST(OnDone, CallbackMayCallTheLibraryOnItsOwnValue) {
  Reentrant r;
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_on_done(v.get(), reentrant_done, &r), AK_OK);
  Watchdog wd("done-callback calling the library on its own value");
  std::thread setter([&] { EXPECT_EQ(ak_value_set(v.get(), iv(2), nullptr), AK_OK); });
  setter.join();
  EXPECT_EQ(r.status_in_callback.load(), AK_OK);
  EXPECT_EQ(r.inner.calls.load(), 1);
}

void throwing_done(ak_value *, void *) { throw std::runtime_error("callback threw"); }

TEST(OnDone, CallbackThatThrowsIsCaughtAndLaterCallbacksStillRun) {
  DoneRecord after;
  Value v = make_promise();
  ASSERT_TRUE(v);
  ASSERT_EQ(ak_value_on_done(v.get(), throwing_done, nullptr), AK_OK);
  ASSERT_EQ(ak_value_on_done(v.get(), record_done, &after), AK_OK);
  EXPECT_EQ(ak_value_set(v.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(after.calls.load(), 1);
  EXPECT_EQ(ak_value_status(v.get()), AK_OK);
  // Already set: runs at once; the throw must not escape ak_value_on_done either.
  EXPECT_EQ(ak_value_on_done(v.get(), throwing_done, nullptr), AK_OK);
}

struct ReleasingDone {
  std::atomic<int> calls{0};
  ak_value *to_release = nullptr;
};
void release_in_callback(ak_value *v, void *arg) {
  auto *r = static_cast<ReleasingDone *>(arg);
  EXPECT_EQ(v, r->to_release);
  ak_value_release(r->to_release);  // the caller's last reference
  EXPECT_EQ(ak_value_status(v), AK_OK) << "v must stay valid for the whole call";
  r->calls++;
}

TEST(OnDone, CallbackMayReleaseTheLastCallerReference) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, res, FreeTracker::free_fn);
  });
  ReleasingDone r;
  {
    Pool pool = make_pool(1);
    ASSERT_TRUE(pool);
    OpenOnExit open{&gate};
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &v), AK_OK);
    r.to_release = v;  // the callback now owns the only caller reference
    ASSERT_EQ(ak_value_on_done(v, release_in_callback, &r), AK_OK);
    gate.set();
    EXPECT_TRUE(eventually([&] { return r.calls.load() == 1; }));
    EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }))
        << "the value was not freed after its callback released the last reference";
  }
  EXPECT_EQ(r.calls.load(), 1);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

// ---- cancel -------------------------------------------------------------------------------------

TEST(Cancel, PendingPromiseFailsWithEcanceledAndCannotBeSetAfterwards) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  EXPECT_EQ(ak_value_cancel(v.get()), AK_OK);
  EXPECT_EQ(ak_value_status(v.get()), AK_ECANCELED);
  EXPECT_EQ(ak_value_is_error(v.get()), 1);
  EXPECT_EQ(ak_value_set(v.get(), iv(1), nullptr), AK_ESTATE);
  EXPECT_EQ(ak_value_cancel(v.get()), AK_ESTATE) << "second cancel of a set value";
}

TEST(Cancel, SetValueReturnsEstateAndIsUnchanged) {
  Value ok = make_promise(), bad = make_promise();
  ASSERT_TRUE(ok && bad);
  ASSERT_EQ(ak_value_set(ok.get(), iv(4), nullptr), AK_OK);
  ASSERT_EQ(ak_value_fail(bad.get(), 8, "eight"), AK_OK);
  EXPECT_EQ(ak_value_cancel(ok.get()), AK_ESTATE);
  EXPECT_EQ(ak_value_cancel(bad.get()), AK_ESTATE);
  EXPECT_EQ(ak_value_status(ok.get()), AK_OK);
  EXPECT_EQ(ak_value_status(bad.get()), 8);
  EXPECT_STREQ(ak_value_message(bad.get()), "eight");
}

TEST(Cancel, WakesAWaiterWithEcanceled) {
  Value v = make_promise();
  ASSERT_TRUE(v);
  std::atomic<int> got{1000};
  Event waiting;
  std::thread waiter([&] {
    waiting.set();
    void *r = nullptr;
    got = ak_value_get(v.get(), kBound, &r);
  });
  waiting.wait();
  EXPECT_EQ(ak_value_cancel(v.get()), AK_OK);
  waiter.join();
  EXPECT_EQ(got.load(), AK_ECANCELED);
}

TEST(Cancel, QueuedTaskNeverRunsAndFailsWithEcanceled) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  ak_value *c = nullptr, *other = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &c), AK_OK);
  Value hc(c);
  EXPECT_EQ(ak_value_cancel(c), AK_OK);
  EXPECT_EQ(ak_value_status(c), AK_ECANCELED);
  EXPECT_EQ(ak_value_cancel(c), AK_ESTATE);
  ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &other), AK_OK);
  Value ho(other);
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(settle(other), AK_OK);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ran.load(), 1) << "a cancelled task ran";
  EXPECT_EQ(ak_value_status(c), AK_ECANCELED);
}

TEST(Cancel, RunningTaskSeesTheFlagAndCancelReturnsEstate) {
  Event started;
  std::atomic<int> flag_before{-1};
  Work w([&](ak_task *t) -> int {
    flag_before = ak_task_cancelled(t);
    started.set();
    auto deadline = std::chrono::steady_clock::now() + kBoundChrono;
    while (!ak_task_cancelled(t)) {
      if (std::chrono::steady_clock::now() > deadline) return 99;
      std::this_thread::sleep_for(std::chrono::microseconds(100));  // run long
    }
    return AK_ECANCELED;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value v = submit(pool.get(), &w);
  ASSERT_TRUE(started.wait());
  EXPECT_EQ(ak_value_cancel(v.get()), AK_ESTATE);
  EXPECT_EQ(settle(v.get()), AK_ECANCELED) << "running work never saw ak_task_cancelled";
  EXPECT_EQ(flag_before.load(), 0);
}

// ---- abandoned promises -------------------------------------------------------------------------

TEST(AbandonedPromise, FailsAContinuationWithEcanceled) {
  std::atomic<int> ran{0};
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain(p, work_count, &ran, &c), AK_OK);
  Value hc(c);
  ak_value_release(p);  // the last caller reference; the chain's own reference remains
  EXPECT_EQ(settle(c), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0);
  std::string m = ak_value_message(c);
  EXPECT_NE(m.find("abandoned promise"), std::string::npos) << m;
}

TEST(AbandonedPromise, FailsAJoinAndDataflowWorkHoldingIt) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  Value j = join({p});
  ak_value *d = nullptr;
  ASSERT_EQ(ak_pool_do_after(pool.get(), &p, 1, work_count, &ran, &d), AK_OK);
  Value hd(d);
  ak_value_release(p);
  EXPECT_EQ(settle(j.get()), AK_ECANCELED);
  EXPECT_EQ(settle(d), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0);
}

TEST(AbandonedPromise, RunsItsDoneCallbacksWithEcanceled) {
  DoneRecord d;
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ASSERT_EQ(ak_value_on_done(p, record_done, &d), AK_OK);
  ak_value_release(p);
  EXPECT_EQ(d.calls.load(), 1);
  EXPECT_EQ(d.status_seen.load(), AK_ECANCELED);
}

TEST(AbandonedPromise, IsNotAbandonedWhileAnotherCallerReferenceIsHeld) {
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ak_value_retain(p);
  ak_value_release(p);
  EXPECT_EQ(ak_value_status(p), AK_EPENDING);
  EXPECT_EQ(ak_value_set(p, iv(1), nullptr), AK_OK);
  ak_value_release(p);
}

TEST(AbandonedPromise, ASetPromiseIsNotChangedByItsRelease) {
  std::atomic<int> ran{0};
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ASSERT_EQ(ak_value_set(p, iv(21), nullptr), AK_OK);
  ak_value *c = nullptr;
  ASSERT_EQ(ak_chain(p, work_count, &ran, &c), AK_OK);
  Value hc(c);
  ak_value_release(p);
  EXPECT_EQ(settle(c), AK_OK);
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
