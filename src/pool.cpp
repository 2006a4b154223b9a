// pool.cpp -- workers, their loop, resizing and stopping.
#include "pool.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <new>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "fault.hpp"
#include "recycler.hpp"

namespace ak {

namespace {
constexpr int kIdleSpins = 128;       // find_work attempts before a worker sleeps
constexpr int kPauseSpins = 64;       // of which the first ones pause; the rest yield the CPU
constexpr int kRelaxPerSpin = 8;      // pause instructions between attempts
constexpr size_t kInjectBatch = 64;   // most tasks taken from the injection queue at a time

// Between two attempts to find work: pause briefly at first, then give the CPU to whoever needs
// it (on a busy machine, often the thread producing our work).
void idle_backoff(int round) noexcept {
  if (round < kPauseSpins) {
    for (int j = 0; j < kRelaxPerSpin; ++j) cpu_relax();
  } else {
    std::this_thread::yield();
  }
}

// True while this thread runs the completion of a task (publishing its value and scheduling
// what it unblocked): the first continuation made ready now is run by this worker next.
thread_local bool tl_completing = false;

// Every live pool by serial: lets ak_chain find a finished task's pool without touching freed
// memory. Made on first use and never destroyed (pools may outlive static destruction).
struct Registry {
  std::mutex mutex;
  std::unordered_map<uint64_t, Pool*> pools;
  uint64_t next_serial = 1;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}
}  // namespace

bool set_completing(bool on) noexcept {
  const bool was = tl_completing;
  tl_completing = on;
  if (!on) {
    Worker* w = current_worker();
    if (w && w->next) w->pool->share_kept(w);
  }
  return was;
}

unsigned hardware_workers() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (n > AK_WORKERS_MAX ? AK_WORKERS_MAX : n);
}

Worker*& current_worker() noexcept {
  thread_local Worker* worker = nullptr;
  return worker;
}

Pool::Pool(const char* name, bool is_default)
    : name_(name && name[0] ? std::string(name).substr(0, 11) : std::string("ak")),
      is_default_(is_default) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  serial_ = r.next_serial++;
  r.pools.emplace(serial_, this);
}

Pool* Pool::acquire_live(uint64_t serial) noexcept {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.pools.find(serial);
  if (it == r.pools.end()) return nullptr;
  Pool* p = it->second;
  // Only while someone else still holds it: a pool at zero is being deleted (and will leave the
  // registry as soon as we let go of the lock). relaxed: the registry lock orders this.
  uint32_t refs = p->refs_.load(std::memory_order_relaxed);
  do {
    if (refs == 0) return nullptr;
  } while (!p->refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_relaxed));
  return p;
}

namespace {
// The last pool this thread found by serial, with a reference held (see find_live).
struct FoundPool {
  uint64_t serial = 0;
  Pool* pool = nullptr;
  ~FoundPool() {
    if (pool) pool->release();
  }
};
thread_local FoundPool tl_found;
}  // namespace

Pool* Pool::find_live(uint64_t serial) noexcept {
  FoundPool& f = tl_found;
  if (f.pool && f.serial == serial) return f.pool;
  Pool* p = acquire_live(serial);
  if (!p) return nullptr;
  Pool* old = f.pool;
  f.pool = p;
  f.serial = serial;
  if (old) old->release();
  return p;
}

Pool::~Pool() {
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.pools.erase(serial_);
  }
  for (auto& slot : slots_) {
    // relaxed: the pool is dying; no other thread uses it.
    delete slot.load(std::memory_order_relaxed);
  }
}

void Pool::release() noexcept { release_many(1); }

void Pool::release_many(uint32_t n) noexcept {
  // acq_rel: the last release sees every other thread's use of the pool before deleting it.
  if (refs_.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
}

namespace {
constexpr uint32_t kBankBatch = 64;  // references a bank takes from a pool at a time

// References to one pool held by this thread for the tasks it makes wait (see retain_waiting).
struct RefBank {
  Pool* pool = nullptr;
  uint32_t credits = 0;
  bool dead = false;  // the thread is ending (a later thread_local destructor releasing values)
  ~RefBank() {
    empty_out();
    dead = true;
  }
  void empty_out() noexcept {
    Pool* p = pool;
    const uint32_t n = credits;
    pool = nullptr;
    credits = 0;
    if (p && n) p->release_many(n);  // may free the pool
  }
};
thread_local RefBank tl_bank;
}  // namespace

void Pool::retain_waiting() noexcept {
  RefBank& b = tl_bank;
  if (b.pool == this && b.credits > 0) {
    --b.credits;
    return;
  }
  if (b.dead) {
    retain();
    return;
  }
  if (b.pool != this) b.empty_out();
  // relaxed: the caller holds a reference, so the count is not zero.
  refs_.fetch_add(kBankBatch, std::memory_order_relaxed);
  b.pool = this;
  b.credits = kBankBatch - 1;
}

void Pool::release_waiting() noexcept {
  RefBank& b = tl_bank;
  if (b.pool == nullptr && !b.dead) b.pool = this;  // keep it: likely to bank for it again
  if (b.pool != this) {
    release();
    return;
  }
  if (++b.credits < 2 * kBankBatch) return;
  b.credits -= kBankBatch;
  // release: as in release_many(); the bank still holds kBankBatch, so this is never the last.
  refs_.fetch_sub(kBankBatch, std::memory_order_release);
}

void Pool::count(Stat s) noexcept {
  Worker* w = current_worker();
  if (w && w->pool == this) {
    switch (s) {
      case Stat::kSubmitted: w->counters.submitted.add(); break;
      case Stat::kCompleted: w->counters.completed.add(); break;
      case Stat::kFailed: w->counters.failed.add(); break;
      case Stat::kCancelled: w->counters.cancelled.add(); break;
    }
    return;
  }
  // relaxed: statistics only.
  switch (s) {
    case Stat::kSubmitted: ext_submitted_.fetch_add(1, std::memory_order_relaxed); break;
    case Stat::kCompleted: ext_completed_.fetch_add(1, std::memory_order_relaxed); break;
    case Stat::kFailed: ext_failed_.fetch_add(1, std::memory_order_relaxed); break;
    case Stat::kCancelled: ext_cancelled_.fetch_add(1, std::memory_order_relaxed); break;
  }
}

// --- submitting -------------------------------------------------------------------------------

namespace {
// Frees a task block that was never shared.
void discard_unshared(Node* t) noexcept {
  t->refs.store(kUserRef, std::memory_order_relaxed);  // relaxed: not shared
  release_user(t);
}
}  // namespace

int Pool::submit(ak_fn fn, void* arg, Node** out) {
  Worker* w = current_worker();
  const bool own = w && w->pool == this;
  // acquire: pairs with the phase change in stop(); a stale read is caught by the closed queue.
  const PoolPhase ph = phase_.load(std::memory_order_acquire);
  if (own ? ph == PoolPhase::kStopped : ph != PoolPhase::kRunning) return AK_ESHUTDOWN;
  Node* t = new_node(Kind::kTask);
  t->refs.store(kUserRef + kRefOne, std::memory_order_relaxed);  // caller + pending; not shared
  t->pool = this;
  t->pool_serial = serial_;
  t->fn = fn;
  t->arg = arg;
  t->state.store(kQueued, std::memory_order_relaxed);  // published by the queue
  if (own) {
    try {
      w->deque.push(t);
    } catch (...) {
      discard_unshared(t);
      throw;
    }
    w->counters.submitted.add();
    notify_work();
  } else {
    // The task may run, and destroy this pool from inside, before we are done with the pool
    // here: hold a reference across the push and the wake-up. (Our own workers need none: the
    // worker thread holds one.)
    retain();
    if (!injector_.push(t)) {
      release();
      discard_unshared(t);
      return AK_ESHUTDOWN;
    }
    // relaxed: statistics only.
    ext_submitted_.fetch_add(1, std::memory_order_relaxed);
    notify_work();
    release();
  }
  *out = t;
  return AK_OK;
}

int Pool::submit_after(Node* dep, bool spread, ak_fn fn, void* arg, Node** out) {
  Worker* w = current_worker();
  const bool own = w && w->pool == this;
  // acquire: as in submit().
  const PoolPhase ph = phase_.load(std::memory_order_acquire);
  if (own ? ph == PoolPhase::kStopped : ph != PoolPhase::kRunning) return AK_ESHUTDOWN;
  Node* t = new_node(Kind::kTask);
  t->refs.store(kUserRef + kRefOne, std::memory_order_relaxed);  // caller + pending; not shared
  t->pool = this;
  t->pool_serial = serial_;
  t->fn = fn;
  t->arg = arg;
  t->dep = dep;
  t->spread = spread ? 1 : 0;
  t->dep_link = Listener{nullptr, t, 0, ListenKind::kDep};
  retain_waiting();  // a waiting task keeps the pool's memory alive until it is queued or failed
  count(Stat::kSubmitted);
  *out = t;
  if (!add_listener(dep, &t->dep_link)) on_dep_done(t);
  return AK_OK;
}

void Pool::push_local_or_inject(Worker* w, Node* t) noexcept {
  if (w) {
    try {
      w->deque.push(t);
      return;
    } catch (...) {  // the deque could not grow: the injection queue needs no allocation
    }
  }
  if (!injector_.push(t)) fail_unrunnable(t, kQueued, AK_ESHUTDOWN, "the pool is shut down");
}

void Pool::schedule(Node* t) noexcept {
  Worker* w = current_worker();
  // acquire: as in submit(). Our own workers only push locally while the pool still runs work.
  const bool own = w && w->pool == this &&
                   phase_.load(std::memory_order_acquire) != PoolPhase::kStopped;
  if (own && tl_completing && !w->next) {
    // The first continuation of the task this worker just ran: it runs here next, before
    // anything in the deque, and stays out of thieves' reach (a chain stays on one core, and a
    // push, a pop and a wake-up are saved). This worker's next find_work() empties the slot; if
    // user code runs first (a done-callback of the same task, a free function), it is moved to
    // the deque before that code runs (set_completing).
    w->next = t;
    return;
  }
  push_local_or_inject(own ? w : nullptr, t);
  notify_work();
}

void Pool::share_kept(Worker* w) noexcept {
  Node* t = w->next;
  w->next = nullptr;
  push_local_or_inject(w, t);
  notify_work();
}

void Pool::notify_work() noexcept {
  // seq_cst fence: Dekker pairing with a searcher's decrement followed by its look at the queues
  // (worker_main), and with a sleeper's announcement (Notifier::prepare_wait).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // relaxed: ordered by the fence above.
  if (searching_.load(std::memory_order_relaxed) > 0) return;
  notifier_.notify_after_fence(false);
}

void Pool::fail_unrunnable(Node* t, uint32_t from, int code, const char* why) noexcept {
  if (claim(t, from)) {
    set_failure(t, code, why);
    count(code == AK_ECANCELED ? Stat::kCancelled : Stat::kFailed);  // before waiters wake
    publish(t);
  } else {
    // relaxed: statistics only. It was cancelled while queued and is now out of the queue.
    stale_queued_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (Node* d = t->dep) {
    t->dep = nullptr;
    release_internal(d);
  }
  release_internal(t);  // the pending reference
}

// --- running ----------------------------------------------------------------------------------

void Pool::run(Node* t) noexcept {
  // relaxed: the CAS revalidates.
  uint32_t s = t->state.load(std::memory_order_relaxed);
  for (;;) {
    if (phase_of(s) != kQueued) {  // cancelled while queued: its value is already set
      // relaxed: statistics only.
      stale_queued_.fetch_sub(1, std::memory_order_relaxed);
      if (Node* d = t->dep) {
        t->dep = nullptr;
        release_internal(d);
      }
      release_internal(t);
      return;
    }
    // acquire: see the task's fields and its input's outcome.
    if (t->state.compare_exchange_weak(s, (s & ~kPhaseMask) | kRunning, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      break;
    }
  }
  if (cancelling()) {
    // Stopping with AK_STOP_CANCEL: queued work never runs.
    fail_unrunnable(t, kRunning, AK_ECANCELED, "cancelled: the pool is stopping");
    return;
  }
  int rc;
  try {
    rc = t->fn(as_task(t), t->arg);
  } catch (const std::exception& e) {
    rc = AK_EWORK;
    try {
      set_failure(t, rc, fmt::format("work threw an exception: {}", e.what()).c_str());
    } catch (...) {
      set_failure(t, rc, nullptr);
    }
  } catch (...) {
    rc = AK_EWORK;
    set_failure(t, rc, "work threw an exception");
  }
  const int code = rc != 0 ? rc : (t->fail_called == kFailCalled ? effective_code(t->fail_code) : AK_OK);
  if (Node* d = t->dep) {  // inputs are no longer needed
    t->dep = nullptr;
    release_internal(d);
  }
  if (code == AK_OK) {
    t->status = AK_OK;
  } else if (t->message) {
    t->status = code;
  } else {
    set_failure(t, code, nullptr);
  }
  // Count before publishing: a waiter that wakes may read the statistics at once.
  count(code == AK_OK ? Stat::kCompleted : Stat::kFailed);
  const bool outer = !tl_completing;
  tl_completing = true;
  publish(t, kRunning);  // only this thread moves a running task on: no claim needed
  if (outer) tl_completing = false;
  release_internal(t);  // the pending reference
}

namespace {
// The worker's own work, newest first: its continuation slot, then its deque.
Node* take_local(Worker* w) noexcept {
  if (Node* t = w->next) {
    w->next = nullptr;
    return t;
  }
  return w->deque.pop();
}
}  // namespace

Node* Pool::find_work(Worker* w) noexcept {
  if (Node* t = take_local(w)) return t;
  return steal(w);
}

Node* Pool::steal(Worker* w) noexcept {
  if (injector_.size() > 0) {
    Node* batch[kInjectBatch];
    // Half of what waits (at least one), so the other workers find some left to take.
    const size_t want = std::min(kInjectBatch, injector_.size() / 2 + 1);
    const size_t k = injector_.pop_batch(batch, want, false);  // busy: look elsewhere
    if (k > 0) {
      // Keep FIFO order: the owner pops the last pushed first, so push the later ones first.
      for (size_t j = k - 1; j >= 1; --j) push_local_or_inject(w, batch[j]);
      // Pass the baton: work is left (in our deque or the queue) and a sleeper may be needed for
      // it. A producer that saw a searcher skipped its wake-up; we may be that searcher.
      if (k > 1 || has_work()) notify_work();
      return batch[0];
    }
  }
  // acquire: slots [0, high) were published with release before high moved.
  const unsigned hi = high_.load(std::memory_order_acquire);
  if (hi == 0) return nullptr;
  w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
  const unsigned start = static_cast<unsigned>(w->rng >> 33) % hi;
  for (int round = 0; round < 2; ++round) {
    bool lost = false;
    for (unsigned k = 0; k < hi; ++k) {
      // acquire: see the Worker the slot points to.
      Worker* v = slots_[(start + k) % hi].load(std::memory_order_acquire);
      if (!v || v == w) continue;
      Node* t = nullptr;
      const StealResult r = v->deque.steal(t);
      if (r == StealResult::kTaken) {
        w->counters.steals.add();
        // Pass the baton, as above: a worker woken from sleep takes work without searching, so
        // without this, work left behind could wait while every other worker sleeps.
        if (has_work()) notify_work();
        return t;
      }
      if (r == StealResult::kLostRace) lost = true;
    }
    if (!lost) break;  // everyone was empty: no point in a second round
  }
  return nullptr;
}

bool Pool::queues_empty() const noexcept {
  if (injector_.size() > 0) return false;
  // acquire: as in steal().
  const unsigned hi = high_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < hi; ++i) {
    Worker* v = slots_[i].load(std::memory_order_acquire);
    if (v && !v->deque.empty()) return false;
  }
  return true;
}

bool Pool::has_work() const noexcept { return !queues_empty(); }

bool Pool::should_exit(const Worker* w) const noexcept {
  // relaxed: a stale read delays leaving by one loop; resize and stop wake sleepers to recheck.
  return quit_.load(std::memory_order_relaxed) ||
         w->index >= target_.load(std::memory_order_relaxed);
}

void Pool::move_local_work_to_injector(Worker* w) noexcept {
  while (Node* t = take_local(w)) {
    if (!injector_.push(t)) fail_unrunnable(t, kQueued, AK_ESHUTDOWN, "the pool is shut down");
  }
  notifier_.notify(true);
}

bool Pool::exit_if_surplus(Worker* w) noexcept {
  if (!should_exit(w)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!should_exit(w)) return false;
  move_local_work_to_injector(w);  // shrinking never drops queued work
  // relaxed: quit_ is written under mutex_, which we hold.
  if (quit_.load(std::memory_order_relaxed)) {
    w->slot = Worker::Slot::kExiting;  // stop/destroy joins it
  } else {
    // Left through a resize: nobody may ever join it (the default pool is never destroyed), so
    // it detaches itself. The slot is free for a new thread at once: from here on this thread
    // touches nothing of the Worker, only its reference to the pool.
    w->thread.detach();
    w->slot = Worker::Slot::kEmpty;
  }
  --live_;
  changed_.notify_all();
  return true;
}

void Pool::park(Worker* w) noexcept {
  const uint32_t key = notifier_.prepare_wait();
  if (has_work() || should_exit(w)) {
    notifier_.cancel_wait();
    return;
  }
  // seq_cst: Dekker pairing with stop(), which changes the phase and then reads parked_.
  parked_.fetch_add(1, std::memory_order_seq_cst);
  if (phase_.load(std::memory_order_seq_cst) != PoolPhase::kRunning) {
    std::lock_guard<std::mutex> lock(mutex_);
    changed_.notify_all();
  }
  notifier_.commit_wait(key, -1);
  // seq_cst: as above.
  parked_.fetch_sub(1, std::memory_order_seq_cst);
}

void Pool::thread_entry(Pool* pool, Worker* w) noexcept {
  pool->worker_main(w);
  current_worker() = nullptr;
  pool->release();  // may free the pool: touch nothing after this
}

void Pool::worker_main(Worker* w) noexcept {
  current_worker() = w;
  try {
    const std::string thread_name = fmt::format("{}-{}", name_, w->index).substr(0, 15);
    pthread_setname_np(pthread_self(), thread_name.c_str());
  } catch (...) {  // out of memory for a name: the thread runs unnamed
  }
  for (;;) {
    if (Node* t = find_work(w)) {
      run(t);
      continue;
    }
    if (exit_if_surplus(w)) return;
    // At most half the workers (at least one) search at a time; the others sleep at once. More
    // searchers only take CPU from the threads producing the work (Go and Tokio cap it alike).
    // relaxed: a soft cap; two workers may both slip in, which is harmless.
    const int cap = std::max(1, static_cast<int>(target_.load(std::memory_order_relaxed) / 2));
    if (searching_.load(std::memory_order_relaxed) >= cap) {
      park(w);
      continue;
    }
    // Search for a while before sleeping. While we search, producers skip waking sleepers.
    // seq_cst: Dekker pairing with notify_work() (see below).
    searching_.fetch_add(1, std::memory_order_seq_cst);
    Node* found = nullptr;
    for (int i = 0; i < kIdleSpins && !found && !should_exit(w); ++i) {
      idle_backoff(i);
      found = find_work(w);
    }
    // seq_cst RMW + fence, then a look at the queues: a producer that saw us searching and
    // skipped its wake-up published its work before we stop, so we see it here (or in park()'s
    // recheck) and hand it on. This is what makes skipping wake-ups safe.
    const bool last = searching_.fetch_sub(1, std::memory_order_seq_cst) == 1;
    if (found) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (last && has_work()) notifier_.notify_after_fence(false);
      run(found);
      continue;
    }
    park(w);
  }
}

bool Pool::help_until_done(Worker* w, Node* n, int64_t deadline) {
  bool hooked = false;
  bool slept = false;  // we announced ourselves on the notifier at least once
  int idle = 0;
  // Leaving the notifier may have taken a wake-up meant for work that was published meanwhile
  // (see Notifier::notify_after_fence). Unlike a parked worker, we may now return to the work
  // that waited instead of looking for more: pass the wake-up on if work is waiting.
  auto hand_on = [&] {
    if (slept && has_work()) notify_work();
  };
  while (!is_done(n)) {
    if (Node* t = find_work(w)) {
      run(t);
      idle = 0;
      continue;
    }
    if (deadline >= 0 && time_left(deadline) == 0) {
      hand_on();
      return is_done(n);
    }
    if (++idle < kIdleSpins) {
      idle_backoff(idle);
      continue;
    }
    if (!hooked) {
      // Have n's completion wake this pool's sleepers, us among them.
      void* mem = nullptr;
      try {
        mem = block_alloc();
      } catch (...) {
      }
      if (mem) {
        auto* wl = new (mem) WakeListener;
        wl->next = nullptr;
        wl->target = nullptr;
        wl->index = 0;
        wl->kind = ListenKind::kWakePool;
        wl->pool = this;
        retain();
        if (!add_listener(n, wl)) {
          wl->~WakeListener();
          block_free(wl);
          release();
          continue;  // n is set
        }
        hooked = true;
      }
    }
    const uint32_t key = notifier_.prepare_wait();
    slept = true;
    if (is_done(n) || has_work()) {
      notifier_.cancel_wait();
      continue;
    }
    int64_t left = time_left(deadline);
    if (!hooked && (left < 0 || left > 1000000)) left = 1000000;  // no listener: poll every ms
    notifier_.commit_wait(key, left);
  }
  hand_on();
  return true;
}

// --- resizing ---------------------------------------------------------------------------------

int Pool::start_worker_locked(unsigned index) {
  // relaxed: slots are written only under mutex_, which we hold.
  Worker* w = slots_[index].load(std::memory_order_relaxed);
  if (!w) {
    if (fault::should_fail()) return AK_ENOMEM;
    w = new Worker;
    w->pool = this;
    w->index = index;
    w->rng = (index + 1) * 0x9E3779B97F4A7C15ull;
    // release: thieves that load the slot see an initialised Worker.
    slots_[index].store(w, std::memory_order_release);
    if (high_.load(std::memory_order_relaxed) < index + 1) {
      // release: publishes the slot stores before it.
      high_.store(index + 1, std::memory_order_release);
    }
  }
  if (w->slot == Worker::Slot::kRunning) return AK_OK;
  if (w->slot == Worker::Slot::kExiting) {
    w->thread.join();  // it has left the loop and holds no lock
    w->slot = Worker::Slot::kEmpty;
  }
  retain();  // the thread's reference
  try {
    if (fault::should_fail()) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    w->thread = std::thread(&Pool::thread_entry, this, w);
  } catch (...) {
    // relaxed: we still hold the caller's reference, so this cannot be the last.
    refs_.fetch_sub(1, std::memory_order_relaxed);
    return AK_ENOMEM;
  }
  w->slot = Worker::Slot::kRunning;
  ++live_;
  return AK_OK;
}

int Pool::resize(unsigned workers) {
  if (workers == AK_WORKERS_DEFAULT) workers = hardware_workers();
  if (workers > kMaxSlots) return AK_EINVAL;
  int rc = AK_OK;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // relaxed: phase_ changes under mutex_, which we hold.
    if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_ESHUTDOWN;
    // relaxed: workers read it as a hint and are woken below to recheck.
    target_.store(workers, std::memory_order_relaxed);
    for (unsigned i = 0; i < workers; ++i) {
      rc = start_worker_locked(i);
      if (rc != AK_OK) {
        target_.store(i, std::memory_order_relaxed);
        break;
      }
    }
  }
  notifier_.notify(true);  // surplus workers wake up and leave
  return rc;
}

// --- statistics -------------------------------------------------------------------------------

void Pool::stats(ak_stats* out) const noexcept {
  // relaxed: a snapshot of statistics.
  out->submitted = ext_submitted_.load(std::memory_order_relaxed);
  out->completed = ext_completed_.load(std::memory_order_relaxed);
  out->failed = ext_failed_.load(std::memory_order_relaxed);
  out->cancelled = ext_cancelled_.load(std::memory_order_relaxed);
  out->steals = 0;
  out->queued = injector_.size();
  const unsigned hi = high_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < hi; ++i) {
    const Worker* w = slots_[i].load(std::memory_order_acquire);
    if (!w) continue;
    out->submitted += w->counters.submitted.get();
    out->completed += w->counters.completed.get();
    out->failed += w->counters.failed.get();
    out->cancelled += w->counters.cancelled.get();
    out->steals += w->counters.steals.get();
    out->queued += static_cast<uint64_t>(w->deque.size());
  }
  // relaxed: statistics only. Snapshots of the queues and of this count are not taken at one
  // instant, so clamp rather than report a negative.
  const int64_t stale = stale_queued_.load(std::memory_order_relaxed);
  out->queued = stale <= 0 ? out->queued
                           : (out->queued > static_cast<uint64_t>(stale)
                                  ? out->queued - static_cast<uint64_t>(stale)
                                  : 0);
  std::lock_guard<std::mutex> lock(mutex_);
  out->workers = static_cast<unsigned>(live_);
}

// --- stopping ---------------------------------------------------------------------------------

void Pool::cancel_queued() noexcept {
  static constexpr const char kWhy[] = "cancelled: the pool is stopping";
  Node* batch[kInjectBatch];
  while (size_t k = injector_.pop_batch(batch, kInjectBatch)) {
    for (size_t i = 0; i < k; ++i) fail_unrunnable(batch[i], kQueued, AK_ECANCELED, kWhy);
  }
  // Other workers' deques: take everything from the thieves' end. Tasks pushed after this are
  // cancelled by the worker that takes them (run() checks cancelling()).
  const unsigned hi = high_.load(std::memory_order_acquire);
  Worker* self = current_worker();
  for (unsigned i = 0; i < hi; ++i) {
    Worker* v = slots_[i].load(std::memory_order_acquire);
    if (!v || v == self) continue;
    for (;;) {
      Node* t = nullptr;
      const StealResult r = v->deque.steal(t);
      if (r == StealResult::kEmpty) break;
      if (r == StealResult::kTaken) fail_unrunnable(t, kQueued, AK_ECANCELED, kWhy);
    }
  }
  if (self && self->pool == this) {
    while (Node* t = take_local(self)) fail_unrunnable(t, kQueued, AK_ECANCELED, kWhy);
  }
  notifier_.notify(true);
}

bool Pool::quiet_locked(unsigned busy_allowed) const noexcept {
  // seq_cst: Dekker pairing with park().
  const int parked = parked_.load(std::memory_order_seq_cst);
  return parked + static_cast<int>(busy_allowed) >= live_ && queues_empty();
}

int Pool::finish_stop_locked(std::unique_lock<std::mutex>& /*lock*/) {
  injector_.close();  // from here on, work that becomes ready fails with AK_ESHUTDOWN
  if (!queues_empty()) return AK_EPENDING;  // something slipped in before the close: run it
  // seq_cst: ordered with the readers of the phase in submit() and park().
  phase_.store(PoolPhase::kStopped, std::memory_order_seq_cst);
  quit_.store(true, std::memory_order_seq_cst);
  notifier_.notify(true);
  changed_.notify_all();  // other stoppers waiting on the condition are done too
  return AK_OK;
}

int Pool::drain_here(int64_t deadline) {
  Worker temp;
  temp.pool = this;
  temp.index = kMaxSlots;
  Worker*& current = current_worker();
  Worker* saved = current;
  current = &temp;
  int rc = AK_OK;
  for (;;) {
    Node* t = take_local(&temp);
    if (!t) {
      Node* one[1];
      if (injector_.pop_batch(one, 1) == 1) t = one[0];
    }
    if (!t) break;
    run(t);
    if (deadline >= 0 && time_left(deadline) == 0) {
      rc = AK_ETIMEDOUT;
      break;
    }
  }
  move_local_work_to_injector(&temp);
  current = saved;
  // relaxed: statistics only.
  ext_submitted_.fetch_add(temp.counters.submitted.get(), std::memory_order_relaxed);
  ext_completed_.fetch_add(temp.counters.completed.get(), std::memory_order_relaxed);
  ext_failed_.fetch_add(temp.counters.failed.get(), std::memory_order_relaxed);
  ext_cancelled_.fetch_add(temp.counters.cancelled.get(), std::memory_order_relaxed);
  return rc;
}

int Pool::stop(int how, int64_t timeout_ns) {
  const int64_t deadline = deadline_after(timeout_ns);
  Worker* self = current_worker();
  if (self && self->pool != this) self = nullptr;
  std::unique_lock<std::mutex> lock(mutex_);
  // relaxed: phase_ changes under mutex_, which we hold.
  if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_OK;
  // seq_cst: Dekker pairing with park() (phase, then parked_).
  phase_.store(PoolPhase::kStopping, std::memory_order_seq_cst);
  if (how == AK_STOP_CANCEL) cancelling_.store(true, std::memory_order_seq_cst);
  notifier_.notify(true);  // sleepers recheck and report in
  if (how == AK_STOP_CANCEL) {
    // Don't wait for a worker to come by: queued work fails now, even while others still run.
    lock.unlock();
    cancel_queued();
    lock.lock();
  }
  for (;;) {
    // Another stopper may have finished the stop while we waited.
    if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) {
      if (self) return AK_OK;
      break;
    }
    if (self) {
      // Inside our own work: help until every other worker is idle, then finish.
      lock.unlock();
      while (Node* t = find_work(self)) {
        run(t);
        if (deadline >= 0 && time_left(deadline) == 0) break;
      }
      lock.lock();
      if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) return AK_OK;
      if (quiet_locked(1) && finish_stop_locked(lock) == AK_OK) return AK_OK;
      if (deadline >= 0 && time_left(deadline) == 0) return AK_ETIMEDOUT;
      // Our workers do not signal new work on this condition variable: look again soon.
      changed_.wait_for(lock, std::chrono::milliseconds(1));
      continue;
    }
    if (live_ == 0) {
      lock.unlock();
      const int rc = drain_here(deadline);
      lock.lock();
      if (phase_.load(std::memory_order_relaxed) == PoolPhase::kStopped) break;
      if (rc != AK_OK) return rc;
      if (live_ == 0 && finish_stop_locked(lock) == AK_OK) break;
      continue;
    }
    if (quiet_locked(0)) {
      if (finish_stop_locked(lock) == AK_OK) break;
      continue;
    }
    if (deadline < 0) {
      changed_.wait(lock);
    } else {
      const int64_t left = time_left(deadline);
      if (left == 0) return AK_ETIMEDOUT;
      // At most an hour per wait: steady_clock::now() + a huge duration would overflow inside
      // the library (undefined behaviour). The loop waits again as long as needed.
      constexpr int64_t kMaxSlice = int64_t{3600} * 1000000000;
      changed_.wait_for(lock, std::chrono::nanoseconds(std::min(left, kMaxSlice)));
    }
  }
  lock.unlock();
  join_all();
  return AK_OK;
}

void Pool::join_all() noexcept {
  // Take each joinable thread out of its slot under the lock, so that concurrent callers (two
  // stops at once, or stop and destroy) never join the same thread; join outside the lock, since
  // leaving workers take it. No allocation: this runs where failure cannot be reported.
  std::thread threads[kMaxSlots];
  unsigned n = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // relaxed: high_ and slots_ are written under mutex_, which we hold.
    const unsigned hi = high_.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < hi; ++i) {
      Worker* w = slots_[i].load(std::memory_order_relaxed);
      if (!w || !w->thread.joinable() || w->thread.get_id() == std::this_thread::get_id()) continue;
      threads[n++] = std::move(w->thread);
      w->slot = Worker::Slot::kEmpty;
    }
  }
  for (unsigned i = 0; i < n; ++i) threads[i].join();
}

void Pool::destroy() noexcept {
  while (stop(AK_STOP_DRAIN, AK_FOREVER) != AK_OK) {
  }
  Worker* self = current_worker();
  if (self && self->pool == this) {
    // Inside our own work: we cannot join ourselves. Detach; the last thread out frees the pool.
    std::lock_guard<std::mutex> lock(mutex_);
    const unsigned hi = high_.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < hi; ++i) {
      Worker* w = slots_[i].load(std::memory_order_relaxed);
      if (w && w->thread.joinable()) w->thread.detach();
    }
  } else {
    join_all();
  }
  release();  // the handle's reference
}

}  // namespace ak
