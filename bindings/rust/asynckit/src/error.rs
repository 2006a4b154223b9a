//! Errors: the library's status code, the message that came with it, and which input failed.
use std::any::Any;
use std::ffi::{c_int, CStr};
use std::fmt;

use asynckit_sys as sys;

use crate::cstr::cstr_lossy;
use crate::unwind::drop_quietly;

/// The status code of an [`Error`]: the library's own codes, plus [`ErrorCode::Work`] for codes
/// chosen by work.
///
/// Library codes are never renumbered; new ones may be added by later library versions, so the
/// enum is `#[non_exhaustive]`. A negative code this binding does not know yet comes back as
/// `Work(code)`, like every other code that is not one of the listed library codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `AK_EINVAL`: an argument was invalid.
    InvalidArgument,
    /// `AK_ENOMEM`: memory or threads could not be had.
    OutOfMemory,
    /// `AK_ETIMEDOUT`: not set in time (or work that chose this code).
    TimedOut,
    /// `AK_ECANCELED`: cancelled, or queued on a pool stopped with [`StopMode::Cancel`](crate::StopMode::Cancel),
    /// or an abandoned promise.
    Cancelled,
    /// `AK_ESHUTDOWN`: the pool is stopped.
    Shutdown,
    /// `AK_ESTATE`: not valid in the current state (already set, already running, result already
    /// taken).
    State,
    /// `AK_EPENDING`: not set yet.
    Pending,
    /// `AK_EWORK`: work failed without choosing a code; the default for a closure's `Err` and for
    /// a panic.
    WorkFailed,
    /// `AK_EINTERNAL`: the library failed inside itself ("internal error"), not because of its
    /// caller or the work.
    Internal,
    /// Any other code: chosen by the work (positive by convention), or a library code newer than
    /// this binding.
    Work(i32),
}

impl ErrorCode {
    /// The code for a raw status. `0` (success) maps to `WorkFailed`, as the library turns a
    /// failure with code 0 into `AK_EWORK`.
    pub fn from_raw(code: i32) -> ErrorCode {
        match code {
            0 | sys::AK_EWORK => ErrorCode::WorkFailed,
            sys::AK_EINVAL => ErrorCode::InvalidArgument,
            sys::AK_ENOMEM => ErrorCode::OutOfMemory,
            sys::AK_ETIMEDOUT => ErrorCode::TimedOut,
            sys::AK_ECANCELED => ErrorCode::Cancelled,
            sys::AK_ESHUTDOWN => ErrorCode::Shutdown,
            sys::AK_ESTATE => ErrorCode::State,
            sys::AK_EPENDING => ErrorCode::Pending,
            sys::AK_EINTERNAL => ErrorCode::Internal,
            other => ErrorCode::Work(other),
        }
    }

    /// The raw status code.
    pub fn raw(self) -> i32 {
        match self {
            ErrorCode::InvalidArgument => sys::AK_EINVAL,
            ErrorCode::OutOfMemory => sys::AK_ENOMEM,
            ErrorCode::TimedOut => sys::AK_ETIMEDOUT,
            ErrorCode::Cancelled => sys::AK_ECANCELED,
            ErrorCode::Shutdown => sys::AK_ESHUTDOWN,
            ErrorCode::State => sys::AK_ESTATE,
            ErrorCode::Pending => sys::AK_EPENDING,
            ErrorCode::WorkFailed => sys::AK_EWORK,
            ErrorCode::Internal => sys::AK_EINTERNAL,
            ErrorCode::Work(0) => sys::AK_EWORK,
            ErrorCode::Work(code) => code,
        }
    }
}

/// A failure: its [`ErrorCode`], its message and, when an input's failure caused it, that
/// input's index ([`failed_index`](Error::failed_index)).
///
/// For a failed value the message is the value's own (`ak_value_message`): the text of a
/// closure's `Err`, `"panicked: ..."` for a panic, `"input 0 failed: ..."` for work whose input
/// failed, and so on. For an error of the binding or the library itself it is the library's
/// description of the code (`ak_strerror`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    failed_index: Option<usize>,
}

impl Error {
    /// An error with a raw code of your choosing (0 becomes `AK_EWORK`). Return it as the `Err`
    /// of a closure, or pass it to [`Promise::fail`](crate::Promise::fail), to fail a value with
    /// that code and message.
    pub fn new(code: i32, message: impl Into<String>) -> Error {
        Error { code: ErrorCode::from_raw(code), message: message.into(), failed_index: None }
    }

    /// The status code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The raw status code (never 0).
    pub fn raw_code(&self) -> i32 {
        self.code.raw()
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For the failure of a value that failed because one of its inputs failed, that input's
    /// index (`ak_value_failed_index`), the one its message names (`"input <i> failed: ..."`,
    /// `"element <i> failed: ..."`), so there is no need to parse the message:
    /// - [`Pool::spawn_after`](crate::Pool::spawn_after): the lowest failed dependency;
    /// - [`Value::then`](crate::Value::then) / `then_on`: `0`, except on a
    ///   [`join`](crate::join), where it is the join's failed element;
    /// - `join`: the lowest failed element;
    /// - [`any`](crate::any): the element whose failure settled it.
    ///
    /// `None` when the value failed some other way (the work itself failed or panicked, it was
    /// cancelled, its pool stopped, a promise was failed by hand) and for every error that was
    /// not read from a failed value ([`Error::new`], a timeout, a refused call).
    ///
    /// ```
    /// use asynckit::{join, Error, Value};
    ///
    /// let broken = Value::<u8>::failed(Error::new(7, "no disk"));
    /// let err = join(vec![Value::ready(1), broken]).get().unwrap_err();
    /// assert_eq!(err.failed_index(), Some(1));
    /// assert_eq!(err.message(), "element 1 failed: no disk");
    /// assert_eq!(Error::new(7, "no disk").failed_index(), None);
    /// ```
    pub fn failed_index(&self) -> Option<usize> {
        self.failed_index
    }

    /// An error whose message is the library's description of `code`.
    pub(crate) fn from_code(code: c_int) -> Error {
        Error::new(code, strerror(code))
    }

    /// The failure of a held value that failed with `code`.
    ///
    /// # Safety
    /// `v` must be a value the caller holds a reference to.
    pub(crate) unsafe fn from_value(v: *const sys::ak_value, code: c_int) -> Error {
        // SAFETY: `v` is held, so its message stays valid while we copy it.
        let message = unsafe { cstr_lossy(sys::ak_value_message(v)) };
        let mut error =
            if message.is_empty() { Error::from_code(code) } else { Error::new(code, message) };
        // SAFETY: `v` is held.
        error.failed_index = unsafe { failed_index_of(v) };
        error
    }

    /// The failure a closure's `Err(e)` stands for: `e` itself when it is an `Error`, else
    /// `AK_EWORK` with `e.to_string()`.
    pub(crate) fn from_work<E: fmt::Display + 'static>(e: E) -> Error {
        match (&e as &dyn Any).downcast_ref::<Error>() {
            Some(err) => err.clone(),
            None => Error::new(sys::AK_EWORK, e.to_string()),
        }
    }

    /// The failure a caught panic stands for: `AK_EWORK`, `"panicked: <the panic's text>"`.
    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> Error {
        let text = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic payload that is not a string".to_string()
        };
        drop_quietly(payload);
        Error::new(sys::AK_EWORK, format!("panicked: {text}"))
    }

    pub(crate) fn state(message: &str) -> Error {
        Error::new(sys::AK_ESTATE, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (asynckit code {})", self.message, self.raw_code())
    }
}

impl std::error::Error for Error {}

/// The library's short description of a status code (`ak_strerror`).
pub fn strerror(code: i32) -> &'static str {
    // SAFETY: ak_strerror returns static storage, never NULL, for any code.
    unsafe { CStr::from_ptr(sys::ak_strerror(code)) }.to_str().unwrap_or("unknown error")
}

/// `ak_value_failed_index` of a held value: `Some` only on `AK_OK` (the value failed because of
/// that input); pending, set with a result, or failed another way all read as `None`.
///
/// # Safety
/// `v` must be a value the caller holds a reference to.
pub(crate) unsafe fn failed_index_of(v: *const sys::ak_value) -> Option<usize> {
    let mut index = 0usize;
    // SAFETY: `v` is held; `index` is a valid out pointer, written only on AK_OK.
    (unsafe { sys::ak_value_failed_index(v, &mut index) } == sys::AK_OK).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_is_its_own_code_and_its_neighbours_stay_work_codes() {
        assert_eq!(ErrorCode::from_raw(sys::AK_EINTERNAL), ErrorCode::Internal);
        assert_eq!(ErrorCode::Internal.raw(), -9);
        assert_eq!(Error::new(-9, "x").code(), ErrorCode::Internal);
        assert_eq!(ErrorCode::from_raw(-10), ErrorCode::Work(-10));
        assert_eq!(strerror(sys::AK_EINTERNAL), "internal error");
    }

    #[test]
    fn errors_not_read_from_a_value_name_no_input() {
        assert_eq!(Error::new(5, "made").failed_index(), None);
        assert_eq!(Error::from_code(sys::AK_ETIMEDOUT).failed_index(), None);
        assert_eq!(Error::from_work("text").failed_index(), None);
    }
}
