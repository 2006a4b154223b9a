// Faults the C API suite does not cover yet, one test per row of docs/faults.md that needed one.
// Includes only the public header and links only the shared library, like tests/capi.
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <stdexcept>

#include "../capi/capi_test_util.hpp"

namespace {

using namespace akt;

// ---- fork ---------------------------------------------------------------------------------------
// Spins for a while so that workers are busy when the parent forks.
int work_spin(ak_task *, void *arg) {
  auto *ran = static_cast<std::atomic<int> *>(arg);
  volatile uint64_t x = 0;
  for (int i = 0; i < 20000; ++i) x = x + static_cast<uint64_t>(i);
  ran->fetch_add(1);
  return AK_OK;
}

TEST(Fork,
     ForkWhileWorkersRunLeavesTheParentsPoolWorkingAndTheChildMayUseTheStatelessCallsAndExec) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  constexpr int kTasks = 2000;
  std::vector<Value> values;
  values.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_spin, &ran, &v), AK_OK);
    values.emplace_back(v);
  }
  // Fork while the workers are (very likely) in the middle of the work above.
  const pid_t pid = fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    // The child has only this thread; the pool's workers and locks are not usable here (see
    // docs/faults.md). The calls that touch no state are.
    const bool ok = std::strcmp(ak_version(), AK_VERSION_STRING) == 0 &&
                    std::strcmp(ak_strerror(AK_ENOMEM), "out of memory") == 0 &&
                    ak_version_number() == AK_VERSION_NUMBER;
    // Then it does what a forked child should do next: exec. (Leaving with _exit would also do;
    // exec keeps valgrind's leak check, which would see the parent's pool without its threads,
    // out of the child.)
    if (ok) execl("/bin/true", "true", static_cast<char *>(nullptr));
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  // The parent's pool is untouched: all the work runs, new work runs, it stops and goes.
  for (auto &v : values) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(ran.load(), kTasks);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_spin, &ran, &v), AK_OK);
  Value after(v);
  EXPECT_EQ(settle(after.get()), AK_OK);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
}

// ---- timeouts -----------------------------------------------------------------------------------
TEST(Timeouts, HugeTimeoutsSaturateInsteadOfOverflowing) {
  Value p = make_promise();
  ASSERT_TRUE(p);
  Watchdog dog("huge timeouts");
  std::thread setter([&] {
    // Set it from another thread once the main thread waits (or before: both are fine).
    EXPECT_EQ(ak_value_set(p.get(), iv(7), nullptr), AK_OK);
  });
  void *r = nullptr;
  EXPECT_EQ(ak_value_get(p.get(), INT64_MAX, &r), AK_OK);
  EXPECT_EQ(vi(r), 7);
  setter.join();
  EXPECT_EQ(ak_value_wait(p.get(), INT64_MAX - 1), AK_OK);
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, INT64_MAX), AK_OK);
}

TEST(Timeouts, EveryNegativeTimeoutButForeverIsRejected) {
  Value p = make_promise();
  Pool pool = make_pool(1);
  ASSERT_TRUE(p && pool);
  void *r = untouched();
  for (int64_t bad : {int64_t{-2}, int64_t{-1000}, INT64_MIN}) {
    EXPECT_EQ(ak_value_get(p.get(), bad, &r), AK_EINVAL) << bad;
    EXPECT_EQ(ak_value_wait(p.get(), bad), AK_EINVAL) << bad;
    EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, bad), AK_EINVAL) << bad;
  }
  EXPECT_EQ(r, untouched());
  ak_value *v = nullptr;
  EXPECT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_OK)
      << "a rejected stop stopped the pool";
  Value keep(v);
  EXPECT_EQ(settle(v), AK_OK);
}

// ---- sizes --------------------------------------------------------------------------------------
// A newer caller's larger struct: accepted; the library reads and writes only the fields it knows
// and leaves the rest alone.
TEST(Sizes, LargerStructsFromNewerCallersAreAcceptedAndTheirTailIsLeftAlone) {
  struct BiggerOptions {
    ak_pool_options o;
    uint64_t future[4];
  } big{};
  big.o = AK_POOL_OPTIONS_INIT;
  big.o.size = sizeof big;
  big.o.workers = 1;
  ak_pool *p = nullptr;
  ASSERT_EQ(ak_pool_create(&big.o, &p), AK_OK);
  Pool pool(p);
  EXPECT_EQ(ak_pool_workers(p), 1u);

  struct BiggerStats {
    ak_stats s;
    uint64_t future[4];
  } st;
  std::memset(&st, 0xAB, sizeof st);
  st.s.size = sizeof st;
  ASSERT_EQ(ak_pool_stats(p, &st.s), AK_OK);
  EXPECT_EQ(st.s.size, sizeof st) << "size is the caller's";
  for (uint64_t f : st.future) EXPECT_EQ(f, 0xABABABABABABABABull) << "wrote past ak_stats";
}

TEST(Sizes, ZeroWorkersIsAcceptedAndMoreThanTheMaximumIsRefusedWithoutChange) {
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 0;
  ak_pool *p = nullptr;
  ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
  Pool pool(p);
  EXPECT_EQ(ak_pool_resize(p, AK_WORKERS_MAX + 1), AK_EINVAL);
  EXPECT_EQ(ak_pool_workers(p), 0u);
  EXPECT_EQ(ak_pool_resize(p, 3), AK_OK);
  EXPECT_EQ(ak_pool_resize(p, 0), AK_OK);
}

// ---- work and callbacks that throw ------------------------------------------------------------
int work_throws(ak_task *, void *) { throw std::runtime_error("boom"); }
int work_throws_int(ak_task *, void *) { throw 17; }

TEST(Throwing, WorkThatThrowsFailsItsValueWithEworkAndThePoolGoesOn) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_throws, nullptr, &v), AK_OK);
  Value a(v);
  ASSERT_EQ(ak_pool_do(pool.get(), work_throws_int, nullptr, &v), AK_OK);
  Value b(v);
  EXPECT_EQ(settle(a.get()), AK_EWORK);
  EXPECT_STREQ(ak_value_message(a.get()), "work threw an exception: boom");
  EXPECT_EQ(settle(b.get()), AK_EWORK);
  EXPECT_STREQ(ak_value_message(b.get()), "work threw an exception");
  std::atomic<int> ran{0};
  ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
  Value c(v);
  EXPECT_EQ(settle(c.get()), AK_OK);
  EXPECT_EQ(ran.load(), 1);
}

std::atomic<int> g_throwing_frees{0};
void free_throws(void *) {
  g_throwing_frees.fetch_add(1);
  throw std::runtime_error("free threw");
}

TEST(Throwing, FreeFunctionThatThrowsIsCalledOnceAndIgnored) {
  FreeTracker items;
  g_throwing_frees = 0;
  Value a = make_promise();
  Value b = make_promise();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(ak_value_set(a.get(), iv(1), free_throws), AK_OK);
  void *item = items.make(2);
  ASSERT_EQ(ak_value_set(b.get(), item, FreeTracker::free_fn), AK_OK);
  a.reset();  // the throw must not escape ak_value_release
  EXPECT_EQ(g_throwing_frees.load(), 1);
  b.reset();
  EXPECT_EQ(FreeTracker::frees_of(item), 1);
}

int g_fail_calls = 0;
void callback_fails_its_value(ak_value *v, void *) {
  ++g_fail_calls;
  // A callback "failing": trying to fail or set the (already set) value it watches.
  EXPECT_EQ(ak_value_fail(v, 5, "too late"), AK_ESTATE);
  EXPECT_EQ(ak_value_set(v, nullptr, nullptr), AK_ESTATE);
  EXPECT_EQ(ak_value_cancel(v), AK_ESTATE);
}

TEST(Throwing, CallbackThatTriesToFailItsSetValueChangesNothing) {
  Value p = make_promise();
  ASSERT_TRUE(p);
  g_fail_calls = 0;
  ASSERT_EQ(ak_value_on_done(p.get(), callback_fails_its_value, nullptr), AK_OK);
  ASSERT_EQ(ak_value_set(p.get(), iv(3), nullptr), AK_OK);
  EXPECT_EQ(g_fail_calls, 1);
  EXPECT_EQ(ak_value_status(p.get()), AK_OK);
  EXPECT_EQ(get_int(p.get()), 3);
}

// ---- work that never returns while the pool is stopped ---------------------------------------
TEST(StopTimeout, WorkThatDoesNotReturnMakesEveryStopTimeOutAndCancelOnlyRaisesItsFlag) {
  Event started, gate;
  std::atomic<int> saw_cancel{0};
  Work stuck([&](ak_task *t) -> int {
    started.set();
    // Ignores cancellation on purpose (records that it was asked) until the test lets it go.
    while (!gate.is_set()) {
      if (ak_task_cancelled(t)) saw_cancel = 1;
      std::this_thread::yield();
    }
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value v = submit(pool.get(), &stuck);
  ASSERT_TRUE(started.wait());
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, 0), AK_ETIMEDOUT);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kAbsent), AK_ETIMEDOUT);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kAbsent), AK_ETIMEDOUT);
  EXPECT_TRUE(eventually([&] { return saw_cancel.load() == 1; }))
      << "the running work was not flagged";
  EXPECT_EQ(ak_value_status(v.get()), AK_EPENDING) << "a running task's value was set by the stop";
  ak_value *refused = reinterpret_cast<ak_value *>(untouched());
  EXPECT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &refused), AK_ESHUTDOWN);
  EXPECT_EQ(refused, reinterpret_cast<ak_value *>(untouched()));
  gate.set();
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_OK) << "work that returns AK_OK despite the flag sets its value";
}

}  // namespace
