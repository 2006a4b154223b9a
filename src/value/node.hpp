// node.hpp -- the block behind every ak_value and ak_task, and the words that describe its state.
//
// A task and its value are one 128-byte block (the recycler's size), so a pending task costs one
// block and nothing else: the injection queue links through it and the link that tells it its
// input is set lives inside it. Promises and lists use the same block; lists keep their elements
// in an extension allocated once per list (list.hpp). This file holds data only; what changes it
// lives in value.hpp (outcome, lifetime, listeners), list.hpp and task.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "asynckit.h"

namespace ak {

class Executor;
struct ListExt;
struct Node;

enum class Kind : uint8_t { kTask, kPromise, kJoin, kAny };

// The state word, also the futex word that outside waiters sleep on.
// Low byte: the phase. Above it, flags that other threads may set while the phase moves.
// Legal moves: kWaiting -> kQueued -> kRunning -> kDone (a task that runs); kWaiting or kQueued
// -> kCompleting -> kDone (set by one thread that claimed it: an input failed, a cancel, a stop,
// a promise or list being set); kRunning -> kCompleting -> kDone (a task failed unrun by a stop).
enum Phase : uint32_t {
  kWaiting = 0,     // task waiting for its input; promise or list not set
  kQueued = 1,      // task ready, in a queue
  kRunning = 2,     // task's work is running
  kCompleting = 3,  // claimed by the one thread that sets it; fields being written
  kDone = 4,        // set: status, result and message are final
};
inline constexpr uint32_t kPhaseMask = 0xff;
inline constexpr uint32_t kSleepersFlag = 1u << 8;  // a thread sleeps on the futex
inline constexpr uint32_t kCancelFlag = 1u << 9;    // cancel was asked while running
inline uint32_t phase_of(uint32_t state) noexcept { return state & kPhaseMask; }

// refs packs two counts so one atomic op maintains both: the low half counts every reference
// (memory lifetime), the high half only the caller's (to detect abandoned promises).
inline constexpr uint64_t kRefOne = 1;
inline constexpr uint64_t kUserRef = (uint64_t{1} << 32) | 1;
inline constexpr uint64_t kRefMask = 0xffffffffu;

// Something to tell when a node is set: pushed onto the node's lock-free listener stack, and
// called once, on the thread that sets the node. Each kind of listener (a task's input link, a
// list's element links, done-callbacks, the scheduler's hooks) embeds one and supplies `notify`.
struct Listener {
  Listener* next;
  void (*notify)(Listener* self) noexcept;
};

inline constexpr uint32_t kNoIndex = 0xffffffffu;

// Node::fail_kind: why a task failed other than by its work's return code.
enum FailKind : uint8_t {
  kFailNone = 0,
  kFailCalled = 1,     // the work called ak_task_fail (fail_code holds its code)
  kFailedByInput = 2,  // an input failed and the work never ran (failed_input holds its index)
};

struct Node {
  std::atomic<uint64_t> refs;
  std::atomic<uint32_t> state;
  int32_t status;  // AK_OK or the failure code, once kDone
  void* result;    // owned; freed with free_fn when the last reference goes
  ak_free_fn free_fn;
  char* message;  // malloc'd, or nullptr; see msg_static
  std::atomic<Listener*> listeners;
  std::atomic<Node*> next;  // injection queue link
  Executor* exec;           // task: what runs it (valid only while the task is pending)
  uint64_t exec_serial;     // task: that executor's serial, to find it later if it still lives
  ak_fn fn;
  void* arg;
  union {
    Node* dep;      // task: its input (a hidden join when it has several), until it ran
    ListExt* list;  // join/any: the elements
  };
  Kind kind;
  uint8_t spread;      // task: its inputs are dep's elements (dep is a join)
  uint8_t msg_static;  // message points to static storage
  uint8_t fail_kind;   // task: FailKind
  union {
    int32_t fail_code;      // task, kFailCalled: the code given to ak_task_fail
    uint32_t failed_input;  // task, kFailedByInput: the index of the input that failed
  };
  Listener dep_link;  // task: its entry in dep's listener stack
};
static_assert(sizeof(Node) <= 128, "a node must fit one recycler block");

// The link by which a list hears that element `index` is set (one per element).
struct ElemLink {
  Listener base;
  uint32_t index;
};

// The elements of a join or any list, allocated once per list with n slots of each array.
struct ListExt {
  Node* owner;  // the list
  uint32_t n;
  std::atomic<uint32_t> remaining;   // elements whose report has not finished
  std::atomic<uint32_t> scan;        // join: elements [0, scan) are known set without failure
  std::atomic<uint32_t> any_failed;  // join: an element failed
  uint32_t decided;                  // join: index of the failed element reported; any: winner
  Node** elems;
  void** results;
  ElemLink* links;  // right after this header
};

// The node whose dep_link `l` is.
inline Node* node_of_dep_link(Listener* l) noexcept {
  return reinterpret_cast<Node*>(reinterpret_cast<char*>(l) - offsetof(Node, dep_link));
}

inline Node* as_node(ak_value* v) noexcept { return reinterpret_cast<Node*>(v); }
inline const Node* as_node(const ak_value* v) noexcept { return reinterpret_cast<const Node*>(v); }
inline Node* as_node(ak_task* t) noexcept { return reinterpret_cast<Node*>(t); }
inline const Node* as_node(const ak_task* t) noexcept { return reinterpret_cast<const Node*>(t); }
inline ak_value* as_value(Node* n) noexcept { return reinterpret_cast<ak_value*>(n); }
inline ak_task* as_task(Node* n) noexcept { return reinterpret_cast<ak_task*>(n); }

inline bool is_done(const Node* n) noexcept {
  // acquire: pairs with the release in publish(); a reader that sees kDone sees the fields.
  return phase_of(n->state.load(std::memory_order_acquire)) == kDone;
}

}  // namespace ak
