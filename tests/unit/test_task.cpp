// Values and tasks on their own, with a fake Executor in place of the scheduler: what a task
// hands up through value/executor.hpp, and when the handoff keeps a continuation. No pool and no
// thread is involved, so every call below happens in the order written.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "value/executor.hpp"
#include "value/handoff.hpp"
#include "value/list.hpp"
#include "value/node.hpp"
#include "value/task.hpp"
#include "value/value.hpp"

namespace {

// Records what tasks ask of it; queues nothing.
class FakeExecutor final : public ak::Executor {
 public:
  void ready(ak::Node* t) noexcept override {
    readied.push_back(t);
    ++waiting_released;  // ready() takes over the waiting reference
  }
  void count(ak::Outcome o) noexcept override { counted.push_back(o); }
  void note_cancelled_in_queue() noexcept override { ++cancelled_in_queue; }
  void release_waiting() noexcept override { ++waiting_released; }
  bool cancelling() const noexcept override { return stopping; }

  std::vector<ak::Node*> readied;
  std::vector<ak::Outcome> counted;
  int waiting_released = 0;
  int cancelled_in_queue = 0;
  bool stopping = false;
};

int work_sets_seven(ak_task* t, void*) {
  ak_task_set_result(t, reinterpret_cast<void*>(7), nullptr);
  return AK_OK;
}

// Runs a readied task the way the scheduler does: start, call, finish.
int run(ak::Node* t) {
  EXPECT_TRUE(ak::task_start(t));
  const int code = ak::task_call(t);
  ak::task_finish(t);
  return code;
}

TEST(Task, AWaitingTaskIsHandedToItsExecutorWhenItsInputIsSet) {
  FakeExecutor exec;
  ak::Node* p = ak::new_promise();
  ak::retain_internal(p);  // the task's reference to its input
  ak::Node* t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, p, false);
  ak::wait_for_input(t);
  EXPECT_TRUE(exec.readied.empty());
  ASSERT_EQ(ak::promise_set(p, reinterpret_cast<void*>(3), nullptr), AK_OK);
  ASSERT_EQ(exec.readied.size(), 1u);
  EXPECT_EQ(exec.readied[0], t);
  EXPECT_EQ(exec.waiting_released, 1);
  EXPECT_EQ(ak::task_input_count(t), 1u);
  EXPECT_EQ(ak::task_input(t, 0), reinterpret_cast<void*>(3));
  EXPECT_EQ(run(t), AK_OK);
  EXPECT_EQ(ak::status_of(t), AK_OK);
  EXPECT_EQ(t->result, reinterpret_cast<void*>(7));
  ak::release_user(t);
  ak::release_user(p);
}

TEST(Task, AFailedInputFailsTheTaskWithoutRunningItAndCountsIt) {
  FakeExecutor exec;
  ak::Node* p = ak::new_promise();
  ak::retain_internal(p);
  ak::Node* t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, p, false);
  ak::wait_for_input(t);
  ASSERT_EQ(ak::promise_fail(p, 5, "broken"), AK_OK);
  EXPECT_TRUE(exec.readied.empty());
  ASSERT_EQ(exec.counted.size(), 1u);
  EXPECT_EQ(exec.counted[0], ak::Outcome::kFailed);
  EXPECT_EQ(exec.waiting_released, 1);
  EXPECT_EQ(ak::status_of(t), 5);
  EXPECT_STREQ(ak::message_of(t), "input 0 failed: broken");
  EXPECT_EQ(ak::failed_input_index(t), 0u);
  ak::release_user(t);
  ak::release_user(p);
}

TEST(Task, ATaskCancelledWhileWaitingIsCountedOnceAndNeverReadied) {
  FakeExecutor exec;
  ak::Node* p = ak::new_promise();
  ak::retain_internal(p);
  ak::Node* t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, p, false);
  ak::wait_for_input(t);
  EXPECT_EQ(ak::cancel(t), AK_OK);
  EXPECT_EQ(ak::status_of(t), AK_ECANCELED);
  ASSERT_EQ(exec.counted.size(), 1u);
  EXPECT_EQ(exec.counted[0], ak::Outcome::kCancelled);
  EXPECT_EQ(exec.cancelled_in_queue, 0);  // it was waiting, not queued
  ASSERT_EQ(ak::promise_set(p, nullptr, nullptr), AK_OK);
  EXPECT_TRUE(exec.readied.empty());
  EXPECT_EQ(exec.waiting_released, 1);  // dropped when the input came
  EXPECT_EQ(exec.counted.size(), 1u);
  ak::release_user(t);
  ak::release_user(p);
}

TEST(Task, AQueuedTaskCancelledBeforeItStartsIsSkipped) {
  FakeExecutor exec;
  ak::Node* t = ak::new_task(&exec, 1, work_sets_seven, nullptr);
  EXPECT_EQ(ak::cancel(t), AK_OK);
  EXPECT_EQ(exec.cancelled_in_queue, 1);
  EXPECT_FALSE(ak::task_start(t));  // drops the reference its run would have held
  EXPECT_EQ(ak::status_of(t), AK_ECANCELED);
  ak::release_user(t);
}

// A task of `exec` waiting on a hidden join of two promises, whose elements are its inputs.
struct SpreadTask {
  explicit SpreadTask(FakeExecutor& exec) {
    ak_value* elems[] = {ak::as_value(a), ak::as_value(b)};
    ak::Node* all = ak::make_list(ak::Kind::kJoin, ak::NodeSpan{elems, 2}, false);
    t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, all, true);
    ak::wait_for_input(t);
  }
  ~SpreadTask() {
    ak::release_user(t);
    ak::release_user(a);
    ak::release_user(b);
  }
  ak::Node* a = ak::new_promise();
  ak::Node* b = ak::new_promise();
  ak::Node* t = nullptr;
};

TEST(Task, ATaskInputsAreTheElementsOfTheJoinItSpreads) {
  FakeExecutor exec;
  SpreadTask s(exec);
  ak::Node *a = s.a, *b = s.b, *t = s.t;
  ASSERT_EQ(ak::promise_set(b, reinterpret_cast<void*>(20), nullptr), AK_OK);
  EXPECT_TRUE(exec.readied.empty());
  ASSERT_EQ(ak::promise_set(a, reinterpret_cast<void*>(10), nullptr), AK_OK);
  ASSERT_EQ(exec.readied.size(), 1u);
  EXPECT_EQ(ak::task_input_count(t), 2u);
  EXPECT_EQ(ak::task_input(t, 0), reinterpret_cast<void*>(10));
  EXPECT_EQ(ak::task_input(t, 1), reinterpret_cast<void*>(20));
  EXPECT_EQ(ak::task_input(t, 2), nullptr);
  EXPECT_EQ(run(t), AK_OK);
}

TEST(Task, AFailedElementOfASpreadJoinIsTheFailedInput) {
  FakeExecutor exec;
  SpreadTask s(exec);
  ak::Node *a = s.a, *b = s.b, *t = s.t;
  ASSERT_EQ(ak::promise_set(a, nullptr, nullptr), AK_OK);
  ASSERT_EQ(ak::promise_fail(b, 9, "second"), AK_OK);
  EXPECT_EQ(ak::status_of(t), 9);
  EXPECT_STREQ(ak::message_of(t), "input 1 failed: second");
  EXPECT_EQ(ak::failed_input_index(t), 1u);
}

// --- the handoff --------------------------------------------------------------------------------

TEST(Handoff, ACompletionKeepsTheFirstTaskOfItsExecutorAndQueuesTheRest) {
  FakeExecutor exec, other;
  ak::Node* p = ak::new_promise();
  ak::Node* tasks[3];
  ak::Executor* execs[3] = {&exec, &other, &exec};
  for (int i = 0; i < 3; ++i) {
    ak::retain_internal(p);
    tasks[i] = ak::new_waiting_task(execs[i], 1, work_sets_seven, nullptr, p, false);
    ak::wait_for_input(tasks[i]);
  }
  ak::Node* kept;
  {
    ak::CompletionScope completion(&exec);
    ASSERT_EQ(ak::promise_set(p, nullptr, nullptr), AK_OK);
    kept = completion.take();
  }
  EXPECT_EQ(kept, tasks[0]);            // the first of exec's, registered first
  ASSERT_EQ(other.readied.size(), 1u);  // another executor's task is never kept
  EXPECT_EQ(other.readied[0], tasks[1]);
  ASSERT_EQ(exec.readied.size(), 1u);  // only one is kept
  EXPECT_EQ(exec.readied[0], tasks[2]);
  EXPECT_EQ(exec.waiting_released, 1);  // the kept one's is the taker's to drop
  for (ak::Node* t : tasks) EXPECT_EQ(run(t), AK_OK);
  for (ak::Node* t : tasks) ak::release_user(t);
  ak::release_user(p);
}

// Sets p, which one task of exec waits for, inside a completion for `keep_for` (or, when
// `open` is false, with no completion open); returns what the completion kept.
ak::Node* set_in_completion(FakeExecutor& exec, ak::Executor* keep_for, bool open) {
  ak::Node* p = ak::new_promise();
  ak::retain_internal(p);
  ak::Node* t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, p, false);
  ak::wait_for_input(t);
  ak::Node* kept = nullptr;
  if (open) {
    ak::CompletionScope completion(keep_for);
    EXPECT_EQ(ak::promise_set(p, nullptr, nullptr), AK_OK);
    kept = completion.take();
  } else {
    EXPECT_EQ(ak::promise_set(p, nullptr, nullptr), AK_OK);
  }
  EXPECT_EQ(run(t), AK_OK);
  ak::release_user(t);
  ak::release_user(p);
  return kept;
}

TEST(Handoff, NothingIsKeptOutsideACompletionOrForNoExecutor) {
  FakeExecutor exec;
  EXPECT_EQ(set_in_completion(exec, nullptr, true), nullptr);
  EXPECT_EQ(set_in_completion(exec, &exec, false), nullptr);
  EXPECT_EQ(exec.readied.size(), 2u);                        // both were queued instead
  EXPECT_NE(set_in_completion(exec, &exec, true), nullptr);  // and the control case keeps
  EXPECT_EQ(exec.readied.size(), 2u);
}

struct CallbackSeen {
  FakeExecutor* exec;
  size_t readied_when_called = 0;
  bool called = false;
};

void record_callback(ak_value*, void* arg) {
  auto* seen = static_cast<CallbackSeen*>(arg);
  seen->called = true;
  seen->readied_when_called = seen->exec->readied.size();
}

TEST(Handoff, AKeptTaskIsQueuedBeforeUserCodeRuns) {
  FakeExecutor exec;
  ak::Node* p = ak::new_promise();
  ak::retain_internal(p);
  ak::Node* t = ak::new_waiting_task(&exec, 1, work_sets_seven, nullptr, p, false);
  ak::wait_for_input(t);  // told first: kept
  CallbackSeen seen{&exec};
  ak::add_done_callback(p, record_callback, &seen);  // told second: user code, which may block
  ak::Node* kept;
  {
    ak::CompletionScope completion(&exec);
    ASSERT_EQ(ak::promise_set(p, nullptr, nullptr), AK_OK);
    kept = completion.take();
  }
  EXPECT_TRUE(seen.called);
  EXPECT_EQ(seen.readied_when_called, 1u) << "the kept task was still held while user code ran";
  EXPECT_EQ(kept, nullptr);
  ASSERT_EQ(exec.readied.size(), 1u);
  EXPECT_EQ(exec.readied[0], t);
  EXPECT_EQ(run(t), AK_OK);
  ak::release_user(t);
  ak::release_user(p);
}

}  // namespace
