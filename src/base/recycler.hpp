// recycler.hpp -- the block recycler: fixed 128-byte blocks for task and value nodes, so the
// steady state makes no system allocation per task.
//
// Each thread keeps a small free list; surplus moves to a global list of batches in one step, so
// a block freed on one thread (a value released by the caller) is reused on another (a worker
// spawning). Blocks are carved lazily from 2 MiB anonymous mappings, so a block costs exactly
// 128 bytes of resident memory. Memory is never returned to the system: the peak stays reserved,
// like a slab cache.
// Built with AK_NO_RECYCLE (sanitizer builds), blocks come from operator new so ASan sees misuse.
#pragma once

#include <cstddef>

namespace ak {

inline constexpr size_t kBlockSize = 128;

// Returns a 64-byte aligned block of kBlockSize bytes. Throws std::bad_alloc.
void* block_alloc();

// Returns a block from block_alloc() (from any thread).
void block_free(void* p) noexcept;

}  // namespace ak
