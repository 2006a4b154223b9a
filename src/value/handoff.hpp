// handoff.hpp -- "a continuation kept for the next run": the one place that says what it means.
//
// When a worker completes a task, the first continuation that the completion makes ready (of the
// same executor) is not queued: the worker keeps it and runs it next, before anything it has
// queued. A chain then runs link after link on one core, out of thieves' reach, and each link
// saves a push, a pop and a wake-up. The others go to the queue as usual.
//
// Holding work back is only safe while the thread does library work. Before user code runs on
// it during the completion (a done-callback, a free function), the kept task is handed to its
// executor's queue, where idle workers can take it, and nothing is kept while that code runs: it
// may block for as long as it likes.
//
// The state is per thread: the scheduler opens a completion around publishing a task it ran
// (CompletionScope), the task layer offers readied tasks to it (keep), and the value layer opens a
// UserCodeScope around every call into user code.
#pragma once

namespace ak {

class Executor;
struct Node;

// Keeps the first task of `exec` readied on this thread until the scope ends, when take()
// returns it (the caller then runs it). With a null `exec` nothing is kept. Scopes nest (each
// restores the one outside it).
class CompletionScope {
 public:
  explicit CompletionScope(Executor* exec) noexcept;
  ~CompletionScope();
  CompletionScope(const CompletionScope&) = delete;
  CompletionScope& operator=(const CompletionScope&) = delete;
  // The kept task (null if none), which the caller must run or queue. Call once, before the end.
  // The task still holds the reference it took on its executor while it waited: the caller drops
  // it (Executor::release_waiting), as ready() does for the tasks it queues.
  [[nodiscard]] Node* take() noexcept;

 private:
  Executor* saved_exec_;
  Node* saved_kept_;
};

// Offers a task that just became ready (its executor is t->exec). True if this thread keeps it;
// false if the caller must queue it.
[[nodiscard]] bool keep(Node* t) noexcept;

// Around user code run by the library: the kept task, if any, goes to its executor's queue first,
// and nothing is kept until the scope ends.
class UserCodeScope {
 public:
  UserCodeScope() noexcept;
  ~UserCodeScope();
  UserCodeScope(const UserCodeScope&) = delete;
  UserCodeScope& operator=(const UserCodeScope&) = delete;

 private:
  Executor* saved_exec_;
};

}  // namespace ak
