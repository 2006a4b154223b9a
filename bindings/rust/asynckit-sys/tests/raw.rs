//! Every declared function called through the raw declarations, including the header's bad-input
//! rules (AK_EINVAL, out pointers written only on success, NULL accepted where documented).
use std::ffi::{c_int, c_void, CStr};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use asynckit_sys::*;

const SENTINEL: usize = 0xdead_beef;

fn sentinel<T>() -> *mut T {
    SENTINEL as *mut T
}

unsafe fn msg(v: *const ak_value) -> String {
    unsafe { CStr::from_ptr(ak_value_message(v)) }.to_string_lossy().into_owned()
}

fn pool(workers: u32) -> *mut ak_pool {
    let mut opts = ak_pool_options::INIT;
    opts.workers = workers;
    let mut p = ptr::null_mut();
    assert_eq!(unsafe { ak_pool_create(&opts, &mut p) }, AK_OK);
    assert!(!p.is_null());
    p
}

/// Frees counted only by `work_inputs_results_and_task_functions` (tests run in parallel).
static FREED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn free_box(p: *mut c_void) {
    drop(unsafe { Box::from_raw(p.cast::<u64>()) });
}

unsafe extern "C" fn free_counted(p: *mut c_void) {
    drop(unsafe { Box::from_raw(p.cast::<u64>()) });
    FREED.fetch_add(1, Ordering::SeqCst);
}

fn free_fn<const COUNTED: bool>() -> ak_free_fn {
    if COUNTED {
        Some(free_counted)
    } else {
        Some(free_box)
    }
}

unsafe extern "C" fn set_42<const COUNTED: bool>(t: *mut ak_task, _arg: *mut c_void) -> c_int {
    unsafe { ak_task_set_result(t, Box::into_raw(Box::new(42u64)).cast(), free_fn::<COUNTED>()) }
}

/// Sums its inputs (u64 results) and reports what the task API says about itself.
unsafe extern "C" fn sum_inputs<const COUNTED: bool>(t: *mut ak_task, arg: *mut c_void) -> c_int {
    let pool_expected = arg.cast::<ak_pool>();
    unsafe {
        if ak_task_pool(t) != pool_expected {
            return ak_task_fail(t, 70, c"wrong pool".as_ptr());
        }
        if ak_task_cancelled(t) != 0 {
            return ak_task_fail(t, 71, c"cancelled?".as_ptr());
        }
        let n = ak_task_input_count(t);
        if !ak_task_input(t, n).is_null() {
            return ak_task_fail(t, 72, c"input out of range not NULL".as_ptr());
        }
        let mut sum = 0u64;
        for i in 0..n {
            sum += *ak_task_input(t, i).cast::<u64>();
        }
        // A second set_result replaces the first and frees it at once.
        ak_task_set_result(t, Box::into_raw(Box::new(0u64)).cast(), free_fn::<COUNTED>());
        ak_task_set_result(t, Box::into_raw(Box::new(sum)).cast(), free_fn::<COUNTED>())
    }
}

unsafe extern "C" fn fail_formatted(t: *mut ak_task, _arg: *mut c_void) -> c_int {
    unsafe { ak_task_fail(t, 0, c"%s=%d".as_ptr(), c"x".as_ptr(), 7 as c_int) }
}

unsafe extern "C" fn fail_null_fmt(t: *mut ak_task, _arg: *mut c_void) -> c_int {
    unsafe { ak_task_fail(t, 9, ptr::null()) }
}

unsafe extern "C" fn return_code(_t: *mut ak_task, _arg: *mut c_void) -> c_int {
    13
}

unsafe extern "C" fn count_done(_v: *mut ak_value, arg: *mut c_void) {
    unsafe { &*arg.cast::<AtomicUsize>() }.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn version_and_strerror() {
    unsafe {
        assert!(!ak_version().is_null());
        assert_eq!(ak_version_number(), AK_VERSION_NUMBER);
        assert_eq!(CStr::from_ptr(ak_strerror(AK_EINVAL)).to_str().unwrap(), "invalid argument");
        assert_eq!(CStr::from_ptr(ak_strerror(5)).to_str().unwrap(), "work-defined error");
        assert_eq!(CStr::from_ptr(ak_strerror(-99)).to_str().unwrap(), "unknown error");
    }
}

#[test]
fn pool_bad_input_is_einval_and_writes_nothing() {
    unsafe {
        assert_eq!(ak_pool_create(ptr::null(), ptr::null_mut()), AK_EINVAL);
        let mut out = sentinel::<ak_pool>();
        let mut opts = ak_pool_options::INIT;
        opts.workers = AK_WORKERS_MAX + 1;
        assert_eq!(ak_pool_create(&opts, &mut out), AK_EINVAL);
        assert_eq!(out as usize, SENTINEL);
        opts = ak_pool_options::INIT;
        opts.size = 3;
        assert_eq!(ak_pool_create(&opts, &mut out), AK_EINVAL);
        assert_eq!(out as usize, SENTINEL);

        let mut v = sentinel::<ak_value>();
        assert_eq!(
            ak_pool_do(ptr::null_mut(), Some(set_42::<false>), ptr::null_mut(), &mut v),
            AK_EINVAL
        );
        let p = pool(1);
        assert_eq!(ak_pool_do(p, None, ptr::null_mut(), &mut v), AK_EINVAL);
        assert_eq!(
            ak_pool_do(p, Some(set_42::<false>), ptr::null_mut(), ptr::null_mut()),
            AK_EINVAL
        );
        assert_eq!(
            ak_pool_do_after(p, ptr::null(), 1, Some(set_42::<false>), ptr::null_mut(), &mut v),
            AK_EINVAL
        );
        let nulls = [ptr::null_mut::<ak_value>()];
        assert_eq!(
            ak_pool_do_after(p, nulls.as_ptr(), 1, Some(set_42::<false>), ptr::null_mut(), &mut v),
            AK_EINVAL
        );
        assert_eq!(v as usize, SENTINEL);
        assert_eq!(ak_pool_resize(ptr::null_mut(), 1), AK_EINVAL);
        assert_eq!(ak_pool_resize(p, AK_WORKERS_MAX + 1), AK_EINVAL);
        assert_eq!(ak_pool_workers(ptr::null()), 0);
        assert_eq!(ak_pool_workers(p), 1);
        let mut stats = ak_stats::INIT;
        assert_eq!(ak_pool_stats(ptr::null(), &mut stats), AK_EINVAL);
        assert_eq!(ak_pool_stats(p, ptr::null_mut()), AK_EINVAL);
        stats.size = 4;
        assert_eq!(ak_pool_stats(p, &mut stats), AK_EINVAL);
        assert_eq!(ak_pool_stop(ptr::null_mut(), AK_STOP_DRAIN, 0), AK_EINVAL);
        assert_eq!(ak_pool_stop(p, 7, 0), AK_EINVAL);
        assert_eq!(ak_pool_stop(p, AK_STOP_DRAIN, -2), AK_EINVAL);
        assert_eq!(ak_pool_stop(ak_pool_default(), AK_STOP_DRAIN, 0), AK_EINVAL);
        ak_pool_destroy(ptr::null_mut());
        ak_pool_destroy(ak_pool_default()); // ignored
        ak_pool_destroy(p);
    }
}

#[test]
fn work_inputs_results_and_task_functions() {
    unsafe {
        FREED.store(0, Ordering::SeqCst);
        let p = pool(2);
        let mut a = ptr::null_mut();
        let mut b = ptr::null_mut();
        assert_eq!(ak_pool_do(p, Some(set_42::<true>), ptr::null_mut(), &mut a), AK_OK);
        assert_eq!(ak_pool_do(p, Some(set_42::<true>), ptr::null_mut(), &mut b), AK_OK);
        let deps = [a, b];
        let mut sum = ptr::null_mut();
        assert_eq!(
            ak_pool_do_after(p, deps.as_ptr(), 2, Some(sum_inputs::<true>), p.cast(), &mut sum),
            AK_OK
        );
        let mut result = ptr::null_mut();
        assert_eq!(ak_value_get(sum, AK_FOREVER, &mut result), AK_OK, "{}", msg(sum));
        assert_eq!(*result.cast::<u64>(), 84);
        assert_eq!(ak_value_status(sum), AK_OK);
        assert_eq!(ak_value_is_set(sum), 1);
        assert_eq!(ak_value_is_error(sum), 0);
        assert_eq!(msg(sum), "");

        // No deps: deps may be NULL when n is 0.
        let mut none = ptr::null_mut();
        assert_eq!(
            ak_pool_do_after(p, ptr::null(), 0, Some(sum_inputs::<true>), p.cast(), &mut none),
            AK_OK
        );
        assert_eq!(ak_value_get(none, AK_FOREVER, &mut result), AK_OK, "{}", msg(none));
        assert_eq!(*result.cast::<u64>(), 0);

        // Task functions on NULL.
        assert!(ak_task_input(ptr::null(), 0).is_null());
        assert_eq!(ak_task_input_count(ptr::null()), 0);
        assert_eq!(ak_task_set_result(ptr::null_mut(), ptr::null_mut(), None), AK_EINVAL);
        assert_eq!(ak_task_fail(ptr::null_mut(), 1, ptr::null()), AK_EINVAL);
        assert_eq!(ak_task_cancelled(ptr::null()), 0);
        assert!(ak_task_pool(ptr::null()).is_null());

        for v in [a, b, sum, none] {
            ak_value_release(v);
        }
        ak_pool_destroy(p);
        // 2 inputs + (2 sets, one replaced) for `sum` + (2 sets) for `none`.
        assert_eq!(FREED.load(Ordering::SeqCst), 6);
    }
}

#[test]
fn failure_codes_and_messages() {
    unsafe {
        let p = pool(1);
        let mut f = ptr::null_mut();
        let mut n = ptr::null_mut();
        let mut r = ptr::null_mut();
        assert_eq!(ak_pool_do(p, Some(fail_formatted), ptr::null_mut(), &mut f), AK_OK);
        assert_eq!(ak_pool_do(p, Some(fail_null_fmt), ptr::null_mut(), &mut n), AK_OK);
        assert_eq!(ak_pool_do(p, Some(return_code), ptr::null_mut(), &mut r), AK_OK);
        let mut out = sentinel::<c_void>();
        assert_eq!(ak_value_get(f, AK_FOREVER, &mut out), AK_EWORK);
        assert_eq!(out as usize, SENTINEL, "out pointer written on failure");
        assert_eq!(msg(f), "x=7");
        assert_eq!(ak_value_is_error(f), 1);
        assert_eq!(ak_value_get(n, AK_FOREVER, &mut out), 9);
        assert!(!msg(n).is_empty(), "NULL fmt gives a message naming the code");
        assert_eq!(ak_value_get(r, AK_FOREVER, &mut out), 13);
        assert_eq!(ak_value_status(r), 13);
        for v in [f, n, r] {
            ak_value_release(v);
        }
        ak_pool_destroy(p);
    }
}

#[test]
fn value_functions_and_bad_input() {
    unsafe {
        let mut out = sentinel::<c_void>();
        assert_eq!(ak_value_get(ptr::null_mut(), 0, &mut out), AK_EINVAL);
        let mut v = ptr::null_mut();
        assert_eq!(ak_value_new(&mut v), AK_OK);
        assert_eq!(ak_value_new(ptr::null_mut()), AK_EINVAL);
        assert_eq!(ak_value_get(v, 0, ptr::null_mut()), AK_EINVAL);
        assert_eq!(ak_value_get(v, -5, &mut out), AK_EINVAL);
        assert_eq!(ak_value_get(v, 0, &mut out), AK_ETIMEDOUT);
        assert_eq!(ak_value_get(v, 1_000, &mut out), AK_ETIMEDOUT);
        assert_eq!(out as usize, SENTINEL);
        assert_eq!(ak_value_wait(ptr::null_mut(), 0), AK_EINVAL);
        assert_eq!(ak_value_wait(v, -5), AK_EINVAL);
        assert_eq!(ak_value_wait(v, 0), AK_ETIMEDOUT);
        assert_eq!(ak_value_status(v), AK_EPENDING);
        assert_eq!(ak_value_status(ptr::null()), AK_EINVAL);
        assert_eq!(ak_value_is_set(ptr::null()), 0);
        assert_eq!(ak_value_is_error(ptr::null()), 0);
        assert_eq!(CStr::from_ptr(ak_value_message(ptr::null())).to_bytes(), b"");
        assert_eq!(ak_value_on_done(ptr::null_mut(), Some(count_done), ptr::null_mut()), AK_EINVAL);
        assert_eq!(ak_value_on_done(v, None, ptr::null_mut()), AK_EINVAL);
        let calls = AtomicUsize::new(0);
        let arg = (&calls as *const AtomicUsize).cast_mut().cast();
        assert_eq!(ak_value_on_done(v, Some(count_done), arg), AK_OK);
        assert_eq!(ak_value_on_done(v, Some(count_done), arg), AK_OK);
        assert_eq!(ak_value_cancel(ptr::null_mut()), AK_EINVAL);
        assert_eq!(ak_value_set(ptr::null_mut(), ptr::null_mut(), None), AK_EINVAL);
        assert_eq!(ak_value_fail(ptr::null_mut(), 1, ptr::null()), AK_EINVAL);
        ak_value_retain(ptr::null_mut());
        ak_value_release(ptr::null_mut());

        let x = Box::into_raw(Box::new(5u64));
        assert_eq!(ak_value_set(v, x.cast(), Some(free_box)), AK_OK);
        assert_eq!(calls.load(Ordering::SeqCst), 2, "done-callbacks run on the setting thread");
        assert_eq!(ak_value_on_done(v, Some(count_done), arg), AK_OK);
        assert_eq!(calls.load(Ordering::SeqCst), 3, "registered on a set value: runs at once");
        let y = Box::into_raw(Box::new(6u64));
        assert_eq!(ak_value_set(v, y.cast(), Some(free_box)), AK_ESTATE);
        drop(Box::from_raw(y)); // still ours
        assert_eq!(ak_value_fail(v, 1, c"late".as_ptr()), AK_ESTATE);
        assert_eq!(ak_value_cancel(v), AK_ESTATE);
        assert_eq!(ak_value_get(v, 0, &mut out), AK_OK);
        assert_eq!(*out.cast::<u64>(), 5);
        ak_value_retain(v);
        ak_value_release(v);
        assert_eq!(ak_value_get(v, 0, &mut out), AK_OK);
        ak_value_release(v);

        let mut w = ptr::null_mut();
        assert_eq!(ak_value_new(&mut w), AK_OK);
        assert_eq!(ak_value_fail(w, 0, ptr::null()), AK_OK);
        assert_eq!(ak_value_status(w), AK_EWORK);
        assert!(!msg(w).is_empty());
        ak_value_release(w);

        // Releasing the last reference of an unset promise fails it for those who depend on it.
        let mut abandoned = ptr::null_mut();
        assert_eq!(ak_value_new(&mut abandoned), AK_OK);
        let mut list = ptr::null_mut();
        assert_eq!(ak_list_join(&abandoned, 1, &mut list), AK_OK);
        ak_value_release(abandoned);
        assert_eq!(ak_value_wait(list, AK_FOREVER), AK_OK);
        assert_eq!(ak_value_status(list), AK_ECANCELED);
        assert!(msg(list).starts_with("element 0 failed: "), "{}", msg(list));
        ak_value_release(list);
    }
}

#[test]
fn lists_and_chains() {
    unsafe {
        let mut out = sentinel::<ak_value>();
        assert_eq!(ak_list_join(ptr::null(), 1, &mut out), AK_EINVAL);
        assert_eq!(ak_list_any(ptr::null(), 0, &mut out), AK_EINVAL);
        let mut a = ptr::null_mut();
        let mut b = ptr::null_mut();
        ak_value_new(&mut a);
        ak_value_new(&mut b);
        let both = [a, b];
        assert_eq!(ak_list_join(both.as_ptr(), 2, ptr::null_mut()), AK_EINVAL);
        assert_eq!(ak_list_any(both.as_ptr(), 0, &mut out), AK_EINVAL);
        assert_eq!(out as usize, SENTINEL);

        let mut join = ptr::null_mut();
        let mut any = ptr::null_mut();
        assert_eq!(ak_list_join(both.as_ptr(), 2, &mut join), AK_OK);
        assert_eq!(ak_list_any(both.as_ptr(), 2, &mut any), AK_OK);
        assert_eq!(ak_list_size(join), 2);
        assert_eq!(ak_list_size(any), 2);
        assert_eq!(ak_list_size(a), 0);
        assert_eq!(ak_list_size(ptr::null()), 0);
        assert_eq!(ak_list_at(join, 1), b);
        assert!(ak_list_at(join, 2).is_null());
        assert!(ak_list_at(a, 0).is_null());
        let mut index = SENTINEL;
        assert_eq!(ak_list_any_index(any, &mut index), AK_EPENDING);
        assert_eq!(ak_list_any_index(join, &mut index), AK_EINVAL);
        assert_eq!(ak_list_any_index(any, ptr::null_mut()), AK_EINVAL);
        assert_eq!(index, SENTINEL);

        let mut chained = ptr::null_mut();
        assert_eq!(
            ak_chain(ptr::null_mut(), Some(sum_inputs::<false>), ptr::null_mut(), &mut chained),
            AK_EINVAL
        );
        assert_eq!(ak_chain(join, None, ptr::null_mut(), &mut chained), AK_EINVAL);
        let p = pool(1);
        assert_eq!(
            ak_chain_on(ptr::null_mut(), join, Some(sum_inputs::<false>), p.cast(), &mut chained),
            AK_EINVAL
        );
        assert_eq!(ak_chain_on(p, join, Some(sum_inputs::<false>), p.cast(), &mut chained), AK_OK);
        let mut on_default = ptr::null_mut();
        assert_eq!(
            ak_chain(any, Some(sum_inputs::<false>), ak_pool_default().cast(), &mut on_default),
            AK_OK
        );

        let five = Box::into_raw(Box::new(5u64));
        let seven = Box::into_raw(Box::new(7u64));
        assert_eq!(ak_value_set(b, seven.cast(), Some(free_box)), AK_OK);
        assert_eq!(ak_value_set(a, five.cast(), Some(free_box)), AK_OK);

        let mut result = ptr::null_mut();
        assert_eq!(ak_value_get(join, AK_FOREVER, &mut result), AK_OK);
        let arr = result.cast::<*mut c_void>();
        assert_eq!((*(*arr).cast::<u64>(), *(*arr.add(1)).cast::<u64>()), (5, 7));
        assert_eq!(ak_value_get(any, AK_FOREVER, &mut result), AK_OK);
        assert_eq!(*result.cast::<u64>(), 7);
        assert_eq!(ak_list_any_index(any, &mut index), AK_OK);
        assert_eq!(index, 1);
        assert_eq!(ak_value_get(chained, AK_FOREVER, &mut result), AK_OK, "{}", msg(chained));
        assert_eq!(*result.cast::<u64>(), 12, "a chain on a join gets the element results");
        assert_eq!(ak_value_get(on_default, AK_FOREVER, &mut result), AK_OK, "{}", msg(on_default));
        assert_eq!(*result.cast::<u64>(), 7, "a chain on an any gets the winner's result");

        let mut empty = ptr::null_mut();
        assert_eq!(ak_list_join(ptr::null(), 0, &mut empty), AK_OK);
        assert_eq!(ak_value_get(empty, 0, &mut result), AK_OK);
        assert!(result.is_null(), "an empty join's result is NULL");

        for v in [a, b, join, any, chained, on_default, empty] {
            ak_value_release(v);
        }
        ak_pool_destroy(p);
    }
}

#[test]
fn stop_refuses_new_work_and_destroy_ends_the_pool() {
    unsafe {
        let p = pool(0);
        let mut v = ptr::null_mut();
        assert_eq!(ak_pool_do(p, Some(set_42::<false>), ptr::null_mut(), &mut v), AK_OK);
        let mut stats = ak_stats::INIT;
        assert_eq!(ak_pool_stats(p, &mut stats), AK_OK);
        assert_eq!((stats.submitted, stats.queued, stats.workers), (1, 1, 0));
        assert_eq!(ak_pool_stop(p, AK_STOP_DRAIN, AK_FOREVER), AK_OK);
        assert_eq!(ak_value_status(v), AK_OK);
        let mut w = sentinel::<ak_value>();
        assert_eq!(ak_pool_do(p, Some(set_42::<false>), ptr::null_mut(), &mut w), AK_ESHUTDOWN);
        assert_eq!(w as usize, SENTINEL);
        assert_eq!(ak_pool_resize(p, 1), AK_ESHUTDOWN);
        ak_pool_destroy(p);
        ak_value_release(v);
    }
}
