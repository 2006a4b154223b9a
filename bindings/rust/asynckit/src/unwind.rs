//! Panics at the C edge: nothing may unwind into the library, not even a panic payload whose own
//! `Drop` panics. Every trampoline catches with `catch_unwind` and hands what it caught here.
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Drops a panic payload, ignoring a panic from its own `Drop`.
pub(crate) fn drop_quietly(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // A payload that panics when dropped would panic again here: leak it instead.
        std::mem::forget(again);
    }
}
