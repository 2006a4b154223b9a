//! Values: get/get_timeout, errors with codes and messages, panics, cancel, promises, then,
//! join, any, spawn_after.
mod common;

use std::fmt;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use asynckit::{any, join, Error, ErrorCode, Pool, Value};

fn ok<T>(t: T) -> Result<T, String> {
    Ok(t)
}

fn pool() -> Pool {
    Pool::new(2).unwrap()
}

// --- get and timeouts ---------------------------------------------------------------------------

#[test]
fn get_moves_the_result_out() {
    let pool = pool();
    let v = pool.spawn(|| ok(vec![1, 2, 3]));
    assert_eq!(v.get().unwrap(), vec![1, 2, 3]);
    let unit = pool.spawn(|| ok(()));
    unit.get().unwrap();
}

#[test]
fn a_result_can_be_taken_once() {
    let pool = pool();
    let mut v = pool.spawn(|| ok(String::from("once")));
    assert_eq!(v.get_timeout(Duration::MAX).unwrap(), "once");
    let again = v.get_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(again.code(), ErrorCode::State);
    assert_eq!(again.message(), "result already taken");
    assert!(v.try_get().unwrap().is_err());
    assert!(v.is_set() && !v.is_error() && v.error().is_none());
}

#[test]
fn zero_timeout_polls_and_leaves_the_value_usable() {
    let pool = pool();
    let (gate, gate_value) = Value::<()>::promise();
    let mut v = pool.spawn(move || gate_value.get().map(|()| 9));
    let err = v.get_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TimedOut);
    assert_eq!(err.message(), "timed out");
    assert!(!v.wait_timeout(Duration::ZERO));
    assert!(!v.is_set() && v.error().is_none());
    gate.set(()).unwrap();
    v.wait();
    assert!(v.wait_timeout(Duration::ZERO));
    assert_eq!(v.get_timeout(Duration::ZERO).unwrap(), 9);
}

#[test]
fn huge_timeouts_wait_for_the_value() {
    let pool = pool();
    let huge = [
        Duration::MAX,
        Duration::from_nanos(i64::MAX as u64),
        Duration::from_nanos(i64::MAX as u64 - 1),
        Duration::from_secs(u64::MAX / 4),
        Duration::from_secs(365 * 24 * 3600 * 100),
    ];
    for timeout in huge {
        let mut pending = pool.spawn(|| {
            thread::sleep(Duration::from_millis(2)); // slow work, not synchronisation
            ok(1)
        });
        assert_eq!(pending.get_timeout(timeout).unwrap(), 1, "timeout {timeout:?}");
        let mut set = Value::ready(2);
        assert_eq!(set.get_timeout(timeout).unwrap(), 2, "timeout {timeout:?}");
        let waited = pool.spawn(|| ok(3));
        assert!(waited.wait_timeout(timeout));
    }
}

#[test]
fn short_timeout_on_unset_value_times_out() {
    let (promise, mut v) = Value::<u8>::promise();
    let start = Instant::now();
    let err = v.get_timeout(Duration::from_millis(5)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TimedOut);
    assert!(start.elapsed() >= Duration::from_millis(5), "returned before the timeout");
    promise.set(1).unwrap();
    assert_eq!(v.get().unwrap(), 1);
}

// --- errors -----------------------------------------------------------------------------------

#[test]
fn closure_err_fails_with_work_failed_and_its_text() {
    let pool = pool();
    let v = pool.spawn(|| Err::<u8, _>("disk on fire"));
    v.wait();
    assert!(v.is_set() && v.is_error());
    let err = v.error().unwrap();
    assert_eq!(err.code(), ErrorCode::WorkFailed);
    assert_eq!(err.raw_code(), asynckit::sys::AK_EWORK);
    assert_eq!(err.message(), "disk on fire");
    // The failure can be read any number of times, and get returns it too.
    assert_eq!(v.error().unwrap(), err);
    assert_eq!(v.get().unwrap_err(), err);
}

#[test]
fn closure_err_of_type_error_keeps_its_code_and_message() {
    let pool = pool();
    let work = pool.spawn(|| Err::<u8, _>(Error::new(42, "answer refused")));
    let err = work.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Work(42));
    assert_eq!(err.raw_code(), 42);
    assert_eq!(err.message(), "answer refused");
    assert_eq!(err.to_string(), "answer refused (asynckit code 42)");

    let negative = pool.spawn(|| Err::<u8, _>(Error::new(-1234, "odd")));
    assert_eq!(negative.get().unwrap_err().code(), ErrorCode::Work(-1234));

    let zero = pool.spawn(|| Err::<u8, _>(Error::new(0, "zero code")));
    let err = zero.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::WorkFailed);
    assert_eq!(err.message(), "zero code");

    let library = pool.spawn(|| Err::<u8, _>(Error::new(ErrorCode::Cancelled.raw(), "gave up")));
    let err = library.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(err.message(), "gave up");
}

#[test]
fn work_failing_with_timed_out_is_told_apart_from_a_timeout() {
    let pool = pool();
    let mut v =
        pool.spawn(|| Err::<u8, _>(Error::new(ErrorCode::TimedOut.raw(), "upstream timed out")));
    v.wait();
    for _ in 0..2 {
        let err = v.get_timeout(Duration::ZERO).unwrap_err();
        assert_eq!(err.code(), ErrorCode::TimedOut);
        assert_eq!(err.message(), "upstream timed out");
    }
    assert_eq!(v.get().unwrap_err().message(), "upstream timed out");
}

#[test]
fn any_display_error_type_works() {
    #[derive(Debug)]
    struct MyError(u32);
    impl fmt::Display for MyError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "my error #{}", self.0)
        }
    }
    let pool = pool();
    assert_eq!(pool.spawn(|| Err::<(), _>(MyError(7))).get().unwrap_err().message(), "my error #7");
    let boxed = pool.spawn(|| -> Result<(), Box<dyn std::error::Error>> { Err("boxed".into()) });
    assert_eq!(boxed.get().unwrap_err().message(), "boxed");
    let with_nul = pool.spawn(|| Err::<(), _>("a\0b"));
    assert_eq!(with_nul.get().unwrap_err().message(), "a\u{FFFD}b");
    let percent = pool.spawn(|| Err::<(), _>("100% %s %n %d"));
    assert_eq!(percent.get().unwrap_err().message(), "100% %s %n %d");
}

#[test]
fn error_code_round_trips() {
    for raw in [-8, -7, -6, -5, -4, -3, -2, -1, 1, 42, -9, -100, i32::MIN, i32::MAX] {
        assert_eq!(ErrorCode::from_raw(raw).raw(), raw);
        assert_eq!(Error::new(raw, "x").raw_code(), raw);
    }
    assert_eq!(ErrorCode::from_raw(0), ErrorCode::WorkFailed);
    assert_eq!(ErrorCode::from_raw(-2), ErrorCode::OutOfMemory);
    assert_eq!(ErrorCode::from_raw(-5), ErrorCode::Shutdown);
    assert_eq!(ErrorCode::from_raw(-7), ErrorCode::Pending);
}

// --- panics -----------------------------------------------------------------------------------

#[test]
fn a_panic_becomes_a_failed_value_with_its_text() {
    let pool = pool();
    let s = pool.spawn(|| -> Result<u8, String> { panic!("static text") });
    let err = s.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::WorkFailed);
    assert_eq!(err.message(), "panicked: static text");
    let n = 5;
    let f = pool.spawn(move || -> Result<u8, String> { panic!("formatted {n}") });
    assert_eq!(f.get().unwrap_err().message(), "panicked: formatted 5");
    let other = pool.spawn(|| -> Result<u8, String> { std::panic::panic_any(17u32) });
    assert!(other.get().unwrap_err().message().starts_with("panicked: "));
    // The pool survives.
    assert_eq!(pool.spawn(|| ok(1)).get().unwrap(), 1);
}

#[test]
fn a_panicking_closure_while_others_wait_on_it() {
    let pool = pool();
    let (gate, gate_value) = Value::<()>::promise();
    let boom = Arc::new(pool.spawn(move || -> Result<u8, Error> {
        gate_value.get()?;
        panic!("boom while awaited");
    }));
    // Waiting: a thread blocked in wait, work on another pool blocked in wait, and a continuation.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread_waiter = {
        let boom = Arc::clone(&boom);
        thread::spawn(move || {
            ready_tx.send(()).unwrap();
            boom.wait();
            boom.error()
        })
    };
    let other_pool = Pool::new(1).unwrap();
    let work_waiter = {
        let boom = Arc::clone(&boom);
        other_pool.spawn(move || {
            boom.wait();
            ok(boom.error())
        })
    };
    ready_rx.recv().unwrap();
    assert!(!boom.is_set());
    gate.set(()).unwrap();

    let expected = Error::new(ErrorCode::WorkFailed.raw(), "panicked: boom while awaited");
    assert_eq!(thread_waiter.join().unwrap(), Some(expected.clone()));
    assert_eq!(work_waiter.get().unwrap(), Some(expected.clone()));
    let boom = Arc::try_unwrap(boom).unwrap();
    assert_eq!(boom.get().unwrap_err(), expected);
}

#[test]
fn dependents_of_a_panicking_closure_fail_with_input_messages() {
    let pool = pool();
    let (gate, gate_value) = Value::<()>::promise();
    let boom = pool.spawn(move || -> Result<u8, Error> {
        gate_value.get()?;
        panic!("dependency exploded");
    });
    let (gate2, gate2_value) = Value::<()>::promise();
    let other = pool.spawn(move || gate2_value.get().map(|()| 1u8));
    let after = pool.spawn_after(vec![other, boom], |v| ok(v.len()));
    gate.set(()).unwrap();
    gate2.set(()).unwrap();
    let err = after.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::WorkFailed);
    assert_eq!(err.message(), "input 1 failed: panicked: dependency exploded");
}

#[test]
fn panics_in_then_and_spawn_after_closures_are_caught() {
    let pool = pool();
    let t = pool.spawn(|| ok(1)).then(|_| -> Result<u8, String> { panic!("in then") });
    assert_eq!(t.get().unwrap_err().message(), "panicked: in then");
    let a = pool
        .spawn_after(vec![pool.spawn(|| ok(1))], |_| -> Result<u8, String> { panic!("in after") });
    assert_eq!(a.get().unwrap_err().message(), "panicked: in after");
}

// --- cancel -----------------------------------------------------------------------------------

#[test]
fn cancel_before_start_fails_with_cancelled_and_the_work_never_runs() {
    let pool = Pool::new(0).unwrap();
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let v = pool.spawn(move || {
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        ok(1)
    });
    v.cancel().unwrap();
    assert!(v.is_set() && v.is_error());
    assert_eq!(v.error().unwrap().code(), ErrorCode::Cancelled);
    assert!(!v.error().unwrap().message().is_empty());
    assert_eq!(v.cancel().unwrap_err().code(), ErrorCode::State);
    pool.resize(1).unwrap();
    assert_eq!(pool.spawn(|| ok(2)).get().unwrap(), 2);
    drop(pool);
    assert_eq!(v.get().unwrap_err().code(), ErrorCode::Cancelled);
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn cancel_while_running_flags_the_work() {
    let pool = pool();
    let (started, started_value) = Value::<()>::promise();
    let v = pool.spawn(move || {
        assert!(!asynckit::cancelled());
        started.set(())?;
        common::eventually("work to see the cancel flag", asynckit::cancelled);
        Err::<u8, _>(Error::new(ErrorCode::Cancelled.raw(), "stopped early"))
    });
    started_value.get().unwrap();
    let err = v.cancel().unwrap_err();
    assert_eq!(err.code(), ErrorCode::State);
    let err = v.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(err.message(), "stopped early");
    assert!(!asynckit::cancelled(), "outside work");
}

#[test]
fn cancel_of_a_set_value_is_a_state_error() {
    let v = Value::ready(1);
    assert_eq!(v.cancel().unwrap_err().code(), ErrorCode::State);
    assert_eq!(v.get().unwrap(), 1);
}

#[test]
fn cancel_a_pending_continuation() {
    let (promise, value) = Value::<u8>::promise();
    let next = value.then(|x| ok(x + 1));
    next.cancel().unwrap();
    assert_eq!(next.get().unwrap_err().code(), ErrorCode::Cancelled);
    promise.set(1).unwrap();
}

// --- promises ---------------------------------------------------------------------------------

#[test]
fn promise_set_from_another_thread_wakes_the_waiter() {
    let (promise, value) = Value::<String>::promise();
    let t = thread::spawn(move || promise.set("hello".to_string()));
    assert_eq!(value.get().unwrap(), "hello");
    t.join().unwrap().unwrap();
}

#[test]
fn promise_fail_carries_code_and_message() {
    let (promise, value) = Value::<u8>::promise();
    promise.fail(Error::new(77, "custom failure")).unwrap();
    let err = value.get().unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::Work(77), "custom failure"));

    let (promise, value) = Value::<u8>::promise();
    promise.fail("plain text").unwrap();
    let err = value.get().unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::WorkFailed, "plain text"));
}

#[test]
fn an_abandoned_promise_fails_its_value() {
    let (promise, value) = Value::<u8>::promise();
    drop(promise);
    let err = value.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(err.message(), "abandoned promise");
}

#[test]
fn setting_a_cancelled_promise_is_a_state_error() {
    let (promise, value) = Value::<u8>::promise();
    value.cancel().unwrap();
    assert_eq!(promise.set(1).unwrap_err().code(), ErrorCode::State);
    assert_eq!(value.get().unwrap_err().code(), ErrorCode::Cancelled);
    let (promise, value) = Value::<u8>::promise();
    value.cancel().unwrap();
    assert_eq!(promise.fail("late").unwrap_err().code(), ErrorCode::State);
}

#[test]
fn ready_and_failed_values() {
    assert_eq!(Value::ready(5).get().unwrap(), 5);
    let err = Value::<u8>::failed(Error::new(3, "made failed")).get().unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::Work(3), "made failed"));
}

// --- then -------------------------------------------------------------------------------------

#[test]
fn then_continues_with_the_result() {
    let pool = pool();
    let v = pool.spawn(|| ok(20)).then(|x| ok(x + 1)).then(|x| ok(format!("{}", x * 2)));
    assert_eq!(v.get().unwrap(), "42");
    // On a value that is already set, and on a promise (the global pool runs it).
    let done = pool.spawn(|| ok(1));
    done.wait();
    assert_eq!(done.then(|x| ok(x + 1)).get().unwrap(), 2);
    let (p, pv) = Value::promise();
    let next = pv.then(|s: &'static str| ok(s.len()));
    p.set("four").unwrap();
    assert_eq!(next.get().unwrap(), 4);
}

#[test]
fn then_on_a_failed_value_never_runs_and_reports_input_0() {
    let pool = pool();
    let v = pool
        .spawn(|| Err::<u8, _>(Error::new(9, "root cause")))
        .then(|_| -> Result<u8, String> { unreachable!("must not run") });
    let err = v.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Work(9));
    assert_eq!(err.message(), "input 0 failed: root cause");
}

#[test]
fn then_on_runs_on_the_given_pool() {
    let a = pool();
    let b = Pool::new(0).unwrap();
    let mut v = a.spawn(|| ok(1)).then_on(&b, |x| ok(x + 1));
    assert_eq!(v.get_timeout(Duration::ZERO).unwrap_err().code(), ErrorCode::TimedOut);
    b.resize(1).unwrap();
    assert_eq!(v.get().unwrap(), 2);
}

#[test]
fn then_after_the_pool_is_gone_is_shutdown() {
    let pool = pool();
    let v = pool.spawn(|| ok(1));
    v.wait();
    drop(pool);
    let err = v.then(|x| ok(x + 1)).get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Shutdown);

    let stopped = Pool::new(1).unwrap();
    stopped.stop(asynckit::StopMode::Drain, Duration::MAX).unwrap();
    let err = Value::ready(1).then_on(&stopped, ok).get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Shutdown);
}

// --- join -------------------------------------------------------------------------------------

#[test]
fn join_collects_results_in_order() {
    let pool = pool();
    let values: Vec<_> = (0..50u64)
        .map(|i| {
            pool.spawn(move || {
                if i % 7 == 0 {
                    thread::sleep(Duration::from_millis(1)); // slow work, not synchronisation
                }
                ok(i * i)
            })
        })
        .collect();
    assert_eq!(join(values).get().unwrap(), (0..50u64).map(|i| i * i).collect::<Vec<_>>());
}

#[test]
fn join_of_nothing_is_set_at_once() {
    let v = join(Vec::<Value<u8>>::new());
    assert!(v.is_set());
    assert_eq!(v.get().unwrap(), Vec::<u8>::new());
}

#[test]
fn join_fails_with_the_lowest_failed_element() {
    let pool = pool();
    let values = vec![
        pool.spawn(|| ok(1)),
        pool.spawn(|| Err(Error::new(5, "second broke"))),
        pool.spawn(|| Err(Error::new(6, "third broke"))),
    ];
    let err = join(values).get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Work(5));
    assert_eq!(err.message(), "element 1 failed: second broke");
}

#[test]
fn then_on_a_join_gets_all_results() {
    let pool = pool();
    let all = join((1..=4).map(|i| pool.spawn(move || ok(i))).collect());
    assert_eq!(all.then(|v: Vec<i32>| ok(v.iter().product::<i32>())).get().unwrap(), 24);
}

#[test]
fn nested_lists() {
    let pool = pool();
    let row = |base: u32| join((0..3).map(|i| pool.spawn(move || ok(base + i))).collect());
    let grid = join(vec![row(0), row(10), row(20)]);
    assert_eq!(grid.get().unwrap(), vec![vec![0, 1, 2], vec![10, 11, 12], vec![20, 21, 22]]);

    let (p, slow) = Value::<Vec<u32>>::promise();
    let either = any(vec![slow, row(100)]);
    assert_eq!(either.get().unwrap(), vec![100, 101, 102]);
    drop(p);

    let chained = join(vec![row(1), row(2)]).then(|g| ok(g.concat()));
    assert_eq!(chained.get().unwrap(), vec![1, 2, 3, 2, 3, 4]);
}

#[test]
fn cancel_a_pending_join() {
    let (p, v) = Value::<u8>::promise();
    let j = join(vec![v]);
    j.cancel().unwrap();
    assert_eq!(j.get().unwrap_err().code(), ErrorCode::Cancelled);
    p.set(1).unwrap(); // the element is untouched by the list's cancel
}

// --- any --------------------------------------------------------------------------------------

#[test]
fn any_takes_the_first_value_set() {
    let (p0, v0) = Value::<&str>::promise();
    let (p1, v1) = Value::<&str>::promise();
    let (p2, v2) = Value::<&str>::promise();
    let first = any(vec![v0, v1, v2]);
    assert!(first.any_index().is_none());
    p1.set("one").unwrap();
    p0.set("zero").unwrap();
    first.wait();
    assert_eq!(first.any_index(), Some(1));
    assert_eq!(first.get().unwrap(), "one");
    drop(p2);
}

#[test]
fn any_fails_when_the_first_value_set_fails() {
    let (p0, v0) = Value::<u8>::promise();
    let (p1, v1) = Value::<u8>::promise();
    let first = any(vec![v0, v1]);
    p0.fail(Error::new(12, "first failed")).unwrap();
    let err = first.get().unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::Work(12), "first failed"));
    p1.set(1).unwrap();
}

#[test]
fn any_of_nothing_is_invalid() {
    let err = any(Vec::<Value<u8>>::new()).get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[test]
fn any_index_is_none_for_other_values() {
    let v = Value::ready(1);
    assert!(v.any_index().is_none());
    let (p, pv) = Value::<u8>::promise();
    let a = any(vec![pv]);
    a.cancel().unwrap();
    assert!(a.any_index().is_none(), "set by cancel");
    drop(p);
}

// --- spawn_after ------------------------------------------------------------------------------

#[test]
fn spawn_after_runs_with_all_inputs_in_order() {
    let pool = pool();
    let (p, late) = Value::<u32>::promise();
    let deps = vec![pool.spawn(|| ok(1)), late, pool.spawn(|| ok(3))];
    let mut sum = pool.spawn_after(deps, |v| ok(v.iter().map(|x| x * 10).collect::<Vec<_>>()));
    assert_eq!(sum.get_timeout(Duration::ZERO).unwrap_err().code(), ErrorCode::TimedOut);
    p.set(2).unwrap();
    assert_eq!(sum.get().unwrap(), vec![10, 20, 30]);
}

#[test]
fn spawn_after_nothing_runs_at_once() {
    let pool = pool();
    assert_eq!(pool.spawn_after(Vec::<Value<u8>>::new(), |v| ok(v.len())).get().unwrap(), 0);
}

#[test]
fn spawn_after_a_failed_or_cancelled_input_fails_with_its_code() {
    let pool = pool();
    let deps = vec![pool.spawn(|| ok(1)), pool.spawn(|| Err(Error::new(4, "bad input")))];
    let err = pool.spawn_after(deps, |_| ok(0)).get().unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::Work(4), "input 1 failed: bad input"));

    let (p, pv) = Value::<u8>::promise();
    let after = pool.spawn_after(vec![pv], |_| ok(0));
    drop(p);
    let err = after.get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert!(err.message().starts_with("input 0 failed: "), "{}", err.message());
}

#[test]
fn spawn_after_on_a_stopped_pool_is_shutdown() {
    let pool = Pool::new(1).unwrap();
    pool.stop(asynckit::StopMode::Drain, Duration::MAX).unwrap();
    let err = pool.spawn_after(vec![Value::ready(1)], |_| ok(0)).get().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Shutdown);
}

#[test]
fn values_move_between_threads() {
    let pool = pool();
    let v = pool.spawn(|| ok(String::from("sent")));
    let got = thread::spawn(move || v.get()).join().unwrap().unwrap();
    assert_eq!(got, "sent");
    let shared = Arc::new(pool.spawn(|| ok(1)));
    let s2 = Arc::clone(&shared);
    thread::spawn(move || s2.wait()).join().unwrap();
    assert!(shared.is_set());
}

#[test]
fn raw_value_handle_reads_the_same_state() {
    let v = Value::<u8>::failed(Error::new(8, "raw"));
    // SAFETY: held while `v` lives.
    unsafe {
        assert_eq!(asynckit::sys::ak_value_status(v.as_raw()), 8);
        assert_eq!(asynckit::sys::ak_value_is_error(v.as_raw()), 1);
    }
    assert!(format!("{v:?}").contains("status: 8"));
}
