"""AsyncValue and AsyncList: values that are set once, by work, by hand, or by their elements.

How Python objects cross into C and back
-----------------------------------------
The library only ever sees small integers where it expects pointers:

* work is registered in ``_jobs`` under an id passed as the ``void *arg`` of ak_pool_do (and
  friends); ``_run`` takes it out on the worker thread and calls it. Work that may never run
  (work with inputs, which fails without running when an input fails) also gets an
  ak_value_on_done callback that drops the entry; other work can only be kept from running by
  cancellation, which registers that callback first (``_forget_when_done``). Not registering a
  done callback for every task saves a second GIL hand-off per task, which more than halves
  the cost of small tasks on a busy pool.
* a result is registered in ``_results`` under an id handed to ak_task_set_result / ak_value_set
  with ``_free`` as its free function, so the object lives exactly as long as the native value;
* dependent work reads its inputs with ak_task_input and looks the ids up again.

A failure carries its Python exception Python-side (``_Core.exc``): the native value only has a
code and a message ("input 1 failed: ..."), which is how a dependent finds the exception of the
input that failed.
"""

import asyncio
import concurrent.futures
import ctypes
import functools
import itertools
import queue
import re
import sys
import threading
import time
import traceback

from . import _native as _n
from . import errors
from .errors import AsyncValueError, InvalidWorkTypeError

lib = _n.lib

__all__ = ["AsyncValue", "AsyncList", "as_completed"]

_ids = itertools.count(1)  # 0 would be NULL, which the library reads as "no result"
_results = {}  # result id -> the Python object a native value holds
_jobs = {}  # job id -> _Job, until its value is set
_callbacks = {}  # callback id -> callable, until the library has called it
_resolve_lock = threading.RLock()  # serialises _Core.failure(), which walks inputs
_exiting = False  # set by the pool module's atexit hook: stop touching the library
_MAIN_THREAD = threading.main_thread().ident
_SLICE_NS = 200_000_000  # how long one native wait lasts on the main thread (so Ctrl-C works)
_CAUSE = re.compile(r"(?:input|element) (\d+) failed: ")


# --- trampolines: called by the library on its threads; nothing may raise out of them -----------


def _report():
    """Print an exception that happened where nobody can receive it."""
    try:
        traceback.print_exc(file=sys.stderr)
    except BaseException:
        pass


def _free(result_id):
    try:
        _results.pop(result_id, None)
    except BaseException:
        _report()


def _done(_value, callback_id):
    try:
        fn = _callbacks.pop(callback_id, None)
        if fn is not None:
            fn()
    except BaseException:
        _report()


def _strip(tb):
    """Drop this module's own frames from the front of a traceback."""
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    return tb


def _describe(exc, tb):
    try:
        return "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        return "%s (its description failed)" % type(exc).__name__


def _run(task, job_id):
    try:
        job = _jobs.pop(job_id, None)
        if job is None:
            return _n.task_fail(task, _n.AK_EINVAL, "asynckit: no work registered under id %r" % job_id)
        job.core.inputs = None  # it runs: any failure is its own from now on
        try:
            result = job.call(task)
        except BaseException as e:
            tb = _strip(e.__traceback__)
            e.__traceback__ = tb
            job.core.tb = tb
            job.core.exc = e
            return _n.task_fail(task, _n.AK_EWORK, _describe(e, tb))
        if result is not None:
            rid = next(_ids)
            _results[rid] = result
            if lib.ak_task_set_result(task, rid, _free_cb) != _n.AK_OK:
                _results.pop(rid, None)
                return _n.task_fail(task, _n.AK_EINVAL, "asynckit: the library refused the result")
        return _n.AK_OK
    except BaseException:
        _report()
        return _n.AK_EWORK


# The library holds these for as long as it may call them: for the life of the module.
_work_cb = _n.WORK_FN(_run)
_free_cb = _n.FREE_FN(_free)
_done_cb = _n.DONE_FN(_done)
_no_free = _n.FREE_FN()  # NULL: a None result is a NULL pointer with nothing to free


def _when_done(core, fn):
    """Call fn() once `core` is set: now, if it already is, else on the thread that sets it."""
    cid = next(_ids)
    _callbacks[cid] = fn
    rc = lib.ak_value_on_done(core.handle, _done_cb, cid)
    if rc != _n.AK_OK:
        _callbacks.pop(cid, None)
        errors.check(rc, "ak_value_on_done")


def _blocking(call, ns, finished):
    """call(ns) -> status. On the main thread a long wait is cut into slices, so that signals
    (KeyboardInterrupt) are handled between them; elsewhere it is one native call."""
    if ns == 0 or threading.get_ident() != _MAIN_THREAD:
        return call(ns)
    deadline = None if ns == _n.AK_FOREVER else time.monotonic_ns() + ns
    while True:
        step = _SLICE_NS if deadline is None else max(0, min(_SLICE_NS, deadline - time.monotonic_ns()))
        rc = call(step)
        if rc != _n.AK_ETIMEDOUT or finished() or (deadline is not None and time.monotonic_ns() >= deadline):
            return rc


# --- the native value and what Python knows about it --------------------------------------------


class _Core:
    """One native ak_value reference, plus what only Python knows about it: its pool, the values
    its failure can come from, and the Python exception it failed with."""

    __slots__ = ("handle", "pool", "promise", "inputs", "elements", "exc", "tb", "job_id", "__weakref__")

    def __init__(self, handle=None, pool=None, promise=False, inputs=None, elements=None):
        self.handle = handle  # ak_value*, one reference, released with the core
        self.job_id = None  # the work that sets it, while that is registered
        self.pool = pool  # the Pool its work runs on (None: a promise, or a list of promises)
        self.promise = promise  # made by ak_value_new: settable by hand
        self.inputs = inputs  # cores whose failure "input <i> failed" refers to (dropped once known)
        self.elements = elements  # a join list's element cores
        self.exc = None  # the Python exception it failed with, once known
        self.tb = None

    @classmethod
    def new_promise(cls, pool=None):
        out = ctypes.c_void_p()
        errors.check(lib.ak_value_new(ctypes.byref(out)), "ak_value_new")
        return cls(out.value, pool=pool, promise=True)

    def __del__(self):
        handle, self.handle = self.handle, None
        if handle and not _exiting:
            try:
                lib.ak_value_release(handle)
            except BaseException:
                pass

    def is_set(self):
        return lib.ak_value_is_set(self.handle) == 1

    def is_error(self):
        return lib.ak_value_is_error(self.handle) == 1

    def wait(self, ns):
        rc = _blocking(lambda t: lib.ak_value_wait(self.handle, t), ns, self.is_set)
        if rc not in (_n.AK_OK, _n.AK_ETIMEDOUT):
            errors.check(rc, "ak_value_wait")
        return rc == _n.AK_OK

    def get(self, ns):
        out = ctypes.c_void_p()
        rc = _blocking(lambda t: lib.ak_value_get(self.handle, t, ctypes.byref(out)), ns, self.is_set)
        return rc, out.value

    def decode(self, ptr):
        """The Python object behind a result pointer of this value."""
        if self.elements is not None:  # a join list: a void ** array, one result per element
            if not self.elements:
                return []
            if not ptr:
                raise errors.AsyncKitError("libasynckit returned no element array for a list")
            arr = ctypes.cast(ptr, ctypes.POINTER(ctypes.c_void_p))
            return [el.decode(arr[i]) for i, el in enumerate(self.elements)]
        if not ptr:
            return None
        try:
            return _results[ptr]
        except KeyError:
            raise errors.AsyncKitError("result %d is no longer held (a binding bug)" % ptr) from None

    def failure(self):
        """(exception, traceback) of a failed value: the work's own exception, or that of the
        input (element) the library names, or one made from the code and message."""
        with _resolve_lock:
            path = []  # cores whose failure is their input's, down to one that knows its own
            core = self
            while core.exc is None:
                cause = core._failed_input()
                if cause is None:
                    message = (lib.ak_value_message(core.handle) or b"").decode("utf-8", "replace")
                    core.exc = errors.from_status(lib.ak_value_status(core.handle), message)
                    break
                path.append(core)
                core = cause
            for c in path:
                c.tb = core.tb
                c.exc = core.exc
            self.inputs = None
            return self.exc, self.tb

    def _failed_input(self):
        """The input (element) core the library says this value failed because of, or None."""
        inputs = self.elements if self.elements is not None else self.inputs
        if not inputs:
            return None
        message = (lib.ak_value_message(self.handle) or b"").decode("utf-8", "replace")
        match = _CAUSE.match(message)
        if not match:
            return None
        i = int(match.group(1))
        if i < len(inputs) and inputs[i].is_error():
            return inputs[i]
        # The index counts the elements of a list this value continues (ak_chain on a join list
        # numbers its inputs by element); here the list is the input: take the first failed.
        return next((c for c in inputs if c.is_error()), None)


class _Job:
    """Work waiting to run: the callable, its arguments, and which of them are AsyncValues to be
    replaced by the inputs the library hands over (at ak_task_input(first_input + j))."""

    __slots__ = ("fn", "args", "kwargs", "slots", "first_input", "core")

    def __init__(self, fn, args, kwargs, slots, first_input, core):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.slots, self.first_input, self.core = slots, first_input, core

    def call(self, task):
        args, kwargs = self.args, self.kwargs
        if self.slots:
            args, kwargs = list(args), dict(kwargs)
            for j, (key, dep) in enumerate(self.slots):
                value = dep.decode(lib.ak_task_input(task, self.first_input + j))
                if isinstance(key, int):
                    args[key] = value
                else:
                    kwargs[key] = value
        if not callable(self.fn):
            raise InvalidWorkTypeError("work should be callable, was of type %s" % type(self.fn).__name__)
        return self.fn(*args, **kwargs)


def _job_done(job_id, core):
    """Done callback of work with inputs: it may have failed without running."""
    _jobs.pop(job_id, None)
    with _resolve_lock:
        if core.inputs is not None:
            if core.is_error():
                core.failure()  # learn the cause while the inputs are known, then drop them
            core.inputs = None


def _submit(pool, pool_handle, work, args, kwargs, after=None):
    """Runs work(*args, **kwargs) on `pool` once every AsyncValue among the arguments (and `after`,
    if given) is set, each argument replaced by its value. Returns the AsyncValue of the work."""
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
    deps = [core for _, core in slots]
    inputs = ([after] if after is not None else []) + deps
    core = _Core(pool=pool, inputs=inputs or None)
    job = _Job(work, tuple(args), kwargs, slots, 1 if after is not None else 0, core)
    job_id = core.job_id = next(_ids)
    _jobs[job_id] = job
    out = ctypes.c_void_p()
    try:
        if not inputs:
            rc = lib.ak_pool_do(pool_handle, _work_cb, job_id, ctypes.byref(out))
        elif not deps:  # a plain continuation of `after`
            rc = lib.ak_chain_on(pool_handle, after.handle, _work_cb, job_id, ctypes.byref(out))
        else:
            arr = _n.handles(inputs)
            rc = lib.ak_pool_do_after(pool_handle, arr, len(inputs), _work_cb, job_id, ctypes.byref(out))
    except BaseException:
        _jobs.pop(job_id, None)
        raise
    if rc != _n.AK_OK:
        _jobs.pop(job_id, None)
        errors.check(rc, "submitting work")
    core.handle = out.value
    if pool._cancelling:  # a stop(cancel=True) on another thread may have missed this one
        _forget_when_done(core)
    if inputs:
        try:
            _when_done(core, functools.partial(_job_done, job_id, core))
        except MemoryError:
            pass  # the work still runs; only its registry entry may outlive it
    return AsyncValue._wrap(core)


def _forget_when_done(core):
    """About to cancel: make sure the work's registry entry goes even if the work never runs."""
    if core.job_id in _jobs and core.handle:
        _when_done(core, functools.partial(_jobs.pop, core.job_id, None))


def _forget_pool_when_done(pool):
    """As _forget_when_done, for every piece of work of `pool` that has not started."""
    for job in list(_jobs.values()):
        if job.core.pool is pool:
            _forget_when_done(job.core)


def _get_ns(timeout):
    """get(): None/False never wait, True waits forever, a number waits that many seconds."""
    if timeout is None or timeout is False:
        return 0
    if timeout is True:
        return _n.AK_FOREVER
    if isinstance(timeout, (int, float)):
        return _n.seconds_to_ns(timeout)
    raise TypeError("timeout must be None, True or a number of seconds, not %s" % type(timeout).__name__)


def _wait_ns(timeout):
    """wait(), as threading.Event.wait: None (or True) waits forever, a number that many seconds."""
    if timeout is None or timeout is True:
        return _n.AK_FOREVER
    if timeout is False:
        return 0
    if isinstance(timeout, (int, float)):
        return _n.seconds_to_ns(timeout)
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

    def chain(self, work, *args, **kwargs):
        """Runs work(*args, **kwargs) once this value is set, on the pool this value's work ran
        on (for a value set by hand, a pool of the module's own). Returns its AsyncValue.
        If this value fails, the work does not run and the new value fails the same way."""
        from .pool import _fallback_pool

        return self.pool_chain(self._core.pool or _fallback_pool(), work, *args, **kwargs)

    def pool_chain(self, pool, work, *args, **kwargs):
        """As chain(), on `pool`."""
        from .pool import Pool

        if not isinstance(pool, Pool):
            raise TypeError("pool_chain needs a Pool, not %s" % type(pool).__name__)
        return pool._submit(work, args, kwargs, after=self._core)

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
                _forget_when_done(core)
                lib.ak_value_cancel(core.handle)

        fut.add_done_callback(cancelled)
        _when_done(core, settle)
        return fut

    def __await__(self):
        return asyncio.wrap_future(self.future()).__await__()

    def __repr__(self):
        core = self._core
        state = "error" if core.is_error() else "set" if core.is_set() else "pending"
        return "<%s %s at %#x>" % (type(self).__name__, state, id(self))


class AsyncList(AsyncValue):
    """An AsyncValue set once all of its values are; get() returns their values in order, and
    raises the exception of the first failed element in list order. Elements that are not
    AsyncValues count as values already set. An empty list is set at once."""

    def __init__(self, values=()):
        self._lock = threading.Lock()
        elements = []
        for v in values:
            if not isinstance(v, AsyncValue):
                plain, v = v, AsyncValue()
                v.set(plain)
            elements.append(v)
        self._values = elements
        cores = [v._core for v in elements]
        arr = _n.handles(cores)
        out = ctypes.c_void_p()
        errors.check(lib.ak_list_join(arr, len(cores), ctypes.byref(out)), "ak_list_join")
        pool = next((c.pool for c in cores if c.pool is not None), None)
        self._core = _Core(out.value, pool=pool, elements=cores)

    def set(self, value=None, exception=None):
        raise AsyncValueError("an AsyncList is set by its elements, not by hand")

    def clear(self):
        raise AsyncValueError("an AsyncList cannot be cleared")

    def is_error(self):
        """True if any element failed (even if an earlier one is not set yet)."""
        return any(c.is_error() for c in self._core.elements)

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __getitem__(self, i):
        return self._values[i]


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
        _when_done(v._core, functools.partial(ready.put, v))

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
