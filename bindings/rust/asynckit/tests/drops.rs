//! Ownership: every result and every closure is dropped exactly once, read or not.
mod common;

use std::sync::Arc;
use std::time::Duration;

use asynckit::{any, join, Error, ErrorCode, Pool, Value};
use common::{count, counter, Counted};

fn ok<T>(t: T) -> Result<T, String> {
    Ok(t)
}

#[test]
fn results_dropped_unread_are_freed_once() {
    let drops = counter();
    let pool = Pool::new(2).unwrap();
    for i in 0..1000 {
        let c = Arc::clone(&drops);
        drop(pool.spawn(move || ok(Counted(c, i))));
    }
    drop(pool); // drains: every task ran and released its value
    assert_eq!(count(&drops), 1000);
}

#[test]
fn taken_and_unread_results_are_each_dropped_exactly_once() {
    let drops = counter();
    let pool = Pool::new(2).unwrap();
    let values: Vec<_> = (0..100)
        .map(|i| {
            let c = Arc::clone(&drops);
            pool.spawn(move || ok(Counted(c, i)))
        })
        .collect();
    let mut taken = 0;
    for (i, v) in values.into_iter().enumerate() {
        if i % 2 == 0 {
            let got = v.get().unwrap();
            assert_eq!(got.1, i as u64);
            taken += 1;
            drop(got);
            assert!(count(&drops) >= taken);
        }
    }
    drop(pool);
    assert_eq!(count(&drops), 100);
}

#[test]
fn a_result_taken_then_its_value_dropped_is_not_dropped_again() {
    let drops = counter();
    let pool = Pool::new(1).unwrap();
    let c = Arc::clone(&drops);
    let mut v = pool.spawn(move || ok(Counted(c, 0)));
    let got = v.get_timeout(Duration::MAX).unwrap();
    drop(v);
    drop(pool);
    assert_eq!(count(&drops), 0, "the taken result is still alive");
    drop(got);
    assert_eq!(count(&drops), 1);
}

#[test]
fn closures_are_dropped_once_whether_they_ran_or_not() {
    let drops = counter();
    let pool = Pool::new(0).unwrap();
    let cancelled = {
        let c = Counted(Arc::clone(&drops), 0);
        pool.spawn(move || {
            let c = c; // the whole guard, not just the field (edition 2021 captures fields)
            ok(c.1)
        })
    };
    let ran = {
        let c = Counted(Arc::clone(&drops), 1);
        pool.spawn(move || {
            let c = c; // the whole guard, not just the field (edition 2021 captures fields)
            ok(c.1)
        })
    };
    assert_eq!(count(&drops), 0);
    cancelled.cancel().unwrap();
    pool.resize(1).unwrap();
    assert_eq!(ran.get().unwrap(), 1);
    drop(pool);
    assert_eq!(cancelled.get().unwrap_err().code(), ErrorCode::Cancelled);
    assert_eq!(count(&drops), 2);
}

#[test]
fn closures_on_a_stopped_pool_are_dropped() {
    let drops = counter();
    let pool = Pool::new(0).unwrap();
    let queued: Vec<_> = (0..3)
        .map(|i| {
            let c = Counted(Arc::clone(&drops), i);
            pool.spawn(move || {
                let c = c; // the whole guard, not just the field (edition 2021 captures fields)
                ok(c.1)
            })
        })
        .collect();
    pool.stop(asynckit::StopMode::Cancel, Duration::MAX).unwrap();
    let refused = {
        let c = Counted(Arc::clone(&drops), 9);
        pool.spawn(move || {
            let c = c; // the whole guard, not just the field (edition 2021 captures fields)
            ok(c.1)
        })
    };
    assert_eq!(refused.get().unwrap_err().code(), ErrorCode::Shutdown);
    drop(pool);
    for v in queued {
        assert_eq!(v.get().unwrap_err().code(), ErrorCode::Cancelled);
    }
    assert_eq!(count(&drops), 4);
}

#[test]
fn continuations_that_never_run_drop_their_closure_and_input() {
    let drops = counter();
    let (p, v) = Value::<Counted>::promise();
    let guard = Counted(Arc::clone(&drops), 0);
    let next = v.then(move |c| {
        let guard = guard;
        ok(c.1 + guard.1)
    });
    p.fail("nope").unwrap();
    assert_eq!(next.get().unwrap_err().message(), "input 0 failed: nope");
    // The closure (holding `guard`) was dropped once the continuation failed.
    common::eventually("the continuation's closure to be dropped", || count(&drops) == 1);
}

#[test]
fn join_results_dropped_unread_are_freed() {
    let drops = counter();
    let pool = Pool::new(2).unwrap();
    let values: Vec<_> = (0..10)
        .map(|i| {
            let c = Arc::clone(&drops);
            pool.spawn(move || ok(Counted(c, i)))
        })
        .collect();
    let all = join(values);
    all.wait();
    drop(pool);
    assert_eq!(count(&drops), 0);
    drop(all);
    assert_eq!(count(&drops), 10);
}

#[test]
fn join_results_taken_are_not_freed_by_the_list() {
    let drops = counter();
    let values: Vec<_> = (0..5).map(|i| Value::ready(Counted(Arc::clone(&drops), i))).collect();
    let got = join(values).get().unwrap();
    assert_eq!(got.iter().map(|c| c.1).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert_eq!(count(&drops), 0);
    drop(got);
    assert_eq!(count(&drops), 5);
}

#[test]
fn any_losers_are_freed_with_the_list() {
    let drops = counter();
    let (p0, v0) = Value::promise();
    let (p1, v1) = Value::promise();
    let first = any(vec![v0, v1]);
    p0.set(Counted(Arc::clone(&drops), 0)).unwrap();
    p1.set(Counted(Arc::clone(&drops), 1)).unwrap();
    let winner = first.get().unwrap();
    assert_eq!(winner.1, 0);
    assert_eq!(count(&drops), 1, "the loser went with the list");
    drop(winner);
    assert_eq!(count(&drops), 2);
}

#[test]
fn a_refused_promise_result_is_dropped() {
    let drops = counter();
    let (p, v) = Value::promise();
    v.cancel().unwrap();
    assert_eq!(p.set(Counted(Arc::clone(&drops), 0)).unwrap_err().code(), ErrorCode::State);
    assert_eq!(count(&drops), 1);
}

#[test]
fn a_result_whose_drop_panics_does_not_unwind_into_c() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop of a result panicked");
        }
    }
    let pool = Pool::new(1).unwrap();
    drop(pool.spawn(|| ok(PanicOnDrop)));
    let v = pool.spawn(|| ok(PanicOnDrop));
    v.wait();
    drop(v);
    drop(pool);
    let (p, v) = Value::promise();
    p.set(PanicOnDrop).unwrap();
    drop(v); // freed here, on this thread: caught by the free function
    let pool = Pool::new(1).unwrap();
    assert_eq!(pool.spawn(|| ok(1)).get().unwrap(), 1);
}

#[test]
fn a_closure_whose_drop_panics_when_cancelled_does_not_unwind_into_c() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop of a closure capture panicked");
        }
    }
    let pool = Pool::new(0).unwrap();
    let guard = PanicOnDrop;
    let v = pool.spawn(move || {
        let _keep = &guard;
        ok(1)
    });
    v.cancel().unwrap();
    assert_eq!(v.get().unwrap_err().code(), ErrorCode::Cancelled);
    // A 0-worker pool dropped with queued work drains on this thread.
    let other = Pool::new(0).unwrap();
    let v = other.spawn(|| Err::<u8, _>("still fine"));
    drop(other);
    let err: Error = v.get().unwrap_err();
    assert_eq!(err.message(), "still fine");
}
