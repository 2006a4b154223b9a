"""The C library underneath: finding it, its declarations, and its constants.

Everything here mirrors include/asynckit.h one to one. This is the package's raw layer: it imports
no other module of the package, nothing above it touches ctypes declarations, and nothing in it
knows about Python work, values or pools.

ctypes releases the GIL around every call into a CDLL, so a wait in the library never holds up
other Python threads, and a callback into Python (which ctypes wraps in PyGILState_Ensure) can
always take the GIL from a native worker thread.
"""

import ctypes
import ctypes.util
import os
import sys

__all__ = ["lib", "library_path", "WORK_FN", "FREE_FN", "DONE_FN", "PoolOptions", "Stats"]

# --- status codes (AK_STATUS_MAP; never renumbered) -------------------------------------------
AK_OK = 0
AK_EINVAL = -1
AK_ENOMEM = -2
AK_ETIMEDOUT = -3
AK_ECANCELED = -4
AK_ESHUTDOWN = -5
AK_ESTATE = -6
AK_EPENDING = -7
AK_EWORK = -8
AK_EINTERNAL = -9

AK_FOREVER = -1
AK_STOP_DRAIN = 0
AK_STOP_CANCEL = 1
AK_WORKERS_MAX = 1024

ABI_VERSION = 0  # the SONAME major this binding was written against

# --- callback types ---------------------------------------------------------------------------
# Pointers arrive in Python as int (or None for NULL); this package passes small integer ids as
# the `void *arg` and as results, never real pointers to Python objects.
WORK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)  # ak_fn
FREE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # ak_free_fn
DONE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)  # ak_done_fn


class PoolOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("workers", ctypes.c_uint), ("name", ctypes.c_char_p)]


class Stats(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("submitted", ctypes.c_uint64),
        ("completed", ctypes.c_uint64),
        ("failed", ctypes.c_uint64),
        ("cancelled", ctypes.c_uint64),
        ("steals", ctypes.c_uint64),
        ("queued", ctypes.c_uint64),
        ("workers", ctypes.c_uint),
    ]


_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_int = ctypes.c_int
_size = ctypes.c_size_t

# name: (restype, argtypes). ak_task_fail is variadic and declared by hand below.
_PROTOTYPES = {
    "ak_version": (ctypes.c_char_p, []),
    "ak_version_number": (ctypes.c_uint, []),
    "ak_strerror": (ctypes.c_char_p, [_int]),
    "ak_pool_create": (_int, [ctypes.POINTER(PoolOptions), _pp]),
    "ak_pool_default": (_p, []),
    "ak_pool_do": (_int, [_p, WORK_FN, _p, _pp]),
    "ak_pool_do_after": (_int, [_p, _pp, _size, WORK_FN, _p, _pp]),
    "ak_pool_resize": (_int, [_p, ctypes.c_uint]),
    "ak_pool_workers": (ctypes.c_uint, [_p]),
    "ak_pool_stats": (_int, [_p, ctypes.POINTER(Stats)]),
    "ak_pool_stop": (_int, [_p, _int, ctypes.c_int64]),
    "ak_pool_destroy": (None, [_p]),
    "ak_task_input": (_p, [_p, _size]),
    "ak_task_input_count": (_size, [_p]),
    "ak_task_set_result": (_int, [_p, _p, FREE_FN]),
    "ak_task_cancelled": (_int, [_p]),
    "ak_task_pool": (_p, [_p]),
    "ak_value_get": (_int, [_p, ctypes.c_int64, _pp]),
    "ak_value_wait": (_int, [_p, ctypes.c_int64]),
    "ak_value_status": (_int, [_p]),
    "ak_value_is_set": (_int, [_p]),
    "ak_value_is_error": (_int, [_p]),
    "ak_value_message": (ctypes.c_char_p, [_p]),
    "ak_value_failed_index": (_int, [_p, ctypes.POINTER(_size)]),
    "ak_value_on_done": (_int, [_p, DONE_FN, _p]),
    "ak_value_cancel": (_int, [_p]),
    "ak_value_retain": (None, [_p]),
    "ak_value_release": (None, [_p]),
    "ak_value_new": (_int, [_pp]),
    "ak_value_set": (_int, [_p, _p, FREE_FN]),
    "ak_value_fail": (_int, [_p, _int, ctypes.c_char_p]),
    "ak_list_join": (_int, [_pp, _size, _pp]),
    "ak_list_any": (_int, [_pp, _size, _pp]),
    "ak_list_size": (_size, [_p]),
    "ak_list_at": (_p, [_p, _size]),
    "ak_list_any_index": (_int, [_p, ctypes.POINTER(_size)]),
    "ak_chain": (_int, [_p, WORK_FN, _p, _pp]),
    "ak_chain_on": (_int, [_p, _p, WORK_FN, _p, _pp]),
}

_HOW_TO_FIX = (
    "Build and install the C library (cmake -S . -B build && cmake --build build && "
    "cmake --install build), then either make it findable by the loader (ldconfig, or "
    "LD_LIBRARY_PATH on Linux, DYLD_LIBRARY_PATH on macOS, PATH on Windows) or point "
    "ASYNCKIT_LIBRARY at the file itself, e.g. ASYNCKIT_LIBRARY=/path/to/libasynckit.so.0"
)


def _candidates():
    """Names to hand to the loader, most specific first."""
    if sys.platform == "darwin":
        names = ["libasynckit.%d.dylib" % ABI_VERSION, "libasynckit.dylib"]
    elif sys.platform == "win32":
        names = ["asynckit.dll", "libasynckit.dll"]
    else:
        names = ["libasynckit.so.%d" % ABI_VERSION, "libasynckit.so"]
    found = ctypes.util.find_library("asynckit")
    if found and found not in names:
        names.insert(1, found)
    return names


def _load():
    override = os.environ.get("ASYNCKIT_LIBRARY")
    if override:
        try:
            return ctypes.CDLL(override), override
        except OSError as e:
            raise ImportError(
                "asynckit: ASYNCKIT_LIBRARY=%r could not be loaded (%s). Point it at a built "
                "libasynckit shared library, or unset it to search the usual library path." % (override, e)
            ) from None
    tried = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            tried.append("%s (%s)" % (name, e))
    raise ImportError(
        "asynckit: the native library libasynckit was not found. Tried: %s. %s"
        % ("; ".join(tried), _HOW_TO_FIX)
    )


def _declare(cdll, where):
    missing = []
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    try:
        cdll.ak_task_fail.restype = ctypes.c_int  # variadic: (task, code, fmt, ...); no argtypes
    except AttributeError:
        missing.append("ak_task_fail")
    if missing:
        raise ImportError(
            "asynckit: %s is not a usable libasynckit (ABI %d): missing %s. %s"
            % (where, ABI_VERSION, ", ".join(missing), _HOW_TO_FIX)
        )


lib, library_path = _load()
_declare(lib, library_path)


def strerror(code):
    return lib.ak_strerror(code).decode("utf-8", "replace")


def task_fail(task, code, message):
    """ak_task_fail(task, code, "%s", message): the message goes through as data, never as a format."""
    if isinstance(message, str):
        message = message.encode("utf-8", "replace")
    message = message.replace(b"\0", b"\\0")
    return lib.ak_task_fail(ctypes.c_void_p(task), ctypes.c_int(code), b"%s", ctypes.c_char_p(message))
