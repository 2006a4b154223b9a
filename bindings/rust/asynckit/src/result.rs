//! How a Rust result lives inside a C value, and how it is moved out again.
//!
//! Every result this crate hands to the library is a `Box<Slot<T>>` with [`free_slot::<T>`] as its
//! free function, so the library frees it exactly once, when the value's last reference goes.
//! Moving the result out ("taking") flips the slot's flag and leaves an empty slot behind for the
//! library to free; a result nobody took is dropped by the free function. Join and any lists do not
//! own results of their own (a join's result is a `void **` array of its elements' results, owned
//! by the list; an any's result is the winner's), so their [`Extract`] knows how to reach the
//! elements' slots.
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use asynckit_sys as sys;

use crate::error::Error;
use crate::unwind::drop_quietly;

pub(crate) struct Slot<T> {
    taken: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY (Sync): the only access through `&Slot` is `take`, which the atomic flag lets succeed at
// most once, moving the `T` to the taking thread; hence `T: Send`.
unsafe impl<T: Send> Sync for Slot<T> {}

impl<T> Slot<T> {
    /// Boxes `value` for the library; pair the pointer with [`free_slot::<T>`].
    pub(crate) fn into_raw(value: T) -> *mut c_void {
        let slot =
            Slot { taken: AtomicBool::new(false), value: UnsafeCell::new(MaybeUninit::new(value)) };
        Box::into_raw(Box::new(slot)).cast()
    }

    /// Moves the value out, once; `None` if it was taken already.
    fn take(&self) -> Option<T> {
        // AcqRel: the winner of the swap is the only reader of `value`; it must see the write made
        // when the slot was filled (also ordered by the library's set/get) and no one reads after.
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag was false and is now true: we are the only one to read the value, and
        // Drop will not drop it again.
        Some(unsafe { (*self.value.get()).assume_init_read() })
    }
}

impl<T> Drop for Slot<T> {
    fn drop(&mut self) {
        if !*self.taken.get_mut() {
            // SAFETY: initialised at creation and not taken.
            unsafe { self.value.get_mut().assume_init_drop() }
        }
    }
}

/// The `ak_free_fn` of a `Slot<T>`. A panicking `Drop` of `T` is caught and ignored: nothing
/// unwinds into C.
pub(crate) unsafe extern "C" fn free_slot<T>(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    let freed = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `p` came from `Slot::<T>::into_raw` and the library calls this exactly once.
        drop(unsafe { Box::from_raw(p.cast::<Slot<T>>()) })
    }));
    if let Err(payload) = freed {
        drop_quietly(payload);
    }
}

/// How to move a `T` out of a value that is set with a result.
pub(crate) enum Extract<T> {
    /// The result is a `Slot<T>`.
    Slot,
    /// Anything else (join and any lists).
    Dyn(Arc<dyn DynExtract<T>>),
}

impl<T> Clone for Extract<T> {
    fn clone(&self) -> Self {
        match self {
            Extract::Slot => Extract::Slot,
            Extract::Dyn(d) => Extract::Dyn(Arc::clone(d)),
        }
    }
}

pub(crate) trait DynExtract<T>: Send + Sync {
    /// # Safety
    /// `v` is held by the caller and `result` is what `ak_value_get(v)` returned with `AK_OK`.
    unsafe fn take(&self, v: *mut sys::ak_value, result: *mut c_void) -> Result<T, Error>;
}

impl<T: Send + 'static> Extract<T> {
    /// # Safety
    /// As [`DynExtract::take`].
    pub(crate) unsafe fn take(
        &self,
        v: *mut sys::ak_value,
        result: *mut c_void,
    ) -> Result<T, Error> {
        match self {
            Extract::Slot => {
                if result.is_null() {
                    return Err(Error::state("value has no result"));
                }
                // SAFETY: values whose extractor is `Slot` hold a `Slot<T>` (we made them), and
                // the caller's reference keeps it alive.
                let slot = unsafe { &*result.cast::<Slot<T>>() };
                slot.take().ok_or_else(|| Error::state("result already taken"))
            }
            // SAFETY: forwarded contract.
            Extract::Dyn(d) => unsafe { d.take(v, result) },
        }
    }

    fn is_slot(&self) -> bool {
        matches!(self, Extract::Slot)
    }
}

/// A join list: `result` is a `void **` array of the elements' results, in list order.
pub(crate) struct JoinExtract<T> {
    pub(crate) elems: Vec<Extract<T>>,
}

impl<T: Send + 'static> DynExtract<Vec<T>> for JoinExtract<T> {
    unsafe fn take(&self, list: *mut sys::ak_value, result: *mut c_void) -> Result<Vec<T>, Error> {
        // SAFETY: `list` is held by the caller.
        let n = unsafe { sys::ak_list_size(list) };
        if n != self.elems.len() {
            return Err(Error::state("join list size does not match its elements"));
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        if result.is_null() {
            return Err(Error::state("join list has no result array"));
        }
        let results = result.cast::<*mut c_void>();
        let mut out = Vec::with_capacity(n);
        for (i, extract) in self.elems.iter().enumerate() {
            // SAFETY: the array has `n` entries and the list (held) holds element `i`.
            let (elem, elem_result) = unsafe { (sys::ak_list_at(list, i), *results.add(i)) };
            // SAFETY: element `i` is held by the list and set with `elem_result`.
            out.push(unsafe { extract.take(elem, elem_result) }?);
        }
        Ok(out)
    }
}

/// An any list: `result` is the winning element's result.
pub(crate) struct AnyExtract<T> {
    pub(crate) elems: Vec<Extract<T>>,
}

impl<T: Send + 'static> AnyExtract<T> {
    /// `Extract::Slot` when every element holds a slot (the winner's result is then a slot too).
    pub(crate) fn into_extract(self) -> Extract<T> {
        if self.elems.iter().all(Extract::is_slot) {
            Extract::Slot
        } else {
            Extract::Dyn(Arc::new(self))
        }
    }
}

impl<T: Send + 'static> DynExtract<T> for AnyExtract<T> {
    unsafe fn take(&self, any: *mut sys::ak_value, result: *mut c_void) -> Result<T, Error> {
        let mut index = 0usize;
        // SAFETY: `any` is held; `index` is a valid out pointer.
        let rc = unsafe { sys::ak_list_any_index(any, &mut index) };
        if rc != sys::AK_OK {
            return Err(Error::from_code(rc));
        }
        let extract =
            self.elems.get(index).ok_or_else(|| Error::state("any index out of range"))?;
        // SAFETY: the any list (held) holds its winner, whose result `result` is.
        unsafe { extract.take(sys::ak_list_at(any, index), result) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Counted<'a>(&'a AtomicUsize);
    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_slot_gives_its_value_once_and_drops_it_once() {
        let drops = AtomicUsize::new(0);
        let p = Slot::into_raw(Counted(&drops));
        // SAFETY: made just above, freed once below.
        let slot = unsafe { &*p.cast::<Slot<Counted<'_>>>() };
        let taken = slot.take().expect("first take");
        assert!(slot.take().is_none());
        unsafe { free_slot::<Counted<'_>>(p) };
        assert_eq!(drops.load(Ordering::SeqCst), 0, "the taken value is not dropped by the slot");
        drop(taken);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_untaken_slot_drops_its_value_when_freed() {
        let drops = AtomicUsize::new(0);
        let p = Slot::into_raw(Counted(&drops));
        unsafe { free_slot::<Counted<'_>>(p) };
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        unsafe { free_slot::<Counted<'_>>(std::ptr::null_mut()) };
    }

    #[test]
    fn slot_extract_rejects_a_missing_result() {
        let e = Extract::<u8>::Slot;
        let err = unsafe { e.take(std::ptr::null_mut(), std::ptr::null_mut()) }.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::State);
    }
}
