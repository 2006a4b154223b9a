// The task API used by work: inputs, set_result, fail (with formatting) and the code rules.
#include <cstring>

#include "capi_test_util.hpp"

namespace {

using namespace akt;

// Runs one closure on a fresh 1-worker pool and returns its (held) value, settled.
class TaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = make_pool(1);
    ASSERT_TRUE(pool_);
  }
  Value run(std::function<int(ak_task *)> f) {
    Work *w = works_.add(std::move(f));
    Value v = submit(pool_.get(), w);
    if (v) settle(v.get());
    return v;
  }
  WorkList works_;
  Pool pool_;
};

TEST_F(TaskTest, PlainTaskHasNoInputs) {
  std::atomic<size_t> count{99};
  std::atomic<void *> in0{untouched()}, in5{untouched()};
  Value v = run([&](ak_task *t) -> int {
    count = ak_task_input_count(t);
    in0 = ak_task_input(t, 0);
    in5 = ak_task_input(t, 5);
    return AK_OK;
  });
  EXPECT_EQ(ak_value_status(v.get()), AK_OK);
  EXPECT_EQ(count.load(), 0u);
  EXPECT_EQ(in0.load(), nullptr);
  EXPECT_EQ(in5.load(), nullptr);
}

TEST_F(TaskTest, ReportsItsPoolAndIsNotCancelled) {
  std::atomic<ak_pool *> pool{nullptr};
  std::atomic<int> cancelled{-1};
  Value v = run([&](ak_task *t) -> int {
    pool = ak_task_pool(t);
    cancelled = ak_task_cancelled(t);
    return AK_OK;
  });
  EXPECT_EQ(ak_value_status(v.get()), AK_OK);
  EXPECT_EQ(pool.load(), pool_.get());
  EXPECT_EQ(cancelled.load(), 0);
}

TEST_F(TaskTest, SetResultReachesTheValue) {
  Value v = run([](ak_task *t) -> int { return ak_task_set_result(t, iv(1234), nullptr); });
  EXPECT_EQ(get_int(v.get()), 1234);
}

TEST_F(TaskTest, WorkWithoutAResultHasANullResult) {
  Value v = run([](ak_task *) -> int { return AK_OK; });
  void *r = reinterpret_cast<void *>(0x1);
  EXPECT_EQ(ak_value_get(v.get(), 0, &r), AK_OK);
  EXPECT_EQ(r, nullptr);
}

TEST_F(TaskTest, SecondSetResultReplacesTheFirstAndFreesItAtOnce) {
  FreeTracker tracker;
  void *first = tracker.make(1), *second = tracker.make(2);
  std::atomic<int> first_frees_after_replace{-1};
  {
    Value v = run([&](ak_task *t) -> int {
      if (ak_task_set_result(t, first, FreeTracker::free_fn) != AK_OK) return 1;
      if (ak_task_set_result(t, second, FreeTracker::free_fn) != AK_OK) return 2;
      first_frees_after_replace = FreeTracker::frees_of(first);
      return AK_OK;
    });
    void *r = nullptr;
    ASSERT_EQ(ak_value_get(v.get(), 0, &r), AK_OK);
    EXPECT_EQ(r, second);
    EXPECT_EQ(first_frees_after_replace.load(), 1);
    EXPECT_EQ(FreeTracker::frees_of(second), 0);
  }
  EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(second) == 1; }));
  pool_.reset();
  EXPECT_EQ(FreeTracker::frees_of(first), 1);
  EXPECT_EQ(FreeTracker::frees_of(second), 1);
}

TEST_F(TaskTest, ResultSetBeforeTheTaskFailsIsFreedWhenTheValueGoes) {
  FreeTracker tracker;
  void *res = tracker.make(1);
  {
    Value v = run([&](ak_task *t) -> int {
      ak_task_set_result(t, res, FreeTracker::free_fn);
      return 5;
    });
    void *r = untouched();
    EXPECT_EQ(ak_value_get(v.get(), 0, &r), 5);
    EXPECT_EQ(r, untouched());
    EXPECT_EQ(FreeTracker::frees_of(res), 0);
  }
  EXPECT_TRUE(eventually([&] { return FreeTracker::frees_of(res) == 1; }));
  pool_.reset();
  EXPECT_EQ(FreeTracker::frees_of(res), 1);
}

TEST_F(TaskTest, FailFormatsItsMessagePrintfStyle) {
  Value v = run([](ak_task *t) -> int {
    return ak_task_fail(t, 5, "%s=%d (%.1f%%) %c%u", "x", -7, 2.5, 'z', 42u);
  });
  EXPECT_EQ(ak_value_status(v.get()), 5);
  EXPECT_STREQ(ak_value_message(v.get()), "x=-7 (2.5%) z42");
}

TEST_F(TaskTest, FailReturnsTheCodeItUsed) {
  std::atomic<int> r5{1000}, r0{1000}, rneg{1000};
  Value v = run([&](ak_task *t) -> int {
    r5 = ak_task_fail(t, 5, "five");
    r0 = ak_task_fail(t, 0, "zero");
    rneg = ak_task_fail(t, -100, "minus");
    return AK_OK;
  });
  EXPECT_EQ(r5.load(), 5);
  EXPECT_EQ(r0.load(), AK_EWORK);
  EXPECT_EQ(rneg.load(), -100);
}

TEST_F(TaskTest, FailThenReturnOkFailsWithTheFailCode) {
  Value v = run([](ak_task *t) -> int {
    ak_task_fail(t, 5, "failed but returned ok");
    return AK_OK;
  });
  EXPECT_EQ(ak_value_status(v.get()), 5);
  EXPECT_EQ(ak_value_is_error(v.get()), 1);
  EXPECT_STREQ(ak_value_message(v.get()), "failed but returned ok");
}

TEST_F(TaskTest, ReturnedNonZeroCodeWinsOverTheFailCodeAndTheMessageStays) {
  Value v = run([](ak_task *t) -> int {
    ak_task_fail(t, 5, "kept");
    return 9;
  });
  EXPECT_EQ(ak_value_status(v.get()), 9);
  EXPECT_STREQ(ak_value_message(v.get()), "kept");
}

TEST_F(TaskTest, FailWithCodeZeroBecomesEwork) {
  Value a = run([](ak_task *t) -> int { return ak_task_fail(t, 0, "zero returned"); });
  Value b = run([](ak_task *t) -> int {
    ak_task_fail(t, 0, "zero then ok");
    return AK_OK;
  });
  EXPECT_EQ(ak_value_status(a.get()), AK_EWORK);
  EXPECT_STREQ(ak_value_message(a.get()), "zero returned");
  EXPECT_EQ(ak_value_status(b.get()), AK_EWORK);
  EXPECT_STREQ(ak_value_message(b.get()), "zero then ok");
}

TEST_F(TaskTest, ReturnedCodeWithoutFailGetsAMessageNamingTheCode) {
  Value v = run([](ak_task *) -> int { return 4321; });
  EXPECT_EQ(ak_value_status(v.get()), 4321);
  std::string m = ak_value_message(v.get());
  EXPECT_NE(m.find("4321"), std::string::npos) << "message: '" << m << "'";
}

TEST_F(TaskTest, FailWithANullFormatGetsAMessageNamingTheCode) {
  Value v = run([](ak_task *t) -> int {
    // Through a pointer: the compilers' printf-format checks would reject a NULL format.
    int (*fail)(ak_task *, int, const char *, ...) = ak_task_fail;
    return fail(t, 4322, nullptr);
  });
  EXPECT_EQ(ak_value_status(v.get()), 4322);
  std::string m = ak_value_message(v.get());
  EXPECT_NE(m.find("4322"), std::string::npos) << "message: '" << m << "'";
}

TEST_F(TaskTest, ReturningALibraryOrNegativeWorkCodeFailsWithIt) {
  Value a = run([](ak_task *) -> int { return AK_ENOMEM; });
  Value b = run([](ak_task *) -> int { return -1000; });
  Value c = run([](ak_task *) -> int { return AK_ECANCELED; });
  EXPECT_EQ(ak_value_status(a.get()), AK_ENOMEM);
  EXPECT_EQ(ak_value_status(b.get()), -1000);
  EXPECT_EQ(ak_value_status(c.get()), AK_ECANCELED);
  EXPECT_STRNE(ak_value_message(a.get()), "");
  EXPECT_STRNE(ak_value_message(b.get()), "");
}

TEST_F(TaskTest, FailMessageIsNotReinterpretedAsAFormat) {
  Value v = run([](ak_task *t) -> int { return ak_task_fail(t, 3, "%s", "100% %d %s %n"); });
  EXPECT_EQ(ak_value_status(v.get()), 3);
  EXPECT_STREQ(ak_value_message(v.get()), "100% %d %s %n");
}

TEST_F(TaskTest, LongFormattedMessageIsKeptWhole) {
  std::string big(4000, 'm');
  big += "|end";
  Value v = run([&](ak_task *t) -> int { return ak_task_fail(t, 6, "<%s>", big.c_str()); });
  EXPECT_EQ(ak_value_status(v.get()), 6);
  EXPECT_EQ(std::string(ak_value_message(v.get())), "<" + big + ">");
}

TEST_F(TaskTest, InputCountAndInputsAreZeroAndNullForNull) {
  EXPECT_EQ(ak_task_input_count(nullptr), 0u);
  EXPECT_EQ(ak_task_input(nullptr, 0), nullptr);
  EXPECT_EQ(ak_task_cancelled(nullptr), 0);
  EXPECT_EQ(ak_task_pool(nullptr), nullptr);
}

}  // namespace
