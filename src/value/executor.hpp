// executor.hpp -- what values and tasks ask of whoever runs tasks: the one way up from this layer.
//
// A task is made by an executor (the scheduler's Pool implements this interface) and remembers
// it. When a task's input is set, the task layer hands it back here to be queued; when a task
// settles without running, the executor counts it. Nothing in src/value/ knows more about
// scheduling than these five calls, and nothing here includes a scheduler header.
#pragma once

#include <cstdint>

namespace ak {

struct Node;

// How a task ended, for the executor's statistics.
enum class Outcome : uint8_t { kCompleted, kFailed, kCancelled };

class Executor {
 public:
  // `t` waited for its input, which is now set: queue it to run. Called on the thread that set
  // the input. The executor takes over the reference t held on it while waiting (see
  // release_waiting).
  virtual void ready(Node* t) noexcept = 0;
  // Counts how a task of this executor ended. Called before the task's value is published, so a
  // waiter that wakes sees the count.
  virtual void count(Outcome outcome) noexcept = 0;
  // A queued task was cancelled: it stays in its queue until taken, but is no longer queued work.
  virtual void note_cancelled_in_queue() noexcept = 0;
  // Drops the reference a task held on the executor while it waited for its input (taken by the
  // executor when it made the task), for a task that will not be queued after all.
  virtual void release_waiting() noexcept = 0;
  // True while running work should stop early (ak_task_cancelled).
  [[nodiscard]] virtual bool cancelling() const noexcept = 0;

 protected:
  ~Executor() = default;  // never deleted through this interface
};

}  // namespace ak
