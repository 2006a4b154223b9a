"""Pool: the native work-stealing thread pool, driven from Python."""

from . import _pool
from . import value as _value

__all__ = ["Pool"]


class Pool(_pool.NativePool):
    """A pool of native worker threads doing Python work.

    Pool(worker_count=1) starts that many workers; 0 is allowed (work queues until there are
    workers). `name` (optional) prefixes the worker threads' names.
    """

    def do(self, work, *args, **kwargs):
        """Schedules work(*args, **kwargs) and returns its AsyncValue. An argument (or keyword
        argument) that is an AsyncValue is replaced by its value; the work runs once all such
        values are set, and if one of them fails, the work does not run and its value fails the
        same way."""
        return _value._submit(self, work, args, kwargs)
