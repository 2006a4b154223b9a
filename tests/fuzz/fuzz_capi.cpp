// fuzz_capi.cpp -- libFuzzer target: the input bytes drive a random sequence of C API calls over a
// small table of live handles, and every step is checked against the contract in asynckit.h.
//
// What one input does: up to kMaxSteps operations, each picked by the next bytes, over at most
// kPools pools (0-2 workers, or the default pool) and kSlots value references. The harness holds
// exactly the references it put in the table (one slot = one reference). Work that looks at another
// value keeps it through a one-element join made before submission (an internal reference, so a
// promise can still be abandoned); work and callbacks that set a promise get a fresh one (nothing
// older can depend on it, so no cycle can keep the end of an input waiting). Those references go
// once the work's value is set (it has returned, or never will run).
//
// Invariants (a broken one aborts with "INVARIANT:" and a message, which libFuzzer reports):
//   - every result handed to the library is freed exactly once, and only after every reference to
//     its value is gone (free_fn only counts; items outlive the input);
//   - a result the library refused (a second ak_value_set) is never freed by it;
//   - a result read from a value the harness holds is alive and belongs to that value;
//   - a promise is set (ak_value_set / ak_value_fail returning AK_OK) at most once;
//   - a value, once seen set, never changes its status, result or any-index;
//   - a work function and a done-callback each run at most once, and every callback registered
//     runs exactly once by the end of the input (every value is set by then);
//   - every task settles by the end (nothing hangs), every call returns one of its documented
//     codes, and out pointers are untouched on failure;
//   - each input ends with everything released and every pool destroyed, so LeakSanitizer (run by
//     libFuzzer after an input that leaked) sees any block the library kept.
//
// Work is quick: it never blocks on something that may never happen. Waits inside work use 0 or a
// few microseconds, or AK_FOREVER only on a value that was already set when the work was submitted.
#include <asynckit.h>
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void violated(const char *what, long a = 0, long b = 0) {
  std::fprintf(stderr, "INVARIANT: %s (%ld, %ld)\n", what, a, b);
  std::fflush(stderr);
  std::abort();
}

#define FZ_CHECK(cond, ...)                                                                        \
  do {                                                                                             \
    if (!(cond)) violated(__VA_ARGS__);                                                            \
  } while (0)

constexpr int kMaxSteps = 64;
constexpr size_t kPools = 3;
constexpr size_t kSlots = 16;
constexpr size_t kMaxListLen = 4;
// How long the end of an input waits for things that must happen (tasks settling, frees).
constexpr auto kEndBound = std::chrono::seconds(20);
constexpr uint64_t kItemMagic = 0x6d6574692d6b6121ull;

// Totals over the process, printed at exit when AK_FUZZ_STATS is set (to see what inputs reach).
struct Totals {
  std::atomic<long> inputs{0}, steps{0}, tasks{0}, works_run{0}, callbacks{0}, results{0};
  std::atomic<long> ops[32] = {};
  ~Totals() {
    if (!std::getenv("AK_FUZZ_STATS")) return;
    std::fprintf(stderr,
                 "fuzz totals: inputs %ld steps %ld tasks %ld works run %ld callbacks %ld "
                 "results freed %ld\nops:",
                 inputs.load(), steps.load(), tasks.load(), works_run.load(), callbacks.load(),
                 results.load());
    for (auto &o : ops) std::fprintf(stderr, " %ld", o.load());
    std::fprintf(stderr, "\n");
  }
};
Totals g_totals;

int64_t short_timeout(uint8_t b) {
  static constexpr int64_t kChoices[] = {0, 0, 1000, 5000};
  return kChoices[b % 4];
}

// ---- results ----------------------------------------------------------------------------------
struct Item {
  uint64_t magic = kItemMagic;
  uint32_t tag = 0;  // id of the value it was given to
  std::atomic<int> frees{0};
  std::atomic<bool> handed{false};
};

void item_free(void *p) {
  auto *it = static_cast<Item *>(p);
  FZ_CHECK(it->magic == kItemMagic, "free_fn got something that is not a result");
  FZ_CHECK(it->handed.load(), "free_fn called on a result the library had refused", it->tag);
  const int before = it->frees.fetch_add(1);
  g_totals.results.fetch_add(1, std::memory_order_relaxed);
  FZ_CHECK(before == 0, "result freed twice", it->tag, before + 1);
}

enum class Kind : uint8_t { kTask, kPromise, kJoin, kAny };

struct Ctx;

// One per value made during the input; immutable after creation except the observation fields,
// which only the harness thread touches.
struct ValueInfo {
  uint32_t id = 0;
  Kind kind = Kind::kPromise;
  ak_value *v = nullptr;           // valid only while someone holds a reference
  std::vector<ValueInfo *> elems;  // lists
  bool observed = false;
  int status = 0;
  void *result = nullptr;
  size_t any_index = SIZE_MAX;
  std::atomic<int> sets{0};  // promise: successful ak_value_set / ak_value_fail calls
};

// Checks a result read from a set value `d` (status AK_OK): alive, and belonging to it. `d->v`
// must be held by the caller (directly or through a list or task that holds it).
void check_result(const ValueInfo *d, void *r, int depth) {
  if (depth > 8) return;
  switch (d->kind) {
    case Kind::kTask:
    case Kind::kPromise: {
      if (!r) return;  // work without a result, or a promise set with NULL
      auto *it = static_cast<Item *>(r);
      FZ_CHECK(it->magic == kItemMagic, "a value's result is not one of the harness's items",
               d->id);
      FZ_CHECK(it->tag == d->id, "a value's result belongs to another value", d->id, it->tag);
      FZ_CHECK(it->frees.load() == 0, "result freed while its value is still held", d->id);
      return;
    }
    case Kind::kJoin: {
      if (d->elems.empty()) {
        FZ_CHECK(r == nullptr, "empty join has a non-null result", d->id);
        return;
      }
      FZ_CHECK(r != nullptr, "join result array is null", d->id);
      auto **arr = static_cast<void **>(r);
      for (size_t i = 0; i < d->elems.size(); ++i) check_result(d->elems[i], arr[i], depth + 1);
      return;
    }
    case Kind::kAny: {
      size_t idx = SIZE_MAX;
      const int rc = ak_list_any_index(d->v, &idx);
      FZ_CHECK(rc == AK_OK, "an any-list set with AK_OK has no index", d->id, rc);
      FZ_CHECK(idx < d->elems.size(), "any index out of range", d->id, static_cast<long>(idx));
      check_result(d->elems[idx], r, depth + 1);
      return;
    }
  }
}

// ---- work ---------------------------------------------------------------------------------------
enum WorkMode : uint8_t {
  kWorkResult,         // set a result, return OK
  kWorkResultTwice,    // set two results (the first is freed at once)
  kWorkFailMessage,    // ak_task_fail with a message, return 0
  kWorkReturnCode,     // return a positive work code
  kWorkFailThenCode,   // ak_task_fail, then return a different code
  kWorkGetTarget,      // ak_value_get on the target with a short timeout
  kWorkSetPromise,     // set or fail the target (a promise made for this work)
  kWorkSubmitChild,    // ak_pool_do on its own pool, release the child
  kWorkResizeOwn,      // ak_pool_resize on its own pool (0-2)
  kWorkStopOwn,        // ak_pool_stop on its own pool with a short timeout
  kWorkCancelTarget,   // ak_value_cancel on the target
  kWorkWaitSetTarget,  // AK_FOREVER get on a target that was set before submission
  kWorkModes
};

struct WorkSpec {
  Ctx *ctx = nullptr;
  uint32_t id = 0;  // the id its value gets: results are tagged with it
  uint8_t mode = 0;
  uint8_t arg = 0;
  size_t expected_inputs = 0;
  std::vector<ValueInfo *> inputs;  // what ak_task_input(i) must come from
  ValueInfo *target = nullptr;      // kept alive by `hold` while the work may run
  ak_value *hold = nullptr;         // the spec's one reference: a fresh promise, or a keeper list
  bool target_was_set = false;
  std::atomic<bool> entered{false};
  std::atomic<bool> settled{false};  // its value is set: the work has returned or never will run
  bool refs_dropped = false;         // harness thread only
};

struct CbRecord {
  Ctx *ctx = nullptr;
  ValueInfo *watched = nullptr;
  uint8_t mode = 0;
  ak_value *promise = nullptr;  // callback-owned reference (mode 2), released by the callback
  uint32_t promise_id = 0;
  std::atomic<bool> entered{false};
  std::atomic<int> runs{0};
};

struct PoolSlot {
  ak_pool *p = nullptr;
  bool is_default = false;
};

struct Ctx {
  std::mutex items_mu;
  std::deque<Item> items;
  std::deque<ValueInfo> infos;
  std::deque<WorkSpec> specs;
  std::deque<CbRecord> cbs;
  std::vector<ValueInfo *> slots;  // each is one harness reference
  std::array<PoolSlot, kPools> pools{};
  std::atomic<long> tasks_settled{0};
  long tasks_made = 0;
  uint32_t next_id = 1;

  Item *make_item(uint32_t tag) {
    std::lock_guard<std::mutex> lk(items_mu);
    items.emplace_back();
    items.back().tag = tag;
    return &items.back();
  }
  ValueInfo *info(Kind k, ak_value *v, uint32_t id) {
    infos.emplace_back();
    ValueInfo *i = &infos.back();
    i->id = id;
    i->kind = k;
    i->v = v;
    return i;
  }
};

bool work_code_ok(int rc) { return rc == AK_OK || rc == AK_ESHUTDOWN; }

// The inputs a running task sees must be its dependencies' results, alive.
void check_inputs(ak_task *t, const WorkSpec *s) {
  const size_t n = ak_task_input_count(t);
  FZ_CHECK(n == s->expected_inputs, "wrong input count", s->id, static_cast<long>(n));
  for (size_t i = 0; i < n && i < s->inputs.size(); ++i) {
    const ValueInfo *d = s->inputs[i];
    FZ_CHECK(ak_value_status(d->v) == AK_OK, "work runs although an input is not set with OK",
             s->id, static_cast<long>(i));
    check_result(d, ak_task_input(t, i), 0);
  }
  FZ_CHECK(ak_task_input(t, n) == nullptr, "input past the end is not NULL", s->id);
  FZ_CHECK(ak_task_pool(t) != nullptr, "ak_task_pool is NULL inside work", s->id);
}

int stateless_child(ak_task *, void *) { return AK_OK; }

int fuzz_work(ak_task *t, void *arg) {
  auto *s = static_cast<WorkSpec *>(arg);
  FZ_CHECK(!s->entered.exchange(true), "work ran twice", s->id);
  g_totals.works_run.fetch_add(1, std::memory_order_relaxed);
  check_inputs(t, s);
  Ctx *ctx = s->ctx;
  switch (s->mode) {
    case kWorkResult:
    default: {
      Item *it = ctx->make_item(s->id);
      it->handed = true;
      FZ_CHECK(ak_task_set_result(t, it, item_free) == AK_OK, "ak_task_set_result failed", s->id);
      return AK_OK;
    }
    case kWorkResultTwice: {
      Item *a = ctx->make_item(s->id);
      Item *b = ctx->make_item(s->id);
      a->handed = true;
      b->handed = true;
      ak_task_set_result(t, a, item_free);
      ak_task_set_result(t, b, item_free);
      FZ_CHECK(a->frees.load() == 1, "replaced result not freed at once", s->id);
      return (s->arg & 1) ? AK_OK : ak_task_fail(t, 7, "failed after a result");
    }
    case kWorkFailMessage: {
      const int rc =
          ak_task_fail(t, s->arg % 3 == 0 ? 0 : s->arg, "work %u failed: %s", s->id, "msg");
      FZ_CHECK(rc == (s->arg % 3 == 0 ? AK_EWORK : s->arg), "ak_task_fail returned another code",
               rc);
      return 0;
    }
    case kWorkReturnCode:
      return 1 + s->arg % 100;
    case kWorkFailThenCode:
      ak_task_fail(t, 3, nullptr);
      return 4 + s->arg % 10;
    case kWorkGetTarget: {
      if (!s->target) return AK_OK;
      void *r = reinterpret_cast<void *>(0x5eed);
      const int rc = ak_value_get(s->target->v, short_timeout(s->arg), &r);
      if (rc == AK_OK) {
        check_result(s->target, r, 0);
      } else {
        FZ_CHECK(r == reinterpret_cast<void *>(0x5eed), "ak_value_get wrote *result on failure",
                 rc);
      }
      return AK_OK;
    }
    case kWorkSetPromise: {
      if (!s->target) return AK_OK;
      if (s->arg & 1) {
        Item *it = ctx->make_item(s->target->id);
        it->handed = true;  // provisional: taken back below if refused
        const int rc = ak_value_set(s->target->v, it, item_free);
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_set returned an undocumented code", rc);
        if (rc == AK_OK) {
          FZ_CHECK(s->target->sets.fetch_add(1) == 0, "promise set twice", s->target->id);
        } else {
          it->handed = false;
          FZ_CHECK(it->frees.load() == 0, "refused result was freed", s->target->id);
        }
      } else {
        const int rc = ak_value_fail(s->target->v, 40 + s->arg % 5, "failed by work");
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_fail returned an undocumented code", rc);
        if (rc == AK_OK)
          FZ_CHECK(s->target->sets.fetch_add(1) == 0, "promise set twice", s->target->id);
      }
      return AK_OK;
    }
    case kWorkSubmitChild: {
      ak_value *child = reinterpret_cast<ak_value *>(0x5eed);
      const int rc = ak_pool_do(ak_task_pool(t), stateless_child, nullptr, &child);
      FZ_CHECK(work_code_ok(rc), "ak_pool_do from inside work returned an undocumented code", rc);
      if (rc != AK_OK) {
        FZ_CHECK(child == reinterpret_cast<ak_value *>(0x5eed), "out written on failure", rc);
        return AK_OK;
      }
      if (s->arg & 1) (void)ak_value_wait(child, short_timeout(s->arg >> 1));
      ak_value_release(child);
      return AK_OK;
    }
    case kWorkResizeOwn: {
      ak_pool *p = ak_task_pool(t);
      if (p == ak_pool_default()) return AK_OK;  // never shrink the shared default pool
      const int rc = ak_pool_resize(p, s->arg % 3);
      FZ_CHECK(work_code_ok(rc), "ak_pool_resize from inside work returned an undocumented code",
               rc);
      return AK_OK;
    }
    case kWorkStopOwn: {
      ak_pool *p = ak_task_pool(t);
      const int rc = ak_pool_stop(p, (s->arg & 1) ? AK_STOP_CANCEL : AK_STOP_DRAIN,
                                  short_timeout(s->arg >> 1));
      if (p == ak_pool_default()) {
        FZ_CHECK(rc == AK_EINVAL, "ak_pool_stop accepted the default pool", rc);
      } else {
        FZ_CHECK(rc == AK_OK || rc == AK_ETIMEDOUT,
                 "ak_pool_stop from inside work returned an undocumented code", rc);
      }
      return ak_task_cancelled(t) ? AK_ECANCELED : AK_OK;
    }
    case kWorkCancelTarget: {
      if (!s->target) return AK_OK;
      const int rc = ak_value_cancel(s->target->v);
      FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_cancel returned an undocumented code", rc);
      return AK_OK;
    }
    case kWorkWaitSetTarget: {
      if (!s->target) return AK_OK;
      const int64_t to = s->target_was_set ? AK_FOREVER : short_timeout(s->arg);
      void *r = nullptr;
      const int rc = ak_value_get(s->target->v, to, &r);
      if (s->target_was_set) {
        FZ_CHECK(rc != AK_ETIMEDOUT || ak_value_is_set(s->target->v),
                 "AK_FOREVER wait on a set value timed out", s->id);
      }
      if (rc == AK_OK) check_result(s->target, r, 0);
      return AK_OK;
    }
  }
}

// Registered on every task value when it is made: tells the harness the task settled.
void on_task_settled(ak_value *v, void *arg) {
  auto *s = static_cast<WorkSpec *>(arg);
  FZ_CHECK(ak_value_is_set(v), "done-callback ran on an unset value", s->id);
  FZ_CHECK(!s->settled.exchange(true), "a task value was set twice (its callback ran twice)",
           s->id);
  s->ctx->tasks_settled.fetch_add(1);  // last touch of the context
}

// ---- user done-callbacks ------------------------------------------------------------------------
void user_callback(ak_value *v, void *arg) {
  auto *c = static_cast<CbRecord *>(arg);
  FZ_CHECK(!c->entered.exchange(true), "done-callback ran twice", c->watched->id);
  g_totals.callbacks.fetch_add(1, std::memory_order_relaxed);
  FZ_CHECK(v == c->watched->v, "done-callback got another value", c->watched->id);
  FZ_CHECK(ak_value_is_set(v), "done-callback ran on an unset value", c->watched->id);
  const int st = ak_value_status(v);
  FZ_CHECK(st != AK_EPENDING, "done-callback sees a pending status", c->watched->id);
  (void)ak_value_message(v);
  switch (c->mode % 4) {
    case 0:
      break;
    case 1:  // it may call the library on its own value
      ak_value_retain(v);
      FZ_CHECK(ak_value_cancel(v) == AK_ESTATE, "cancel on a set value did not return AK_ESTATE");
      FZ_CHECK(ak_value_set(v, nullptr, nullptr) == AK_ESTATE, "set on a set value succeeded");
      ak_value_release(v);
      break;
    case 2:  // sets (or fails) a promise made for it, then lets it go
      if (c->promise) {
        const int rc = (c->mode & 4) ? ak_value_fail(c->promise, 50, "failed by a callback")
                                     : ak_value_set(c->promise, nullptr, nullptr);
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "set/fail from a callback: undocumented code", rc);
        ak_value_release(c->promise);
        c->promise = nullptr;
      }
      break;
    case 3:
      c->runs.fetch_add(1);
      throw std::runtime_error("callback threw");  // documented: caught and ignored
  }
  c->runs.fetch_add(1);
}

// ---- the harness --------------------------------------------------------------------------------
class Harness {
 public:
  explicit Harness(const uint8_t *data, size_t size) : in_(data, size) {}

  void run() {
    for (int step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      const uint8_t op = in_.ConsumeIntegralInRange<uint8_t>(0, 27);
      g_totals.ops[op].fetch_add(1, std::memory_order_relaxed);
      g_totals.steps.fetch_add(1, std::memory_order_relaxed);
      this->step(op);
      check_table();
      drop_settled_spec_refs();
    }
    finish();
    g_totals.inputs.fetch_add(1, std::memory_order_relaxed);
    g_totals.tasks.fetch_add(ctx_.tasks_made, std::memory_order_relaxed);
  }

 private:
  FuzzedDataProvider in_;
  Ctx ctx_;

  uint8_t byte() { return in_.ConsumeIntegral<uint8_t>(); }

  ak_pool *pick_pool(bool allow_default) {
    const uint8_t b = byte();
    if (allow_default && b % 8 == 7) return ak_pool_default();
    PoolSlot &s = ctx_.pools[b % kPools];
    return s.p;
  }
  ValueInfo *pick_value() {
    if (ctx_.slots.empty()) return nullptr;
    return ctx_.slots[byte() % ctx_.slots.size()];
  }
  bool room(size_t n = 1) const { return ctx_.slots.size() + n <= kSlots; }

  // A value for work to look at, kept alive by a one-element join the spec holds: the join's
  // reference is internal, so it neither keeps a promise from being abandoned nor lets work wait
  // on a promise that only its own spec keeps unset.
  ValueInfo *kept_target(ak_value **hold) {
    ValueInfo *t = pick_value();
    if (!t) return nullptr;
    const int rc = ak_list_join(&t->v, 1, hold);
    FZ_CHECK(rc == AK_OK, "ak_list_join of one failed", rc);
    return t;
  }

  void new_task(ak_pool *p, ak_value *const *deps, size_t n, std::vector<ValueInfo *> dep_infos,
                int how, ValueInfo *prev) {
    ctx_.specs.emplace_back();
    WorkSpec *s = &ctx_.specs.back();
    s->ctx = &ctx_;
    s->id = ctx_.next_id++;
    s->mode = byte() % kWorkModes;
    s->arg = byte();
    if (s->mode == kWorkSetPromise) {
      // A promise made for this work: the work cannot depend on it, so no cycle can form.
      ak_value *pv = nullptr;
      if (room() && ak_value_new(&pv) == AK_OK) {
        ValueInfo *pi = ctx_.info(Kind::kPromise, pv, ctx_.next_id++);
        ctx_.slots.push_back(pi);
        ak_value_retain(pv);
        s->target = pi;
        s->hold = pv;
      }
    } else if (s->mode == kWorkGetTarget || s->mode == kWorkCancelTarget ||
               s->mode == kWorkWaitSetTarget) {
      s->target = kept_target(&s->hold);
      s->target_was_set = s->target && ak_value_is_set(s->target->v);
    }
    ak_value *out = reinterpret_cast<ak_value *>(0x5eed);
    int rc;
    if (how == 0) {
      s->expected_inputs = 0;
      rc = ak_pool_do(p, fuzz_work, s, &out);
    } else if (how == 1) {
      s->expected_inputs = n;
      s->inputs = dep_infos;
      rc = ak_pool_do_after(p, deps, n, fuzz_work, s, &out);
    } else {
      if (prev->kind == Kind::kJoin) {
        s->expected_inputs = prev->elems.size();
        s->inputs = prev->elems;
      } else {
        s->expected_inputs = 1;
        s->inputs = {prev};
      }
      rc = p ? ak_chain_on(p, prev->v, fuzz_work, s, &out) : ak_chain(prev->v, fuzz_work, s, &out);
    }
    if (rc != AK_OK) {
      FZ_CHECK(rc == AK_ESHUTDOWN, "submission returned an undocumented code", rc, how);
      FZ_CHECK(out == reinterpret_cast<ak_value *>(0x5eed), "out pointer written on failure", rc);
      s->settled = true;  // never runs
      release_spec_refs(s);
      return;
    }
    ValueInfo *vi = ctx_.info(Kind::kTask, out, s->id);
    ++ctx_.tasks_made;
    const int cb = ak_value_on_done(out, on_task_settled, s);
    FZ_CHECK(cb == AK_OK, "ak_value_on_done failed", cb);
    if (room()) {
      ctx_.slots.push_back(vi);
    } else {
      ak_value_release(out);  // releasing a pending task's value is fine: the work still runs
    }
  }

  void release_spec_refs(WorkSpec *s) {
    if (s->refs_dropped) return;
    s->refs_dropped = true;
    if (s->hold) ak_value_release(s->hold);
    s->hold = nullptr;
  }

  void drop_settled_spec_refs() {
    for (WorkSpec &s : ctx_.specs) {
      if (!s.refs_dropped && s.settled.load()) release_spec_refs(&s);
    }
  }

  std::vector<ValueInfo *> pick_list(size_t min_n) {
    size_t n = min_n + byte() % (kMaxListLen + 1 - min_n);
    std::vector<ValueInfo *> out;
    for (size_t i = 0; i < n; ++i) {
      ValueInfo *v = pick_value();
      if (v) out.push_back(v);
    }
    return out;
  }

  static std::vector<ak_value *> handles(const std::vector<ValueInfo *> &vs) {
    std::vector<ak_value *> h;
    for (ValueInfo *v : vs) h.push_back(v->v);
    return h;
  }

  void observe(ValueInfo *vi) {
    // Read in this order: a value may become set between the two reads, never unset.
    const int st = ak_value_status(vi->v);
    const int set = ak_value_is_set(vi->v);
    if (st != AK_EPENDING) FZ_CHECK(set == 1, "a value with a final status is not set", vi->id, st);
    if (!set) {
      FZ_CHECK(!vi->observed, "a value seen set became unset", vi->id);
      return;
    }
    void *r = reinterpret_cast<void *>(0x5eed);
    const int rc = ak_value_get(vi->v, 0, &r);
    FZ_CHECK(rc != AK_ETIMEDOUT || ak_value_is_set(vi->v), "get(0) on a set value timed out",
             vi->id);
    FZ_CHECK(rc == ak_value_status(vi->v), "get and status disagree", rc, ak_value_status(vi->v));
    FZ_CHECK((rc != AK_OK) == (ak_value_is_error(vi->v) == 1), "is_error disagrees", vi->id, rc);
    const char *msg = ak_value_message(vi->v);
    FZ_CHECK(msg != nullptr, "message is NULL", vi->id);
    if (rc != AK_OK) FZ_CHECK(msg[0] != '\0', "failed value without a message", vi->id, rc);
    size_t idx = SIZE_MAX;
    if (vi->kind == Kind::kAny) (void)ak_list_any_index(vi->v, &idx);
    if (!vi->observed) {
      vi->observed = true;
      vi->status = rc;
      vi->result = rc == AK_OK ? r : nullptr;
      vi->any_index = idx;
    } else {
      FZ_CHECK(vi->status == rc, "a set value changed its status", vi->status, rc);
      if (rc == AK_OK) FZ_CHECK(vi->result == r, "a set value changed its result", vi->id);
      FZ_CHECK(vi->any_index == idx, "an any-list changed its index", vi->id);
    }
    if (rc == AK_OK) check_result(vi, r, 0);
  }

  void check_table() {
    for (ValueInfo *vi : ctx_.slots) observe(vi);
  }

  void step(uint8_t op) {
    switch (op) {
      case 0:
      case 1: {  // create a pool in an empty slot
        PoolSlot &s = ctx_.pools[byte() % kPools];
        if (s.p) return;
        ak_pool_options o = AK_POOL_OPTIONS_INIT;
        o.workers = byte() % 3;
        o.name = "fz";
        ak_pool *p = reinterpret_cast<ak_pool *>(0x5eed);
        const int rc = ak_pool_create(&o, &p);
        FZ_CHECK(rc == AK_OK, "ak_pool_create failed", rc);
        FZ_CHECK(ak_pool_workers(p) == o.workers, "ak_pool_workers", ak_pool_workers(p), o.workers);
        s.p = p;
        s.is_default = false;
        return;
      }
      case 2: {  // put the default pool in an empty slot
        PoolSlot &s = ctx_.pools[byte() % kPools];
        if (s.p) return;
        s.p = ak_pool_default();
        FZ_CHECK(s.p != nullptr, "no default pool");
        s.is_default = true;
        return;
      }
      case 3: {  // resize
        PoolSlot &s = ctx_.pools[byte() % kPools];
        const unsigned w = byte() % 3;
        if (!s.p || s.is_default) return;
        const int rc = ak_pool_resize(s.p, w);
        FZ_CHECK(rc == AK_OK || rc == AK_ESHUTDOWN, "ak_pool_resize returned an undocumented code",
                 rc);
        // (ak_pool_workers is not checked here: work on the pool may resize it concurrently.)
        return;
      }
      case 4: {  // stop with a short timeout
        PoolSlot &s = ctx_.pools[byte() % kPools];
        const uint8_t b = byte();
        if (!s.p) return;
        const int rc =
            ak_pool_stop(s.p, (b & 1) ? AK_STOP_CANCEL : AK_STOP_DRAIN, short_timeout(b >> 1));
        if (s.is_default) {
          FZ_CHECK(rc == AK_EINVAL, "ak_pool_stop accepted the default pool", rc);
        } else {
          FZ_CHECK(rc == AK_OK || rc == AK_ETIMEDOUT, "ak_pool_stop returned an undocumented code",
                   rc);
        }
        return;
      }
      case 5: {  // destroy
        PoolSlot &s = ctx_.pools[byte() % kPools];
        if (!s.p) return;
        ak_pool_destroy(s.p);  // ignored for the default pool
        s = PoolSlot{};
        return;
      }
      case 6:
      case 7:
      case 8: {  // do
        ak_pool *p = pick_pool(true);
        if (!p) return;
        new_task(p, nullptr, 0, {}, 0, nullptr);
        return;
      }
      case 9:
      case 10: {  // do_after
        ak_pool *p = pick_pool(true);
        if (!p) return;
        std::vector<ValueInfo *> deps = pick_list(0);
        std::vector<ak_value *> h = handles(deps);
        new_task(p, h.empty() ? nullptr : h.data(), h.size(), deps, 1, nullptr);
        return;
      }
      case 11:
      case 12: {  // chain / chain_on
        ValueInfo *prev = pick_value();
        if (!prev) return;
        ak_pool *p = (byte() & 1) ? pick_pool(true) : nullptr;
        new_task(p, nullptr, 0, {}, 2, prev);
        return;
      }
      case 13:
      case 14: {  // join / any
        const bool any = op == 14;
        std::vector<ValueInfo *> elems = pick_list(any ? 1 : 0);
        if (any && elems.empty()) return;
        std::vector<ak_value *> h = handles(elems);
        ak_value *out = reinterpret_cast<ak_value *>(0x5eed);
        const int rc = any ? ak_list_any(h.data(), h.size(), &out)
                           : ak_list_join(h.empty() ? nullptr : h.data(), h.size(), &out);
        FZ_CHECK(rc == AK_OK, "list creation failed", rc);
        ValueInfo *vi = ctx_.info(any ? Kind::kAny : Kind::kJoin, out, ctx_.next_id++);
        vi->elems = elems;
        FZ_CHECK(ak_list_size(out) == elems.size(), "ak_list_size");
        for (size_t i = 0; i < elems.size(); ++i) {
          FZ_CHECK(ak_list_at(out, i) == elems[i]->v, "ak_list_at", static_cast<long>(i));
        }
        FZ_CHECK(ak_list_at(out, elems.size()) == nullptr, "ak_list_at past the end");
        if (room()) {
          ctx_.slots.push_back(vi);
        } else {
          ak_value_release(out);
        }
        return;
      }
      case 15: {  // new promise
        if (!room()) return;
        ak_value *v = nullptr;
        FZ_CHECK(ak_value_new(&v) == AK_OK, "ak_value_new failed");
        FZ_CHECK(ak_value_status(v) == AK_EPENDING, "new promise not pending");
        ctx_.slots.push_back(ctx_.info(Kind::kPromise, v, ctx_.next_id++));
        return;
      }
      case 16: {  // set
        ValueInfo *vi = pick_value();
        if (!vi) return;
        const bool with_item = byte() & 1;
        Item *it = with_item ? ctx_.make_item(vi->id) : nullptr;
        if (it) it->handed = true;
        const int rc = ak_value_set(vi->v, it, it ? item_free : nullptr);
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_set returned an undocumented code", rc);
        if (rc == AK_OK) {
          FZ_CHECK(vi->kind == Kind::kPromise, "ak_value_set succeeded on a non-promise", vi->id);
          FZ_CHECK(vi->sets.fetch_add(1) == 0, "promise set twice", vi->id);
        } else if (it) {
          it->handed = false;
          FZ_CHECK(it->frees.load() == 0, "refused result was freed", vi->id);
        }
        return;
      }
      case 17: {  // fail
        ValueInfo *vi = pick_value();
        if (!vi) return;
        const uint8_t b = byte();
        const int rc =
            ak_value_fail(vi->v, b % 4 == 0 ? 0 : 20 + b % 7, (b & 8) ? "harness" : nullptr);
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_fail returned an undocumented code", rc);
        if (rc == AK_OK) {
          FZ_CHECK(vi->kind == Kind::kPromise, "ak_value_fail succeeded on a non-promise", vi->id);
          FZ_CHECK(vi->sets.fetch_add(1) == 0, "promise set twice", vi->id);
          if (b % 4 == 0)
            FZ_CHECK(ak_value_status(vi->v) == AK_EWORK, "code 0 did not become EWORK");
        }
        return;
      }
      case 18: {  // cancel
        ValueInfo *vi = pick_value();
        if (!vi) return;
        const bool was_set = ak_value_is_set(vi->v);
        const int rc = ak_value_cancel(vi->v);
        FZ_CHECK(rc == AK_OK || rc == AK_ESTATE, "ak_value_cancel returned an undocumented code",
                 rc);
        if (was_set)
          FZ_CHECK(rc == AK_ESTATE, "cancel of a set value did not return AK_ESTATE", rc);
        if (rc == AK_OK) {
          FZ_CHECK(ak_value_status(vi->v) == AK_ECANCELED, "cancelled value is not AK_ECANCELED",
                   vi->id, ak_value_status(vi->v));
          if (vi->kind == Kind::kPromise) FZ_CHECK(vi->sets.fetch_add(1) == 0, "promise set twice");
        }
        return;
      }
      case 19:
      case 20: {  // get / wait with a short timeout
        ValueInfo *vi = pick_value();
        if (!vi) return;
        const int64_t to = short_timeout(byte());
        if (op == 19) {
          void *r = reinterpret_cast<void *>(0x5eed);
          const int rc = ak_value_get(vi->v, to, &r);
          if (rc != AK_OK)
            FZ_CHECK(r == reinterpret_cast<void *>(0x5eed), "result written on failure");
          if (rc == AK_OK) check_result(vi, r, 0);
        } else {
          const int rc = ak_value_wait(vi->v, to);
          FZ_CHECK(rc == AK_OK || rc == AK_ETIMEDOUT, "ak_value_wait returned an undocumented code",
                   rc);
          if (rc == AK_OK)
            FZ_CHECK(ak_value_is_set(vi->v) == 1, "wait OK on an unset value", vi->id);
        }
        return;
      }
      case 21:
      case 22: {  // on_done
        ValueInfo *vi = pick_value();
        if (!vi) return;
        ctx_.cbs.emplace_back();
        CbRecord *c = &ctx_.cbs.back();
        c->ctx = &ctx_;
        c->watched = vi;
        c->mode = byte();
        if (c->mode % 4 == 2 && room()) {
          // A promise made for the callback: the watched value cannot depend on it.
          ak_value *pv = nullptr;
          FZ_CHECK(ak_value_new(&pv) == AK_OK, "ak_value_new failed");
          ValueInfo *pi = ctx_.info(Kind::kPromise, pv, ctx_.next_id++);
          ctx_.slots.push_back(pi);
          ak_value_retain(pv);
          c->promise = pv;
          c->promise_id = pi->id;
        }
        const int rc = ak_value_on_done(vi->v, user_callback, c);
        FZ_CHECK(rc == AK_OK, "ak_value_on_done failed", rc);
        return;
      }
      case 23: {  // retain: a second slot for the same value
        ValueInfo *vi = pick_value();
        if (!vi || !room()) return;
        ak_value_retain(vi->v);
        ctx_.slots.push_back(vi);
        return;
      }
      case 24:
      case 25: {  // release one slot
        if (ctx_.slots.empty()) return;
        const size_t i = byte() % ctx_.slots.size();
        ak_value_release(ctx_.slots[i]->v);
        ctx_.slots.erase(ctx_.slots.begin() + static_cast<long>(i));
        return;
      }
      case 26: {  // stats
        ak_pool *p = pick_pool(true);
        if (!p) return;
        ak_stats st = AK_STATS_INIT;
        FZ_CHECK(ak_pool_stats(p, &st) == AK_OK, "ak_pool_stats failed");
        FZ_CHECK(st.workers <= 2 || p == ak_pool_default(), "more workers than asked", st.workers);
        return;
      }
      case 27: {  // list readers on anything
        ValueInfo *vi = pick_value();
        if (!vi) return;
        size_t idx = 0;
        const int rc = ak_list_any_index(vi->v, &idx);
        if (vi->kind != Kind::kAny) FZ_CHECK(rc == AK_EINVAL, "any_index on a non-any", rc);
        if (vi->kind == Kind::kTask || vi->kind == Kind::kPromise) {
          FZ_CHECK(ak_list_size(vi->v) == 0 && ak_list_at(vi->v, 0) == nullptr, "list readers");
        }
        return;
      }
      default:
        return;
    }
  }

  template <class F>
  bool eventually(F cond) {
    const auto deadline = std::chrono::steady_clock::now() + kEndBound;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) return cond();
      std::this_thread::yield();
    }
    return true;
  }

  void finish() {
    // 1. Every harness reference goes (unset promises with no other holder are abandoned).
    for (ValueInfo *vi : ctx_.slots) ak_value_release(vi->v);
    ctx_.slots.clear();
    // 2. Every pool goes: queued work runs, waiting work fails with AK_ESHUTDOWN later.
    for (PoolSlot &s : ctx_.pools) {
      if (s.p) ak_pool_destroy(s.p);
      s = PoolSlot{};
    }
    // 3. Every task settles; specs let their references go as their tasks do.
    const bool settled = eventually([&] {
      drop_settled_spec_refs();
      return ctx_.tasks_settled.load() == ctx_.tasks_made;
    });
    FZ_CHECK(settled, "tasks never settled (hang)", ctx_.tasks_settled.load(), ctx_.tasks_made);
    drop_settled_spec_refs();
    // 4. Every done-callback ran once (every value is set by now).
    for (CbRecord &c : ctx_.cbs) {
      FZ_CHECK(eventually([&] { return c.runs.load() == 1; }), "done-callback never ran",
               c.watched->id, c.runs.load());
    }
    // 5. Every result handed over is freed exactly once; the refused ones never.
    std::lock_guard<std::mutex> lk(ctx_.items_mu);
    for (Item &it : ctx_.items) {
      if (it.handed) {
        FZ_CHECK(eventually([&] { return it.frees.load() >= 1; }),
                 "result never freed although every reference is gone", it.tag);
        FZ_CHECK(it.frees.load() == 1, "result freed twice", it.tag);
      } else {
        FZ_CHECK(it.frees.load() == 0, "refused result freed", it.tag);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Harness h(data, size);
  h.run();
  return 0;
}
