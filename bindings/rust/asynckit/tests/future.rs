//! `impl Future for Value`, driven by a minimal hand-written executor (no runtime crate).
mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;

use asynckit::{join, Error, ErrorCode, Pool, Value};
use common::{block_on, block_on_counting, FlagWaker};

fn ok<T>(t: T) -> Result<T, String> {
    Ok(t)
}

#[test]
fn await_a_spawned_value() {
    let pool = Pool::new(2).unwrap();
    let v = pool.spawn(|| ok(6 * 7));
    assert_eq!(block_on(v).unwrap(), 42);
}

#[test]
fn await_in_an_async_block_composes() {
    let pool = Pool::new(2).unwrap();
    let result: Result<u64, Error> = block_on(async {
        let a = pool.spawn(|| ok(1u64)).await?;
        let b = pool.spawn(move || ok(a + 1)).await?;
        let all = join((0..10u64).map(|i| pool.spawn(move || ok(i + b))).collect()).await?;
        Ok(all.iter().sum())
    });
    assert_eq!(result.unwrap(), 65);
}

#[test]
fn await_a_promise_set_from_another_thread_wakes_the_executor() {
    let (promise, value) = Value::<String>::promise();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let setter = thread::spawn(move || {
        go_rx.recv().unwrap();
        promise.set("woken".into()).unwrap();
    });
    let (out, wakes) = block_on_counting(async move {
        go_tx.send(()).unwrap();
        value.await
    });
    setter.join().unwrap();
    assert_eq!(out.unwrap(), "woken");
    assert!(wakes <= 1, "woken {wakes} times");
}

#[test]
fn await_a_failure_gives_its_code_and_message() {
    let pool = Pool::new(1).unwrap();
    let err = block_on(pool.spawn(|| Err::<u8, _>(Error::new(31, "async failure")))).unwrap_err();
    assert_eq!((err.code(), err.message()), (ErrorCode::Work(31), "async failure"));
    let err = block_on(pool.spawn(|| -> Result<u8, String> { panic!("async panic") })).unwrap_err();
    assert_eq!(err.message(), "panicked: async panic");
}

#[test]
fn the_latest_waker_is_the_one_woken() {
    let (promise, mut value) = Value::<u8>::promise();
    let first = Arc::new(FlagWaker(AtomicUsize::new(0)));
    let second = Arc::new(FlagWaker(AtomicUsize::new(0)));
    let w1 = Waker::from(Arc::clone(&first));
    let w2 = Waker::from(Arc::clone(&second));
    for _ in 0..3 {
        assert!(Pin::new(&mut value).poll(&mut Context::from_waker(&w1)).is_pending());
    }
    assert!(Pin::new(&mut value).poll(&mut Context::from_waker(&w2)).is_pending());
    // Done-callbacks run on the thread that sets the value, before ak_value_set returns.
    promise.set(8).unwrap();
    assert_eq!(first.0.load(Ordering::SeqCst), 0);
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
    match Pin::new(&mut value).poll(&mut Context::from_waker(&w2)) {
        Poll::Ready(r) => assert_eq!(r.unwrap(), 8),
        Poll::Pending => panic!("set value polled pending"),
    }
    // Polling again after completion reports the result as taken, it does not hang.
    match Pin::new(&mut value).poll(&mut Context::from_waker(&w2)) {
        Poll::Ready(r) => assert_eq!(r.unwrap_err().code(), ErrorCode::State),
        Poll::Pending => panic!("polled pending after completion"),
    }
}

#[test]
fn a_value_dropped_while_awaited_is_harmless() {
    let (promise, mut value) = Value::<u8>::promise();
    let flag = Arc::new(FlagWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&flag));
    assert!(Pin::new(&mut value).poll(&mut Context::from_waker(&waker)).is_pending());
    drop(value);
    promise.set(1).unwrap();
    assert_eq!(flag.0.load(Ordering::SeqCst), 1);
    let (promise, mut value) = Value::<u8>::promise();
    assert!(Pin::new(&mut value).poll(&mut Context::from_waker(&waker)).is_pending());
    drop(value);
    drop(promise); // abandoned: the callback still runs once and releases its waker
    assert_eq!(flag.0.load(Ordering::SeqCst), 2);
}

/// Polls many values round-robin from one thread: a tiny join_all.
#[test]
fn many_values_awaited_together() {
    struct JoinAll(Vec<Option<Value<u32>>>, Vec<u32>);
    impl Future for JoinAll {
        type Output = Vec<u32>;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u32>> {
            let this = &mut *self;
            for slot in this.0.iter_mut() {
                if let Some(v) = slot {
                    if let Poll::Ready(r) = Pin::new(v).poll(cx) {
                        this.1.push(r.unwrap());
                        *slot = None;
                    }
                }
            }
            if this.0.iter().all(Option::is_none) {
                Poll::Ready(std::mem::take(&mut this.1))
            } else {
                Poll::Pending
            }
        }
    }
    let pool = Pool::new(2).unwrap();
    let values = (0..200u32).map(|i| Some(pool.spawn(move || ok(i)))).collect();
    let mut got = block_on(JoinAll(values, Vec::new()));
    got.sort_unstable();
    assert_eq!(got, (0..200).collect::<Vec<_>>());
}
