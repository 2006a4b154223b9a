// Allocation failure: a realistic scenario runs once without injection to count the library's
// allocations (N), then once for every n in 1..N(+a margin) with the n-th allocation failing, once
// only and from there on (sticky). Every public call must return AK_OK or AK_ENOMEM (out pointers
// untouched on failure), every value made must still be set within the bound (nothing hangs),
// results are freed exactly once, LeakSanitizer finds nothing after each run, and once the
// pressure ends the same pool runs plain work again.
//
// Built from the runtime's sources with AK_FAULT_INJECTION (src/fault.hpp) and AK_NO_RECYCLE, in
// the AddressSanitizer configuration only. Worker threads allocate too (failure messages, wake-up
// listeners), so which call meets the n-th allocation can vary a little between runs: the sweep
// goes past N and each run checks only what the contract promises whatever failed.
#include <sanitizer/lsan_interface.h>

#include <cstring>

#include "../capi/capi_test_util.hpp"
#include "base/fault.hpp"

namespace {

using namespace akt;

ak_value *const kUntouched = reinterpret_cast<ak_value *>(0xbad0);
ak_pool *const kUntouchedPool = reinterpret_cast<ak_pool *>(0xbad1);

constexpr intptr_t kLeaf = 5;
constexpr int kWorkCode = 42;

// Work: sets a tracked result (the tracker is the arg).
struct Ctx {
  FreeTracker items;
  std::atomic<int> handed{0};
  std::atomic<int> callbacks{0};
  ak_value *awaited = nullptr;  // a promise that work waits for (set by the scenario later)
};

int work_leaf(ak_task *t, void *arg) {
  auto *c = static_cast<Ctx *>(arg);
  c->handed.fetch_add(1);
  return ak_task_set_result(t, c->items.make(kLeaf), FreeTracker::free_fn);
}

// Sums its inputs' payloads (each input is a tracked item or NULL) into a new tracked result.
int work_sum(ak_task *t, void *arg) {
  auto *c = static_cast<Ctx *>(arg);
  intptr_t sum = 0;
  for (size_t i = 0; i < ak_task_input_count(t); ++i) {
    if (void *in = ak_task_input(t, i)) sum += FreeTracker::payload(in);
  }
  c->handed.fetch_add(1);
  return ak_task_set_result(t, c->items.make(sum), FreeTracker::free_fn);
}

int work_fail(ak_task *t, void *) {
  return ak_task_fail(t, kWorkCode, "work failed: %s %d", "code", kWorkCode);
}

// Waits (from a worker, so the wait runs other work and may hook a wake-up listener) for a promise
// the scenario sets later.
int work_wait_awaited(ak_task *, void *arg) {
  auto *c = static_cast<Ctx *>(arg);
  void *r = nullptr;
  const int rc = ak_value_get(c->awaited, kBound, &r);
  return rc == AK_ETIMEDOUT ? 99 : AK_OK;
}

void count_callback(ak_value *, void *arg) { static_cast<Ctx *>(arg)->callbacks.fetch_add(1); }

// The message of a failed value: the one asked for, or one of the library's fallbacks when the
// copy could not be made.
bool message_is_one_of(const char *msg, std::initializer_list<const char *> wanted) {
  for (const char *w : wanted) {
    if (std::strcmp(msg, w) == 0) return true;
  }
  return std::strcmp(msg, "out of memory while recording the failure") == 0 ||
         starts_with(msg, "failed with code ");
}

// Every call that can fail for want of memory: AK_OK, or AK_ENOMEM with *out untouched.
#define EXPECT_OK_OR_ENOMEM(rc, out, marker)                                                       \
  do {                                                                                             \
    EXPECT_TRUE((rc) == AK_OK || (rc) == AK_ENOMEM) << #rc << " = " << (rc);                       \
    if ((rc) != AK_OK) {                                                                           \
      EXPECT_EQ((out), (marker)) << "out written on failure";                                      \
    }                                                                                              \
  } while (0)

// LeakSanitizer after each run: which n leaked, not only that something did.
bool leaks_now() { return __lsan_do_recoverable_leak_check() != 0; }

struct RunResult {
  long allocations = 0;  // counted during the pressure
  int enomem = 0;        // calls that returned AK_ENOMEM
};

// The scenario. `n` <= 0 runs without injection. Checks with EXPECT_*; returns what it saw.
RunResult run_scenario(long n, bool sticky) {
  Watchdog dog("allocation-failure scenario n=" + std::to_string(n));
  Ctx ctx;
  RunResult res;
  auto note = [&](int rc) {
    if (rc == AK_ENOMEM) ++res.enomem;
    return rc;
  };
  std::vector<ak_value *> made;  // every value handed out; each released at the end
  auto keep = [&](int rc, ak_value *v) -> ak_value * {
    if (rc != AK_OK) return nullptr;
    made.push_back(v);
    return v;
  };

  ak::fault::fail_at(n > 0 ? n : 0, sticky);  // also restarts the count

  // A pool.
  ak_pool_options o = AK_POOL_OPTIONS_INIT;
  o.workers = 2;
  o.name = "alloc";
  ak_pool *pool = kUntouchedPool;
  int rc = note(ak_pool_create(&o, &pool));
  EXPECT_TRUE(rc == AK_OK || rc == AK_ENOMEM) << "ak_pool_create = " << rc;
  if (rc != AK_OK) {
    EXPECT_EQ(pool, kUntouchedPool);
    pool = nullptr;
  }

  // Promises: one set by hand, one failed by hand, one awaited by work.
  ak_value *out = kUntouched;
  rc = note(ak_value_new(&out));
  EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
  ak_value *p_set = keep(rc, out);
  out = kUntouched;
  rc = note(ak_value_new(&out));
  EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
  ak_value *p_fail = keep(rc, out);
  out = kUntouched;
  rc = note(ak_value_new(&out));
  EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
  ak_value *p_awaited = keep(rc, out);
  ctx.awaited = p_awaited;

  ak_value *leaf = nullptr, *after = nullptr, *chained = nullptr, *joined = nullptr;
  ak_value *anyl = nullptr, *failing = nullptr, *waiter = nullptr, *on_join = nullptr;
  bool cb_registered = false;
  if (pool) {
    out = kUntouched;
    rc = note(ak_pool_do(pool, work_leaf, &ctx, &out));
    EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
    leaf = keep(rc, out);

    if (p_awaited) {
      out = kUntouched;
      rc = note(ak_pool_do(pool, work_wait_awaited, &ctx, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      waiter = keep(rc, out);
    }

    if (leaf && p_set) {
      ak_value *deps[] = {leaf, p_set};
      out = kUntouched;
      rc = note(ak_pool_do_after(pool, deps, 2, work_sum, &ctx, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      after = keep(rc, out);
    }
    if (leaf) {
      out = kUntouched;
      rc = note(ak_chain(leaf, work_sum, &ctx, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      chained = keep(rc, out);
    }
    if (leaf && chained) {
      ak_value *elems[] = {leaf, chained};
      out = kUntouched;
      rc = note(ak_list_join(elems, 2, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      joined = keep(rc, out);
    }
    if (joined) {
      out = kUntouched;
      rc = note(ak_chain_on(pool, joined, work_sum, &ctx, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      on_join = keep(rc, out);
    }
    if (leaf && p_fail) {
      ak_value *elems[] = {p_fail, leaf};
      out = kUntouched;
      rc = note(ak_list_any(elems, 2, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      anyl = keep(rc, out);
    }
    out = kUntouched;
    rc = note(ak_pool_do(pool, work_fail, nullptr, &out));
    EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
    failing = keep(rc, out);

    if (after) {
      rc = note(ak_value_on_done(after, count_callback, &ctx));
      EXPECT_TRUE(rc == AK_OK || rc == AK_ENOMEM) << "ak_value_on_done = " << rc;
      cb_registered = rc == AK_OK;
    }

    rc = note(ak_pool_resize(pool, 1));
    EXPECT_TRUE(rc == AK_OK || rc == AK_ENOMEM) << "ak_pool_resize(1) = " << rc;
    rc = note(ak_pool_resize(pool, 2));
    EXPECT_TRUE(rc == AK_OK || rc == AK_ENOMEM) << "ak_pool_resize(2) = " << rc;
  }

  // A second pool made, used, stopped and destroyed under pressure.
  {
    ak_pool *p2 = kUntouchedPool;
    o.workers = 1;
    rc = note(ak_pool_create(&o, &p2));
    EXPECT_TRUE(rc == AK_OK || rc == AK_ENOMEM) << "second ak_pool_create = " << rc;
    if (rc == AK_OK) {
      out = kUntouched;
      rc = note(ak_pool_do(p2, work_leaf, &ctx, &out));
      EXPECT_OK_OR_ENOMEM(rc, out, kUntouched);
      ak_value *v = keep(rc, out);
      EXPECT_EQ(ak_pool_stop(p2, AK_STOP_DRAIN, kBound), AK_OK);
      ak_pool_destroy(p2);
      if (v) {
        EXPECT_EQ(ak_value_status(v), AK_OK) << "work on a destroyed pool did not run";
      }
    } else {
      EXPECT_EQ(p2, kUntouchedPool);
    }
  }

  // Set the promises by hand (setting allocates nothing of its own; failing copies the message).
  void *set_item = nullptr;
  if (p_set) {
    set_item = ctx.items.make(kLeaf * 10);
    EXPECT_EQ(ak_value_set(p_set, set_item, FreeTracker::free_fn), AK_OK);
    ctx.handed.fetch_add(1);
  }
  if (p_fail) {
    EXPECT_EQ(ak_value_fail(p_fail, kWorkCode + 1, "failed by hand"), AK_OK);
  }
  if (p_awaited) {
    EXPECT_EQ(ak_value_set(p_awaited, nullptr, nullptr), AK_OK);
  }

  // Every value made is set within the bound, with the outcome it must have.
  for (ak_value *v : made) EXPECT_EQ(ak_value_wait(v, kBound), AK_OK) << "a value was never set";
  res.allocations = ak::fault::count();
  ak::fault::fail_at(0, false);  // the pressure ends here

  auto payload_of = [](ak_value *v) -> intptr_t {
    const intptr_t r = get_int(v);
    return r == 0 ? -1 : FreeTracker::payload(iv(r));
  };
  if (leaf) {
    EXPECT_EQ(payload_of(leaf), kLeaf);
  }
  if (after) {
    EXPECT_EQ(payload_of(after), kLeaf + kLeaf * 10);
  }
  if (chained) {
    EXPECT_EQ(payload_of(chained), kLeaf);
  }
  if (on_join) {
    EXPECT_EQ(payload_of(on_join), 2 * kLeaf);
  }
  if (waiter) {
    EXPECT_EQ(ak_value_status(waiter), AK_OK);
  }
  if (anyl) {
    const int st = ak_value_status(anyl);
    EXPECT_TRUE(st == AK_OK || st == kWorkCode + 1) << "any-list status " << st;
    if (st != AK_OK) {
      EXPECT_TRUE(message_is_one_of(ak_value_message(anyl), {"failed by hand"}))
          << ak_value_message(anyl);
    }
  }
  if (failing) {
    EXPECT_EQ(ak_value_status(failing), kWorkCode);
    EXPECT_TRUE(message_is_one_of(ak_value_message(failing), {"work failed: code 42"}))
        << ak_value_message(failing);
  }
  if (p_fail) {
    EXPECT_EQ(ak_value_status(p_fail), kWorkCode + 1);
    EXPECT_TRUE(message_is_one_of(ak_value_message(p_fail), {"failed by hand"}))
        << ak_value_message(p_fail);
  }

  // The pool keeps working after the pressure.
  if (pool) {
    EXPECT_EQ(ak_pool_resize(pool, 2), AK_OK);
    std::atomic<int> ran{0};
    ak_value *plain = nullptr;
    EXPECT_EQ(ak_pool_do(pool, work_count, &ran, &plain), AK_OK) << "pool unusable after pressure";
    if (plain) {
      EXPECT_EQ(settle(plain), AK_OK);
      EXPECT_EQ(ran.load(), 1);
      ak_value_release(plain);
    }
    ak_stats st = stats_of(pool);
    EXPECT_EQ(st.workers, 2u);
    EXPECT_EQ(ak_pool_stop(pool, AK_STOP_DRAIN, kBound), AK_OK);
    ak_pool_destroy(pool);
  }

  // Callbacks: run exactly once if registered, never if refused.
  if (cb_registered) {
    EXPECT_TRUE(eventually([&] { return ctx.callbacks.load() >= 1; }));
    EXPECT_EQ(ctx.callbacks.load(), 1);
  } else {
    EXPECT_EQ(ctx.callbacks.load(), 0);
  }

  for (ak_value *v : made) ak_value_release(v);
  // Results: each handed over is freed exactly once, now that every reference is gone. A worker
  // may drop a task's last reference just after its value is set: wait for the count.
  EXPECT_TRUE(eventually([&] { return ctx.items.total() == ctx.handed.load(); }))
      << "results freed " << ctx.items.total() << " of " << ctx.handed.load();
  EXPECT_EQ(ctx.items.freed_twice(), 0);
  return res;
}

long baseline_allocations() {
  static long n = [] {
    RunResult r = run_scenario(0, false);
    return r.allocations;
  }();
  return n;
}

// First, while this process has no default pool yet (ctest runs each test in its own process).
TEST(AllocFailure, DefaultPoolThatCannotBeMadeIsNullAndIsMadeByALaterCall) {
  for (long n = 1; n <= 8; ++n) {
    ak::fault::fail_at(n, true);
    ak_pool *p = ak_pool_default();
    ak::fault::fail_at(0, false);
    if (p) break;  // made with fewer than n allocations: nothing more to try
    // A promise chained while the default pool cannot be made: AK_ENOMEM, nothing written.
    ak::fault::fail_at(n, true);
    ak_value *prom = nullptr;
    if (ak_value_new(&prom) == AK_OK) {
      ak_value *out = kUntouched;
      const int rc = ak_chain(prom, work_ok, nullptr, &out);
      EXPECT_EQ(rc, AK_ENOMEM) << "n=" << n;
      EXPECT_EQ(out, kUntouched);
      ak::fault::fail_at(0, false);
      ak_value_release(prom);
    }
    ak::fault::fail_at(0, false);
    EXPECT_FALSE(leaks_now()) << "n=" << n;
  }
  ak_pool *p = ak_pool_default();
  ASSERT_NE(p, nullptr) << "the default pool was not made once memory came back";
  std::atomic<int> ran{0};
  ak_value *v = nullptr;
  ASSERT_EQ(ak_pool_do(p, work_count, &ran, &v), AK_OK);
  EXPECT_EQ(settle(v), AK_OK);
  ak_value_release(v);
  EXPECT_EQ(ran.load(), 1);
}

TEST(AllocFailure, ScenarioWithoutInjectionSucceedsAndCountsItsAllocations) {
  RunResult r = run_scenario(0, false);
  EXPECT_EQ(r.enomem, 0);
  EXPECT_GT(r.allocations, 10) << "the scenario allocates too little to be worth sweeping";
  std::printf("allocations in the scenario: %ld\n", r.allocations);
  EXPECT_FALSE(leaks_now());
}

void sweep(bool sticky) {
  const long total = baseline_allocations();
  const long last = total + total / 4 + 4;  // past N: worker-side allocations vary a little
  int enomem = 0;
  for (long n = 1; n <= last; ++n) {
    SCOPED_TRACE(::testing::Message() << "allocation " << n << " of " << total
                                      << (sticky ? " and every one after it" : "") << " failing");
    RunResult r = run_scenario(n, sticky);
    enomem += r.enomem;
    ASSERT_FALSE(leaks_now()) << "LeakSanitizer found a leak (see the report above)";
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::printf("swept n = 1..%ld (%s): %d calls returned AK_ENOMEM\n", last,
              sticky ? "sticky" : "once", enomem);
  EXPECT_GT(enomem, 0) << "no call ever returned AK_ENOMEM: is injection compiled in?";
}

TEST(AllocFailure, EveryAllocationFailingOnceGivesEnomemOrAFailedValueAndLeavesNoLeak) {
  sweep(false);
}

TEST(AllocFailure, EveryAllocationFailingFromThereOnGivesEnomemAndThePoolRecovers) { sweep(true); }

}  // namespace
