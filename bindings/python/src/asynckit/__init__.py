"""asynckit: do a lot of IO-heavy work in parallel from a plain script.

    from asynckit import Pool, AsyncList

    pool = Pool(worker_count=4)
    pages = AsyncList([pool.do(download, url) for url in urls])
    for page in pages.get(True):
        ...

The work runs on libasynckit's native work-stealing pool; see README.md.
"""

from . import _native
from .errors import (
    AsyncKitError,
    AsyncValueError,
    CancelledError,
    InvalidWorkTypeError,
    NativeError,
    PoolStoppedError,
    WorkerError,
)
from .pool import Pool
from .value import AsyncAny, AsyncList, AsyncValue, as_completed

# The package's version, the one place it is written in the binding: pyproject.toml reads it
# from here (tool.setuptools.dynamic), and tests/version/check_versions.py compares it with
# project(VERSION).
__version__ = "0.1.0"

#: The product version of the loaded libasynckit ("MAJOR.MINOR.PATCH").
native_version = _native.lib.ak_version().decode("ascii", "replace")
#: Where the loaded libasynckit was found (a path or a name handed to the loader).
library_path = _native.library_path

__all__ = [
    "Pool",
    "AsyncValue",
    "AsyncList",
    "AsyncAny",
    "as_completed",
    "AsyncKitError",
    "AsyncValueError",
    "WorkerError",
    "InvalidWorkTypeError",
    "NativeError",
    "CancelledError",
    "PoolStoppedError",
]
