// list.cpp -- join and any lists: making them, hearing of their elements, reading them (list.hpp).
#include "value/list.hpp"

#include <new>
#include <string>

#include <fmt/format.h>

#include "base/assert.hpp"
#include "base/fault.hpp"
#include "value/value.hpp"

namespace ak {

namespace {

ListExt* ext_of(Listener* l, uint32_t* index) noexcept {
  auto* link = reinterpret_cast<ElemLink*>(l);
  *index = link->index;
  // The links are the array right after the ListExt header: step back to element 0, then over
  // the header.
  return reinterpret_cast<ListExt*>(link - link->index) - 1;
}

void complete_join_failed(Node* list, uint32_t i) noexcept {
  if (!claim(list, kWaiting)) return;
  Node* e = list->list->elems[i];
  list->list->decided = i;
  try {
    const std::string msg = fmt::format("element {} failed: {}", i, failure_text(e));
    set_failure(list, e->status, msg.c_str());
  } catch (...) {
    set_failure(list, e->status, nullptr);
  }
  publish(list);
}

// Reports the lowest-index failure once every element before it is set. Elements [0, scan) are
// known to be set without failure; the scan resumes there.
void join_scan(Node* list, bool all_set) noexcept {
  ListExt* x = list->list;
  // relaxed: scan is a resumable hint; the element states below are what is trusted.
  uint32_t p = x->scan.load(std::memory_order_relaxed);
  while (p < x->n) {
    Node* e = x->elems[p];
    // seq_cst: Dekker pairing with the any_failed flag (see on_join_elem).
    if (phase_of(e->state.load(std::memory_order_seq_cst)) != kDone) break;
    if (e->status != AK_OK) {
      complete_join_failed(list, p);
      return;
    }
    ++p;
  }
  uint32_t cur = x->scan.load(std::memory_order_relaxed);
  // relaxed: see above; the CAS only keeps the hint from moving backwards.
  while (cur < p && !x->scan.compare_exchange_weak(cur, p, std::memory_order_relaxed)) {
  }
  if (all_set && p == x->n && claim(list, kWaiting)) {
    list->status = AK_OK;
    list->result = x->n ? static_cast<void*>(x->results) : nullptr;
    publish(list);
  }
}

void on_join_elem(Listener* l) noexcept {
  uint32_t i;
  ListExt* x = ext_of(l, &i);
  Node* list = x->owner;
  Node* e = x->elems[i];
  if (e->status == AK_OK) {
    x->results[i] = e->result;
  } else {
    // seq_cst: a reporter of an earlier element that reads 0 here must have been seen by our
    // scan below, and the other way round (both sides use seq_cst).
    x->any_failed.store(1, std::memory_order_seq_cst);
  }
  // Scan before our decrement: the list stays alive until the last report has finished.
  if (x->any_failed.load(std::memory_order_seq_cst) != 0) join_scan(list, false);
  // acq_rel: the last reporter sees every results[] slot written by the others.
  const uint32_t before = x->remaining.fetch_sub(1, std::memory_order_acq_rel);
  AK_ASSERT(before >= 1);
  if (before == 1) {
    join_scan(list, true);
    release_internal(list);  // the reference held for the element reports
  }
}

void on_any_elem(Listener* l) noexcept {
  uint32_t i;
  ListExt* x = ext_of(l, &i);
  Node* list = x->owner;
  Node* e = x->elems[i];
  if (claim(list, kWaiting)) {
    x->decided = i;
    if (e->status == AK_OK) {
      list->status = AK_OK;
      list->result = e->result;  // borrowed: the list holds the element
    } else {
      try {
        set_failure(list, e->status, failure_text(e).c_str());
      } catch (...) {
        set_failure(list, e->status, nullptr);
      }
    }
    publish(list);
  }
  // acq_rel: the last reporter's release of the list happens after every other report.
  const uint32_t before = x->remaining.fetch_sub(1, std::memory_order_acq_rel);
  AK_ASSERT(before >= 1);
  if (before == 1) release_internal(list);
}

bool is_list(const Node* n) noexcept { return n->kind == Kind::kJoin || n->kind == Kind::kAny; }

}  // namespace

Node* make_list(Kind kind, NodeSpan elements, bool user) {
  AK_ASSERT(kind == Kind::kJoin || kind == Kind::kAny);
  const size_t n = elements.n;
  const size_t bytes = sizeof(ListExt) + n * (sizeof(ElemLink) + sizeof(Node*) + sizeof(void*));
  if (fault::should_fail()) throw std::bad_alloc();
  void* mem = ::operator new(bytes);
  Node* list;
  try {
    list = new_node(kind);
  } catch (...) {
    ::operator delete(mem);
    throw;
  }
  auto* x = new (mem) ListExt;
  x->owner = list;
  x->n = static_cast<uint32_t>(n);
  x->remaining.store(static_cast<uint32_t>(n), std::memory_order_relaxed);  // not yet shared
  x->scan.store(0, std::memory_order_relaxed);
  x->any_failed.store(0, std::memory_order_relaxed);
  x->decided = kNoIndex;
  auto* base = reinterpret_cast<char*>(x + 1);
  x->links = reinterpret_cast<ElemLink*>(base);
  x->elems = reinterpret_cast<Node**>(base + n * sizeof(ElemLink));
  x->results = reinterpret_cast<void**>(base + n * (sizeof(ElemLink) + sizeof(Node*)));
  list->list = x;
  // One reference for the caller (or the owning task), one held until every element reported.
  list->refs.store(user ? kUserRef : kRefOne, std::memory_order_relaxed);
  if (n == 0) {
    // Set before anyone can see it: nothing to claim (relaxed: not yet shared), and publishing
    // closes its listener stack, so later listeners react at once.
    list->state.store(kCompleting, std::memory_order_relaxed);
    list->status = AK_OK;
    publish(list);
    return list;
  }
  retain_internal(list);
  void (*const notify)(Listener*) noexcept = kind == Kind::kJoin ? &on_join_elem : &on_any_elem;
  for (size_t i = 0; i < n; ++i) {
    Node* e = elements[i];
    retain_internal(e);
    x->elems[i] = e;
    x->results[i] = nullptr;
    x->links[i] = ElemLink{Listener{nullptr, notify}, static_cast<uint32_t>(i)};
  }
  // Hook in only once every slot is initialised: reports may start at once.
  for (size_t i = 0; i < n; ++i) {
    if (!add_listener(x->elems[i], &x->links[i].base)) notify(&x->links[i].base);
  }
  return list;
}

size_t list_size(const Node* n) noexcept {
  if (!is_list(n)) return 0;
  return n->list ? n->list->n : 0;
}

Node* list_at(const Node* n, size_t i) noexcept {
  return i < list_size(n) ? n->list->elems[i] : nullptr;
}

int any_index(const Node* n, size_t* index) noexcept {
  if (n->kind != Kind::kAny) return AK_EINVAL;
  if (!is_done(n) || n->list->decided == kNoIndex) return AK_EPENDING;
  *index = n->list->decided;
  return AK_OK;
}

uint32_t list_failed_element(const Node* n) noexcept {
  if (!is_list(n) || !n->list || n->status == AK_OK) return kNoIndex;
  return n->list->decided;
}

const Node* first_task(const Node* n) noexcept {
  // Recursion depth is the nesting depth of lists, which callers build by hand.
  if (n->kind == Kind::kTask) return n;
  if (is_list(n)) {
    const ListExt* x = n->list;
    for (uint32_t i = 0; x && i < x->n; ++i) {
      if (const Node* t = first_task(x->elems[i])) return t;
    }
  }
  return nullptr;
}

}  // namespace ak
