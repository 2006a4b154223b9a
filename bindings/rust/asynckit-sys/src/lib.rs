//! Raw FFI declarations of libasynckit, written by hand from `include/asynckit.h` (ABI version 1).
//!
//! Nothing here is safe to call without reading the header's documentation of the function: the
//! header is the contract, and each declaration below keeps its order and its section. The safe
//! binding is the `asynckit` crate.
//!
//! Linking: the build script finds the installed library with the `pkg-config` command (module
//! `asynckit`), or uses `ASYNCKIT_LIB_DIR` (and `ASYNCKIT_INCLUDE_DIR`) when set. It exports
//! `DEP_ASYNCKIT_INCLUDE` to crates that depend on this one.
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::marker::{PhantomData, PhantomPinned};

// ---------------------------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------------------------
pub const AK_VERSION_MAJOR: c_uint = 0;
pub const AK_VERSION_MINOR: c_uint = 1;
pub const AK_VERSION_PATCH: c_uint = 0;
pub const AK_VERSION_NUMBER: c_uint =
    AK_VERSION_MAJOR * 10000 + AK_VERSION_MINOR * 100 + AK_VERSION_PATCH;
pub const AK_VERSION_STRING: &str = "0.1.0";
pub const AK_ABI_VERSION: c_uint = 0;

// ---------------------------------------------------------------------------------------------
// Status codes (AK_STATUS_MAP). Never renumbered; new ones are only appended.
// ---------------------------------------------------------------------------------------------
pub type ak_status = c_int;
pub const AK_OK: c_int = 0;
pub const AK_EINVAL: c_int = -1;
pub const AK_ENOMEM: c_int = -2;
pub const AK_ETIMEDOUT: c_int = -3;
pub const AK_ECANCELED: c_int = -4;
pub const AK_ESHUTDOWN: c_int = -5;
pub const AK_ESTATE: c_int = -6;
pub const AK_EPENDING: c_int = -7;
pub const AK_EWORK: c_int = -8;
pub const AK_EINTERNAL: c_int = -9;
/// Not a code: the lowest library code this declaration knows.
pub const AK_STATUS_LAST_: c_int = AK_EINTERNAL;

/// Timeouts are `i64` nanoseconds; this one waits without bound. 0 polls.
pub const AK_FOREVER: i64 = -1;

/// `ak_pool_stop`: run all queued work to completion, then stop.
pub const AK_STOP_DRAIN: c_int = 0;
/// `ak_pool_stop`: fail queued work with `AK_ECANCELED`; running work sees `ak_task_cancelled`.
pub const AK_STOP_CANCEL: c_int = 1;

/// `ak_pool_options::workers`: one worker per hardware thread.
pub const AK_WORKERS_DEFAULT: c_uint = c_uint::MAX;
/// The largest worker count a pool accepts.
pub const AK_WORKERS_MAX: c_uint = 1024;

// ---------------------------------------------------------------------------------------------
// Opaque types
// ---------------------------------------------------------------------------------------------
macro_rules! opaque {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}
opaque!(
    /// A work-stealing thread pool.
    ak_pool
);
opaque!(
    /// A value that is set once: by work, by a list, or by hand.
    ak_value
);
opaque!(
    /// The running work's view of itself; valid only inside an `ak_fn` call.
    ak_task
);

// ---------------------------------------------------------------------------------------------
// Callback types (nullable, as C function pointers are)
// ---------------------------------------------------------------------------------------------
/// Work: runs once on a pool thread; returns `AK_OK` or a non-zero code to fail its value.
pub type ak_fn = Option<unsafe extern "C" fn(task: *mut ak_task, arg: *mut c_void) -> c_int>;
/// Frees a result; called exactly once, when the last reference to the value holding it goes.
pub type ak_free_fn = Option<unsafe extern "C" fn(p: *mut c_void)>;
/// Called once when a value is set; `v` is borrowed for the call.
pub type ak_done_fn = Option<unsafe extern "C" fn(v: *mut ak_value, arg: *mut c_void)>;

// ---------------------------------------------------------------------------------------------
// Size-versioned structs
// ---------------------------------------------------------------------------------------------
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ak_pool_options {
    /// `size_of::<ak_pool_options>()`
    pub size: usize,
    /// Worker threads; 0 queues work until resized; `AK_WORKERS_DEFAULT`.
    pub workers: c_uint,
    /// Thread name prefix (first 11 bytes are used) or NULL; copied.
    pub name: *const c_char,
}

impl ak_pool_options {
    /// `AK_POOL_OPTIONS_INIT`
    pub const INIT: ak_pool_options = ak_pool_options {
        size: core::mem::size_of::<ak_pool_options>(),
        workers: AK_WORKERS_DEFAULT,
        name: core::ptr::null(),
    };
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ak_stats {
    /// `size_of::<ak_stats>()`, set by the caller.
    pub size: usize,
    pub submitted: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub steals: u64,
    pub queued: u64,
    pub workers: c_uint,
}

impl ak_stats {
    /// `AK_STATS_INIT`
    pub const INIT: ak_stats = ak_stats {
        size: core::mem::size_of::<ak_stats>(),
        submitted: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        steals: 0,
        queued: 0,
        workers: 0,
    };
}

extern "C" {
    // -----------------------------------------------------------------------------------------
    // Version
    // -----------------------------------------------------------------------------------------
    pub fn ak_version() -> *const c_char;
    pub fn ak_version_number() -> c_uint;

    // -----------------------------------------------------------------------------------------
    // Status codes
    // -----------------------------------------------------------------------------------------
    pub fn ak_strerror(code: c_int) -> *const c_char;

    // -----------------------------------------------------------------------------------------
    // Pool
    // -----------------------------------------------------------------------------------------
    pub fn ak_pool_create(opts: *const ak_pool_options, out: *mut *mut ak_pool) -> c_int;
    pub fn ak_pool_default() -> *mut ak_pool;
    pub fn ak_pool_do(
        p: *mut ak_pool,
        fn_: ak_fn,
        arg: *mut c_void,
        out: *mut *mut ak_value,
    ) -> c_int;
    pub fn ak_pool_do_after(
        p: *mut ak_pool,
        deps: *const *mut ak_value,
        n: usize,
        fn_: ak_fn,
        arg: *mut c_void,
        out: *mut *mut ak_value,
    ) -> c_int;
    pub fn ak_pool_resize(p: *mut ak_pool, workers: c_uint) -> c_int;
    pub fn ak_pool_workers(p: *const ak_pool) -> c_uint;
    pub fn ak_pool_stats(p: *const ak_pool, out: *mut ak_stats) -> c_int;
    pub fn ak_pool_stop(p: *mut ak_pool, how: c_int, timeout_ns: i64) -> c_int;
    pub fn ak_pool_destroy(p: *mut ak_pool);

    // -----------------------------------------------------------------------------------------
    // Task: called by work, with the ak_task it was given, during that call only
    // -----------------------------------------------------------------------------------------
    pub fn ak_task_input(t: *const ak_task, i: usize) -> *mut c_void;
    pub fn ak_task_input_count(t: *const ak_task) -> usize;
    pub fn ak_task_set_result(t: *mut ak_task, result: *mut c_void, free_fn: ak_free_fn) -> c_int;
    /// printf-style: pass `c"%s"` and a C string to send a message through untouched.
    pub fn ak_task_fail(t: *mut ak_task, code: c_int, fmt: *const c_char, ...) -> c_int;
    pub fn ak_task_cancelled(t: *const ak_task) -> c_int;
    pub fn ak_task_pool(t: *const ak_task) -> *mut ak_pool;

    // -----------------------------------------------------------------------------------------
    // Value
    // -----------------------------------------------------------------------------------------
    pub fn ak_value_get(v: *mut ak_value, timeout_ns: i64, result: *mut *mut c_void) -> c_int;
    pub fn ak_value_wait(v: *mut ak_value, timeout_ns: i64) -> c_int;
    pub fn ak_value_status(v: *const ak_value) -> c_int;
    pub fn ak_value_is_set(v: *const ak_value) -> c_int;
    pub fn ak_value_is_error(v: *const ak_value) -> c_int;
    pub fn ak_value_message(v: *const ak_value) -> *const c_char;
    pub fn ak_value_failed_index(v: *const ak_value, index: *mut usize) -> c_int;
    pub fn ak_value_on_done(v: *mut ak_value, fn_: ak_done_fn, arg: *mut c_void) -> c_int;
    pub fn ak_value_cancel(v: *mut ak_value) -> c_int;
    pub fn ak_value_retain(v: *mut ak_value);
    pub fn ak_value_release(v: *mut ak_value);
    pub fn ak_value_new(out: *mut *mut ak_value) -> c_int;
    pub fn ak_value_set(v: *mut ak_value, result: *mut c_void, free_fn: ak_free_fn) -> c_int;
    pub fn ak_value_fail(v: *mut ak_value, code: c_int, message: *const c_char) -> c_int;

    // -----------------------------------------------------------------------------------------
    // Lists and chains
    // -----------------------------------------------------------------------------------------
    pub fn ak_list_join(values: *const *mut ak_value, n: usize, out: *mut *mut ak_value) -> c_int;
    pub fn ak_list_any(values: *const *mut ak_value, n: usize, out: *mut *mut ak_value) -> c_int;
    pub fn ak_list_size(list: *const ak_value) -> usize;
    pub fn ak_list_at(list: *const ak_value, i: usize) -> *mut ak_value;
    pub fn ak_list_any_index(any: *const ak_value, index: *mut usize) -> c_int;
    pub fn ak_chain(
        prev: *mut ak_value,
        fn_: ak_fn,
        arg: *mut c_void,
        out: *mut *mut ak_value,
    ) -> c_int;
    pub fn ak_chain_on(
        p: *mut ak_pool,
        prev: *mut ak_value,
        fn_: ak_fn,
        arg: *mut c_void,
        out: *mut *mut ak_value,
    ) -> c_int;
}
