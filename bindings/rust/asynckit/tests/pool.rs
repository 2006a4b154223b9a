//! Pool: creation, sizing, stats, stop, drop, the global pool, nested work.
mod common;

use std::sync::Arc;
use std::time::Duration;

use asynckit::{ErrorCode, Pool, StopMode, Value};

fn ok<T>(t: T) -> Result<T, String> {
    Ok(t)
}

#[test]
fn new_pool_runs_work_and_reports_its_worker_count() {
    let pool = Pool::new(3).unwrap();
    assert_eq!(pool.workers(), 3);
    assert_eq!(pool.spawn(|| ok(7)).get().unwrap(), 7);
}

#[test]
fn builder_sets_workers_and_name() {
    let pool = Pool::builder().workers(2).name("rust-test-pool-name").build().unwrap();
    assert_eq!(pool.workers(), 2);
    assert_eq!(pool.spawn(|| ok("named")).get().unwrap(), "named");
    let default_sized = Pool::builder().build().unwrap();
    assert!(default_sized.workers() >= 1);
}

#[test]
fn bad_pool_options_are_invalid_argument() {
    for workers in [1025, u32::MAX as usize, usize::MAX] {
        let err = Pool::new(workers).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "workers = {workers}");
        assert!(!err.message().is_empty());
    }
    let err = Pool::builder().name("nul\0inside").build().unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[test]
fn zero_workers_queue_work_until_resized() {
    let pool = Pool::new(0).unwrap();
    assert_eq!(pool.workers(), 0);
    let mut value = pool.spawn(|| ok(1));
    assert!(!value.wait_timeout(Duration::ZERO));
    let err = value.get_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TimedOut);
    assert!(value.try_get().is_none());
    pool.resize(2).unwrap();
    assert_eq!(pool.workers(), 2);
    assert_eq!(value.get().unwrap(), 1);
}

#[test]
fn resize_to_zero_and_back_keeps_queued_work() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.spawn(|| ok(1)).get().unwrap(), 1);
    pool.resize(0).unwrap();
    assert_eq!(pool.workers(), 0);
    let values: Vec<_> = (0..20).map(|i| pool.spawn(move || ok(i))).collect();
    pool.resize(1).unwrap();
    assert_eq!(pool.workers(), 1);
    for (i, v) in values.into_iter().enumerate() {
        assert_eq!(v.get().unwrap(), i);
    }
    pool.resize(4).unwrap();
    assert_eq!(pool.spawn(|| ok(2)).get().unwrap(), 2);
}

#[test]
fn resize_beyond_the_maximum_is_invalid_and_changes_nothing() {
    let pool = Pool::new(1).unwrap();
    assert_eq!(pool.resize(1025).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(pool.resize(usize::MAX).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(pool.workers(), 1);
}

#[test]
fn resize_from_inside_work_is_allowed() {
    let pool = Arc::new(Pool::new(1).unwrap());
    let inner = Arc::clone(&pool);
    let v = pool.spawn(move || inner.resize(3).map(|()| inner.workers()));
    assert_eq!(v.get().unwrap(), 3);
    assert_eq!(pool.workers(), 3);
}

#[test]
fn stats_count_submitted_completed_and_failed_work() {
    let pool = Pool::new(1).unwrap();
    let before = pool.stats();
    assert_eq!(before.submitted, 0);
    let good: Vec<_> = (0..3).map(|i| pool.spawn(move || ok(i))).collect();
    let bad: Vec<_> = (0..2).map(|_| pool.spawn(|| Err::<u8, _>("no"))).collect();
    assert_eq!(pool.stats().submitted, 5);
    for v in good {
        v.get().unwrap();
    }
    for v in bad {
        v.get().unwrap_err();
    }
    pool.stop(StopMode::Drain, Duration::MAX).unwrap();
    let after = pool.stats();
    assert_eq!((after.submitted, after.completed, after.failed, after.cancelled), (5, 3, 2, 0));
    assert_eq!(after.queued, 0);
}

#[test]
fn stop_drain_runs_queued_work_then_refuses_new_work() {
    let pool = Pool::new(0).unwrap();
    let values: Vec<_> = (0..5).map(|i| pool.spawn(move || ok(i * 10))).collect();
    // A pool with 0 workers drains on the calling thread.
    pool.stop(StopMode::Drain, Duration::MAX).unwrap();
    for (i, v) in values.into_iter().enumerate() {
        assert_eq!(v.get().unwrap(), i * 10);
    }
    let refused = pool.spawn(|| ok(1)).get().unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Shutdown);
    assert_eq!(pool.try_spawn(|| ok(1)).unwrap_err().code(), ErrorCode::Shutdown);
    assert_eq!(pool.resize(2).unwrap_err().code(), ErrorCode::Shutdown);
    // Stopping again is allowed.
    pool.stop(StopMode::Cancel, Duration::ZERO).unwrap();
}

#[test]
fn stop_cancel_fails_queued_work_with_cancelled() {
    let pool = Pool::new(0).unwrap();
    let values: Vec<_> = (0..5).map(|i| pool.spawn(move || ok(i))).collect();
    pool.stop(StopMode::Cancel, Duration::MAX).unwrap();
    for v in values {
        assert_eq!(v.get().unwrap_err().code(), ErrorCode::Cancelled);
    }
    let stats = pool.stats();
    assert_eq!(stats.cancelled + stats.failed, 5, "{stats:?}");
}

#[test]
fn stop_with_zero_timeout_reports_timed_out_until_the_work_is_done() {
    let pool = Pool::new(1).unwrap();
    let (gate, gate_value) = Value::<()>::promise();
    let blocked = pool.spawn(move || gate_value.get().map(|()| 5));
    let err = pool.stop(StopMode::Drain, Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TimedOut);
    gate.set(()).unwrap();
    pool.stop(StopMode::Drain, Duration::MAX).unwrap();
    assert_eq!(blocked.get().unwrap(), 5);
}

#[test]
fn dropping_the_pool_with_work_in_flight_drains_it() {
    let pool = Pool::new(2).unwrap();
    let values: Vec<_> = (0..64u64)
        .map(|i| {
            pool.spawn(move || {
                std::thread::sleep(Duration::from_millis(1)); // slow work, not synchronisation
                ok(i + 1)
            })
        })
        .collect();
    drop(pool);
    for (i, v) in values.into_iter().enumerate() {
        assert!(v.is_set(), "value {i} unset after the pool was dropped");
        assert_eq!(v.get().unwrap(), i as u64 + 1);
    }
}

#[test]
fn dropping_a_pool_with_zero_workers_runs_its_queue() {
    let pool = Pool::new(0).unwrap();
    let values: Vec<_> = (0..8).map(|i| pool.spawn(move || ok(i))).collect();
    drop(pool);
    assert_eq!(values.into_iter().map(|v| v.get().unwrap()).sum::<i32>(), 28);
}

#[test]
fn dropping_the_last_pool_handle_inside_its_own_work() {
    let pool = Arc::new(Pool::new(1).unwrap());
    let (gate, gate_value) = Value::<()>::promise();
    let inner = Arc::clone(&pool);
    let v = pool.spawn(move || {
        gate_value.get()?;
        drop(inner); // the last handle: the pool is freed once this work returns
        Ok::<_, asynckit::Error>(11)
    });
    drop(pool);
    gate.set(()).unwrap();
    assert_eq!(v.get().unwrap(), 11);
}

#[test]
fn work_spawns_on_its_own_pool_and_nested_waits_do_not_deadlock() {
    // One worker: the outer work waits for inner work queued behind it.
    let pool = Arc::new(Pool::new(1).unwrap());
    let inner_pool = Arc::clone(&pool);
    let outer = pool.spawn(move || {
        assert!(asynckit::in_work());
        let inner: Vec<_> = (1..=10u32).map(|i| inner_pool.spawn(move || ok(i))).collect();
        inner.into_iter().map(|v| v.get()).sum::<Result<u32, _>>()
    });
    assert_eq!(outer.get().unwrap(), 55);
    assert!(!asynckit::in_work());
}

#[test]
fn global_pool_runs_work_and_cannot_be_stopped() {
    let global = Pool::global().unwrap();
    assert!(std::ptr::eq(global, Pool::global().unwrap()));
    assert!(global.workers() >= 1);
    assert_eq!(global.spawn(|| ok(3)).get().unwrap(), 3);
    let err = global.stop(StopMode::Drain, Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert_eq!(global.spawn(|| ok(4)).get().unwrap(), 4);
}

#[test]
fn pool_is_shareable_across_threads() {
    let pool = Arc::new(Pool::new(2).unwrap());
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                (0..100u64)
                    .map(|i| pool.spawn(move || ok(t * 1000 + i)))
                    .map(|v| v.get().unwrap())
                    .sum::<u64>()
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, (0..4u64).map(|t| t * 100_000 + 4950).sum());
}

#[test]
fn raw_handle_is_the_c_pool() {
    let pool = Pool::new(2).unwrap();
    // SAFETY: the handle is live while `pool` is.
    assert_eq!(unsafe { asynckit::sys::ak_pool_workers(pool.as_raw()) }, 2);
    assert!(format!("{pool:?}").contains("workers: 2"));
}

#[test]
fn versions_and_status_texts_come_from_the_loaded_library() {
    let v = asynckit::version();
    let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{v}");
    assert_eq!(asynckit::version_number(), parts[0] * 10000 + parts[1] * 100 + parts[2]);
    assert_eq!(
        parts[0],
        asynckit::sys::AK_VERSION_MAJOR,
        "loaded library has another major version"
    );
    assert_eq!(asynckit::strerror(0), "success");
    assert_eq!(asynckit::strerror(-3), "timed out");
    assert_eq!(asynckit::strerror(17), "work-defined error");
    assert_eq!(asynckit::strerror(-1000), "unknown error");
}
