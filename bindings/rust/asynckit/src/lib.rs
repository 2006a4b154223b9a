#![doc = include_str!("../README.md")]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

// Layering, bottom to top; each module uses only those listed before it (no circle):
// cstr, unwind (C edge helpers) <- error <- result <- job <- value <- pool.
mod cstr;
mod unwind;

mod error;
mod result;

mod job;
mod value;

mod pool;

pub use asynckit_sys as sys;
pub use error::{strerror, Error, ErrorCode};
pub use job::{cancelled, in_work};
pub use pool::{Pool, PoolBuilder, Stats, StopMode};
pub use value::{any, join, Promise, Value};

/// The product version of the loaded library, "MAJOR.MINOR.PATCH" (`ak_version`). Compare with
/// [`sys::AK_VERSION_STRING`], the version this binding was written against.
pub fn version() -> &'static str {
    // SAFETY: static storage, never NULL.
    unsafe { std::ffi::CStr::from_ptr(sys::ak_version()) }.to_str().unwrap_or("")
}

/// The product version of the loaded library as a number (0.1.0 -> 100; `ak_version_number`).
pub fn version_number() -> u32 {
    // SAFETY: no arguments.
    unsafe { sys::ak_version_number() }
}
