//! Closures as work: the trampolines the library calls.
//!
//! A closure is boxed as a `Job<F>` and passed as the work's `arg`. `run_job` takes the closure out
//! and runs it (under `catch_unwind`); the job itself is freed by `drop_job`, a done-callback on
//! the work's value. The value is set only after the work has returned, and once it is set the work
//! never runs, so `drop_job` is the last user of the job whether the closure ran or not (cancelled,
//! failed input, stopped pool): nothing leaks, nothing is freed twice.
//!
//! This module knows nothing of `Value`: `submit` hands back the raw value and the value module
//! wraps it, so the layering stays one way (value uses job, never the reverse).
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use asynckit_sys as sys;

use crate::cstr::c_message;
use crate::error::Error;
use crate::result::{free_slot, Slot};
use crate::unwind::drop_quietly;

thread_local! {
    /// The task whose closure this thread is running (innermost: a wait inside work may run other
    /// work on the same thread).
    static CURRENT: Cell<*mut sys::ak_task> = const { Cell::new(ptr::null_mut()) };
}

struct Job<F> {
    f: Option<F>,
}

/// Submits `f` through `submit(fn, arg, out)` (a call of ak_pool_do, ak_pool_do_after, ak_chain or
/// ak_chain_on) and returns the reference to the value it hands out, whose result will be a
/// `Slot<T>`.
pub(crate) fn submit<T, F>(
    submit: impl FnOnce(sys::ak_fn, *mut c_void, *mut *mut sys::ak_value) -> c_int,
    f: F,
) -> Result<NonNull<sys::ak_value>, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    let job = Box::into_raw(Box::new(Job { f: Some(f) }));
    let mut out = ptr::null_mut();
    let rc = submit(Some(run_job::<T, F>), job.cast(), &mut out);
    let out = match NonNull::new(out) {
        Some(out) if rc == sys::AK_OK => out,
        _ => {
            // SAFETY: not submitted, so the library never saw `job`; it is still ours alone.
            drop(unsafe { Box::from_raw(job) });
            return Err(Error::from_code(if rc == sys::AK_OK { sys::AK_ENOMEM } else { rc }));
        }
    };
    // SAFETY: `out` is the reference we were handed; from here `drop_job` owns the job.
    let rc = unsafe { sys::ak_value_on_done(out.as_ptr(), Some(drop_job::<F>), job.cast()) };
    // On failure (out of memory) the job is leaked on purpose: the work may still run and read it,
    // and we cannot know when it is done with it.
    let _ = rc;
    Ok(out)
}

unsafe extern "C" fn run_job<T, F>(task: *mut sys::ak_task, arg: *mut c_void) -> c_int
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `arg` is our `Job<F>`, alive until `drop_job`, which runs only after we return.
        let job = unsafe { &mut *arg.cast::<Job<F>>() };
        let outer = CURRENT.with(|c| c.replace(task));
        let ran = catch_unwind(AssertUnwindSafe(|| match job.f.take() {
            Some(f) => f(),
            None => Err(Error::state("work ran twice")),
        }));
        CURRENT.with(|c| c.set(outer));
        let failure = match ran {
            Ok(Ok(result)) => {
                let p = Slot::into_raw(result);
                // SAFETY: `task` is the running task; on AK_OK the value owns `p` and frees it
                // with `free_slot::<T>`.
                if unsafe { sys::ak_task_set_result(task, p, Some(free_slot::<T>)) } == sys::AK_OK {
                    return sys::AK_OK;
                }
                // SAFETY: refused, so `p` is still ours.
                unsafe { free_slot::<T>(p) };
                Error::from_code(sys::AK_EINVAL)
            }
            Ok(Err(error)) => error,
            Err(payload) => Error::from_panic(payload),
        };
        // SAFETY: `task` is the running task.
        unsafe { fail_task(task, &failure) }
    }));
    outcome.unwrap_or_else(|payload| {
        drop_quietly(payload);
        sys::AK_EWORK
    })
}

/// Fails the running task with `error`'s code and message; returns the code to return from work.
unsafe fn fail_task(task: *mut sys::ak_task, error: &Error) -> c_int {
    let message = c_message(error.message());
    // SAFETY: `task` is the running task; "%s" with one C string argument.
    unsafe { sys::ak_task_fail(task, error.raw_code(), c"%s".as_ptr(), message.as_ptr()) }
}

unsafe extern "C" fn drop_job<F>(_value: *mut sys::ak_value, arg: *mut c_void) {
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: called once, after the work returned or once it can no longer run.
        drop(unsafe { Box::from_raw(arg.cast::<Job<F>>()) })
    }));
    if let Err(payload) = dropped {
        drop_quietly(payload);
    }
}

/// `true` when called from work whose value was cancelled while it ran, or whose pool is stopping
/// with [`StopMode::Cancel`](crate::StopMode::Cancel) (`ak_task_cancelled`). Work that runs long
/// should poll it and return early, for example with
/// `Err(Error::new(ErrorCode::Cancelled.raw(), "cancelled"))`. `false` outside work.
pub fn cancelled() -> bool {
    let task = CURRENT.with(Cell::get);
    // SAFETY: CURRENT is non-null only while that task's work runs on this thread.
    !task.is_null() && unsafe { sys::ak_task_cancelled(task) } != 0
}

/// `true` when called from inside a closure this crate is running as work.
pub fn in_work() -> bool {
    !CURRENT.with(Cell::get).is_null()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_text_without_nul_bytes() {
        assert_eq!(c_message("plain").to_str().unwrap(), "plain");
        assert_eq!(c_message("a\0b\0").to_str().unwrap(), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn outside_work_nothing_is_cancelled() {
        assert!(!cancelled());
        assert!(!in_work());
    }

    #[test]
    fn panic_payloads_become_messages() {
        let e = Error::from_panic(Box::new("text"));
        assert_eq!(e.message(), "panicked: text");
        let e = Error::from_panic(Box::new(String::from("owned")));
        assert_eq!(e.message(), "panicked: owned");
        let e = Error::from_panic(Box::new(5u8));
        assert_eq!(e.code(), crate::ErrorCode::WorkFailed);
    }
}
