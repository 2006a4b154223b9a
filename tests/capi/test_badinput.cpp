// Bad input: every NULL handle, NULL out pointer, NULL work function, bad size, bad count and bad
// timeout returns AK_EINVAL, writes no out pointer, runs nothing and leaks nothing.
#include <climits>
#include <cstring>

#include "capi_test_util.hpp"

namespace {

using namespace akt;

ak_value *const kSentinelValue = reinterpret_cast<ak_value *>(0xbad0);
ak_pool *const kSentinelPool = reinterpret_cast<ak_pool *>(0xbad1);

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = make_pool(1);
    ASSERT_TRUE(pool_);
    promise_ = make_promise();
    ASSERT_TRUE(promise_);
  }
  void TearDown() override {
    if (promise_ && !ak_value_is_set(promise_.get())) {
      EXPECT_EQ(ak_value_set(promise_.get(), nullptr, nullptr), AK_OK);
    }
    if (pool_) {
      EXPECT_EQ(ak_pool_stop(pool_.get(), AK_STOP_DRAIN, kBound), AK_OK);
    }
    EXPECT_EQ(ran_.load(), 0) << "work given with bad input ran";
    if (pool_) {
      ak_stats s = stats_of(pool_.get());
      EXPECT_EQ(s.submitted, expected_submitted_) << "bad input was counted as submitted";
    }
  }
  std::atomic<int> ran_{0};
  uint64_t expected_submitted_ = 0;
  Pool pool_;
  Value promise_;
};

// ---- pool ---------------------------------------------------------------------------------------

TEST_F(BadInput, PoolCreateRejectsNullOutAndBadOptions) {
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  EXPECT_EQ(ak_pool_create(&o, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_pool_create(nullptr, nullptr), AK_EINVAL);
  ak_pool *p = kSentinelPool;
  o.size = 0;
  EXPECT_EQ(ak_pool_create(&o, &p), AK_EINVAL);
  o.size = sizeof(ak_pool_options) - 1;
  EXPECT_EQ(ak_pool_create(&o, &p), AK_EINVAL);
  o.size = offsetof(ak_pool_options, name);
  EXPECT_EQ(ak_pool_create(&o, &p), AK_EINVAL);
  o = AK_POOL_OPTIONS_INIT;
  o.workers = AK_WORKERS_MAX + 1;
  EXPECT_EQ(ak_pool_create(&o, &p), AK_EINVAL);
  o.workers = AK_WORKERS_DEFAULT - 1;
  EXPECT_EQ(ak_pool_create(&o, &p), AK_EINVAL);
  EXPECT_EQ(p, kSentinelPool) << "out pointer written on failure";
}

TEST_F(BadInput, PoolDoRejectsNullPoolFnAndOut) {
  ak_value *v = kSentinelValue;
  EXPECT_EQ(ak_pool_do(nullptr, work_count, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(ak_pool_do(pool_.get(), nullptr, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(ak_pool_do(pool_.get(), work_count, &ran_, nullptr), AK_EINVAL);
  EXPECT_EQ(v, kSentinelValue);
}

TEST_F(BadInput, PoolDoAfterRejectsNullPoolFnOutAndBadDeps) {
  ak_value *deps[] = {promise_.get(), nullptr};
  ak_value *v = kSentinelValue;
  EXPECT_EQ(ak_pool_do_after(nullptr, deps, 1, work_count, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(ak_pool_do_after(pool_.get(), deps, 1, nullptr, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(ak_pool_do_after(pool_.get(), deps, 1, work_count, &ran_, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_pool_do_after(pool_.get(), nullptr, 1, work_count, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(ak_pool_do_after(pool_.get(), deps, 2, work_count, &ran_, &v), AK_EINVAL)
      << "a NULL element";
  EXPECT_EQ(v, kSentinelValue);
}

TEST_F(BadInput, PoolDoAfterRejectsMoreThanUint32MaxDeps) {
  if (sizeof(size_t) <= sizeof(uint32_t)) GTEST_SKIP() << "size_t cannot exceed UINT32_MAX";
  // The count is checked before the array is read (a 2^32-element array cannot be made here).
  ak_value *deps[] = {promise_.get()};
  ak_value *v = kSentinelValue;
  size_t n = static_cast<size_t>(UINT32_MAX) + 1;
  EXPECT_EQ(ak_pool_do_after(pool_.get(), deps, n, work_count, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(v, kSentinelValue);
}

TEST_F(BadInput, PoolDoAfterWithANullElementKeepsNoReferenceToTheOtherDeps) {
  FreeTracker tracker;
  void *promise_res = tracker.make(1), *task_res = tracker.make(2);
  Work w([&](ak_task *t) -> int { return ak_task_set_result(t, task_res, FreeTracker::free_fn); });
  ak_value *dep = nullptr;
  ASSERT_EQ(ak_pool_do(pool_.get(), run_work, &w, &dep), AK_OK);
  expected_submitted_ = 1;
  ASSERT_EQ(settle(dep), AK_OK);
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ASSERT_EQ(ak_value_set(p, promise_res, FreeTracker::free_fn), AK_OK);
  ak_value *deps[] = {p, dep, nullptr};
  ak_value *v = kSentinelValue;
  EXPECT_EQ(ak_pool_do_after(pool_.get(), deps, 3, work_count, &ran_, &v), AK_EINVAL);
  EXPECT_EQ(v, kSentinelValue);
  ak_value_release(p);
  EXPECT_EQ(FreeTracker::frees_of(promise_res), 1) << "the refused call kept a reference";
  ak_value_release(dep);
  EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(task_res) == 1; }))
      << "the refused call kept a reference to a task input";
}

TEST_F(BadInput, ResizeRejectsNullPoolAndTooManyWorkersAndChangesNothing) {
  EXPECT_EQ(ak_pool_resize(nullptr, 1), AK_EINVAL);
  EXPECT_EQ(ak_pool_resize(pool_.get(), AK_WORKERS_MAX + 1), AK_EINVAL);
  EXPECT_EQ(ak_pool_workers(pool_.get()), 1u);
  EXPECT_EQ(ak_pool_workers(nullptr), 0u);
}

TEST_F(BadInput, StatsRejectsNullArgumentsAndTooSmallSizeWithoutWriting) {
  ak_stats s;
  std::memset(&s, 0xAB, sizeof s);
  s.size = sizeof(ak_stats);
  EXPECT_EQ(ak_pool_stats(nullptr, &s), AK_EINVAL);
  EXPECT_EQ(ak_pool_stats(pool_.get(), nullptr), AK_EINVAL);
  ak_stats before;
  for (size_t bad : {size_t{0}, sizeof(ak_stats) - 1, offsetof(ak_stats, workers)}) {
    std::memset(&s, 0xAB, sizeof s);
    s.size = bad;
    std::memcpy(&before, &s, sizeof s);
    EXPECT_EQ(ak_pool_stats(pool_.get(), &s), AK_EINVAL) << "size " << bad;
    EXPECT_EQ(std::memcmp(&before, &s, sizeof s), 0) << "stats written on failure, size " << bad;
  }
}

TEST_F(BadInput, StopRejectsNullDefaultPoolUnknownHowAndBadTimeoutAndDoesNotStop) {
  EXPECT_EQ(ak_pool_stop(nullptr, AK_STOP_DRAIN, kBound), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(ak_pool_default(), AK_STOP_DRAIN, kBound), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(pool_.get(), 2, kBound), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(pool_.get(), -1, kBound), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(pool_.get(), AK_STOP_DRAIN, -2), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(pool_.get(), AK_STOP_CANCEL, INT64_MIN), AK_EINVAL);
  // The pool still takes work.
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool_.get(), work_ok, nullptr, &v), AK_OK);
  expected_submitted_ = 1;
  EXPECT_EQ(settle(v), AK_OK);
  ak_value_release(v);
}

TEST_F(BadInput, DestroyIgnoresNull) { ak_pool_destroy(nullptr); }

// ---- task ---------------------------------------------------------------------------------------

TEST_F(BadInput, TaskFunctionsRejectNullTask) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  EXPECT_EQ(ak_task_set_result(nullptr, res, FreeTracker::free_fn), AK_EINVAL);
  EXPECT_EQ(FreeTracker::frees_of(res), 0) << "the result must stay the caller's";
  EXPECT_EQ(ak_task_fail(nullptr, 5, "x %d", 1), AK_EINVAL);
  EXPECT_EQ(ak_task_input(nullptr, 0), nullptr);
  EXPECT_EQ(ak_task_input_count(nullptr), 0u);
  EXPECT_EQ(ak_task_cancelled(nullptr), 0);
  EXPECT_EQ(ak_task_pool(nullptr), nullptr);
}

// ---- value --------------------------------------------------------------------------------------

TEST_F(BadInput, GetRejectsNullValueNullResultAndBadTimeout) {
  void *r = untouched();
  EXPECT_EQ(ak_value_get(nullptr, 0, &r), AK_EINVAL);
  EXPECT_EQ(ak_value_get(promise_.get(), 0, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_value_get(promise_.get(), -2, &r), AK_EINVAL);
  EXPECT_EQ(ak_value_get(promise_.get(), INT64_MIN, &r), AK_EINVAL);
  EXPECT_EQ(r, untouched());
  ASSERT_EQ(ak_value_set(promise_.get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(ak_value_get(promise_.get(), -2, &r), AK_EINVAL) << "also on a set value";
  EXPECT_EQ(ak_value_get(promise_.get(), 0, nullptr), AK_EINVAL);
  EXPECT_EQ(r, untouched());
}

TEST_F(BadInput, WaitRejectsNullValueAndBadTimeout) {
  EXPECT_EQ(ak_value_wait(nullptr, 0), AK_EINVAL);
  EXPECT_EQ(ak_value_wait(nullptr, AK_FOREVER), AK_EINVAL);
  EXPECT_EQ(ak_value_wait(promise_.get(), -2), AK_EINVAL);
  EXPECT_EQ(ak_value_wait(promise_.get(), INT64_MIN), AK_EINVAL);
}

TEST_F(BadInput, ReadersAnswerNullWithoutCrashing) {
  EXPECT_EQ(ak_value_status(nullptr), AK_EINVAL);
  EXPECT_EQ(ak_value_is_set(nullptr), 0);
  EXPECT_EQ(ak_value_is_error(nullptr), 0);
  ASSERT_NE(ak_value_message(nullptr), nullptr);
  EXPECT_STREQ(ak_value_message(nullptr), "");
  ak_value_retain(nullptr);
  ak_value_release(nullptr);
}

void never_called(ak_value *, void *arg) { static_cast<std::atomic<int> *>(arg)->fetch_add(1); }

TEST_F(BadInput, OnDoneRejectsNullValueAndNullFn) {
  EXPECT_EQ(ak_value_on_done(nullptr, never_called, &ran_), AK_EINVAL);
  EXPECT_EQ(ak_value_on_done(promise_.get(), nullptr, &ran_), AK_EINVAL);
  ASSERT_EQ(ak_value_set(promise_.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(ak_value_on_done(promise_.get(), nullptr, &ran_), AK_EINVAL);
}

TEST_F(BadInput, CancelRejectsNull) { EXPECT_EQ(ak_value_cancel(nullptr), AK_EINVAL); }

TEST_F(BadInput, NewRejectsNullOut) { EXPECT_EQ(ak_value_new(nullptr), AK_EINVAL); }

TEST_F(BadInput, SetAndFailRejectNullValueAndLeaveTheResultToTheCaller) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  EXPECT_EQ(ak_value_set(nullptr, res, FreeTracker::free_fn), AK_EINVAL);
  EXPECT_EQ(ak_value_fail(nullptr, 3, "x"), AK_EINVAL);
  EXPECT_EQ(FreeTracker::frees_of(res), 0);
}

// ---- lists and chains ---------------------------------------------------------------------------

TEST_F(BadInput, JoinAndAnyRejectNullOutNullArrayNullElementAndTooManyElements) {
  ak_value *vals[] = {promise_.get(), nullptr};
  ak_value *out = kSentinelValue;
  EXPECT_EQ(ak_list_join(vals, 1, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_list_join(nullptr, 1, &out), AK_EINVAL);
  EXPECT_EQ(ak_list_join(vals, 2, &out), AK_EINVAL);
  EXPECT_EQ(ak_list_any(vals, 1, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_list_any(nullptr, 1, &out), AK_EINVAL);
  EXPECT_EQ(ak_list_any(vals, 2, &out), AK_EINVAL);
  EXPECT_EQ(ak_list_any(vals, 0, &out), AK_EINVAL) << "an empty any-list";
  EXPECT_EQ(ak_list_any(nullptr, 0, &out), AK_EINVAL);
  if (sizeof(size_t) > sizeof(uint32_t)) {
    size_t n = static_cast<size_t>(UINT32_MAX) + 1;
    EXPECT_EQ(ak_list_join(vals, n, &out), AK_EINVAL);
    EXPECT_EQ(ak_list_any(vals, n, &out), AK_EINVAL);
  }
  EXPECT_EQ(out, kSentinelValue);
  EXPECT_EQ(ak_list_join(nullptr, 0, nullptr), AK_EINVAL);
}

TEST_F(BadInput, RefusedListKeepsNoReferenceToItsElements) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  ak_value *p = nullptr;
  ASSERT_EQ(ak_value_new(&p), AK_OK);
  ASSERT_EQ(ak_value_set(p, res, FreeTracker::free_fn), AK_OK);
  ak_value *vals[] = {p, nullptr};
  ak_value *out = kSentinelValue;
  EXPECT_EQ(ak_list_join(vals, 2, &out), AK_EINVAL);
  EXPECT_EQ(ak_list_any(vals, 2, &out), AK_EINVAL);
  ak_value_release(p);
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST_F(BadInput, ListReadersAnswerNullWithoutCrashing) {
  EXPECT_EQ(ak_list_size(nullptr), 0u);
  EXPECT_EQ(ak_list_at(nullptr, 0), nullptr);
  size_t idx = 77;
  EXPECT_EQ(ak_list_any_index(nullptr, &idx), AK_EINVAL);
  EXPECT_EQ(idx, 77u);
  ak_value *vals[] = {promise_.get()};
  ak_value *a = nullptr;
  ASSERT_EQ(ak_list_any(vals, 1, &a), AK_OK);
  EXPECT_EQ(ak_list_any_index(a, nullptr), AK_EINVAL);
  ak_value_release(a);
}

TEST_F(BadInput, ChainRejectsNullPrevFnOutAndPool) {
  ak_value *out = kSentinelValue;
  EXPECT_EQ(ak_chain(nullptr, work_count, &ran_, &out), AK_EINVAL);
  EXPECT_EQ(ak_chain(promise_.get(), nullptr, &ran_, &out), AK_EINVAL);
  EXPECT_EQ(ak_chain(promise_.get(), work_count, &ran_, nullptr), AK_EINVAL);
  EXPECT_EQ(ak_chain_on(nullptr, promise_.get(), work_count, &ran_, &out), AK_EINVAL);
  EXPECT_EQ(ak_chain_on(pool_.get(), nullptr, work_count, &ran_, &out), AK_EINVAL);
  EXPECT_EQ(ak_chain_on(pool_.get(), promise_.get(), nullptr, &ran_, &out), AK_EINVAL);
  EXPECT_EQ(ak_chain_on(pool_.get(), promise_.get(), work_count, &ran_, nullptr), AK_EINVAL);
  EXPECT_EQ(out, kSentinelValue);
  // Setting the promise must not run anything a refused call registered.
  ASSERT_EQ(ak_value_set(promise_.get(), nullptr, nullptr), AK_OK);
  ak_value *witness = nullptr;
  std::atomic<int> witness_ran{0};
  ASSERT_EQ(ak_chain_on(pool_.get(), promise_.get(), work_count, &witness_ran, &witness), AK_OK);
  expected_submitted_ = 1;
  EXPECT_EQ(settle(witness), AK_OK);
  ak_value_release(witness);
}

}  // namespace
