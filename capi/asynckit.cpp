// asynckit.cpp -- the extern "C" layer: argument checks, handle and error translation. Nothing
// else: scheduling lives in src/. Every entry point that can meet a C++ exception goes through
// guard(), so none crosses the C boundary.
#include "asynckit.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>

#include "fault.hpp"
#include "node.hpp"
#include "pool.hpp"
#include "recycler.hpp"

using ak::Kind;
using ak::Node;
using ak::Pool;

namespace {

// Allocation failures are AK_ENOMEM (threads that cannot be started are reported as AK_ENOMEM
// where they are started, without an exception); anything else is a bug: AK_EINTERNAL.
template <typename F>
int guard(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return AK_ENOMEM;
  } catch (...) {
    return AK_EINTERNAL;
  }
}

Pool* as_pool(ak_pool* p) { return reinterpret_cast<Pool*>(p); }
const Pool* as_pool(const ak_pool* p) { return reinterpret_cast<const Pool*>(p); }
ak_pool* as_handle(Pool* p) { return reinterpret_cast<ak_pool*>(p); }

bool valid_timeout(int64_t t) { return t >= 0 || t == AK_FOREVER; }

int make_pool(unsigned workers, const char* name, bool is_default, Pool** out) {
  if (ak::fault::should_fail()) return AK_ENOMEM;
  auto* pool = new Pool(name, is_default);
  const int rc = pool->resize(workers);
  if (rc != AK_OK) {
    pool->destroy();
    return rc;
  }
  *out = pool;
  return AK_OK;
}

bool valid_list(ak_value* const* values, size_t n) {
  if (n > UINT32_MAX || (n > 0 && !values)) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!values[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" {

// --- version and status -----------------------------------------------------------------------

AK_API const char* ak_version(void) { return AK_VERSION_STRING; }

AK_API unsigned ak_version_number(void) { return AK_VERSION_NUMBER; }

AK_API const char* ak_strerror(int code) {
  switch (code) {
#define AK_STATUS_TEXT_(name, value, text) \
  case value:                              \
    return text;
    AK_STATUS_MAP(AK_STATUS_TEXT_)
#undef AK_STATUS_TEXT_
    default:
      return code > 0 ? "work-defined error" : "unknown error";
  }
}

// --- pool -------------------------------------------------------------------------------------

AK_API int ak_pool_create(const ak_pool_options* opts, ak_pool** out) {
  if (!out) return AK_EINVAL;
  unsigned workers = AK_WORKERS_DEFAULT;
  const char* name = nullptr;
  if (opts) {
    if (opts->size < sizeof(ak_pool_options)) return AK_EINVAL;  // the first version's size
    workers = opts->workers;
    name = opts->name;
  }
  if (workers == AK_WORKERS_DEFAULT) workers = ak::hardware_workers();
  if (workers > AK_WORKERS_MAX) return AK_EINVAL;
  return guard([&]() -> int {
    Pool* pool = nullptr;
    const int rc = make_pool(workers, name, false, &pool);
    if (rc == AK_OK) *out = as_handle(pool);
    return rc;
  });
}

AK_API ak_pool* ak_pool_default(void) {
  static std::mutex mutex;
  static std::atomic<Pool*> pool{nullptr};
  // acquire: pairs with the release below; the pool is fully made once seen.
  if (Pool* p = pool.load(std::memory_order_acquire)) return as_handle(p);
  try {
    std::lock_guard<std::mutex> lock(mutex);
    if (!pool.load(std::memory_order_relaxed)) {  // relaxed: under the lock
      Pool* made = nullptr;
      if (make_pool(ak::hardware_workers(), "ak-default", true, &made) == AK_OK) {
        pool.store(made, std::memory_order_release);
      }
    }
  } catch (...) {
    return nullptr;
  }
  return as_handle(pool.load(std::memory_order_acquire));
}

AK_API int ak_pool_do(ak_pool* p, ak_fn fn, void* arg, ak_value** out) {
  if (!p || !fn || !out) return AK_EINVAL;
  return guard([&]() -> int {
    Node* n = nullptr;
    const int rc = as_pool(p)->submit(fn, arg, &n);
    if (rc == AK_OK) *out = ak::as_value(n);
    return rc;
  });
}

AK_API int ak_pool_do_after(ak_pool* p, ak_value* const* deps, size_t n, ak_fn fn, void* arg,
                            ak_value** out) {
  if (!p || !fn || !out || !valid_list(deps, n)) return AK_EINVAL;
  if (n == 0) return ak_pool_do(p, fn, arg, out);
  return guard([&]() -> int {
    Node* dep;
    if (n == 1) {
      dep = ak::as_node(deps[0]);
      ak::retain_internal(dep);
    } else {
      dep = ak::make_list(Kind::kJoin, deps, n, false);  // hidden: the task owns it
    }
    Node* t = nullptr;
    int rc;
    try {
      rc = as_pool(p)->submit_after(dep, n > 1, fn, arg, &t);
    } catch (...) {
      ak::release_internal(dep);
      throw;
    }
    if (rc != AK_OK) {
      ak::release_internal(dep);
      return rc;
    }
    *out = ak::as_value(t);
    return AK_OK;
  });
}

AK_API int ak_pool_resize(ak_pool* p, unsigned workers) {
  if (!p || (workers > AK_WORKERS_MAX && workers != AK_WORKERS_DEFAULT)) return AK_EINVAL;
  return guard([&]() -> int { return as_pool(p)->resize(workers); });
}

AK_API unsigned ak_pool_workers(const ak_pool* p) { return p ? as_pool(p)->workers_asked() : 0; }

AK_API int ak_pool_stats(const ak_pool* p, ak_stats* out) {
  if (!p || !out || out->size < sizeof(ak_stats)) return AK_EINVAL;  // the first version's size
  return guard([&]() -> int {
    ak_stats s{};
    as_pool(p)->stats(&s);
    s.size = out->size;
    std::memcpy(out, &s, sizeof(ak_stats));
    return AK_OK;
  });
}

AK_API int ak_pool_stop(ak_pool* p, int how, int64_t timeout_ns) {
  if (!p || (how != AK_STOP_DRAIN && how != AK_STOP_CANCEL) || !valid_timeout(timeout_ns)) {
    return AK_EINVAL;
  }
  if (as_pool(p)->is_default()) return AK_EINVAL;
  return guard([&]() -> int { return as_pool(p)->stop(how, timeout_ns); });
}

AK_API void ak_pool_destroy(ak_pool* p) {
  if (!p || as_pool(p)->is_default()) return;
  as_pool(p)->destroy();
}

// --- task -------------------------------------------------------------------------------------

AK_API void* ak_task_input(const ak_task* t, size_t i) {
  return t ? ak::task_input(ak::as_node(t), i) : nullptr;
}

AK_API size_t ak_task_input_count(const ak_task* t) {
  return t ? ak::task_input_count(ak::as_node(t)) : 0;
}

AK_API int ak_task_set_result(ak_task* t, void* result, ak_free_fn free_fn) {
  if (!t) return AK_EINVAL;
  Node* n = ak::as_node(t);
  void* old = n->result;
  ak_free_fn old_free = n->free_fn;
  n->result = result;
  n->free_fn = free_fn;
  if (old && old_free && old != result) old_free(old);
  return AK_OK;
}

AK_API int ak_task_fail(ak_task* t, int code, const char* fmt, ...) {
  if (!t) return AK_EINVAL;
  Node* n = ak::as_node(t);
  n->fail_called = ak::kFailCalled;
  n->fail_code = ak::effective_code(code);
  if (!fmt) return n->fail_code;
  va_list args;
  va_start(args, fmt);
  va_list again;
  va_copy(again, args);
  const int len = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  char* text = len >= 0 && !ak::fault::should_fail()
                   ? static_cast<char*>(std::malloc(static_cast<size_t>(len) + 1))
                   : nullptr;
  if (text) std::vsnprintf(text, static_cast<size_t>(len) + 1, fmt, again);
  va_end(again);
  if (text) {
    if (n->message && !n->msg_static) std::free(n->message);
    n->message = text;
    n->msg_static = 0;
  }  // out of memory: the work still fails, with a message naming its code
  return n->fail_code;
}

AK_API int ak_task_cancelled(const ak_task* t) {
  if (!t) return 0;
  const Node* n = ak::as_node(t);
  // relaxed: a flag polled by work.
  return (n->state.load(std::memory_order_relaxed) & ak::kCancelFlag) || n->pool->cancelling();
}

AK_API ak_pool* ak_task_pool(const ak_task* t) {
  return t ? as_handle(ak::as_node(t)->pool) : nullptr;
}

// --- value ------------------------------------------------------------------------------------

AK_API int ak_value_get(ak_value* v, int64_t timeout_ns, void** result) {
  if (!v || !result || !valid_timeout(timeout_ns)) return AK_EINVAL;
  return guard([&]() -> int {
    Node* n = ak::as_node(v);
    if (!ak::wait_done(n, ak::deadline_after(timeout_ns))) return AK_ETIMEDOUT;
    if (n->status != AK_OK) return n->status;
    *result = n->result;
    return AK_OK;
  });
}

AK_API int ak_value_wait(ak_value* v, int64_t timeout_ns) {
  if (!v || !valid_timeout(timeout_ns)) return AK_EINVAL;
  return guard([&]() -> int {
    return ak::wait_done(ak::as_node(v), ak::deadline_after(timeout_ns))
               ? AK_OK
               : AK_ETIMEDOUT;
  });
}

AK_API int ak_value_status(const ak_value* v) {
  if (!v) return AK_EINVAL;
  const Node* n = ak::as_node(v);
  return ak::is_done(n) ? n->status : AK_EPENDING;
}

AK_API int ak_value_is_set(const ak_value* v) { return v && ak::is_done(ak::as_node(v)) ? 1 : 0; }

AK_API int ak_value_is_error(const ak_value* v) {
  if (!v) return 0;
  const Node* n = ak::as_node(v);
  return ak::is_done(n) && n->status != AK_OK ? 1 : 0;
}

AK_API const char* ak_value_message(const ak_value* v) {
  if (!v) return "";
  const Node* n = ak::as_node(v);
  if (!ak::is_done(n) || n->status == AK_OK || !n->message) return "";
  return n->message;
}

AK_API int ak_value_failed_index(const ak_value* v, size_t* index) {
  if (!v || !index) return AK_EINVAL;
  const Node* n = ak::as_node(v);
  if (!ak::is_done(n)) return AK_EPENDING;
  const uint32_t i = ak::failed_index(n);
  if (i == ak::kNoIndex) return AK_ESTATE;
  *index = i;
  return AK_OK;
}

AK_API int ak_value_on_done(ak_value* v, ak_done_fn fn, void* arg) {
  if (!v || !fn) return AK_EINVAL;
  return guard([&]() -> int {
    Node* n = ak::as_node(v);
    void* mem = ak::block_alloc();
    static_assert(sizeof(ak::CallbackListener) <= ak::kBlockSize, "listener must fit a block");
    auto* cb = new (mem) ak::CallbackListener;
    cb->next = nullptr;
    cb->target = n;
    cb->index = 0;
    cb->kind = ak::ListenKind::kCallback;
    cb->fn = fn;
    cb->arg = arg;
    ak::retain_internal(n);  // the callback gets the value, even if every caller let go of it
    if (!ak::add_listener(n, cb)) ak::notify_listener(cb);  // already set: call it now
    return AK_OK;
  });
}

AK_API int ak_value_cancel(ak_value* v) {
  if (!v) return AK_EINVAL;
  return ak::cancel_node(ak::as_node(v));
}

AK_API void ak_value_retain(ak_value* v) {
  if (v) ak::retain_user(ak::as_node(v));
}

AK_API void ak_value_release(ak_value* v) {
  if (v) ak::release_user(ak::as_node(v));
}

AK_API int ak_value_new(ak_value** out) {
  if (!out) return AK_EINVAL;
  return guard([&]() -> int {
    *out = ak::as_value(ak::new_node(Kind::kPromise));
    return AK_OK;
  });
}

AK_API int ak_value_set(ak_value* v, void* result, ak_free_fn free_fn) {
  if (!v) return AK_EINVAL;
  Node* n = ak::as_node(v);
  if (n->kind != Kind::kPromise || !ak::claim(n, ak::kWaiting)) return AK_ESTATE;
  n->result = result;
  n->free_fn = free_fn;
  n->status = AK_OK;
  ak::publish(n);
  return AK_OK;
}

AK_API int ak_value_fail(ak_value* v, int code, const char* message) {
  if (!v) return AK_EINVAL;
  Node* n = ak::as_node(v);
  if (n->kind != Kind::kPromise) return AK_ESTATE;
  return ak::fail_from(n, ak::kWaiting, code, message) ? AK_OK : AK_ESTATE;
}

// --- lists and chains -------------------------------------------------------------------------

AK_API int ak_list_join(ak_value* const* values, size_t n, ak_value** out) {
  if (!out || !valid_list(values, n)) return AK_EINVAL;
  return guard([&]() -> int {
    *out = ak::as_value(ak::make_list(Kind::kJoin, values, n, true));
    return AK_OK;
  });
}

AK_API int ak_list_any(ak_value* const* values, size_t n, ak_value** out) {
  if (!out || n == 0 || !valid_list(values, n)) return AK_EINVAL;
  return guard([&]() -> int {
    *out = ak::as_value(ak::make_list(Kind::kAny, values, n, true));
    return AK_OK;
  });
}

AK_API size_t ak_list_size(const ak_value* list) {
  return list ? ak::list_size(ak::as_node(list)) : 0;
}

AK_API ak_value* ak_list_at(const ak_value* list, size_t i) {
  if (!list || i >= ak::list_size(ak::as_node(list))) return nullptr;
  return ak::as_value(ak::as_node(list)->list->elems[i]);
}

AK_API int ak_list_any_index(const ak_value* any, size_t* index) {
  if (!any || !index) return AK_EINVAL;
  const Node* n = ak::as_node(any);
  if (n->kind != Kind::kAny) return AK_EINVAL;
  if (!ak::is_done(n) || n->list->decided == ak::kNoIndex) return AK_EPENDING;
  *index = n->list->decided;
  return AK_OK;
}

AK_API int ak_chain_on(ak_pool* p, ak_value* prev, ak_fn fn, void* arg, ak_value** out) {
  if (!p || !prev || !fn || !out) return AK_EINVAL;
  return guard([&]() -> int {
    Node* dep = ak::as_node(prev);
    ak::retain_internal(dep);
    Node* t = nullptr;
    int rc;
    try {
      rc = as_pool(p)->submit_after(dep, dep->kind == Kind::kJoin, fn, arg, &t);
    } catch (...) {
      ak::release_internal(dep);
      throw;
    }
    if (rc != AK_OK) {
      ak::release_internal(dep);
      return rc;
    }
    *out = ak::as_value(t);
    return AK_OK;
  });
}

AK_API int ak_chain(ak_value* prev, ak_fn fn, void* arg, ak_value** out) {
  if (!prev || !fn || !out) return AK_EINVAL;
  const Node* runner = ak::task_with_pool(ak::as_node(prev));
  if (!runner) {
    ak_pool* p = ak_pool_default();
    return p ? ak_chain_on(p, prev, fn, arg, out) : AK_ENOMEM;
  }
  Pool* pool = Pool::find_live(runner->pool_serial);
  if (!pool) return AK_ESHUTDOWN;  // that pool was destroyed
  return ak_chain_on(as_handle(pool), prev, fn, arg, out);
}

}  // extern "C"
