// asynckit.cpp -- the extern "C" layer: argument checks, handle casts, exceptions turned into
// codes, and one call into the runtime's facade (src/runtime.hpp) per entry point. Nothing else
// lives here: what the calls do is in src/.
#include "asynckit.h"

#include <cstdarg>
#include <cstring>

#include "runtime.hpp"

namespace rt = ak::rt;

namespace {

// No C++ exception crosses the C boundary: the runtime's one table (src/base/status.hpp) says
// which code each becomes. AK_ENOMEM for memory and threads; anything else is a bug of ours and
// AK_EINTERNAL.
template <typename F>
int guard(F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return rt::status_of_current_exception();
  }
}

ak::Pool* pool_of(ak_pool* p) { return reinterpret_cast<ak::Pool*>(p); }
const ak::Pool* pool_of(const ak_pool* p) { return reinterpret_cast<const ak::Pool*>(p); }
ak_pool* handle_of(ak::Pool* p) { return reinterpret_cast<ak_pool*>(p); }
ak::Node* node_of(ak_value* v) { return reinterpret_cast<ak::Node*>(v); }
const ak::Node* node_of(const ak_value* v) { return reinterpret_cast<const ak::Node*>(v); }
ak::Node* node_of(ak_task* t) { return reinterpret_cast<ak::Node*>(t); }
const ak::Node* node_of(const ak_task* t) { return reinterpret_cast<const ak::Node*>(t); }
ak_value* handle_of(ak::Node* n) { return reinterpret_cast<ak_value*>(n); }

bool valid_timeout(int64_t t) { return t >= 0 || t == AK_FOREVER; }

bool valid_list(ak_value* const* values, size_t n) {
  if (n > UINT32_MAX || (n > 0 && !values)) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!values[i]) return false;
  }
  return true;
}

// Runs `make` (which writes a node to `made` and returns a status) and hands the node out.
template <typename F>
int make_value(ak_value** out, F&& make) noexcept {
  return guard([&]() -> int {
    ak::Node* made = nullptr;
    const int rc = make(&made);
    if (rc == AK_OK) *out = handle_of(made);
    return rc;
  });
}

}  // namespace

extern "C" {

// --- version and status -----------------------------------------------------------------------

AK_API const char* ak_version(void) { return rt::version(); }

AK_API unsigned ak_version_number(void) { return rt::version_number(); }

AK_API const char* ak_strerror(int code) { return rt::strerror(code); }

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
  if (workers > AK_WORKERS_MAX && workers != AK_WORKERS_DEFAULT) return AK_EINVAL;
  return guard([&]() -> int {
    ak::Pool* pool = nullptr;
    const int rc = rt::pool_create(workers, name, &pool);
    if (rc == AK_OK) *out = handle_of(pool);
    return rc;
  });
}

AK_API ak_pool* ak_pool_default(void) { return handle_of(rt::pool_default()); }

AK_API int ak_pool_do(ak_pool* p, ak_fn fn, void* arg, ak_value** out) {
  if (!p || !fn || !out) return AK_EINVAL;
  return make_value(out, [&](ak::Node** made) { return rt::pool_do(pool_of(p), fn, arg, made); });
}

AK_API int ak_pool_do_after(ak_pool* p, ak_value* const* deps, size_t n, ak_fn fn, void* arg,
                            ak_value** out) {
  if (!p || !fn || !out || !valid_list(deps, n)) return AK_EINVAL;
  if (n == 0) return ak_pool_do(p, fn, arg, out);
  return make_value(
      out, [&](ak::Node** made) { return rt::pool_do_after(pool_of(p), deps, n, fn, arg, made); });
}

AK_API int ak_pool_resize(ak_pool* p, unsigned workers) {
  if (!p || (workers > AK_WORKERS_MAX && workers != AK_WORKERS_DEFAULT)) return AK_EINVAL;
  return guard([&]() -> int { return rt::pool_resize(pool_of(p), workers); });
}

AK_API unsigned ak_pool_workers(const ak_pool* p) { return p ? rt::pool_workers(pool_of(p)) : 0; }

AK_API int ak_pool_stats(const ak_pool* p, ak_stats* out) {
  if (!p || !out || out->size < sizeof(ak_stats)) return AK_EINVAL;  // the first version's size
  // Only the fields this library knows are written; `size` keeps the caller's value.
  ak_stats s{};
  rt::pool_stats(pool_of(p), &s);
  s.size = out->size;
  std::memcpy(out, &s, sizeof(ak_stats));
  return AK_OK;
}

AK_API int ak_pool_stop(ak_pool* p, int how, int64_t timeout_ns) {
  if (!p || (how != AK_STOP_DRAIN && how != AK_STOP_CANCEL) || !valid_timeout(timeout_ns)) {
    return AK_EINVAL;
  }
  if (rt::pool_is_default(pool_of(p))) return AK_EINVAL;
  return guard([&]() -> int { return rt::pool_stop(pool_of(p), how, timeout_ns); });
}

AK_API void ak_pool_destroy(ak_pool* p) {
  if (!p || rt::pool_is_default(pool_of(p))) return;
  rt::pool_destroy(pool_of(p));
}

// --- task -------------------------------------------------------------------------------------

AK_API void* ak_task_input(const ak_task* t, size_t i) {
  return t ? rt::task_input(node_of(t), i) : nullptr;
}

AK_API size_t ak_task_input_count(const ak_task* t) {
  return t ? rt::task_input_count(node_of(t)) : 0;
}

AK_API int ak_task_set_result(ak_task* t, void* result, ak_free_fn free_fn) {
  if (!t) return AK_EINVAL;
  rt::task_set_result(node_of(t), result, free_fn);
  return AK_OK;
}

AK_API int ak_task_fail(ak_task* t, int code, const char* fmt, ...) {
  if (!t) return AK_EINVAL;
  va_list args;
  va_start(args, fmt);
  const int used = rt::task_fail(node_of(t), code, fmt, args);
  va_end(args);
  return used;
}

AK_API int ak_task_cancelled(const ak_task* t) {
  return t && rt::task_cancelled(node_of(t)) ? 1 : 0;
}

AK_API ak_pool* ak_task_pool(const ak_task* t) {
  return t ? handle_of(rt::task_pool(node_of(t))) : nullptr;
}

// --- value ------------------------------------------------------------------------------------

AK_API int ak_value_get(ak_value* v, int64_t timeout_ns, void** result) {
  if (!v || !result || !valid_timeout(timeout_ns)) return AK_EINVAL;
  return guard([&]() -> int { return rt::value_get(node_of(v), timeout_ns, result); });
}

AK_API int ak_value_wait(ak_value* v, int64_t timeout_ns) {
  if (!v || !valid_timeout(timeout_ns)) return AK_EINVAL;
  return guard([&]() -> int { return rt::value_wait(node_of(v), timeout_ns); });
}

AK_API int ak_value_status(const ak_value* v) {
  return v ? rt::value_status(node_of(v)) : AK_EINVAL;
}

AK_API int ak_value_is_set(const ak_value* v) { return v && rt::value_is_set(node_of(v)) ? 1 : 0; }

AK_API int ak_value_is_error(const ak_value* v) {
  return v && rt::value_is_error(node_of(v)) ? 1 : 0;
}

AK_API const char* ak_value_message(const ak_value* v) {
  return v ? rt::value_message(node_of(v)) : "";
}

AK_API int ak_value_failed_index(const ak_value* v, size_t* index) {
  if (!v || !index) return AK_EINVAL;
  return rt::value_failed_index(node_of(v), index);
}

AK_API int ak_value_on_done(ak_value* v, ak_done_fn fn, void* arg) {
  if (!v || !fn) return AK_EINVAL;
  return guard([&]() -> int { return rt::value_on_done(node_of(v), fn, arg); });
}

AK_API int ak_value_cancel(ak_value* v) { return v ? rt::value_cancel(node_of(v)) : AK_EINVAL; }

AK_API void ak_value_retain(ak_value* v) {
  if (v) rt::value_retain(node_of(v));
}

AK_API void ak_value_release(ak_value* v) {
  if (v) rt::value_release(node_of(v));
}

AK_API int ak_value_new(ak_value** out) {
  if (!out) return AK_EINVAL;
  return make_value(out, [](ak::Node** made) {
    *made = rt::value_new();
    return AK_OK;
  });
}

AK_API int ak_value_set(ak_value* v, void* result, ak_free_fn free_fn) {
  return v ? rt::value_set(node_of(v), result, free_fn) : AK_EINVAL;
}

AK_API int ak_value_fail(ak_value* v, int code, const char* message) {
  return v ? rt::value_fail(node_of(v), code, message) : AK_EINVAL;
}

// --- lists and chains -------------------------------------------------------------------------

AK_API int ak_list_join(ak_value* const* values, size_t n, ak_value** out) {
  if (!out || !valid_list(values, n)) return AK_EINVAL;
  return make_value(out, [&](ak::Node** made) {
    *made = rt::list_join(values, n);
    return AK_OK;
  });
}

AK_API int ak_list_any(ak_value* const* values, size_t n, ak_value** out) {
  if (!out || n == 0 || !valid_list(values, n)) return AK_EINVAL;
  return make_value(out, [&](ak::Node** made) {
    *made = rt::list_any(values, n);
    return AK_OK;
  });
}

AK_API size_t ak_list_size(const ak_value* list) { return list ? rt::list_size(node_of(list)) : 0; }

AK_API ak_value* ak_list_at(const ak_value* list, size_t i) {
  return list ? handle_of(rt::list_at(node_of(list), i)) : nullptr;
}

AK_API int ak_list_any_index(const ak_value* any, size_t* index) {
  if (!any || !index) return AK_EINVAL;
  return rt::list_any_index(node_of(any), index);
}

AK_API int ak_chain(ak_value* prev, ak_fn fn, void* arg, ak_value** out) {
  if (!prev || !fn || !out) return AK_EINVAL;
  return make_value(out, [&](ak::Node** made) { return rt::chain(node_of(prev), fn, arg, made); });
}

AK_API int ak_chain_on(ak_pool* p, ak_value* prev, ak_fn fn, void* arg, ak_value** out) {
  if (!p || !prev || !fn || !out) return AK_EINVAL;
  return make_value(
      out, [&](ak::Node** made) { return rt::chain_on(pool_of(p), node_of(prev), fn, arg, made); });
}

}  // extern "C"
