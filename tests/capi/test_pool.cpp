// Pools: create, options, default pool, resize, workers, stats, stop, destroy.
#include <pthread.h>

#include <cstring>

#include "capi_test_util.hpp"

namespace {

using namespace akt;

unsigned hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Work that records the thread it ran on.
struct ThreadRecord {
  std::thread::id id;
  std::atomic<bool> ran{false};
};
int work_record_thread(ak_task *, void *arg) {
  auto *r = static_cast<ThreadRecord *>(arg);
  r->id = std::this_thread::get_id();
  r->ran = true;
  return AK_OK;
}

// Submits from outside until the pool refuses with AK_ESHUTDOWN (values accepted meanwhile are
// released: they still run). Returns true once refused.
bool outside_submission_refused(ak_pool *p) {
  return eventually([&] {
    ak_value *v = nullptr;
    int rc = ak_pool_do(p, work_ok, nullptr, &v);
    if (rc == AK_OK) {
      ak_value_release(v);
      return false;
    }
    EXPECT_EQ(rc, AK_ESHUTDOWN);
    return true;
  });
}

// ---- create / options / default ----------------------------------------------------------------

TEST(PoolCreate, ReportsTheWorkerCountAskedFor) {
  Pool pool = make_pool(3);
  ASSERT_TRUE(pool);
  EXPECT_EQ(ak_pool_workers(pool.get()), 3u);
}

TEST(PoolCreate, StartsThatManyWorkersWhichRunWorkConcurrently) {
  Rendezvous meet(3);
  std::atomic<int> met{0};
  Work w([&](ak_task *) -> int {
    if (meet.arrive_and_wait()) met++;
    return AK_OK;
  });
  Pool pool = make_pool(3);
  ASSERT_TRUE(pool);
  Value a = submit(pool.get(), &w), b = submit(pool.get(), &w), c = submit(pool.get(), &w);
  EXPECT_EQ(settle(a.get()), AK_OK);
  EXPECT_EQ(settle(b.get()), AK_OK);
  EXPECT_EQ(settle(c.get()), AK_OK);
  EXPECT_EQ(met.load(), 3) << "three tasks did not run at the same time on a 3-worker pool";
}

TEST(PoolCreate, NullOptionsMeanOneWorkerPerHardwareThread) {
  ak_pool *p = nullptr;
  ASSERT_EQ(ak_pool_create(nullptr, &p), AK_OK);
  ASSERT_NE(p, nullptr);
  Pool pool(p);
  EXPECT_EQ(ak_pool_workers(p), hardware_threads());
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(p, work_result_is_arg, iv(12), &v), AK_OK);
  Value hold(v);
  EXPECT_EQ(get_int(v), 12);
}

TEST(PoolCreate, WorkersDefaultMeansOneWorkerPerHardwareThread) {
  Pool pool = make_pool(AK_WORKERS_DEFAULT);
  ASSERT_TRUE(pool);
  EXPECT_EQ(ak_pool_workers(pool.get()), hardware_threads());
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(11), &v), AK_OK);
  Value hold(v);
  EXPECT_EQ(get_int(v), 11);
}

TEST(PoolCreate, WorkRunsAndReportsItsPool) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::atomic<ak_pool *> seen{nullptr};
  Work w([&](ak_task *t) -> int {
    seen = ak_task_pool(t);
    return ak_task_set_result(t, iv(42), nullptr);
  });
  Value v = submit(pool.get(), &w);
  EXPECT_EQ(get_int(v.get()), 42);
  EXPECT_EQ(seen.load(), pool.get());
}

TEST(PoolCreate, NamePrefixNamesWorkerThreadsAndIsCopied) {
  char name[] = "abcdefghijkXYZ";  // 11 bytes used, "XYZ" must not show
  std::string thread_name;
  Work w([&](ak_task *) -> int {
    char buf[64] = {0};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    thread_name = buf;
    return AK_OK;
  });
  Pool pool = make_pool(1, name);
  ASSERT_TRUE(pool);
  std::memset(name, 'Q', sizeof name - 1);  // the pool must have copied it
  Value v = submit(pool.get(), &w);
  ASSERT_EQ(settle(v.get()), AK_OK);
  EXPECT_TRUE(starts_with(thread_name, "abcdefghijk")) << "thread name: " << thread_name;
  EXPECT_EQ(thread_name.find("XYZ"), std::string::npos) << "thread name: " << thread_name;
  EXPECT_EQ(thread_name.find('Q'), std::string::npos) << "name was not copied: " << thread_name;
}

TEST(PoolCreate, ZeroWorkersIsAValidPool) {
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  EXPECT_EQ(ak_pool_workers(pool.get()), 0u);
}

TEST(DefaultPool, IsMadeOnceAndRunsWork) {
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(ak_pool_default(), d);
  EXPECT_EQ(ak_pool_workers(d), hardware_threads());
  std::atomic<ak_pool *> seen{nullptr};
  Work w([&](ak_task *t) -> int {
    seen = ak_task_pool(t);
    return ak_task_set_result(t, iv(5), nullptr);
  });
  Value v = submit(d, &w);
  EXPECT_EQ(get_int(v.get()), 5);
  EXPECT_EQ(seen.load(), d);
}

TEST(DefaultPool, CanBeResized) {
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  unsigned before = ak_pool_workers(d);
  ASSERT_EQ(ak_pool_resize(d, before + 1), AK_OK);
  EXPECT_EQ(ak_pool_workers(d), before + 1);
  Rendezvous meet(static_cast<int>(before + 1));
  std::atomic<int> met{0};
  Work w([&](ak_task *) -> int {
    if (meet.arrive_and_wait()) met++;
    return AK_OK;
  });
  std::vector<Value> vs;
  for (unsigned i = 0; i < before + 1; ++i) vs.push_back(submit(d, &w));
  for (auto &v : vs) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(met.load(), static_cast<int>(before + 1));
  ASSERT_EQ(ak_pool_resize(d, before), AK_OK);
  EXPECT_EQ(ak_pool_workers(d), before);
}

TEST(DefaultPool, DestroyIgnoresItAndNull) {
  ak_pool_destroy(nullptr);
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  ak_pool_destroy(d);
  ASSERT_EQ(ak_pool_default(), d);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(d, work_result_is_arg, iv(3), &v), AK_OK);
  Value hold(v);
  EXPECT_EQ(get_int(v), 3);
}

TEST(DefaultPool, StopRefusesItAndItKeepsWorking) {
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(ak_pool_stop(d, AK_STOP_DRAIN, kBound), AK_EINVAL);
  EXPECT_EQ(ak_pool_stop(d, AK_STOP_CANCEL, 0), AK_EINVAL);
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(d, work_result_is_arg, iv(4), &v), AK_OK);
  Value hold(v);
  EXPECT_EQ(get_int(v), 4);
}

// ---- resize -------------------------------------------------------------------------------------

TEST(PoolResize, GrowingStartsWorkersThatRunWorkConcurrently) {
  Rendezvous meet(3);
  std::atomic<int> met{0};
  Work w([&](ak_task *) -> int {
    if (meet.arrive_and_wait()) met++;
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_resize(pool.get(), 3), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), 3u);
  Value a = submit(pool.get(), &w), b = submit(pool.get(), &w), c = submit(pool.get(), &w);
  EXPECT_EQ(settle(a.get()), AK_OK);
  EXPECT_EQ(settle(b.get()), AK_OK);
  EXPECT_EQ(settle(c.get()), AK_OK);
  EXPECT_EQ(met.load(), 3);
}

TEST(PoolResize, WorkersReportsTheCountLastAskedFor) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_resize(pool.get(), 5), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), 5u);
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), 1u);
  ASSERT_EQ(ak_pool_resize(pool.get(), 0), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), 0u);
  ASSERT_EQ(ak_pool_resize(pool.get(), 2), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), 2u);
}

TEST(PoolResize, ShrinkingLetsSurplusWorkersLeave) {
  Pool pool = make_pool(4);
  ASSERT_TRUE(pool);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 4; }));
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 1; }))
      << "workers alive: " << stats_of(pool.get()).workers;
}

TEST(PoolResize, ShrinkingNeverDropsQueuedWorkIncludingWorkersOwnQueues) {
  constexpr int kBlockers = 3, kChildren = 50, kOutside = 200;
  Event gate;
  Rendezvous all_blocked(kBlockers + 1);
  std::atomic<int> done{0};
  std::mutex m;
  std::vector<Value> children;
  Work blocker([&](ak_task *t) -> int {
    for (int i = 0; i < kChildren; ++i) {  // these go to this worker's own queue
      ak_value *c = nullptr;
      EXPECT_EQ(ak_pool_do(ak_task_pool(t), work_count, &done, &c), AK_OK);
      std::lock_guard<std::mutex> lk(m);
      children.emplace_back(c);
    }
    all_blocked.arrive_and_wait();
    gate.wait();
    return AK_OK;
  });
  Pool pool = make_pool(kBlockers);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  std::vector<Value> blockers, outside;
  for (int i = 0; i < kBlockers; ++i) blockers.push_back(submit(pool.get(), &blocker));
  ASSERT_TRUE(all_blocked.arrive_and_wait()) << "blockers did not all start";
  for (int i = 0; i < kOutside; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &done, &v), AK_OK);
    outside.emplace_back(v);
  }
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  gate.set();
  for (auto &v : blockers) EXPECT_EQ(settle(v.get()), AK_OK);
  for (auto &v : outside) EXPECT_EQ(settle(v.get()), AK_OK);
  std::lock_guard<std::mutex> lk(m);
  ASSERT_EQ(children.size(), static_cast<size_t>(kBlockers * kChildren));
  for (auto &v : children) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(done.load(), kBlockers * kChildren + kOutside);
}

TEST(PoolResize, ToZeroQueuesWorkUntilResizedAgain) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_resize(pool.get(), 0), AK_OK);
  ASSERT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 0; }))
      << "workers did not leave after resize(0)";
  std::vector<Value> vs;
  for (int i = 0; i < 10; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    vs.emplace_back(v);
  }
  EXPECT_EQ(ak_value_wait(vs.back().get(), kAbsent), AK_ETIMEDOUT);
  EXPECT_EQ(ran.load(), 0) << "work ran on a pool with 0 workers";
  EXPECT_EQ(stats_of(pool.get()).queued, 10u);
  ASSERT_EQ(ak_pool_resize(pool.get(), 2), AK_OK);
  for (auto &v : vs) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_EQ(ran.load(), 10);
}

TEST(PoolResize, IsSafeFromInsideThePoolsOwnWork) {
  std::atomic<int> ran{0};
  Work w([&](ak_task *t) -> int {
    ak_pool *p = ak_task_pool(t);
    if (ak_pool_resize(p, 3) != AK_OK) return 1;
    if (ak_pool_resize(p, 0) != AK_OK) return 2;
    if (ak_pool_resize(p, 1) != AK_OK) return 3;
    return AK_OK;
  });
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  Value v = submit(pool.get(), &w);
  EXPECT_EQ(settle(v.get()), AK_OK) << ak_value_message(v.get());
  EXPECT_EQ(ak_pool_workers(pool.get()), 1u);
  std::vector<Value> more;
  for (int i = 0; i < 20; ++i) {
    ak_value *m = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &m), AK_OK);
    more.emplace_back(m);
  }
  for (auto &m : more) EXPECT_EQ(settle(m.get()), AK_OK);
  EXPECT_EQ(ran.load(), 20);
}

TEST(PoolResize, AfterStopReturnsEshutdown) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_pool_resize(pool.get(), 2), AK_ESHUTDOWN);
  EXPECT_EQ(ak_pool_workers(pool.get()), 1u);
}

// ---- stats --------------------------------------------------------------------------------------

TEST(PoolStats, CountSubmittedCompletedAndFailedTasks) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  auto failing = [](ak_task *, void *) -> int { return 7; };
  std::vector<Value> vs;
  for (int i = 0; i < 5; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_OK);
    vs.emplace_back(v);
  }
  for (int i = 0; i < 3; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), failing, nullptr, &v), AK_OK);
    vs.emplace_back(v);
  }
  for (auto &v : vs) settle(v.get());
  ASSERT_TRUE(eventually([&] {
    ak_stats s = stats_of(pool.get());
    return s.completed == 5 && s.failed == 3;
  })) << "completed "
      << stats_of(pool.get()).completed << " failed " << stats_of(pool.get()).failed;
  ak_stats s = stats_of(pool.get());
  EXPECT_EQ(s.submitted, 8u);
  EXPECT_EQ(s.completed, 5u);
  EXPECT_EQ(s.failed, 3u);
  EXPECT_EQ(s.cancelled, 0u);
  EXPECT_EQ(s.queued, 0u);
}

TEST(PoolStats, CountQueuedWorkAndCountWorkWaitingForInputsAsSubmittedOnly) {
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  Value promise = make_promise();
  ASSERT_TRUE(promise);
  std::vector<Value> vs;
  for (int i = 0; i < 4; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_OK);
    vs.emplace_back(v);
  }
  ak_value *deps[] = {promise.get()};
  ak_value *waiting = nullptr;
  ASSERT_EQ(ak_pool_do_after(pool.get(), deps, 1, work_ok, nullptr, &waiting), AK_OK);
  vs.emplace_back(waiting);
  ak_stats s = stats_of(pool.get());
  EXPECT_EQ(s.submitted, 5u);
  EXPECT_EQ(s.queued, 4u);
  EXPECT_EQ(s.workers, 0u);
  ASSERT_EQ(ak_value_set(promise.get(), nullptr, nullptr), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).queued == 5; }))
      << "queued: " << stats_of(pool.get()).queued;
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  for (auto &v : vs) EXPECT_EQ(settle(v.get()), AK_OK);
  EXPECT_TRUE(eventually([&] {
    ak_stats t = stats_of(pool.get());
    return t.completed == 5 && t.queued == 0;
  }));
}

TEST(PoolStats, CountCancelledTasks) {
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (int i = 0; i < 3; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_OK);
    vs.emplace_back(v);
  }
  EXPECT_EQ(ak_value_cancel(vs[0].get()), AK_OK);
  EXPECT_EQ(ak_value_cancel(vs[1].get()), AK_OK);
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(settle(vs[2].get()), AK_OK);
  EXPECT_TRUE(eventually([&] {
    ak_stats s = stats_of(pool.get());
    return s.cancelled == 2 && s.completed == 1;
  })) << "cancelled "
      << stats_of(pool.get()).cancelled;
}

TEST(PoolStats, ReportLiveWorkers) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 2; }));
  ASSERT_EQ(ak_pool_resize(pool.get(), 0), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 0; }));
  ASSERT_EQ(ak_pool_resize(pool.get(), 3), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 3; }));
}

TEST(PoolStats, CountStealsWhenAnIdleWorkerTakesAnotherWorkersQueuedWork) {
  Event ran_elsewhere;
  std::atomic<std::thread::id> parent_id{};
  std::mutex m;
  std::vector<Value> children;
  Work child([&](ak_task *) -> int {
    if (std::this_thread::get_id() != parent_id.load()) ran_elsewhere.set();
    return AK_OK;
  });
  Work parent([&](ak_task *t) -> int {
    parent_id = std::this_thread::get_id();
    for (int i = 0; i < 8; ++i) {
      ak_value *c = nullptr;
      EXPECT_EQ(ak_pool_do(ak_task_pool(t), run_work, &child, &c), AK_OK);
      std::lock_guard<std::mutex> lk(m);
      children.emplace_back(c);
    }
    // Block this worker (not a library wait): its queue can only be emptied by a thief.
    return ran_elsewhere.wait() ? AK_OK : 1;
  });
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  OpenOnExit open{&ran_elsewhere};
  Value p = submit(pool.get(), &parent);
  EXPECT_EQ(settle(p.get()), AK_OK) << "no other worker took the parent's queued children";
  {
    std::lock_guard<std::mutex> lk(m);
    for (auto &c : children) EXPECT_EQ(settle(c.get()), AK_OK);
  }
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).steals >= 1; }));
}

TEST(PoolStats, WorkOnTheDefaultPool) {
  ak_pool *d = ak_pool_default();
  ASSERT_NE(d, nullptr);
  ak_stats s = AK_STATS_INIT;
  EXPECT_EQ(ak_pool_stats(d, &s), AK_OK);
  EXPECT_EQ(s.size, sizeof(ak_stats));
  EXPECT_TRUE(eventually([&] { return stats_of(d).workers == ak_pool_workers(d); }));
}

// ---- stop ---------------------------------------------------------------------------------------

TEST(PoolStop, DrainRunsAllQueuedWorkAndRefusesNewWorkFromOutside) {
  Event started, gate;
  std::atomic<int> ran{0};
  Work blocker([&](ak_task *) -> int {
    started.set();
    gate.wait();
    ran++;
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value b = submit(pool.get(), &blocker);
  ASSERT_TRUE(started.wait());
  std::vector<Value> queued;
  for (int i = 0; i < 10; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    queued.emplace_back(v);
  }
  std::atomic<int> stop_rc{1};
  std::thread stopper([&] { stop_rc = ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound); });
  EXPECT_TRUE(outside_submission_refused(pool.get()));
  gate.set();
  stopper.join();
  EXPECT_EQ(stop_rc.load(), AK_OK);
  EXPECT_EQ(ak_value_status(b.get()), AK_OK);
  for (auto &v : queued) EXPECT_EQ(ak_value_status(v.get()), AK_OK) << "queued work not drained";
  EXPECT_EQ(ran.load(), 11);
}

TEST(PoolStop, AfterStopDoAndDoAfterReturnEshutdownAndLeaveOutUntouched) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  ak_value *sentinel = reinterpret_cast<ak_value *>(0x1234);
  ak_value *v = sentinel;
  EXPECT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_ESHUTDOWN);
  EXPECT_EQ(v, sentinel);
  EXPECT_EQ(ak_pool_do_after(pool.get(), nullptr, 0, work_ok, nullptr, &v), AK_ESHUTDOWN);
  EXPECT_EQ(v, sentinel);
  Value promise = make_promise();
  ak_value *deps[] = {promise.get()};
  EXPECT_EQ(ak_pool_do_after(pool.get(), deps, 1, work_ok, nullptr, &v), AK_ESHUTDOWN);
  EXPECT_EQ(v, sentinel);
}

TEST(PoolStop, CancelFailsQueuedWorkWithEcanceledAndFlagsRunningWork) {
  Event started;
  std::atomic<int> ran{0};
  Work runner([&](ak_task *t) -> int {
    started.set();
    auto deadline = std::chrono::steady_clock::now() + kBoundChrono;
    while (!ak_task_cancelled(t)) {
      if (std::chrono::steady_clock::now() > deadline) return 99;   // never saw the flag
      std::this_thread::sleep_for(std::chrono::microseconds(100));  // run long
    }
    return AK_ECANCELED;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value r = submit(pool.get(), &runner);
  ASSERT_TRUE(started.wait());
  std::vector<Value> queued;
  for (int i = 0; i < 5; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    queued.emplace_back(v);
  }
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  EXPECT_EQ(ak_value_status(r.get()), AK_ECANCELED) << "running work did not see ak_task_cancelled";
  for (auto &v : queued) EXPECT_EQ(ak_value_status(v.get()), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0) << "queued work ran despite AK_STOP_CANCEL";
}

TEST(PoolStop, TimesOutWhileWorkRunsAndCanBeCalledAgain) {
  Event started, gate;
  std::atomic<int> ran{0};
  Work blocker([&](ak_task *) -> int {
    started.set();
    gate.wait();
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value b = submit(pool.get(), &blocker);
  ASSERT_TRUE(started.wait());
  std::vector<Value> queued;
  for (int i = 0; i < 3; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    queued.emplace_back(v);
  }
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, 0), AK_ETIMEDOUT);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kAbsent), AK_ETIMEDOUT);
  ak_value *v = nullptr;
  EXPECT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_ESHUTDOWN);
  gate.set();
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_value_status(b.get()), AK_OK);
  for (auto &q : queued) EXPECT_EQ(ak_value_status(q.get()), AK_OK);
  EXPECT_EQ(ran.load(), 3);
}

TEST(PoolStop, CancelAfterADrainTimedOutCancelsTheRest) {
  Event started;
  std::atomic<int> ran{0};
  Work runner([&](ak_task *t) -> int {
    started.set();
    auto deadline = std::chrono::steady_clock::now() + kBoundChrono;
    while (!ak_task_cancelled(t)) {
      if (std::chrono::steady_clock::now() > deadline) return 99;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return AK_ECANCELED;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value r = submit(pool.get(), &runner);
  ASSERT_TRUE(started.wait());
  std::vector<Value> queued;
  for (int i = 0; i < 3; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    queued.emplace_back(v);
  }
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, 0), AK_ETIMEDOUT);
  EXPECT_EQ(ak_task_cancelled(nullptr), 0);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  EXPECT_EQ(ak_value_status(r.get()), AK_ECANCELED);
  for (auto &q : queued) EXPECT_EQ(ak_value_status(q.get()), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0);
}

TEST(PoolStop, CalledAgainAfterACompletedStopReturnsOk) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, 0), AK_OK);
}

TEST(PoolStop, WorkRunningDuringADrainMayStillSubmitAndThatWorkRuns) {
  Event started, gate;
  std::atomic<int> ran{0};
  std::atomic<int> child_rc{1};
  std::atomic<ak_value *> child{nullptr};
  Work parent([&](ak_task *t) -> int {
    started.set();
    gate.wait();
    ak_value *c = nullptr;
    child_rc = ak_pool_do(ak_task_pool(t), work_count, &ran, &c);
    if (child_rc == AK_OK) child = c;
    return AK_OK;
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  Value p = submit(pool.get(), &parent);
  ASSERT_TRUE(started.wait());
  std::atomic<int> stop_rc{1};
  std::thread stopper([&] { stop_rc = ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound); });
  EXPECT_TRUE(outside_submission_refused(pool.get()));
  gate.set();
  stopper.join();
  EXPECT_EQ(stop_rc.load(), AK_OK);
  EXPECT_EQ(child_rc.load(), AK_OK) << "work inside the pool was refused before the stop completed";
  Value c(child.load());
  ASSERT_TRUE(c);
  EXPECT_EQ(ak_value_status(c.get()), AK_OK);
  EXPECT_EQ(ran.load(), 1);
}

TEST(PoolStop, FromInsideWorkWaitsForAllOtherWorkAndReturns) {
  std::atomic<int> done{0};
  Work slow([&](ak_task *) -> int {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // run long
    done++;
    return AK_OK;
  });
  std::atomic<int> stop_rc{1}, do_rc{1}, done_at_return{-1};
  Work stopper([&](ak_task *t) -> int {
    stop_rc = ak_pool_stop(ak_task_pool(t), AK_STOP_DRAIN, kBound);
    done_at_return = done.load();
    ak_value *x = nullptr;
    do_rc = ak_pool_do(ak_task_pool(t), work_ok, nullptr, &x);
    if (do_rc == AK_OK) ak_value_release(x);
    return ak_task_set_result(t, iv(7), nullptr);
  });
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (int i = 0; i < 20; ++i) vs.push_back(submit(pool.get(), &slow));
  Value s = submit(pool.get(), &stopper);
  EXPECT_EQ(get_int(s.get()), 7) << "the stopping task did not finish normally";
  EXPECT_EQ(stop_rc.load(), AK_OK);
  EXPECT_EQ(done_at_return.load(), 20) << "stop from inside returned before other work finished";
  EXPECT_EQ(do_rc.load(), AK_ESHUTDOWN) << "submission from inside after a completed stop";
  for (auto &v : vs) EXPECT_EQ(ak_value_status(v.get()), AK_OK);
}

TEST(PoolStop, FromInsideWorkOnAOneWorkerPoolRunsTheRemainingWorkItself) {
  std::atomic<int> done{0};
  std::atomic<int> stop_rc{1}, done_at_return{-1};
  Work stopper([&](ak_task *t) -> int {
    stop_rc = ak_pool_stop(ak_task_pool(t), AK_STOP_DRAIN, kBound);
    done_at_return = done.load();
    return AK_OK;
  });
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  Value s = submit(pool.get(), &stopper);  // queued first: likely to run first
  std::vector<Value> vs;
  for (int i = 0; i < 20; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &done, &v), AK_OK);
    vs.emplace_back(v);
  }
  ASSERT_EQ(ak_pool_resize(pool.get(), 1), AK_OK);
  EXPECT_EQ(settle(s.get()), AK_OK);
  EXPECT_EQ(stop_rc.load(), AK_OK);
  EXPECT_EQ(done_at_return.load(), 20);
  for (auto &v : vs) EXPECT_EQ(ak_value_status(v.get()), AK_OK);
}

TEST(PoolDestroy, FromInsideWorkFreesThePoolOnceThatWorkReturns) {
  std::atomic<int> done{0};
  Work slow([&](ak_task *) -> int {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // run long
    done++;
    return AK_OK;
  });
  std::vector<Value> vs;
  std::atomic<int> done_at_return{-1};
  Work destroyer([&](ak_task *t) -> int {
    ak_pool_destroy(ak_task_pool(t));
    done_at_return = done.load();
    return ak_task_set_result(t, iv(9), nullptr);
  });
  ak_pool *p = nullptr;
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 2;
  ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
  for (int i = 0; i < 10; ++i) vs.push_back(submit(p, &slow));
  Value d = submit(p, &destroyer);
  // p must not be used from here on.
  EXPECT_EQ(get_int(d.get()), 9);
  EXPECT_EQ(done_at_return.load(), 10);
  for (auto &v : vs) EXPECT_EQ(ak_value_status(v.get()), AK_OK);
}

TEST(PoolStop, ZeroWorkerPoolDrainsOnTheStoppingThread) {
  std::vector<ThreadRecord> recs(10);
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (auto &r : recs) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_record_thread, &r, &v), AK_OK);
    vs.emplace_back(v);
  }
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(ak_value_status(vs[i].get()), AK_OK);
    EXPECT_TRUE(recs[i].ran.load());
    EXPECT_EQ(recs[i].id, std::this_thread::get_id());
  }
}

TEST(PoolStop, ZeroWorkerPoolDrainRunsWorkThatQueuedWorkSubmits) {
  std::atomic<int> ran{0};
  std::atomic<int> child_rc{1};
  std::atomic<ak_value *> child{nullptr};
  Work parent([&](ak_task *t) -> int {
    ak_value *c = nullptr;
    child_rc = ak_pool_do(ak_task_pool(t), work_count, &ran, &c);
    if (child_rc == AK_OK) child = c;
    return AK_OK;
  });
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  Value p = submit(pool.get(), &parent);
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_EQ(ak_value_status(p.get()), AK_OK);
  EXPECT_EQ(child_rc.load(), AK_OK);
  Value c(child.load());
  ASSERT_TRUE(c);
  EXPECT_EQ(ak_value_status(c.get()), AK_OK);
  EXPECT_EQ(ran.load(), 1);
}

TEST(PoolStop, ZeroWorkerPoolCancelRunsNothing) {
  std::atomic<int> ran{0};
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (int i = 0; i < 5; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    vs.emplace_back(v);
  }
  EXPECT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  for (auto &v : vs) EXPECT_EQ(ak_value_status(v.get()), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0);
}

TEST(PoolDestroy, ZeroWorkerPoolRunsQueuedWorkOnTheDestroyingThreadAndValuesStayValid) {
  std::vector<ThreadRecord> recs(5);
  ak_pool *p = nullptr;
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 0;
  ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
  std::vector<Value> vs;
  for (auto &r : recs) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(p, work_record_thread, &r, &v), AK_OK);
    vs.emplace_back(v);
  }
  ak_pool_destroy(p);
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(ak_value_status(vs[i].get()), AK_OK);
    EXPECT_EQ(recs[i].id, std::this_thread::get_id());
  }
}

TEST(PoolDestroy, RunsAllQueuedWorkFirst) {
  std::atomic<int> ran{0};
  Work slow([&](ak_task *) -> int {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // run long
    ran++;
    return AK_OK;
  });
  ak_pool *p = nullptr;
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 2;
  ASSERT_EQ(ak_pool_create(&o, &p), AK_OK);
  std::vector<Value> vs;
  for (int i = 0; i < 100; ++i) vs.push_back(submit(p, &slow));
  ak_pool_destroy(p);
  EXPECT_EQ(ran.load(), 100);
  for (auto &v : vs) EXPECT_EQ(ak_value_status(v.get()), AK_OK);
}

TEST(PoolStats, CountTasksFailedByTheirInputsOrByAStop) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  Value p1 = make_promise(), p2 = make_promise();
  ak_value *d1 = nullptr, *d2 = nullptr;
  ak_value *deps1[] = {p1.get()}, *deps2[] = {p2.get()};
  ASSERT_EQ(ak_pool_do_after(pool.get(), deps1, 1, work_ok, nullptr, &d1), AK_OK);
  ASSERT_EQ(ak_pool_do_after(pool.get(), deps2, 1, work_ok, nullptr, &d2), AK_OK);
  Value h1(d1), h2(d2);
  ASSERT_EQ(ak_value_fail(p1.get(), 3, "input failed"), AK_OK);
  EXPECT_EQ(settle(d1), 3);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).failed == 1; }))
      << "failed: " << stats_of(pool.get()).failed;
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  ASSERT_EQ(ak_value_set(p2.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(settle(d2), AK_ESHUTDOWN);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).failed == 2; }))
      << "failed: " << stats_of(pool.get()).failed;
  ak_stats s = stats_of(pool.get());
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.completed, 0u);
}

TEST(PoolStats, StopCancelCountsQueuedTasksAsCancelled) {
  Pool pool = make_pool(0);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (int i = 0; i < 5; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &v), AK_OK);
    vs.emplace_back(v);
  }
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_CANCEL, kBound), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).cancelled == 5; }))
      << "cancelled " << stats_of(pool.get()).cancelled << " failed "
      << stats_of(pool.get()).failed;
  EXPECT_EQ(stats_of(pool.get()).completed, 0u);
}

TEST(PoolStop, EndsTheWorkers) {
  Pool pool = make_pool(3);
  ASSERT_TRUE(pool);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 3; }));
  ASSERT_EQ(ak_pool_stop(pool.get(), AK_STOP_DRAIN, kBound), AK_OK);
  EXPECT_TRUE(eventually([&] { return stats_of(pool.get()).workers == 0; }))
      << "workers alive after stop: " << stats_of(pool.get()).workers;
}

TEST(PoolStop, CancelFromInsideWorkCancelsQueuedWorkAndTheCallerFinishes) {
  Event queued;
  std::atomic<int> ran{0};
  std::atomic<int> stop_rc{1000};
  Work stopper([&](ak_task *t) -> int {
    if (!queued.wait()) return 1;
    stop_rc = ak_pool_stop(ak_task_pool(t), AK_STOP_CANCEL, kBound);
    return ak_task_set_result(t, iv(8), nullptr);
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&queued};
  Value s = submit(pool.get(), &stopper);
  std::vector<Value> vs;
  for (int i = 0; i < 5; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
    vs.emplace_back(v);
  }
  queued.set();
  EXPECT_EQ(get_int(s.get()), 8);
  EXPECT_EQ(stop_rc.load(), AK_OK);
  for (auto &v : vs) EXPECT_EQ(settle(v.get()), AK_ECANCELED);
  EXPECT_EQ(ran.load(), 0);
}

// Regression: two threads stopping at once both ran the finish and joined the same worker
// thread, which hung (found by the Go binding's tests).
TEST(PoolStop, ConcurrentStopsBothReturnOkAndDestroyAfterwardsWorks) {
  Watchdog dog("concurrent stops", std::chrono::seconds(120));
  for (int round = 0; round < static_cast<int>(scaled(50)) + 1; ++round) {
    Pool pool = make_pool(2);
    ASSERT_TRUE(pool);
    std::atomic<int> ran{0};
    std::vector<Value> queued;
    for (int i = 0; i < 8; ++i) {
      ak_value *v = nullptr;
      ASSERT_EQ(ak_pool_do(pool.get(), work_count, &ran, &v), AK_OK);
      queued.emplace_back(v);
    }
    Rendezvous go(2);
    int rc_a = -100, rc_b = -100;
    std::thread a([&] {
      go.arrive_and_wait();
      rc_a = ak_pool_stop(pool.get(), AK_STOP_DRAIN, AK_FOREVER);
    });
    std::thread b([&] {
      go.arrive_and_wait();
      rc_b = ak_pool_stop(pool.get(), AK_STOP_DRAIN, AK_FOREVER);
    });
    a.join();
    b.join();
    EXPECT_EQ(rc_a, AK_OK);
    EXPECT_EQ(rc_b, AK_OK);
    EXPECT_EQ(ran.load(), 8);
  }  // ak_pool_destroy on a stopped pool
}

// Every worker takes part when the work needs all of them at once: a task taken from a shared
// queue by a worker that was asleep must not leave the rest queued while the others sleep
// (regression: the searcher cap stranded the third of three rendezvous tasks).
TEST(PoolWake, WorkThatNeedsEveryWorkerAtOnceAlwaysGetsThem) {
  constexpr unsigned kWorkers = 3;
  Pool pool = make_pool(kWorkers);
  ASSERT_TRUE(pool);
  const int rounds = static_cast<int>(scaled(300)) + 1;
  for (int round = 0; round < rounds; ++round) {
    Rendezvous meet(static_cast<int>(kWorkers));
    std::atomic<int> met{0};
    Work w([&](ak_task *) -> int {
      if (meet.arrive_and_wait(std::chrono::milliseconds(5000))) met++;
      return AK_OK;
    });
    std::vector<Value> vs;
    for (unsigned i = 0; i < kWorkers; ++i) vs.push_back(submit(pool.get(), &w));
    for (auto &v : vs) ASSERT_EQ(settle(v.get()), AK_OK);
    ASSERT_EQ(met.load(), static_cast<int>(kWorkers)) << "round " << round;
  }
}

TEST(PoolResize, WorkersDefaultMeansOneWorkerPerHardwareThread) {
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  unsigned hw = std::thread::hardware_concurrency();
  if (hw == 0) hw = 1;
  ASSERT_EQ(ak_pool_resize(pool.get(), AK_WORKERS_DEFAULT), AK_OK);
  EXPECT_EQ(ak_pool_workers(pool.get()), std::min(hw, AK_WORKERS_MAX));
}

}  // namespace
