//! `failed_index`: which input or element made a value fail (`ak_value_failed_index`), read
//! from the value (`Value::failed_index`) and carried by the error read from it
//! (`Error::failed_index`), without parsing the message.
mod common;

use std::time::Duration;

use asynckit::{any, join, Error, ErrorCode, Pool, Value};

fn ok<T>(t: T) -> Result<T, String> {
    Ok(t)
}

fn pool() -> Pool {
    Pool::new(2).unwrap()
}

/// The index a library message names first: "input <i> failed: ..." / "element <i> failed: ...".
fn named_index(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("input ").or_else(|| message.strip_prefix("element "))?;
    rest.split(' ').next()?.parse().ok()
}

#[test]
fn spawn_after_names_the_lowest_failed_input() {
    let pool = pool();
    let deps = vec![
        pool.spawn(|| ok(1)),
        pool.spawn(|| ok(2)),
        pool.spawn(|| Err(Error::new(5, "third broke"))),
        pool.spawn(|| Err(Error::new(6, "fourth broke"))),
    ];
    let after = pool.spawn_after(deps, |_| -> Result<u8, String> { unreachable!("must not run") });
    after.wait();
    assert_eq!(after.failed_index(), Some(2));
    let err = after.error().unwrap();
    assert_eq!((err.code(), err.failed_index()), (ErrorCode::Work(5), Some(2)));
    assert_eq!(named_index(err.message()), Some(2), "{}", err.message());
    let got = after.get().unwrap_err();
    assert_eq!(got, err, "get and error read the same failure, index included");
}

#[test]
fn spawn_after_an_abandoned_input_names_it_with_the_cancelled_code() {
    let pool = pool();
    let (p, pv) = Value::<u8>::promise();
    let after = pool.spawn_after(vec![Value::ready(0), Value::ready(1), pv], |_| ok(0));
    drop(p);
    let err = after.get().unwrap_err();
    assert_eq!((err.code(), err.failed_index()), (ErrorCode::Cancelled, Some(2)));
}

#[test]
fn then_on_a_failed_value_names_input_0() {
    let pool = pool();
    let root = pool.spawn(|| Err::<u8, _>(Error::new(9, "root cause")));
    let next = root.then(|_| -> Result<u8, String> { unreachable!("must not run") });
    let err = next.get().unwrap_err();
    assert_eq!(err.message(), "input 0 failed: root cause");
    assert_eq!(err.failed_index(), Some(0));

    let other = Pool::new(1).unwrap();
    let root = pool.spawn(|| Err::<u8, _>(Error::new(9, "root cause")));
    let err = root.then_on(&other, ok).get().unwrap_err();
    assert_eq!(err.failed_index(), Some(0));
}

#[test]
fn then_on_a_failed_join_names_the_failed_element() {
    let joined = join(vec![Value::ready(1), Value::<u8>::failed(Error::new(3, "bad"))]);
    let err = joined.then(|v| ok(v.len())).get().unwrap_err();
    // A chain over a join list reaches through it: the failed element is the chain's input.
    assert_eq!(err.failed_index(), Some(1), "{err:?}");
    assert_eq!(err.failed_index(), named_index(err.message()), "{}", err.message());
}

#[test]
fn join_names_the_lowest_failed_element() {
    let (p0, v0) = Value::<u8>::promise();
    let (p1, v1) = Value::<u8>::promise();
    let (p2, v2) = Value::<u8>::promise();
    let all = join(vec![v0, v1, v2]);
    assert_eq!(all.failed_index(), None, "pending");
    p2.fail(Error::new(4, "late one broke")).unwrap();
    p0.set(0).unwrap();
    p1.fail(Error::new(3, "middle broke")).unwrap();
    let err = all.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Work(3));
    assert_eq!(err.message(), "element 1 failed: middle broke");
    assert_eq!(err.failed_index(), Some(1));
}

#[test]
fn any_settled_by_a_failure_names_that_element() {
    let (p0, v0) = Value::<u8>::promise();
    let (p1, v1) = Value::<u8>::promise();
    let first = any(vec![v0, v1]);
    p1.fail(Error::new(12, "second failed first")).unwrap();
    first.wait();
    assert_eq!(first.failed_index(), Some(1));
    assert_eq!(first.failed_index(), first.any_index());
    assert_eq!(first.get().unwrap_err().failed_index(), Some(1));
    p0.set(0).unwrap();
}

#[test]
fn await_carries_the_index_too() {
    let pool = pool();
    let after = pool.spawn_after(vec![pool.spawn(|| Err::<u8, _>("no"))], |_| ok(1));
    let err = common::block_on(after).unwrap_err();
    assert_eq!(err.failed_index(), Some(0));
}

#[test]
fn values_that_did_not_fail_through_an_input_name_none() {
    let pool = pool();
    let worked = pool.spawn(|| ok(1));
    worked.wait();
    assert_eq!(worked.failed_index(), None, "set with a result");

    let failed = pool.spawn(|| Err::<u8, _>("by itself"));
    assert_eq!(failed.get().unwrap_err().failed_index(), None, "the work failed");
    let panicked = pool.spawn(|| -> Result<u8, String> { panic!("by itself") });
    assert_eq!(panicked.get().unwrap_err().failed_index(), None, "the work panicked");

    let (p, mut pending) = Value::<u8>::promise();
    assert_eq!(pending.failed_index(), None, "pending");
    let timed_out = pending.get_timeout(Duration::ZERO).unwrap_err();
    assert_eq!((timed_out.code(), timed_out.failed_index()), (ErrorCode::TimedOut, None));
    p.fail(Error::new(1, "by hand")).unwrap();
    assert_eq!(pending.get().unwrap_err().failed_index(), None, "a promise failed by hand");

    let (p, abandoned) = Value::<u8>::promise();
    drop(p);
    assert_eq!(abandoned.get().unwrap_err().failed_index(), None, "an abandoned promise");

    let idle = Pool::new(0).unwrap();
    let cancelled = idle.spawn(|| ok(1));
    cancelled.cancel().unwrap();
    assert_eq!(cancelled.get().unwrap_err().failed_index(), None, "cancelled");

    idle.stop(asynckit::StopMode::Drain, Duration::MAX).unwrap();
    let refused = idle.spawn(|| ok(1)).get().unwrap_err();
    assert_eq!((refused.code(), refused.failed_index()), (ErrorCode::Shutdown, None));
}

#[test]
fn a_value_failed_with_the_internal_code_reads_as_internal() {
    let v = Value::<u8>::failed(Error::new(asynckit::sys::AK_EINTERNAL, "library bug"));
    let err = v.get().unwrap_err();
    assert_eq!((err.code(), err.raw_code()), (ErrorCode::Internal, -9));
    assert_eq!(err.to_string(), "library bug (asynckit code -9)");
}
