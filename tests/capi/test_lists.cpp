// Lists: join (order, first failure in list order), any, list_at / list_size / any_index.
#include "capi_test_util.hpp"

namespace {

using namespace akt;

std::vector<Value> promises(size_t n) {
  std::vector<Value> ps;
  for (size_t i = 0; i < n; ++i) ps.push_back(make_promise());
  return ps;
}
std::vector<ak_value *> raw(const std::vector<Value> &vs) {
  std::vector<ak_value *> r;
  for (auto &v : vs) r.push_back(v.get());
  return r;
}

// ---- join ---------------------------------------------------------------------------------------

TEST(Join, ResultsComeInListOrderWhateverOrderElementsAreSetIn) {
  auto ps = promises(5);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  for (int i = 4; i >= 0; --i) {
    EXPECT_EQ(ak_value_is_set(j.get()), 0) << "join set before all elements were";
    ASSERT_EQ(ak_value_set(ps[i].get(), iv(100 + i), nullptr), AK_OK);
  }
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j.get(), kBound, &r), AK_OK);
  ASSERT_NE(r, nullptr);
  void **arr = static_cast<void **>(r);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(vi(arr[i]), 100 + i) << "element " << i;
  EXPECT_EQ(ak_value_status(j.get()), AK_OK);
}

TEST(Join, OfTaskValuesGivesTheirResultsInOrder) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (intptr_t i = 0; i < 200; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(i * 3 + 1), &v), AK_OK);
    vs.emplace_back(v);
  }
  Value j = join(raw(vs));
  ASSERT_TRUE(j);
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j.get(), kBound, &r), AK_OK);
  void **arr = static_cast<void **>(r);
  for (intptr_t i = 0; i < 200; ++i) ASSERT_EQ(vi(arr[i]), i * 3 + 1) << "element " << i;
}

TEST(Join, OfAlreadySetValuesIsSet) {
  auto ps = promises(3);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ak_value_set(ps[i].get(), iv(i + 1), nullptr), AK_OK);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j.get(), kBound, &r), AK_OK);
  void **arr = static_cast<void **>(r);
  EXPECT_EQ(vi(arr[0]), 1);
  EXPECT_EQ(vi(arr[2]), 3);
}

TEST(Join, TheSameValueTwiceFillsBothSlots) {
  auto ps = promises(2);
  Value j = join({ps[0].get(), ps[1].get(), ps[0].get()});
  ASSERT_TRUE(j);
  EXPECT_EQ(ak_list_size(j.get()), 3u);
  ASSERT_EQ(ak_value_set(ps[0].get(), iv(7), nullptr), AK_OK);
  EXPECT_EQ(ak_value_is_set(j.get()), 0);
  ASSERT_EQ(ak_value_set(ps[1].get(), iv(8), nullptr), AK_OK);
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j.get(), kBound, &r), AK_OK);
  void **arr = static_cast<void **>(r);
  EXPECT_EQ(vi(arr[0]), 7);
  EXPECT_EQ(vi(arr[1]), 8);
  EXPECT_EQ(vi(arr[2]), 7);
}

TEST(Join, EmptyJoinIsSetAtOnceWithANullArray) {
  ak_value *j = nullptr;
  ASSERT_EQ(ak_list_join(nullptr, 0, &j), AK_OK);
  Value hold(j);
  EXPECT_EQ(ak_value_is_set(j), 1);
  EXPECT_EQ(ak_value_status(j), AK_OK);
  void *r = untouched();
  EXPECT_EQ(ak_value_get(j, 0, &r), AK_OK);
  EXPECT_EQ(r, nullptr);
  EXPECT_EQ(ak_list_size(j), 0u);
  EXPECT_EQ(ak_list_at(j, 0), nullptr);

  ak_value *dummy = nullptr;
  ak_value *j2 = nullptr;
  ASSERT_EQ(ak_list_join(&dummy, 0, &j2), AK_OK) << "n = 0 with a non-NULL array";
  Value hold2(j2);
  EXPECT_EQ(ak_value_status(j2), AK_OK);
}

TEST(Join, FailureOfTheLowestIndexWinsAndIsReportedOnlyOnceEveryElementBeforeItIsSet) {
  auto ps = promises(4);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  ASSERT_EQ(ak_value_fail(ps[3].get(), 30, "three"), AK_OK);
  EXPECT_EQ(ak_value_wait(j.get(), kAbsent), AK_ETIMEDOUT)
      << "join reported element 3 before elements 0..2 were set";
  ASSERT_EQ(ak_value_fail(ps[1].get(), 10, "boom"), AK_OK);
  EXPECT_EQ(ak_value_is_set(j.get()), 0) << "join reported element 1 before element 0 was set";
  ASSERT_EQ(ak_value_set(ps[0].get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(settle(j.get()), 10) << "join not set once elements 0 and 1 were";
  EXPECT_STREQ(ak_value_message(j.get()), "element 1 failed: boom");
  void *r = untouched();
  EXPECT_EQ(ak_value_get(j.get(), 0, &r), 10);
  EXPECT_EQ(r, untouched());
  EXPECT_EQ(ak_value_is_set(ps[2].get()), 0) << "the list touched an element";
}

TEST(Join, FailureIsReportedWithoutWaitingForLaterElements) {
  auto ps = promises(3);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  ASSERT_EQ(ak_value_fail(ps[0].get(), 4, "first"), AK_OK);
  EXPECT_EQ(settle(j.get()), 4);
  EXPECT_STREQ(ak_value_message(j.get()), "element 0 failed: first");
  ASSERT_EQ(ak_value_fail(ps[1].get(), 5, "second"), AK_OK);
  EXPECT_EQ(ak_value_status(j.get()), 4) << "a later failure replaced the first";
  ASSERT_EQ(ak_value_set(ps[2].get(), nullptr, nullptr), AK_OK);
}

TEST(Join, LaterFailureDoesNotHideALowerOneSetLater) {
  // Element 2 fails first, element 0 fails second: element 0 is reported.
  auto ps = promises(3);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  ASSERT_EQ(ak_value_fail(ps[2].get(), 22, "two"), AK_OK);
  ASSERT_EQ(ak_value_fail(ps[0].get(), 11, "zero"), AK_OK);
  EXPECT_EQ(settle(j.get()), 11);
  EXPECT_STREQ(ak_value_message(j.get()), "element 0 failed: zero");
}

TEST(Join, FailureMessageContainsTheElementsMessageVerbatim) {
  auto ps = promises(2);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  ASSERT_EQ(ak_value_set(ps[0].get(), nullptr, nullptr), AK_OK);
  ASSERT_EQ(ak_value_fail(ps[1].get(), 3, "50% done: %s %d {} {0}"), AK_OK);
  EXPECT_EQ(settle(j.get()), 3);
  EXPECT_STREQ(ak_value_message(j.get()), "element 1 failed: 50% done: %s %d {} {0}");
}

TEST(Join, CancelledElementFailsTheJoinWithEcanceled) {
  auto ps = promises(2);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  ASSERT_EQ(ak_value_cancel(ps[0].get()), AK_OK);
  EXPECT_EQ(settle(j.get()), AK_ECANCELED);
  EXPECT_TRUE(starts_with(ak_value_message(j.get()), "element 0 failed: "))
      << ak_value_message(j.get());
  ASSERT_EQ(ak_value_set(ps[1].get(), nullptr, nullptr), AK_OK);
}

TEST(Join, NestedJoinsNestTheirMessages) {
  auto ps = promises(2);
  Value inner = join(raw(ps));
  Value leaf = make_promise();
  ASSERT_EQ(ak_value_set(leaf.get(), nullptr, nullptr), AK_OK);
  Value outer = join({leaf.get(), inner.get()});
  ASSERT_TRUE(inner && outer);
  ASSERT_EQ(ak_value_set(ps[0].get(), nullptr, nullptr), AK_OK);
  ASSERT_EQ(ak_value_fail(ps[1].get(), 9, "deep"), AK_OK);
  EXPECT_EQ(settle(outer.get()), 9);
  EXPECT_STREQ(ak_value_message(outer.get()), "element 1 failed: element 1 failed: deep");
}

TEST(Join, CancelFailsTheListButLeavesItsElementsUntouched) {
  auto ps = promises(2);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  EXPECT_EQ(ak_value_cancel(j.get()), AK_OK);
  EXPECT_EQ(ak_value_status(j.get()), AK_ECANCELED);
  EXPECT_EQ(ak_value_status(ps[0].get()), AK_EPENDING);
  EXPECT_EQ(ak_value_status(ps[1].get()), AK_EPENDING);
  EXPECT_EQ(ak_value_set(ps[0].get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(ak_value_fail(ps[1].get(), 2, "x"), AK_OK);
  EXPECT_EQ(ak_value_status(j.get()), AK_ECANCELED);
  EXPECT_EQ(ak_value_cancel(j.get()), AK_ESTATE);
}

TEST(Join, KeepsItsElementsAfterTheCallerReleasesThem) {
  Event gate;
  Work w([&](ak_task *t) -> int {
    gate.wait();
    return ak_task_set_result(t, iv(55), nullptr);
  });
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  OpenOnExit open{&gate};
  ak_value *a = nullptr, *b = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &a), AK_OK);
  ASSERT_EQ(ak_pool_do(pool.get(), run_work, &w, &b), AK_OK);
  ak_value *vals[] = {a, b};
  ak_value *j = nullptr;
  ASSERT_EQ(ak_list_join(vals, 2, &j), AK_OK);
  Value hold(j);
  ak_value_release(a);
  ak_value_release(b);
  EXPECT_EQ(ak_list_at(j, 0), a) << "list_at must still give the element";
  gate.set();
  void *r = nullptr;
  ASSERT_EQ(ak_value_get(j, kBound, &r), AK_OK);
  EXPECT_EQ(vi(static_cast<void **>(r)[0]), 55);
  EXPECT_EQ(vi(static_cast<void **>(r)[1]), 55);
  EXPECT_EQ(ak_value_status(ak_list_at(j, 1)), AK_OK);
}

// ---- list_at / list_size -----------------------------------------------------------------------

TEST(ListAccess, SizeAndAtGiveTheElementsInOrder) {
  auto ps = promises(3);
  Value j = join(raw(ps));
  Value a = any(raw(ps));
  ASSERT_TRUE(j && a);
  EXPECT_EQ(ak_list_size(j.get()), 3u);
  EXPECT_EQ(ak_list_size(a.get()), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ak_list_at(j.get(), i), ps[i].get());
    EXPECT_EQ(ak_list_at(a.get(), i), ps[i].get());
  }
  EXPECT_EQ(ak_list_at(j.get(), 3), nullptr);
  EXPECT_EQ(ak_list_at(a.get(), 1000), nullptr);
  for (auto &p : ps) ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
}

TEST(ListAccess, NonListsHaveNoElements) {
  Value p = make_promise();
  ASSERT_TRUE(p);
  EXPECT_EQ(ak_list_size(p.get()), 0u);
  EXPECT_EQ(ak_list_at(p.get(), 0), nullptr);
  Pool pool = make_pool(1);
  ASSERT_TRUE(pool);
  ak_value *t = nullptr;
  ASSERT_EQ(ak_pool_do(pool.get(), work_ok, nullptr, &t), AK_OK);
  Value ht(t);
  EXPECT_EQ(ak_list_size(t), 0u);
  EXPECT_EQ(ak_list_at(t, 0), nullptr);
  ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
}

TEST(ListAccess, ElementRetainedFromAListOutlivesTheList) {
  Value p = make_promise();
  ASSERT_TRUE(p);
  ASSERT_EQ(ak_value_set(p.get(), iv(3), nullptr), AK_OK);
  ak_value *j = nullptr;
  ak_value *vals[] = {p.get()};
  ASSERT_EQ(ak_list_join(vals, 1, &j), AK_OK);
  ak_value *e = ak_list_at(j, 0);
  ASSERT_NE(e, nullptr);
  ak_value_retain(e);
  ak_value_release(j);
  p.reset();
  EXPECT_EQ(get_int(e), 3);
  ak_value_release(e);
}

// ---- any ----------------------------------------------------------------------------------------

TEST(Any, IsSetByTheFirstElementToBeSetWithItsResult) {
  auto ps = promises(3);
  Value a = any(raw(ps));
  ASSERT_TRUE(a);
  size_t idx = 99;
  EXPECT_EQ(ak_list_any_index(a.get(), &idx), AK_EPENDING);
  EXPECT_EQ(idx, 99u);
  EXPECT_EQ(ak_value_is_set(a.get()), 0);
  ASSERT_EQ(ak_value_set(ps[1].get(), iv(11), nullptr), AK_OK);
  EXPECT_EQ(get_int(a.get()), 11);
  ASSERT_EQ(ak_list_any_index(a.get(), &idx), AK_OK);
  EXPECT_EQ(idx, 1u);
  ASSERT_EQ(ak_value_set(ps[0].get(), iv(10), nullptr), AK_OK);
  ASSERT_EQ(ak_value_fail(ps[2].get(), 3, "late"), AK_OK);
  EXPECT_EQ(get_int(a.get()), 11) << "a later element replaced the first";
  ASSERT_EQ(ak_list_any_index(a.get(), &idx), AK_OK);
  EXPECT_EQ(idx, 1u);
}

TEST(Any, FirstElementFailingGivesItsCodeAndMessage) {
  auto ps = promises(3);
  Value a = any(raw(ps));
  ASSERT_TRUE(a);
  ASSERT_EQ(ak_value_fail(ps[2].get(), 4, "fast failure %s"), AK_OK);
  EXPECT_EQ(settle(a.get()), 4);
  EXPECT_STREQ(ak_value_message(a.get()), "fast failure %s");
  size_t idx = 99;
  ASSERT_EQ(ak_list_any_index(a.get(), &idx), AK_OK);
  EXPECT_EQ(idx, 2u);
  ASSERT_EQ(ak_value_set(ps[0].get(), iv(1), nullptr), AK_OK);
  EXPECT_EQ(ak_value_status(a.get()), 4);
}

TEST(Any, WithAnElementAlreadySetIsSetByIt) {
  auto ps = promises(3);
  ASSERT_EQ(ak_value_set(ps[2].get(), iv(9), nullptr), AK_OK);
  Value a = any(raw(ps));
  ASSERT_TRUE(a);
  EXPECT_EQ(get_int(a.get()), 9);
  size_t idx = 99;
  ASSERT_EQ(ak_list_any_index(a.get(), &idx), AK_OK);
  EXPECT_EQ(idx, 2u);
}

TEST(Any, ResultIsBorrowedFromTheWinningElement) {
  FreeTracker tracker;
  void *res = tracker.make(5);
  {
    Value p = make_promise();
    Value a = any({p.get()});
    ASSERT_TRUE(a);
    ASSERT_EQ(ak_value_set(p.get(), res, FreeTracker::free_fn), AK_OK);
    void *r = nullptr;
    ASSERT_EQ(ak_value_get(a.get(), kBound, &r), AK_OK);
    EXPECT_EQ(r, res);
    p.reset();  // the any-list still holds the element
    EXPECT_EQ(FreeTracker::frees_of(res), 0);
    ASSERT_EQ(ak_value_get(a.get(), 0, &r), AK_OK);
    EXPECT_EQ(FreeTracker::payload(r), 5);
  }
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST(Any, SetByTaskValuesRacingToFinish) {
  Pool pool = make_pool(2);
  ASSERT_TRUE(pool);
  std::vector<Value> vs;
  for (intptr_t i = 0; i < 8; ++i) {
    ak_value *v = nullptr;
    ASSERT_EQ(ak_pool_do(pool.get(), work_result_is_arg, iv(1000 + i), &v), AK_OK);
    vs.emplace_back(v);
  }
  Value a = any(raw(vs));
  ASSERT_TRUE(a);
  intptr_t r = get_int(a.get());
  size_t idx = 99;
  ASSERT_EQ(ak_list_any_index(a.get(), &idx), AK_OK);
  ASSERT_LT(idx, 8u);
  EXPECT_EQ(r, 1000 + static_cast<intptr_t>(idx)) << "result does not belong to the reported index";
}

TEST(Any, CancelledAnyListReportsNoIndex) {
  auto ps = promises(2);
  Value a = any(raw(ps));
  ASSERT_TRUE(a);
  EXPECT_EQ(ak_value_cancel(a.get()), AK_OK);
  EXPECT_EQ(ak_value_status(a.get()), AK_ECANCELED);
  size_t idx = 99;
  EXPECT_EQ(ak_list_any_index(a.get(), &idx), AK_EPENDING);
  EXPECT_EQ(idx, 99u);
  EXPECT_EQ(ak_value_status(ps[0].get()), AK_EPENDING) << "cancel touched an element";
  ASSERT_EQ(ak_value_set(ps[0].get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(ak_list_any_index(a.get(), &idx), AK_EPENDING);
}

TEST(Any, AnyIndexRefusesValuesThatAreNotAnyLists) {
  auto ps = promises(2);
  Value j = join(raw(ps));
  ASSERT_TRUE(j);
  size_t idx = 99;
  EXPECT_EQ(ak_list_any_index(j.get(), &idx), AK_EINVAL);
  EXPECT_EQ(ak_list_any_index(ps[0].get(), &idx), AK_EINVAL);
  EXPECT_EQ(idx, 99u);
  for (auto &p : ps) ASSERT_EQ(ak_value_set(p.get(), nullptr, nullptr), AK_OK);
  EXPECT_EQ(ak_list_any_index(j.get(), &idx), AK_EINVAL);
}

}  // namespace
