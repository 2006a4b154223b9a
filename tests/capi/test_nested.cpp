// Nested waits: work that waits on values from inside a pool runs other queued work meanwhile, so
// it never deadlocks, even on one worker.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

intptr_t fib_plain(intptr_t n) { return n < 2 ? n : fib_plain(n - 1) + fib_plain(n - 2); }

// fib(n): submits fib(n-1) and fib(n-2) to its own pool and waits for both (nested waits).
int fib_task(ak_task *t, void *arg) {
  intptr_t n = vi(arg);
  if (n < 2) return ak_task_set_result(t, iv(n), nullptr);
  ak_pool *p = ak_task_pool(t);
  ak_value *a = nullptr, *b = nullptr;
  int rc = ak_pool_do(p, fib_task, iv(n - 1), &a);
  if (rc != AK_OK) return ak_task_fail(t, 1, "submit fib(%ld): %d", static_cast<long>(n - 1), rc);
  rc = ak_pool_do(p, fib_task, iv(n - 2), &b);
  if (rc != AK_OK) {
    ak_value_release(a);
    return ak_task_fail(t, 1, "submit fib(%ld): %d", static_cast<long>(n - 2), rc);
  }
  void *ra = nullptr, *rb = nullptr;
  int ga = ak_value_get(a, kBound, &ra);
  int gb = ak_value_get(b, kBound, &rb);
  ak_value_release(a);
  ak_value_release(b);
  if (ga != AK_OK || gb != AK_OK)
    return ak_task_fail(t, 2, "fib(%ld): nested get returned %d / %d", static_cast<long>(n), ga,
                        gb);
  return ak_task_set_result(t, iv(vi(ra) + vi(rb)), nullptr);
}

intptr_t run_fib(ak_pool *p, intptr_t n) {
  ak_value *v = nullptr;
  EXPECT_EQ(ak_pool_do(p, fib_task, iv(n), &v), AK_OK);
  if (v == nullptr) return -1;
  void *r = nullptr;
  int rc = ak_value_get(v, 2 * kBound, &r);
  EXPECT_EQ(rc, AK_OK) << ak_value_message(v);
  ak_value_release(v);
  return rc == AK_OK ? vi(r) : -1;
}

TEST(Nested, RecursiveFib20OnAOneWorkerPoolFinishes) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  EXPECT_EQ(run_fib(pool.get(), 20), 6765);
}

TEST(Nested, RecursiveFibOnTwoWorkersGivesTheRightAnswer) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  EXPECT_EQ(run_fib(pool.get(), 22), fib_plain(22));
}

TEST(Nested, RecursiveFibOnTheDefaultPool) {
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(run_fib(d, 16), fib_plain(16));
}

TEST(Nested, WaitRunsQueuedWorkThatSetsTheAwaitedPromise) {
  // A submits B to its own (one-worker) pool, then waits on a promise only B sets: only A's wait
  // can run B.
  std::atomic<int> wait_rc{1000};
  std::atomic<int> set_rc{1000};
  Value promise = make_promise();
  ASSERT_TRUE(promise);
  Work set_it([&](ak_task *) -> int {
    set_rc = ak_value_set(promise.get(), iv(99), nullptr);
    return AK_OK;
  });
  Work a([&](ak_task *t) -> int {
    ak_value *child = nullptr;
    if (ak_pool_do(ak_task_pool(t), run_work, &set_it, &child) != AK_OK) return 1;
    wait_rc = ak_value_wait(promise.get(), kBound);
    int st = settle(child);
    ak_value_release(child);
    return st;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value va = submit(pool.get(), &a);
  EXPECT_EQ(settle(va.get()), AK_OK);
  EXPECT_EQ(wait_rc.load(), AK_OK) << "the nested wait did not run the queued work";
  EXPECT_EQ(set_rc.load(), AK_OK);
  EXPECT_EQ(get_int(promise.get()), 99);
}

TEST(Nested, WaitRunsWorkQueuedFromOutsideThePool) {
  std::atomic<ak_value *> target{nullptr};
  std::atomic<int> get_rc{1000};
  std::atomic<intptr_t> got{-1};
  Work waiter([&](ak_task *) -> int {
    void *r = nullptr;
    get_rc = ak_value_get(target.load(), kBound, &r);
    got = vi(r);
    return AK_OK;
  });
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  Value w = submit(pool.get(), &waiter);  // queued first
  ak_value *t = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(64), &t), AK_OK);  // queued second
  Value ht(t);
  target = t;
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(settle(w.get()), AK_OK);
  EXPECT_EQ(get_rc.load(), AK_OK);
  EXPECT_EQ(got.load(), 64);
}

int deep_task(ak_task *t, void *arg) {
  intptr_t depth = vi(arg);
  if (depth == 0) return ak_task_set_result(t, iv(0), nullptr);
  ak_value *child = nullptr;
  if (ak_pool_do(ak_task_pool(t), deep_task, iv(depth - 1), &child) != AK_OK) return 1;
  void *r = nullptr;
  int rc = ak_value_get(child, kBound, &r);
  ak_value_release(child);
  if (rc != AK_OK) return ak_task_fail(t, 2, "depth %ld: %d", static_cast<long>(depth), rc);
  return ak_task_set_result(t, iv(vi(r) + 1), nullptr);
}

TEST(Nested, DeepChainOfNestedWaitsOnOneWorkerFinishes) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), deep_task, iv(200), &v), AK_OK);
  Value hv(v);
  EXPECT_EQ(get_int(v), 200) << ak_value_message(v);
}

TEST(Nested, GetWithATimeoutInsideWorkTimesOut) {
  Value never = make_promise();
  ASSERT_TRUE(never);
  std::atomic<int> rc{1000};
  Work w([&](ak_task *) -> int {
    void *r = untouched();
    rc = ak_value_get(never.get(), kAbsent, &r);
    return r == untouched() ? AK_OK : 1;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value v = submit(pool.get(), &w);
  EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(rc.load(), AK_ETIMEDOUT);
  ASSERT_EQ(ak_value_set(never.get(), nullptr, nullptr), AK_OK);
}

TEST(Nested, WaitInsideWorkOnAnotherPoolsValue) {
  Pool pa = make_pool(1), pb = make_pool(1);
  ASSERT_TRUE(pa && pb);
  std::atomic<intptr_t> got{-1};
  Work w([&](ak_task *) -> int {
    ak_value *v = nullptr;
    if (ak_pool_do(pb.get(), fib_task, iv(12), &v) != AK_OK) return 1;
    void *r = nullptr;
    int rc = ak_value_get(v, kBound, &r);
    ak_value_release(v);
    got = vi(r);
    return rc;
  });
  Value v = submit(pa.get(), &w);
  EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(got.load(), fib_plain(12));
}

TEST(Nested, GetForeverInsideWorkRunsTheAwaitedWork) {
  Watchdog wd("ak_value_get(AK_FOREVER) inside work on a one-worker pool");
  std::atomic<int> rc{1000};
  std::atomic<intptr_t> got{-1};
  Work w([&](ak_task *t) -> int {
    ak_value *child = nullptr;
    if (ak_pool_do(ak_task_pool(t), fib_task, iv(10), &child) != AK_OK) return 1;
    void *r = nullptr;
    rc = ak_value_get(child, AK_FOREVER, &r);
    got = vi(r);
    ak_value_release(child);
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value v = submit(pool.get(), &w);
  EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(rc.load(), AK_OK);
  EXPECT_EQ(got.load(), fib_plain(10));
}

}  // namespace
