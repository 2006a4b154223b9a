// ak_value_failed_index: which input or element made a value fail, without parsing its message.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

// The index ak_value_failed_index reports, or the status it returned instead (as a negative).
long failed_index(ak_value *v) {
  size_t index = 777;
  const int rc = ak_value_failed_index(v, &index);
  if (rc != AK_OK) {
    EXPECT_EQ(index, 777u) << "index written although the call returned " << rc;
    return rc;
  }
  return static_cast<long>(index);
}

Value failed_promise(int code, const char *message) {
  Value p = make_promise();
  EXPECT_EQ(ak_value_fail(p.get(), code, message), AK_OK);
  return p;
}

Value set_promise(intptr_t x) {
  Value p = make_promise();
  EXPECT_EQ(ak_value_set(p.get(), iv(x), nullptr), AK_OK);
  return p;
}

TEST(FailedIndex, RejectsNullValueAndNullIndex) {
  Value p = set_promise(1);
  size_t index = 5;
  EXPECT_EQ(ak_value_failed_index(nullptr, &index), AK_EINVAL);
  EXPECT_EQ(ak_value_failed_index(p.get(), nullptr), AK_EINVAL);
  EXPECT_EQ(index, 5u);
}

TEST(FailedIndex, PendingValueIsEpending) {
  Value p = make_promise();
  EXPECT_EQ(failed_index(p.get()), AK_EPENDING);
  Value waiting;
  {
    Work w([](ak_task *) { return AK_OK; });
    Pool pool = make_pool(1);
    waiting = chain(p.get(), &w);
    EXPECT_EQ(failed_index(waiting.get()), AK_EPENDING);
    ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
    EXPECT_EQ(settle(waiting.get()), AK_OK);
  }
}

TEST(FailedIndex, ValuesThatDidNotFailThroughAnInputAreEstate) {
  Pool pool = make_pool(2);
  Work fails([](ak_task *t) { return ak_task_fail(t, 7, "own failure"); });
  Work ok([](ak_task *) { return AK_OK; });
  Value work_failed = submit(pool.get(), &fails);
  Value succeeded = submit(pool.get(), &ok);
  Value promise_failed = failed_promise(9, "by hand");
  Value cancelled = make_promise();
  ASSERT_EQ(ak_value_cancel(cancelled.get()), AK_OK);
  Value element = make_promise();
  Value join_cancelled = join({element.get()});
  ASSERT_EQ(ak_value_cancel(join_cancelled.get()), AK_OK);
  // A continuation whose input succeeded and whose own work failed.
  Value in = set_promise(3);
  Value chained_work_failed = chain(in.get(), &fails);
  EXPECT_EQ(settle(work_failed.get()), 7);
  EXPECT_EQ(settle(succeeded.get()), AK_OK);
  EXPECT_EQ(settle(chained_work_failed.get()), 7);
  EXPECT_EQ(failed_index(work_failed.get()), AK_ESTATE);
  EXPECT_EQ(failed_index(succeeded.get()), AK_ESTATE);
  EXPECT_EQ(failed_index(promise_failed.get()), AK_ESTATE);
  EXPECT_EQ(failed_index(cancelled.get()), AK_ESTATE);
  EXPECT_EQ(failed_index(join_cancelled.get()), AK_ESTATE);
  EXPECT_EQ(failed_index(chained_work_failed.get()), AK_ESTATE);
}

TEST(FailedIndex, DependentWorkNamesTheLowestFailedInput) {
  Pool pool = make_pool(2);
  std::atomic<int> ran{0};
  Work w([&](ak_task *) {
    ran.fetch_add(1);
    return AK_OK;
  });
  Value a = set_promise(1), b = set_promise(2), c = failed_promise(5, "third"),
        d = failed_promise(6, "fourth");
  Value v = submit_after(pool.get(), {a.get(), b.get(), c.get(), d.get()}, &w);
  EXPECT_EQ(settle(v.get()), 5);
  EXPECT_EQ(failed_index(v.get()), 2);
  EXPECT_TRUE(starts_with(ak_value_message(v.get()), "input 2 failed: third"))
      << ak_value_message(v.get());
  Value single = submit_after(pool.get(), {d.get()}, &w);
  EXPECT_EQ(settle(single.get()), 6);
  EXPECT_EQ(failed_index(single.get()), 0);
  EXPECT_EQ(ran.load(), 0);
}

TEST(FailedIndex, AnInputThatFailsLaterIsNamedToo) {
  Pool pool = make_pool(2);
  Work w([](ak_task *) { return AK_OK; });
  Value a = make_promise(), b = make_promise();
  Value v = submit_after(pool.get(), {a.get(), b.get()}, &w);
  ASSERT_EQ(ak_value_fail(b.get(), 4, "late"), AK_OK);
  ASSERT_EQ(ak_value_set(a.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), 4);
  EXPECT_EQ(failed_index(v.get()), 1);
}

TEST(FailedIndex, ChainOnAValueIsInputZeroAndOnAJoinTheFailedElement) {
  Pool pool = make_pool(2);
  Work w([](ak_task *) { return AK_OK; });
  Value failed = failed_promise(3, "root");
  Value on_value = chain(failed.get(), &w);
  EXPECT_EQ(settle(on_value.get()), 3);
  EXPECT_EQ(failed_index(on_value.get()), 0);
  // A chain on that failed chain names its own input, not the root's.
  Value twice = chain(on_value.get(), &w);
  EXPECT_EQ(settle(twice.get()), 3);
  EXPECT_EQ(failed_index(twice.get()), 0);

  Value e0 = set_promise(0), e1 = set_promise(1), e2 = set_promise(2), e3 = failed_promise(8, "e3");
  Value all = join({e0.get(), e1.get(), e2.get(), e3.get()});
  Value on_join = chain(all.get(), &w);
  EXPECT_EQ(settle(on_join.get()), 8);
  EXPECT_EQ(failed_index(on_join.get()), 3);
  EXPECT_TRUE(starts_with(ak_value_message(on_join.get()), "input 3 failed: e3"))
      << ak_value_message(on_join.get());
}

TEST(FailedIndex, JoinNamesItsLowestFailedElement) {
  Value e0 = set_promise(0), e1 = make_promise(), e2 = failed_promise(2, "e2"),
        e3 = failed_promise(3, "e3");
  Value all = join({e0.get(), e1.get(), e2.get(), e3.get()});
  EXPECT_EQ(failed_index(all.get()), AK_EPENDING);  // element 1 may still fail
  ASSERT_EQ(ak_value_set(e1.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(settle(all.get()), 2);
  EXPECT_EQ(failed_index(all.get()), 2);
}

TEST(FailedIndex, AnyListNamesTheFailedElementThatSetIt) {
  Value e0 = make_promise(), e1 = make_promise();
  Value first = any({e0.get(), e1.get()});
  ASSERT_EQ(ak_value_fail(e1.get(), 12, "e1"), AK_OK);
  EXPECT_EQ(settle(first.get()), 12);
  EXPECT_EQ(failed_index(first.get()), 1);
  Value winner = set_promise(4);
  Value won = any({winner.get()});
  EXPECT_EQ(settle(won.get()), AK_OK);
  EXPECT_EQ(failed_index(won.get()), AK_ESTATE);
}

TEST(FailedIndex, WorkWaitingAcrossAStopIsNotAnInputFailure) {
  Value in = make_promise();
  Value v;
  {
    Work w([](ak_task *) { return AK_OK; });
    Pool pool = make_pool(1);
    v = submit_after(pool.get(), {in.get()}, &w);
  }  // destroyed: the waiting task fails with AK_ESHUTDOWN once its input arrives
  ASSERT_EQ(ak_value_set(in.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(settle(v.get()), AK_ESHUTDOWN);
  EXPECT_EQ(failed_index(v.get()), AK_ESTATE);
}

}  // namespace
