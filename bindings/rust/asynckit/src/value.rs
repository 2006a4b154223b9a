//! Values: results that are set once, by work, by a list, or by hand.
//!
//! The pool module sits above this one: what needs a `Pool` (spawning, [`Value::then_on`]) lives
//! there, so this module never names it.
use std::ffi::c_void;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use asynckit_sys as sys;

use crate::cstr::c_message;
use crate::error::{failed_index_of, Error};
use crate::job;
use crate::result::{free_slot, AnyExtract, Extract, JoinExtract, Slot};
use crate::unwind::drop_quietly;

/// `d` in the library's nanoseconds; durations too long for an `i64` (about 292 years) wait
/// without bound.
pub(crate) fn timeout_ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(sys::AK_FOREVER)
}

/// A result of type `T` that is set once: by work ([`Pool::spawn`](crate::Pool::spawn)), by a
/// continuation ([`Value::then`]), by a list ([`join`], [`any`]) or by hand ([`Value::promise`]).
///
/// # How the result moves out
/// The result belongs to the C value until it is *taken*: [`get`](Value::get) (which consumes the
/// handle), [`get_timeout`](Value::get_timeout), [`try_get`](Value::try_get) and `.await` each move
/// it out on success. It can be taken once: after that, these return an [`ErrorCode::State`]
/// error "result already taken". The failure of a failed value can be read any number of times.
/// A result that is never taken is dropped when the value's last reference goes (the library may
/// hold references of its own for a while, e.g. for a list or a waiting continuation), on
/// whichever thread releases it.
///
/// `then`, `join`, `any` and `spawn_after` consume the values they are given: the result then
/// moves on to the continuation or the list. A `Value` is not `Clone` for the same reason.
///
/// A value whose creation failed (for example, spawning on a stopped pool) is returned already
/// failed with that error, so every error comes out of the same `get`.
///
/// Dropping a `Value` never cancels anything: work still runs. Use [`cancel`](Value::cancel).
///
/// [`ErrorCode::State`]: crate::ErrorCode::State
pub struct Value<T> {
    raw: NonNull<sys::ak_value>,
    extract: Extract<T>,
    waker: Option<Arc<WakeCell>>,
    _result: PhantomData<T>,
}

// SAFETY (Send): the C value is reference-counted and thread-safe; the only `T` that crosses
// threads is one moved out by `get`, hence `T: Send`.
unsafe impl<T: Send> Send for Value<T> {}
// SAFETY (Sync): `&Value` only reaches the thread-safe C queries (wait, status, message, cancel)
// and never a `&T`; taking the result needs `&mut Value` or the value itself.
unsafe impl<T: Send> Sync for Value<T> {}
// `Value` never pins its `T` (it lives in the C value), so it is `Unpin` for every `T`.
impl<T> Unpin for Value<T> {}

impl<T> Drop for Value<T> {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::ak_value_release(self.raw.as_ptr()) }
    }
}

impl<T> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: held.
        let status = unsafe { sys::ak_value_status(self.raw.as_ptr()) };
        f.debug_struct("Value").field("raw", &self.raw).field("status", &status).finish()
    }
}

impl<T: Send + 'static> Value<T> {
    /// # Safety
    /// `raw` is one reference the caller hands over, to a value whose result `extract` fits.
    pub(crate) unsafe fn from_raw_parts(raw: *mut sys::ak_value, extract: Extract<T>) -> Value<T> {
        Value {
            raw: NonNull::new(raw).expect("library handed out a NULL value"),
            extract,
            waker: None,
            _result: PhantomData,
        }
    }

    /// Submits `f` through `how` (see `job::submit`) and wraps the value handed out.
    pub(crate) fn submit<F>(
        how: impl FnOnce(sys::ak_fn, *mut c_void, *mut *mut sys::ak_value) -> std::ffi::c_int,
        f: F,
    ) -> Result<Value<T>, Error>
    where
        F: FnOnce() -> Result<T, Error> + Send + 'static,
    {
        let raw = job::submit(how, f)?;
        // SAFETY: a fresh reference to a value whose result will be a `Slot<T>`.
        Ok(unsafe { Value::from_raw_parts(raw.as_ptr(), Extract::Slot) })
    }

    /// A promise and its value: the value is set when the [`Promise`] is set or failed. A promise
    /// dropped unset fails the value with [`ErrorCode::Cancelled`](crate::ErrorCode::Cancelled)
    /// ("abandoned promise"), so nothing waits on it for ever.
    ///
    /// # Panics
    /// When the library cannot allocate a value (out of memory).
    pub fn promise() -> (Promise<T>, Value<T>) {
        let raw = new_raw_value();
        // SAFETY: `raw` is a fresh reference; take a second one for the promise side.
        unsafe { sys::ak_value_retain(raw) };
        let promise = Promise {
            raw: NonNull::new(raw).expect("checked"),
            settled: false,
            _result: PhantomData,
        };
        // SAFETY: one reference handed over; a promise's result is a `Slot<T>`.
        (promise, unsafe { Value::from_raw_parts(raw, Extract::Slot) })
    }

    /// A value already set with `result`.
    ///
    /// # Panics
    /// When the library cannot allocate a value (out of memory).
    pub fn ready(result: T) -> Value<T> {
        let (promise, value) = Value::promise();
        promise.set(result).expect("a fresh promise can be set");
        value
    }

    /// A value already failed with `error` (its code and message).
    ///
    /// # Panics
    /// When the library cannot allocate a value (out of memory).
    pub fn failed(error: Error) -> Value<T> {
        let (promise, value) = Value::promise();
        promise.fail(error).expect("a fresh promise can be failed");
        value
    }

    /// Waits for the value without bound and moves its result out (see the type's docs), or
    /// returns its failure. Called from work on a pool, the wait runs other queued work meanwhile.
    pub fn get(mut self) -> Result<T, Error> {
        self.get_ns(sys::AK_FOREVER)
    }

    /// Waits up to `timeout` and moves the result out on success. When the value is not set in
    /// time, returns an [`ErrorCode::TimedOut`](crate::ErrorCode::TimedOut) error (message "timed
    /// out") and the value can be waited on again. `Duration::ZERO` polls; durations too long to
    /// count in `i64` nanoseconds wait without bound.
    pub fn get_timeout(&mut self, timeout: Duration) -> Result<T, Error> {
        self.get_ns(timeout_ns(timeout))
    }

    /// `None` while the value is unset; otherwise what `get` returns, without waiting.
    pub fn try_get(&mut self) -> Option<Result<T, Error>> {
        if self.is_set() {
            Some(self.get_ns(0))
        } else {
            None
        }
    }

    pub(crate) fn get_ns(&mut self, ns: i64) -> Result<T, Error> {
        let v = self.raw.as_ptr();
        let mut result: *mut c_void = ptr::null_mut();
        // SAFETY: held; `result` is a valid out pointer.
        let mut rc = unsafe { sys::ak_value_get(v, ns, &mut result) };
        if rc == sys::AK_ETIMEDOUT && self.is_set() {
            // Either the work failed with AK_ETIMEDOUT, or the value was set just after the wait
            // gave up: ask again, without waiting, for the final answer.
            // SAFETY: as above.
            rc = unsafe { sys::ak_value_get(v, 0, &mut result) };
            if rc == sys::AK_ETIMEDOUT {
                // SAFETY: held.
                return Err(unsafe { Error::from_value(v, rc) });
            }
        }
        match rc {
            // SAFETY: held, and set with `result`, which `extract` was made for.
            sys::AK_OK => unsafe { self.extract.take(v, result) },
            sys::AK_ETIMEDOUT => Err(Error::from_code(rc)),
            // SAFETY: held.
            _ => Err(unsafe { Error::from_value(v, rc) }),
        }
    }

    /// Continues with `f(result)` on the pool that produced this value (for a list, the pool of
    /// its first element that has one; for a promise, the process-wide pool) once this value is
    /// set. If this value fails, `f` never runs and the new value fails with the same code and the
    /// message `"input 0 failed: <message>"`.
    pub fn then<U, E, F>(self, f: F) -> Value<U>
    where
        U: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce(T) -> Result<U, E> + Send + 'static,
    {
        let prev = self.raw.as_ptr();
        // SAFETY: `prev` is kept alive by the closure, which owns `self`.
        self.chain(f, |fp, arg, out| unsafe { sys::ak_chain(prev, fp, arg, out) })
    }

    /// Submits `f(result)` through `how` (a call of ak_chain or ak_chain_on on this value).
    pub(crate) fn chain<U, E, F>(
        self,
        f: F,
        how: impl FnOnce(sys::ak_fn, *mut c_void, *mut *mut sys::ak_value) -> std::ffi::c_int,
    ) -> Value<U>
    where
        U: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce(T) -> Result<U, E> + Send + 'static,
    {
        let mut prev = self;
        let work = move || {
            // The chain runs only once `prev` is set with a result: take it without waiting.
            let input = prev.get_ns(0)?;
            f(input).map_err(Error::from_work)
        };
        Value::submit(how, work).unwrap_or_else(Value::failed)
    }

    /// The result's extractor, for lists built over this value.
    pub(crate) fn extract(&self) -> &Extract<T> {
        &self.extract
    }
}

impl<T> Value<T> {
    /// Waits without bound until the value is set (with a result or a failure). Takes nothing.
    pub fn wait(&self) {
        // SAFETY: held.
        unsafe { sys::ak_value_wait(self.raw.as_ptr(), sys::AK_FOREVER) };
    }

    /// Waits up to `timeout` until the value is set; `true` if it is.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // SAFETY: held.
        unsafe { sys::ak_value_wait(self.raw.as_ptr(), timeout_ns(timeout)) == sys::AK_OK }
    }

    /// `true` once the value is set, with a result or a failure. Never blocks.
    pub fn is_set(&self) -> bool {
        // SAFETY: held.
        unsafe { sys::ak_value_is_set(self.raw.as_ptr()) != 0 }
    }

    /// `true` once the value is set with a failure. Never blocks.
    pub fn is_error(&self) -> bool {
        // SAFETY: held.
        unsafe { sys::ak_value_is_error(self.raw.as_ptr()) != 0 }
    }

    /// The failure (code and message) of a failed value; `None` while unset or when set with a
    /// result. Never blocks; can be read any number of times.
    pub fn error(&self) -> Option<Error> {
        let v = self.raw.as_ptr();
        // SAFETY: held.
        let status = unsafe { sys::ak_value_status(v) };
        match status {
            sys::AK_OK | sys::AK_EPENDING => None,
            // SAFETY: held.
            code => Some(unsafe { Error::from_value(v, code) }),
        }
    }

    /// Cancels: work that has not started never runs and the value fails with
    /// [`ErrorCode::Cancelled`](crate::ErrorCode::Cancelled); so does an unset promise or list
    /// (a list's elements are not touched). Work already running is only flagged (see
    /// [`cancelled`](crate::cancelled)) and this returns an [`ErrorCode::State`](crate::ErrorCode::State)
    /// error, as it does for a value already set.
    pub fn cancel(&self) -> Result<(), Error> {
        // SAFETY: held.
        match unsafe { sys::ak_value_cancel(self.raw.as_ptr()) } {
            sys::AK_OK => Ok(()),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// For a value that failed because one of its inputs or elements failed, that input's index;
    /// `None` while unset, when set with a result, or when it failed some other way. Never
    /// blocks. The same index as [`Error::failed_index`] of its failure, which is the way to
    /// reach it after [`get`](Value::get) has consumed the value.
    pub fn failed_index(&self) -> Option<usize> {
        // SAFETY: held.
        unsafe { failed_index_of(self.raw.as_ptr()) }
    }

    /// For a value made by [`any`]: the index of the element that set it; `None` while unset,
    /// when it was set by `cancel`, or for any other kind of value.
    pub fn any_index(&self) -> Option<usize> {
        let mut index = 0usize;
        // SAFETY: held; valid out pointer.
        (unsafe { sys::ak_list_any_index(self.raw.as_ptr(), &mut index) } == sys::AK_OK)
            .then_some(index)
    }

    /// The C handle, borrowed: valid while this `Value` lives. Retain it (`ak_value_retain`) to
    /// keep it longer. Its result, if any, is this crate's own representation.
    pub fn as_raw(&self) -> *mut sys::ak_value {
        self.raw.as_ptr()
    }
}

fn new_raw_value() -> *mut sys::ak_value {
    let mut raw = ptr::null_mut();
    // SAFETY: valid out pointer.
    let rc = unsafe { sys::ak_value_new(&mut raw) };
    if rc != sys::AK_OK || raw.is_null() {
        panic!("asynckit: cannot make a value: {}", Error::from_code(rc));
    }
    raw
}

/// A value set once all `values` are set, with their results in order. If one fails, the join
/// fails with the code of the lowest-index failed element and the message
/// `"element <i> failed: <its message>"`. An empty `values` gives a value set at once with an empty
/// `Vec`.
pub fn join<T: Send + 'static>(values: Vec<Value<T>>) -> Value<Vec<T>> {
    let raws: Vec<*mut sys::ak_value> = values.iter().map(Value::as_raw).collect();
    let mut out = ptr::null_mut();
    // SAFETY: `raws` holds `raws.len()` held values; the list takes its own references.
    let rc = unsafe { sys::ak_list_join(raws.as_ptr(), raws.len(), &mut out) };
    if rc != sys::AK_OK {
        return Value::failed(Error::from_code(rc));
    }
    let elems = values.iter().map(|v| v.extract().clone()).collect();
    // SAFETY: one reference handed over; its result is the array `JoinExtract` reads.
    unsafe { Value::from_raw_parts(out, Extract::Dyn(Arc::new(JoinExtract { elems }))) }
}

/// A value set by the first of `values` to be set: with its result, or with its failure (code and
/// message). The results of the others are dropped with the list. An empty `values` gives a value
/// failed with [`ErrorCode::InvalidArgument`](crate::ErrorCode::InvalidArgument).
/// [`Value::any_index`] tells which element won.
pub fn any<T: Send + 'static>(values: Vec<Value<T>>) -> Value<T> {
    let raws: Vec<*mut sys::ak_value> = values.iter().map(Value::as_raw).collect();
    let mut out = ptr::null_mut();
    // SAFETY: as for `join`.
    let rc = unsafe { sys::ak_list_any(raws.as_ptr(), raws.len(), &mut out) };
    if rc != sys::AK_OK {
        return Value::failed(Error::from_code(rc));
    }
    let elems = values.iter().map(|v| v.extract().clone()).collect();
    // SAFETY: one reference handed over; its result is the winner's.
    unsafe { Value::from_raw_parts(out, AnyExtract { elems }.into_extract()) }
}

/// The setting side of [`Value::promise`].
pub struct Promise<T> {
    raw: NonNull<sys::ak_value>,
    settled: bool,
    _result: PhantomData<fn(T)>,
}

// SAFETY (Send): the C value is thread-safe; `set` moves a `T` to whichever thread takes it, hence
// `T: Send`.
unsafe impl<T: Send> Send for Promise<T> {}
// SAFETY (Sync): `&Promise` gives access to nothing but `Debug`'s pointer; setting needs the
// promise itself.
unsafe impl<T: Send> Sync for Promise<T> {}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").field("raw", &self.raw).finish()
    }
}

impl<T: Send + 'static> Promise<T> {
    /// Sets the value with `result`: waiters wake and continuations are scheduled. Fails with
    /// [`ErrorCode::State`](crate::ErrorCode::State) if the value is already set (for example
    /// cancelled); `result` is then dropped.
    pub fn set(mut self, result: T) -> Result<(), Error> {
        self.settled = true;
        let p = Slot::into_raw(result);
        // SAFETY: held; on AK_OK the value owns `p` and frees it with `free_slot::<T>`.
        let rc = unsafe { sys::ak_value_set(self.raw.as_ptr(), p, Some(free_slot::<T>)) };
        if rc == sys::AK_OK {
            return Ok(());
        }
        // SAFETY: refused, so `p` is still ours.
        unsafe { free_slot::<T>(p) };
        Err(Error::from_code(rc))
    }

    /// Fails the value with `error`: an [`Error`] keeps its code and message; anything else that
    /// displays fails with [`ErrorCode::WorkFailed`](crate::ErrorCode::WorkFailed) and its text.
    pub fn fail<E: fmt::Display + 'static>(mut self, error: E) -> Result<(), Error> {
        self.settled = true;
        let error = Error::from_work(error);
        let message = c_message(error.message());
        // SAFETY: held; the message is copied.
        match unsafe { sys::ak_value_fail(self.raw.as_ptr(), error.raw_code(), message.as_ptr()) } {
            sys::AK_OK => Ok(()),
            rc => Err(Error::from_code(rc)),
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        let v = self.raw.as_ptr();
        if !self.settled {
            // SAFETY: held. AK_ESTATE (already set, e.g. cancelled) is fine to ignore.
            unsafe { sys::ak_value_fail(v, sys::AK_ECANCELED, c"abandoned promise".as_ptr()) };
        }
        // SAFETY: we own one reference.
        unsafe { sys::ak_value_release(v) }
    }
}

// ---------------------------------------------------------------------------------------------
// Future
// ---------------------------------------------------------------------------------------------

/// The waker of the last poll, shared with the done-callback registered by the first poll.
type WakeCell = Mutex<Option<Waker>>;

unsafe extern "C" fn wake_on_done(_value: *mut sys::ak_value, arg: *mut c_void) {
    let woke = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `arg` is the `Arc<WakeCell>` reference given to ak_value_on_done; the library
        // calls this once, so it is released once.
        let cell = unsafe { Arc::from_raw(arg.cast::<WakeCell>().cast_const()) };
        let waker = cell.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop(cell);
        if let Some(waker) = waker {
            waker.wake();
        }
    }));
    if let Err(payload) = woke {
        drop_quietly(payload);
    }
}

/// Awaiting a value takes its result (as [`Value::get`] does) without blocking a thread: the
/// first poll registers a done-callback (`ak_value_on_done`) that wakes the latest waker. Works
/// with any executor.
impl<T: Send + 'static> Future for Value<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(done) = this.try_get() {
            return Poll::Ready(done);
        }
        match &this.waker {
            Some(cell) => {
                let mut slot = cell.lock().unwrap_or_else(PoisonError::into_inner);
                match &mut *slot {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    other => *other = Some(cx.waker().clone()),
                }
            }
            None => {
                let cell: Arc<WakeCell> = Arc::new(Mutex::new(Some(cx.waker().clone())));
                let arg = Arc::into_raw(Arc::clone(&cell)).cast_mut().cast::<c_void>();
                // SAFETY: held; `arg` is one `Arc` reference that `wake_on_done` releases.
                let rc =
                    unsafe { sys::ak_value_on_done(this.raw.as_ptr(), Some(wake_on_done), arg) };
                if rc != sys::AK_OK {
                    // SAFETY: refused, so the reference is still ours to release.
                    drop(unsafe { Arc::from_raw(arg.cast::<WakeCell>().cast_const()) });
                    return Poll::Ready(Err(Error::from_code(rc)));
                }
                this.waker = Some(cell);
            }
        }
        // The callback may have run before the waker above was stored: look again.
        match this.try_get() {
            Some(done) => Poll::Ready(done),
            None => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_become_nanoseconds_and_huge_ones_forever() {
        assert_eq!(timeout_ns(Duration::ZERO), 0);
        assert_eq!(timeout_ns(Duration::from_millis(3)), 3_000_000);
        assert_eq!(timeout_ns(Duration::from_nanos(i64::MAX as u64)), i64::MAX);
        assert_eq!(timeout_ns(Duration::from_nanos(i64::MAX as u64 + 1)), sys::AK_FOREVER);
        assert_eq!(timeout_ns(Duration::MAX), sys::AK_FOREVER);
    }
}
