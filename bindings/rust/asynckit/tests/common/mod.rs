//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Counts its drops in a shared counter.
pub struct Counted(pub Arc<AtomicUsize>, pub u64);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

pub fn count(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

/// Wakes a parked thread, and counts its wakes.
pub struct ThreadWaker {
    thread: Thread,
    pub wakes: AtomicUsize,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// The smallest executor: polls `fut` on this thread, parking between polls until woken.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    block_on_counting(fut).0
}

/// `block_on`, also returning how many times the waker was woken.
pub fn block_on_counting<F: Future>(fut: F) -> (F::Output, usize) {
    let mut fut = pin!(fut);
    let waker_state =
        Arc::new(ThreadWaker { thread: thread::current(), wakes: AtomicUsize::new(0) });
    let waker = Waker::from(Arc::clone(&waker_state));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return (out, waker_state.wakes.load(Ordering::SeqCst));
        }
        // Spurious unparks only cost a poll.
        thread::park();
    }
}

/// A flag-only waker for tests that inspect wakes without parking.
pub struct FlagWaker(pub AtomicUsize);

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Spins (yielding) until `cond` holds; panics after a generous bound rather than hanging.
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !cond() {
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        thread::yield_now();
    }
}
