"""asynckit's exceptions. The first four are the original toolkit's names."""

import concurrent.futures

from . import _native as _n


class AsyncKitError(Exception):
    """Base class of every error asynckit raises itself."""


class AsyncValueError(AsyncKitError):
    """Misuse of an AsyncValue: setting it twice, setting or clearing an AsyncList, ..."""


class WorkerError(AsyncKitError):
    """Something about the work itself was wrong."""


class InvalidWorkTypeError(WorkerError, TypeError):
    """The work handed to Pool.do (or chain) is not callable."""


class NativeError(AsyncKitError):
    """A status code from libasynckit: `code` (negative: the library's, positive: the work's)
    and `message` (the value's failure message, or the library's text for the code)."""

    def __init__(self, code, message=None):
        self.code = code
        self.message = message if message else _n.strerror(code)
        super().__init__(self.message if code == _n.AK_EWORK else "%s (%s)" % (self.message, _n.strerror(code)))


class CancelledError(NativeError, concurrent.futures.CancelledError):
    """The work was cancelled before it ran (Pool.stop(cancel=True), or its Future was cancelled)."""


class PoolStoppedError(NativeError):
    """The pool was stopped: it takes no new work, and work still waiting for its inputs when the
    stop completed never runs."""


def from_status(code, message=None):
    """The exception for a failure code read from the library."""
    if code == _n.AK_ECANCELED:
        return CancelledError(code, message)
    if code == _n.AK_ESHUTDOWN:
        return PoolStoppedError(code, message)
    if code == _n.AK_ENOMEM:
        return MemoryError(message or _n.strerror(code))
    return NativeError(code, message)


def check(code, what):
    """Raise for a library call that returned `code` != AK_OK."""
    if code == _n.AK_OK:
        return
    if code == _n.AK_EINVAL:
        raise ValueError("%s: %s" % (what, _n.strerror(code)))
    raise from_status(code, "%s: %s" % (what, _n.strerror(code)))
