// task.hpp -- a task: work to run once, with its inputs, on the executor that made it.
//
// The executor (the scheduler) makes tasks and runs them; this file owns what a task is: the
// moves of its phase, its inputs, running its work and recording the outcome, and the failure of
// a task whose input failed. A waiting task hears of its input through its dep_link; when the
// input is set it hands itself to its executor (Executor::ready), or to the worker completing
// the input when that worker keeps it (handoff.hpp).
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include "value/node.hpp"

namespace ak {

// --- made by the executor ---------------------------------------------------------------------
// A task ready to be queued (phase kQueued), with two references: the caller's and the one that
// travels with the task until it has run or failed. Throws std::bad_alloc.
Node* new_task(Executor* exec, uint64_t exec_serial, ak_fn fn, void* arg);
// A task that waits for `dep` (phase kWaiting), taking over one internal reference to dep;
// `spread`: its inputs are dep's elements (dep is a join). References as above. Throws
// std::bad_alloc (dep's reference then stays the caller's).
Node* new_waiting_task(Executor* exec, uint64_t exec_serial, ak_fn fn, void* arg, Node* dep,
                       bool spread);
// Hooks a waiting task to its input. If the input is set already, the task reacts now (it is
// handed to its executor, or fails if the input failed). Call once, after the executor took the
// reference the task holds while it waits.
void wait_for_input(Node* t) noexcept;

// --- run by the executor ----------------------------------------------------------------------
// Moves a task taken from a queue to kRunning. False if it was cancelled while queued: its value
// is set already, and what the task held is dropped.
[[nodiscard]] bool task_start(Node* t) noexcept;
// Runs the work of a started task (user code), drops its inputs and records the outcome without
// publishing it. Returns the outcome's code.
int task_call(Node* t) noexcept;
// Publishes a task that ran (phase kRunning) and drops the reference its run held.
void task_finish(Node* t) noexcept;
// Fails a task taken from a queue without running its work (phase `from`: kQueued, or kRunning
// right after task_start), counts it with its executor, and drops what it held. False if it had
// been cancelled while queued: then only the drop happens.
bool task_fail_unrun(Node* t, uint32_t from, int code, const char* why) noexcept;

// --- called by the work (ak_task_*) -----------------------------------------------------------
void* task_input(const Node* t, size_t i) noexcept;
size_t task_input_count(const Node* t) noexcept;
void task_set_result(Node* t, void* result, ak_free_fn free_fn) noexcept;
// Returns the code used (0 becomes AK_EWORK). A message that cannot be formatted or stored is
// left out: the work still fails, with a message naming its code.
int task_fail(Node* t, int code, const char* fmt, va_list args) noexcept;
bool task_cancelled(const Node* t) noexcept;

// --- reading ----------------------------------------------------------------------------------
// ak_value_failed_index for any set node: the index of the input (task) or element (list) whose
// failure made it fail, or kNoIndex.
uint32_t failed_input_index(const Node* n) noexcept;

}  // namespace ak
