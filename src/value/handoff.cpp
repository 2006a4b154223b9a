// handoff.cpp -- the per-thread state of "a continuation kept for the next run" (handoff.hpp).
#include "value/handoff.hpp"

#include "base/assert.hpp"
#include "value/executor.hpp"
#include "value/node.hpp"

namespace ak {

namespace {
// This thread's open completion: tasks of `exec` may be kept; `kept` is the one kept so far.
struct Handoff {
  Executor* exec = nullptr;
  Node* kept = nullptr;
};
thread_local Handoff tl_handoff;  // trivially destructible: usable until the thread's very end
}  // namespace

CompletionScope::CompletionScope(Executor* exec) noexcept {
  Handoff& h = tl_handoff;
  saved_exec_ = h.exec;
  saved_kept_ = h.kept;
  h.exec = exec;
  h.kept = nullptr;
}

Node* CompletionScope::take() noexcept {
  Handoff& h = tl_handoff;
  Node* t = h.kept;
  h.kept = nullptr;
  return t;
}

CompletionScope::~CompletionScope() {
  Handoff& h = tl_handoff;
  AK_ASSERT(h.kept == nullptr);  // take() was called: a kept task is never dropped
  h.exec = saved_exec_;
  h.kept = saved_kept_;
}

bool keep(Node* t) noexcept {
  Handoff& h = tl_handoff;
  if (h.exec == nullptr || h.exec != t->exec || h.kept != nullptr) return false;
  h.kept = t;
  return true;
}

UserCodeScope::UserCodeScope() noexcept {
  Handoff& h = tl_handoff;
  saved_exec_ = h.exec;
  h.exec = nullptr;
  if (Node* t = h.kept) {
    h.kept = nullptr;
    t->exec->ready(t);  // may queue on this worker's deque: others can take it from there
  }
}

UserCodeScope::~UserCodeScope() { tl_handoff.exec = saved_exec_; }

}  // namespace ak
