// registry.hpp -- which pools exist: the default pool, every live pool by serial, and the pool
// the calling thread works for.
//
// A task remembers its pool's serial, not only its address, because ak_chain may be called on a
// value long after its pool was destroyed: the serial finds the pool if it still lives, and
// nothing if not, without touching freed memory.
#pragma once

#include <cstdint>

namespace ak {

class Pool;

// Called by Pool's constructor and destructor. add returns the new pool's serial.
uint64_t registry_add(Pool* p);
void registry_remove(uint64_t serial) noexcept;

// The pool with this serial, or null if it is gone. Borrowed: valid until this thread's next
// find_live() call. The thread keeps a reference to the last pool it found, so a run of calls
// for one pool (building a chain) skips the registry. A cached pool that was stopped since still
// refuses work (AK_ESHUTDOWN).
Pool* find_live(uint64_t serial) noexcept;

// The process-wide pool, made on first use with one worker per hardware thread and never
// destroyed; null if it cannot be made (a later call tries again).
Pool* default_pool() noexcept;

}  // namespace ak
