"""AsyncValue, AsyncList and AsyncAny: values that are set once, by work, by hand, or by their
elements; and as_completed.

The native value each one wraps, and how Python objects cross into C and back, are in _core.
"""

import asyncio
import concurrent.futures
import ctypes
import functools
import queue
import threading
import time

from . import _core
from . import _native as _n
from . import _pool
from . import errors
from ._core import _Core, _describe, _free_cb, _ids, _no_free, _results
from .errors import AsyncValueError

lib = _n.lib

# The registries, also under their old home: the tests (and debugging sessions) read them here.
_jobs, _callbacks = _core._jobs, _core._callbacks

__all__ = ["AsyncValue", "AsyncList", "AsyncAny", "as_completed"]


def _submit(pool, work, args, kwargs, after=None):
    """Runs work(*args, **kwargs) on `pool` once every AsyncValue among the arguments (and `after`,
    a core, if given) is set, each argument replaced by its value. Returns the AsyncValue of the
    work."""
    args, kwargs = list(args), dict(kwargs)
    slots = []
    for i, a in enumerate(args):
        if isinstance(a, AsyncValue):
            slots.append((i, a._core))
            args[i] = None
    for k, v in list(kwargs.items()):
        if isinstance(v, AsyncValue):
            slots.append((k, v._core))
            kwargs[k] = None
    return AsyncValue._wrap(pool._submit(work, args, kwargs, slots, after))


def _get_ns(timeout):
    """get(): None/False never wait, True waits forever, a number waits that many seconds."""
    if timeout is None or timeout is False:
        return 0
    if timeout is True:
        return _n.AK_FOREVER
    if isinstance(timeout, (int, float)):
        return _core.seconds_to_ns(timeout)
    raise TypeError("timeout must be None, True or a number of seconds, not %s" % type(timeout).__name__)


def _wait_ns(timeout):
    """wait(), as threading.Event.wait: None (or True) waits forever, a number that many seconds."""
    if timeout is None or timeout is True:
        return _n.AK_FOREVER
    if timeout is False:
        return 0
    if isinstance(timeout, (int, float)):
        return _core.seconds_to_ns(timeout)
    raise TypeError("timeout must be None or a number of seconds, not %s" % type(timeout).__name__)


class AsyncValue:
    """A value that is set once: by the work that made it (Pool.do, chain) or by hand (set).

    It behaves like a threading.Event that carries a value: is_set(), wait(timeout), and get()
    for the value itself (or the exception the work raised).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._core = _Core.new_promise()

    @classmethod
    def _wrap(cls, core):
        self = cls.__new__(cls)
        self._lock = threading.Lock()
        self._core = core
        return self

    def get(self, timeout=None):
        """The value now, or None if it is not set: get() never blocks, get(True) waits for it,
        get(seconds) waits up to that long and returns None if it is still not set.
        If the work raised (or an exception was set), that exception is raised here."""
        core = self._core
        rc, ptr = core.get(_get_ns(timeout))
        if rc == _n.AK_OK:
            return core.decode(ptr)
        if rc == _n.AK_ETIMEDOUT and not core.is_set():
            return None
        if rc == _n.AK_EINVAL:
            errors.check(rc, "ak_value_get")
        exc, tb = core.failure()
        raise exc.with_traceback(tb)

    def wait(self, timeout=None):
        """Blocks until the value is set or `timeout` seconds pass (None: no limit). Returns
        is_set(), as threading.Event.wait does."""
        return self._core.wait(_wait_ns(timeout))

    def is_set(self):
        """True once the value is set, with a result or an error. Never blocks."""
        return self._core.is_set()

    isSet = is_set

    def is_error(self):
        """True once the value is set with an error. Never blocks."""
        return self._core.is_error()

    def set(self, value=None, exception=None):
        """Sets the value by hand, waking everything that waits for it. An exception instance
        (as `value` or `exception`) makes get() raise it. Setting a set value raises
        AsyncValueError; so does setting a value that its work will set."""
        if exception is None and isinstance(value, BaseException):
            exception, value = value, None
        if isinstance(exception, type) and issubclass(exception, BaseException):
            exception = exception()
        with self._lock:
            core = self._core
            if not core.promise:
                raise AsyncValueError("this value is set by its work; only AsyncValue() is set by hand")
            if exception is not None:
                if core.is_set():
                    raise AsyncValueError("value already set")
                core.tb = exception.__traceback__
                core.exc = exception
                message = _describe(exception, exception.__traceback__).encode("utf-8", "replace")
                rc = lib.ak_value_fail(core.handle, _n.AK_EWORK, message.replace(b"\0", b"\\0"))
                if rc != _n.AK_OK:
                    core.exc = core.tb = None
            else:
                rid = None
                if value is not None:
                    rid = next(_ids)
                    _results[rid] = value
                rc = lib.ak_value_set(core.handle, rid, _free_cb if rid else _no_free)
                if rc != _n.AK_OK and rid:
                    _results.pop(rid, None)
            if rc == _n.AK_ESTATE:
                raise AsyncValueError("value already set")
            errors.check(rc, "setting a value")

    def clear(self):
        """Unsets the value, so that it can be set again by hand. Work already waiting for the
        old value keeps it; get() now returns None."""
        with self._lock:
            core = self._core
            if core.promise and not core.is_set():
                return
            self._core = _Core.new_promise(pool=core.pool)

    def cancel(self):
        """Cancels the value if it is not set yet: work that has not started never runs, and the
        value (also one made by hand, or a list) fails with CancelledError. Returns True then;
        returns False, changing nothing, if the value is already set or its work is running
        (running Python work cannot be interrupted)."""
        return self._core.cancel()

    def chain(self, work, *args, **kwargs):
        """Runs work(*args, **kwargs) once this value is set, on the pool this value's work ran
        on (for a value set by hand, a pool of the module's own). Returns its AsyncValue.
        If this value fails, the work does not run and the new value fails the same way."""
        return self.pool_chain(self._core.pool or _pool.fallback_pool(), work, *args, **kwargs)

    def pool_chain(self, pool, work, *args, **kwargs):
        """As chain(), on `pool`."""
        if not isinstance(pool, _pool.NativePool):
            raise TypeError("pool_chain needs a Pool, not %s" % type(pool).__name__)
        return _submit(pool, work, args, kwargs, after=self._core)

    def future(self):
        """A concurrent.futures.Future that completes with this value, for code that speaks
        futures: asyncio.wrap_future(value.future()). Cancelling the Future cancels this value's
        work if it has not started (and fails a value not set yet with CancelledError)."""
        core = self._core
        fut = concurrent.futures.Future()

        def settle():
            if fut.done():
                return
            try:
                rc, ptr = core.get(0)
                if rc == _n.AK_OK:
                    fut.set_result(core.decode(ptr))
                else:
                    exc, tb = core.failure()
                    fut.set_exception(exc.with_traceback(tb))
            except concurrent.futures.InvalidStateError:
                pass  # cancelled meanwhile
            except BaseException as e:
                try:
                    fut.set_exception(e)
                except concurrent.futures.InvalidStateError:
                    pass

        def cancelled(f):
            if f.cancelled():
                core.cancel()

        fut.add_done_callback(cancelled)
        _core._when_done(core, settle)
        return fut

    def __await__(self):
        return asyncio.wrap_future(self.future()).__await__()

    def __repr__(self):
        core = self._core
        state = "error" if core.is_error() else "set" if core.is_set() else "pending"
        return "<%s %s at %#x>" % (type(self).__name__, state, id(self))


class _Elements(AsyncValue):
    """What AsyncList and AsyncAny share: a value set by its elements, which it holds."""

    def _take(self, values):
        """The element cores of `values`; elements that are not AsyncValues become values set."""
        self._lock = threading.Lock()
        elements = []
        for v in values:
            if not isinstance(v, AsyncValue):
                plain, v = v, AsyncValue()
                v.set(plain)
            elements.append(v)
        self._values = elements
        return [v._core for v in elements]

    @property
    def failed_index(self):
        """The index of the element whose exception get() raises, or None: not set yet, set with
        a result, or failed without an element failing (cancelled)."""
        return self._core.failed_index()

    def set(self, value=None, exception=None):
        raise AsyncValueError("an %s is set by its elements, not by hand" % type(self).__name__)

    def clear(self):
        raise AsyncValueError("an %s cannot be cleared" % type(self).__name__)

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __getitem__(self, i):
        return self._values[i]


def _first_pool(cores):
    """The pool a list chains on, as the library picks it: its first element's that has one."""
    return next((c.pool for c in cores if c.pool is not None), None)


class AsyncList(_Elements):
    """An AsyncValue set once all of its values are; get() returns their values in order, and
    raises the exception of the first failed element in list order. Elements that are not
    AsyncValues count as values already set. An empty list is set at once."""

    def __init__(self, values=()):
        cores = self._take(values)
        out = ctypes.c_void_p()
        errors.check(lib.ak_list_join(_core.handles(cores), len(cores), ctypes.byref(out)), "ak_list_join")
        self._core = _Core(out.value, pool=_first_pool(cores), elements=cores)

    def is_error(self):
        """True if any element failed (even if an earlier one is not set yet), or the list was
        cancelled."""
        return self._core.is_error() or any(c.is_error() for c in self._core.elements)


class AsyncAny(_Elements):
    """An AsyncValue set by the first of its values to be set, with that value's result or its
    exception; `index` tells which value it was. Among values already set when it is made, the
    first in list order wins; elements that are not AsyncValues count as values already set. It
    needs at least one value (ValueError otherwise)."""

    def __init__(self, values):
        cores = self._take(values)
        if not cores:
            raise ValueError("AsyncAny needs at least one value")
        out = ctypes.c_void_p()
        errors.check(lib.ak_list_any(_core.handles(cores), len(cores), ctypes.byref(out)), "ak_list_any")
        self._core = _Core(out.value, pool=_first_pool(cores), elements=cores, any_list=True)

    @property
    def index(self):
        """The index of the value that set it (with a result or an exception), or None while it
        is not set, or if it was cancelled."""
        return self._core.any_index()


def as_completed(values, timeout=None):
    """Yields the given AsyncValues as they are set (those already set first), like
    concurrent.futures.as_completed. Raises concurrent.futures.TimeoutError if `timeout` seconds
    pass, counted from this call, before all are set. Duplicates are yielded once."""
    unique = list({id(v): v for v in values}.values())
    for v in unique:
        if not isinstance(v, AsyncValue):
            raise TypeError("as_completed takes AsyncValues, not %s" % type(v).__name__)
    deadline = None if timeout is None else time.monotonic() + timeout
    ready = queue.SimpleQueue()
    for v in unique:
        _core._when_done(v._core, functools.partial(ready.put, v))

    def completed():
        for left in range(len(unique), 0, -1):
            try:
                if deadline is None:
                    v = ready.get()
                else:
                    v = ready.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise concurrent.futures.TimeoutError("%d (of %d) values unfinished" % (left, len(unique))) from None
            yield v

    return completed()
