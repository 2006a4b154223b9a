"""The native value underneath an AsyncValue, and how Python objects cross into C and back.

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
code and a message. A value that failed because an input (or element) failed gets that input's
exception: ak_value_failed_index says which input it was.

This module knows nothing of AsyncValue or Pool: the modules above hand it cores, pool handles
and the AsyncValue arguments already picked out.
"""

import ctypes
import functools
import itertools
import sys
import threading
import time
import traceback

from . import _native as _n
from . import errors
from .errors import InvalidWorkTypeError

lib = _n.lib

_ids = itertools.count(1)  # 0 would be NULL, which the library reads as "no result"
_results = {}  # result id -> the Python object a native value holds
_jobs = {}  # job id -> _Job, until its value is set
_callbacks = {}  # callback id -> callable, until the library has called it
_resolve_lock = threading.RLock()  # serialises _Core.failure(), which walks inputs
_exiting = False  # set by the pool layer's atexit hook: stop touching the library
_MAIN_THREAD = threading.main_thread().ident
_SLICE_NS = 200_000_000  # how long one native wait lasts on the main thread (so Ctrl-C works)
_NS_MAX = 2**63 - 2


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


def seconds_to_ns(seconds):
    """Seconds (int or float, may be inf) to library nanoseconds; negative means poll."""
    if seconds != seconds:  # NaN
        raise ValueError("timeout is NaN")
    if seconds <= 0:
        return 0
    if seconds == float("inf"):
        return _n.AK_FOREVER
    ns = int(seconds * 1e9)
    return _NS_MAX if ns > _NS_MAX else max(ns, 1)


def handles(cores):
    """A C array of the ak_value* handles of `cores` (kept alive by the caller)."""
    arr = (ctypes.c_void_p * len(cores))()
    for i, core in enumerate(cores):
        arr[i] = core.handle
    return arr


# --- the native value and what Python knows about it --------------------------------------------


class _Core:
    """One native ak_value reference, plus what only Python knows about it: its pool, the values
    its failure can come from, and the Python exception it failed with."""

    __slots__ = ("handle", "pool", "promise", "inputs", "elements", "any_list", "exc", "tb", "job_id",
                 "__weakref__")

    def __init__(self, handle=None, pool=None, promise=False, inputs=None, elements=None, any_list=False):
        self.handle = handle  # ak_value*, one reference, released with the core
        self.job_id = None  # the work that sets it, while that is registered
        self.pool = pool  # the pool its work runs on (None: a promise, or a list of promises)
        self.promise = promise  # made by ak_value_new: settable by hand
        self.inputs = inputs  # cores its failed index refers to (dropped once known)
        self.elements = elements  # a list's element cores
        self.any_list = any_list  # the list is an any-list (ak_list_any), not a join list
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

    def cancel(self):
        """ak_value_cancel: True if it cancelled, False if the value is set or its work runs."""
        _forget_when_done(self)  # work it cancels never runs: have the library tell when it goes
        rc = lib.ak_value_cancel(self.handle)
        if rc == _n.AK_ESTATE:
            return False
        errors.check(rc, "ak_value_cancel")
        return True

    def any_index(self):
        """The index of the element that set this any-list, or None (not set, or cancelled)."""
        index = ctypes.c_size_t()
        rc = lib.ak_list_any_index(self.handle, ctypes.byref(index))
        return index.value if rc == _n.AK_OK else None

    def failed_index(self):
        """The index of the input (element) this value failed because of, or None."""
        index = ctypes.c_size_t()
        rc = lib.ak_value_failed_index(self.handle, ctypes.byref(index))
        return index.value if rc == _n.AK_OK else None

    def decode(self, ptr):
        """The Python object behind a result pointer of this value."""
        if self.any_list:  # the winner's own result, which only the winner knows how to read
            i = self.any_index()
            if i is None:
                raise errors.AsyncKitError("libasynckit set an any-list without naming its winner")
            return self.elements[i].decode(ptr)
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
        i = self.failed_index()
        if i is None:
            return None
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


def submit(pool, pool_handle, work, args, kwargs, slots, after=None):
    """Runs work(*args, **kwargs) on the pool `pool_handle` once `after` (a core, if given) and the
    core of each slot are set, slot (key, core) putting that core's value at args[key] (int key)
    or kwargs[key]. `pool` is recorded as the core's pool. Returns the work's core."""
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
            arr = handles(inputs)
            rc = lib.ak_pool_do_after(pool_handle, arr, len(inputs), _work_cb, job_id, ctypes.byref(out))
    except BaseException:
        _jobs.pop(job_id, None)
        raise
    if rc != _n.AK_OK:
        _jobs.pop(job_id, None)
        errors.check(rc, "submitting work")
    core.handle = out.value
    if inputs:
        try:
            _when_done(core, functools.partial(_job_done, job_id, core))
        except MemoryError:
            pass  # the work still runs; only its registry entry may outlive it
    return core


def _forget_when_done(core):
    """About to cancel: make sure the work's registry entry goes even if the work never runs."""
    if core.job_id in _jobs and core.handle:
        _when_done(core, functools.partial(_jobs.pop, core.job_id, None))
