// node.hpp -- the block behind every ak_value and ak_task.
//
// A task and its value are one 128-byte block (the recycler's size), so a pending task costs one
// block and nothing else: the injection queue links through it and its single input's listener
// link lives inside it. Promises and lists use the same block; lists keep their elements in an
// extension allocated once per list.
#pragma once

#include <atomic>
#include <cstdint>

#include "asynckit.h"

namespace ak {

class Pool;
struct Node;
struct ListExt;

enum class Kind : uint8_t { kTask, kPromise, kJoin, kAny };

// The state word, also the futex word that external waiters sleep on.
// Low byte: the phase. Above it, flags that other threads may set while the phase moves.
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

// refs packs two counts so one atomic op maintains both: the low half counts every reference
// (memory lifetime), the high half only the caller's (to detect abandoned promises).
inline constexpr uint64_t kRefOne = 1;
inline constexpr uint64_t kUserRef = (uint64_t{1} << 32) | 1;
inline constexpr uint64_t kRefMask = 0xffffffffu;

enum class ListenKind : uint8_t { kDep, kJoinElem, kAnyElem, kCallback, kWakePool };

// Something to tell when a node is set. Pushed onto the node's lock-free listener stack.
struct Listener {
  Listener* next;
  Node* target;    // the dependent task or list (kDep, kJoinElem, kAnyElem)
  uint32_t index;  // element index (list kinds)
  ListenKind kind;
};

// kCallback: ak_value_on_done. Holds a reference to the node it watches for the callback.
struct CallbackListener : Listener {
  ak_done_fn fn;
  void* arg;
};

// kWakePool: a worker waiting inside work for this node sleeps on its pool's notifier.
struct WakeListener : Listener {
  Pool* pool;  // holds a pool reference
};

struct Node {
  std::atomic<uint64_t> refs;
  std::atomic<uint32_t> state;
  int32_t status;          // AK_OK or the failure code, once kDone
  void* result;            // owned; freed with free_fn when the last reference goes
  ak_free_fn free_fn;
  char* message;           // malloc'd, or nullptr; see msg_static
  std::atomic<Listener*> listeners;
  std::atomic<Node*> next; // injection queue link
  Pool* pool;              // task: the pool that runs it (valid only while it is pending)
  uint64_t pool_serial;    // task: that pool's serial, to find it later if it still lives
  ak_fn fn;
  void* arg;
  union {
    Node* dep;             // task: its input (a hidden join when it has several)
    ListExt* list;         // join/any: the elements
  };
  Kind kind;
  uint8_t spread;          // task: inputs are dep's elements (dep is a join)
  uint8_t msg_static;      // message points to static storage
  uint8_t fail_called;     // task: kFailCalled (ak_task_fail was called) or kFailedByInput
  union {
    int32_t fail_code;     // task, kFailCalled: the code given to ak_task_fail
    uint32_t failed_input; // task, kFailedByInput: the index of the input that failed
  };
  Listener dep_link;       // task: its entry in dep's listener stack
};
static_assert(sizeof(Node) <= 128, "a node must fit one recycler block");

// The elements of a join or any list, allocated once per list with n slots of each array.
struct ListExt {
  uint32_t n;
  std::atomic<uint32_t> remaining;  // elements whose report has not finished
  std::atomic<uint32_t> scan;       // join: elements [0, scan) are known set without failure
  std::atomic<uint32_t> any_failed; // join: an element failed
  uint32_t decided;                 // join: index of the failed element reported; any: winner
  Node** elems;
  void** results;
  Listener* links;
};
inline constexpr uint32_t kNoIndex = 0xffffffffu;
// Node::fail_called: why a task failed other than by its work's return code.
inline constexpr uint8_t kFailCalled = 1;     // the work called ak_task_fail
inline constexpr uint8_t kFailedByInput = 2;  // an input failed: the work never ran

inline Node* as_node(ak_value* v) { return reinterpret_cast<Node*>(v); }
inline const Node* as_node(const ak_value* v) { return reinterpret_cast<const Node*>(v); }
inline Node* as_node(ak_task* t) { return reinterpret_cast<Node*>(t); }
inline const Node* as_node(const ak_task* t) { return reinterpret_cast<const Node*>(t); }
inline ak_value* as_value(Node* n) { return reinterpret_cast<ak_value*>(n); }
inline ak_task* as_task(Node* n) { return reinterpret_cast<ak_task*>(n); }

// --- state ------------------------------------------------------------------------------------
inline uint32_t phase_of(uint32_t s) { return s & kPhaseMask; }
inline bool is_done(const Node* n) {
  // acquire: pairs with the release in publish(); a reader that sees kDone sees the fields.
  return phase_of(n->state.load(std::memory_order_acquire)) == kDone;
}
// Moves the phase from `from` to kCompleting, keeping flags. The winner alone then writes the
// outcome and calls publish(). False if the phase was not `from`.
bool claim(Node* n, uint32_t from) noexcept;
// Marks a claimed node kDone, wakes sleepers and fires listeners. Caller holds a reference.
// `from` is the phase it is in: kCompleting after claim(), or kRunning for a task whose work just
// returned on this thread (no other thread moves a running task on, so it needs no claim).
void publish(Node* n, uint32_t from = kCompleting) noexcept;

// --- lifetime ---------------------------------------------------------------------------------
Node* new_node(Kind kind);  // refs = one caller reference; throws std::bad_alloc
void retain_user(Node* n) noexcept;
void release_user(Node* n) noexcept;
void retain_internal(Node* n) noexcept;
void release_internal(Node* n) noexcept;

// --- outcome ----------------------------------------------------------------------------------
// Writes a failure into a claimed node (message copied; never throws: falls back to a static one).
void set_failure(Node* n, int code, const char* message) noexcept;
// Claims n from `from` and fails it; false if someone else set it first.
bool fail_from(Node* n, uint32_t from, int code, const char* message) noexcept;
int effective_code(int code) noexcept;  // 0 -> AK_EWORK

// --- listeners --------------------------------------------------------------------------------
// Pushes l onto n's stack; false if n is already set (the caller then reacts at once).
bool add_listener(Node* n, Listener* l) noexcept;
// Reacts to the source of `l` being set: runs on the thread that set it.
void notify_listener(Listener* l) noexcept;

// --- lists ------------------------------------------------------------------------------------
// Builds a join or any list over n values (the list takes its own references). The result has
// one caller reference if `user`, else one internal reference.
Node* make_list(Kind kind, ak_value* const* values, size_t n, bool user);
size_t list_size(const Node* n) noexcept;

// --- tasks ------------------------------------------------------------------------------------
void* task_input(const Node* t, size_t i) noexcept;
size_t task_input_count(const Node* t) noexcept;
// The task's single input was set: schedule it or fail it.
void on_dep_done(Node* t) noexcept;

// Cancels a node (see ak_value_cancel): AK_OK if it was pending and is now failed, else AK_ESTATE.
int cancel_node(Node* n) noexcept;
// For a value that failed because an input (task) or element (join, any) failed: that index, else
// kNoIndex. The node must be set.
uint32_t failed_index(const Node* n) noexcept;
// The task whose pool a continuation of n runs on: n, or for a list its first element that has
// one (searched depth first); null for promises.
const Node* task_with_pool(const Node* n) noexcept;

// --- waiting ----------------------------------------------------------------------------------
// Waits for n to be set up to the absolute deadline (-1: none). True once set.
bool wait_done(Node* n, int64_t deadline);

}  // namespace ak
