// list.hpp -- join and any lists: values set by n other values.
//
// A join is set once every element is, with the array of their results, or fails with its
// lowest-index failed element once every element before that one is set (so the outcome does
// not depend on timing). An any-list is set by the first element to be set. Both hold their own
// references to the elements, and hear of each element through one ElemLink (node.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "value/node.hpp"

namespace ak {

// n values given by their handles (the C API's arrays), read as nodes.
struct NodeSpan {
  ak_value* const* values;
  size_t n;
  Node* operator[](size_t i) const noexcept { return as_node(values[i]); }
};

// Builds a join or any list over the elements (the list takes its own references). The result
// has one caller reference if `user`, else one internal reference (a task's hidden join).
// Throws std::bad_alloc; nothing is kept then.
Node* make_list(Kind kind, NodeSpan elements, bool user);
// The element count of a join or any list; 0 for anything else.
size_t list_size(const Node* n) noexcept;
// Element i (borrowed), or null when n is not a list or i is out of range.
Node* list_at(const Node* n, size_t i) noexcept;
// ak_list_any_index: AK_OK with the winner's index, AK_EPENDING (not set, or set by a cancel),
// AK_EINVAL (not an any-list).
int any_index(const Node* n, size_t* index) noexcept;
// The element whose failure set a failed list, or kNoIndex (not failed that way: cancelled).
uint32_t list_failed_element(const Node* n) noexcept;
// The task a continuation of n runs on the executor of: n itself, or for a list its first element
// that has one (depth first); null for promises and lists of promises.
const Node* first_task(const Node* n) noexcept;

}  // namespace ak
