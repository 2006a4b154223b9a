"""The native pool's life: making it, resizing, stopping and destroying it, its counters, and
stopping every pool at interpreter exit.

It lives below the value module so that AsyncValue.chain can reach a pool (the one a value's
work ran on, or the module's own for a value set by hand) without importing the Pool that
returns AsyncValues: the public Pool (pool.py) is this class plus do().
"""

import atexit
import ctypes
import os
import threading
import weakref

from . import _core
from . import _native as _n
from . import errors

lib = _n.lib

_live = weakref.WeakSet()  # every pool not yet destroyed: stopped at interpreter exit
_fallback = None
_fallback_lock = threading.Lock()


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("expected int, got %s" % type(n).__name__)
    if not 0 <= n <= _n.AK_WORKERS_MAX:
        raise ValueError("worker_count must be between 0 and %d, got %d" % (_n.AK_WORKERS_MAX, n))


class NativePool:
    """A pool of native worker threads doing Python work.

    Pool(worker_count=1) starts that many workers; 0 is allowed (work queues until there are
    workers). `name` (optional) prefixes the worker threads' names.
    """

    def __init__(self, worker_count=1, name=None):
        self._handle = None
        self._cancelling = False
        _check_count(worker_count)
        opts = _n.PoolOptions(ctypes.sizeof(_n.PoolOptions), worker_count, (name or "asynckit").encode())
        out = ctypes.c_void_p()
        errors.check(lib.ak_pool_create(ctypes.byref(opts), ctypes.byref(out)), "ak_pool_create")
        self._handle = out.value
        _live.add(self)

    @property
    def worker_count(self):
        """The number of workers asked for. Settable at any time; the pool grows at once and
        shrinks as workers finish their current work. Queued work is never dropped."""
        return lib.ak_pool_workers(self._handle) if self._handle else 0

    @worker_count.setter
    def worker_count(self, value):
        _check_count(value)
        errors.check(lib.ak_pool_resize(self._live_handle(), value), "resizing the pool")

    def stop(self, timeout=None, *, cancel=False):
        """Stops the pool: from now on do() raises PoolStoppedError. Work already given runs to
        completion (with cancel=True, work that has not started fails with CancelledError
        instead). stop() and stop(None) return at once; stop(True) (or 0) blocks until the pool
        is quiet; stop(seconds) blocks up to that long. Returns True once the pool has stopped,
        False if work is still running (call stop again to wait for it)."""
        if timeout is None or timeout is False:
            ns = 0
        elif timeout is True:
            ns = _n.AK_FOREVER
        elif isinstance(timeout, (int, float)):
            ns = _n.AK_FOREVER if timeout <= 0 else _core.seconds_to_ns(timeout)
        else:
            raise TypeError("timeout must be None, True or a number of seconds, not %s" % type(timeout).__name__)
        handle = self._live_handle()
        how = _n.AK_STOP_CANCEL if cancel else _n.AK_STOP_DRAIN
        if cancel:  # work it cancels never runs: have the library tell when it is dropped
            self._cancelling = True
            _forget_work_when_done(self)
        rc = _core._blocking(lambda t: lib.ak_pool_stop(handle, how, t), ns, lambda: False)
        if rc == _n.AK_ETIMEDOUT:
            return False
        errors.check(rc, "stopping the pool")
        return True

    def stats(self):
        """A snapshot of the pool's counters, as a dict (see ak_stats in asynckit.h)."""
        out = _n.Stats(size=ctypes.sizeof(_n.Stats))
        errors.check(lib.ak_pool_stats(self._live_handle(), ctypes.byref(out)), "ak_pool_stats")
        return {name: getattr(out, name) for name, _ in _n.Stats._fields_ if name != "size"}

    def _live_handle(self):
        if not self._handle:
            raise errors.PoolStoppedError(_n.AK_ESHUTDOWN, "the pool is destroyed")
        return self._handle

    def _submit(self, work, args, kwargs, slots, after=None):
        """The core of work(*args, **kwargs) run on this pool (see _core.submit)."""
        core = _core.submit(self, self._live_handle(), work, args, kwargs, slots, after)
        if self._cancelling:  # a stop(cancel=True) on another thread may have missed this one
            _core._forget_when_done(core)
        return core

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop(True)

    def __del__(self):
        # Nothing can reach the pool any more: every value it made holds a reference to it.
        handle, self._handle = self._handle, None
        if handle and not _core._exiting:
            lib.ak_pool_destroy(handle)  # drains what is left, then frees

    def __repr__(self):
        return "<asynckit.%s worker_count=%d at %#x>" % (type(self).__name__, self.worker_count, id(self))


def _forget_work_when_done(pool):
    """As _core._forget_when_done, for every piece of work of `pool` that has not started."""
    for job in list(_core._jobs.values()):
        if job.core.pool is pool:
            _core._forget_when_done(job.core)


def fallback_pool():
    """The pool that chain() uses for values that no pool made (set by hand)."""
    global _fallback
    with _fallback_lock:
        if _fallback is None:
            _fallback = NativePool(os.cpu_count() or 1, name="asynckit-ch")
        return _fallback


@atexit.register
def _stop_all():
    # Native workers must not call into Python once the interpreter is being torn down: finish
    # every pool's work now (as concurrent.futures does), then leave native handles alone.
    for pool in list(_live):
        handle = pool._handle
        if handle:
            try:
                lib.ak_pool_stop(handle, _n.AK_STOP_DRAIN, _n.AK_FOREVER)
            except BaseException:
                pass
    _core._exiting = True
