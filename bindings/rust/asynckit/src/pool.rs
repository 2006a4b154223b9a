//! The pool, and what runs work on one: spawning, and continuing a value on a given pool
//! ([`Value::then_on`], kept here so that the value module never needs the pool).
use std::ffi::{c_uint, CString};
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;
use std::time::Duration;

use asynckit_sys as sys;

use crate::error::Error;
use crate::value::{timeout_ns, Value};

/// A work-stealing thread pool.
///
/// Dropping a `Pool` drains it: queued work runs to completion, then its threads end
/// (`ak_pool_destroy`). Values it made stay valid. A `Pool` may be dropped from inside its own
/// work (for example when the last `Arc<Pool>` goes there); it is then freed once that work returns.
pub struct Pool {
    raw: NonNull<sys::ak_pool>,
}

// SAFETY (Send): the C pool is not tied to the thread that made it; destroying it from another
// thread (or from its own work) is documented as fine.
unsafe impl Send for Pool {}
// SAFETY (Sync): every ak_pool_* function may be called from any thread at the same time.
unsafe impl Sync for Pool {}

/// How [`Pool::stop`] treats work that has not started yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// Run all queued work to completion, then stop.
    Drain,
    /// Fail queued work with [`ErrorCode::Cancelled`](crate::ErrorCode::Cancelled); running
    /// work sees [`cancelled`](crate::cancelled) return `true`.
    Cancel,
}

/// A snapshot of a pool's counters ([`Pool::stats`]); read without stopping the pool, so they may
/// be a little out of step with each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Tasks accepted (including those still waiting for their inputs).
    pub submitted: u64,
    /// Tasks whose work ran and succeeded.
    pub completed: u64,
    /// Tasks that failed: the work failed, an input failed, or the pool stopped.
    pub failed: u64,
    /// Tasks cancelled before their work ran.
    pub cancelled: u64,
    /// Tasks a worker took from another worker's queue.
    pub steals: u64,
    /// Tasks ready to run and not started yet.
    pub queued: u64,
    /// Worker threads currently alive.
    pub workers: u32,
}

/// Options for a [`Pool`]: `Pool::builder().workers(4).name("io").build()`.
#[derive(Debug, Clone, Default)]
pub struct PoolBuilder {
    workers: Option<usize>,
    name: Option<String>,
}

impl PoolBuilder {
    /// Worker threads (default: one per hardware thread). 0 is allowed: work queues until the pool
    /// is resized. At most 1024.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Thread name prefix (the library uses its first 11 bytes).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Makes the pool. Errors: [`InvalidArgument`](crate::ErrorCode::InvalidArgument) (more than
    /// 1024 workers, a name with a NUL byte), [`OutOfMemory`](crate::ErrorCode::OutOfMemory)
    /// (memory or threads could not be had).
    pub fn build(self) -> Result<Pool, Error> {
        let name = match self.name {
            Some(name) => Some(
                CString::new(name)
                    .map_err(|_| Error::new(sys::AK_EINVAL, "pool name contains a NUL byte"))?,
            ),
            None => None,
        };
        let mut opts = sys::ak_pool_options::INIT;
        if let Some(workers) = self.workers {
            opts.workers = worker_count(workers);
        }
        opts.name = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        let mut raw = ptr::null_mut();
        // SAFETY: `opts` is a valid, sized struct; `name` outlives the call (the library copies it).
        let rc = unsafe { sys::ak_pool_create(&opts, &mut raw) };
        match NonNull::new(raw) {
            Some(raw) if rc == sys::AK_OK => Ok(Pool { raw }),
            _ => Err(Error::from_code(if rc == sys::AK_OK { sys::AK_ENOMEM } else { rc })),
        }
    }
}

/// `workers` as the library's count; counts it cannot hold become one it refuses (it must not
/// become AK_WORKERS_DEFAULT by accident).
fn worker_count(workers: usize) -> c_uint {
    match c_uint::try_from(workers) {
        Ok(n) if n != sys::AK_WORKERS_DEFAULT => n,
        _ => sys::AK_WORKERS_MAX + 1,
    }
}

static GLOBAL: OnceLock<Pool> = OnceLock::new();

impl Pool {
    /// A pool with `workers` threads (0 is allowed; at most 1024). See [`PoolBuilder::build`].
    pub fn new(workers: usize) -> Result<Pool, Error> {
        Pool::builder().workers(workers).build()
    }

    /// Options for a new pool.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// The process-wide pool (`ak_pool_default`), shared with C code and other bindings in the
    /// process. It is never destroyed and cannot be stopped; it may be resized.
    pub fn global() -> Result<&'static Pool, Error> {
        if let Some(pool) = GLOBAL.get() {
            return Ok(pool);
        }
        // SAFETY: no arguments; NULL only when it could not be made.
        let raw = NonNull::new(unsafe { sys::ak_pool_default() })
            .ok_or_else(|| Error::from_code(sys::AK_ENOMEM))?;
        // Dropping a `Pool` around the default pool would be harmless (destroy ignores it), but a
        // static is never dropped anyway.
        Ok(GLOBAL.get_or_init(|| Pool { raw }))
    }

    /// Asks for `workers` threads: growing starts them at once; shrinking lets surplus workers
    /// finish their current task and leave, without dropping queued work. 0 is allowed.
    pub fn resize(&self, workers: usize) -> Result<(), Error> {
        // SAFETY: live pool.
        match unsafe { sys::ak_pool_resize(self.raw.as_ptr(), worker_count(workers)) } {
            sys::AK_OK => Ok(()),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// The worker count last asked for.
    pub fn workers(&self) -> usize {
        // SAFETY: live pool.
        unsafe { sys::ak_pool_workers(self.raw.as_ptr()) as usize }
    }

    /// A snapshot of the pool's counters.
    pub fn stats(&self) -> Stats {
        let mut raw = sys::ak_stats::INIT;
        // SAFETY: live pool; `raw.size` is set.
        let rc = unsafe { sys::ak_pool_stats(self.raw.as_ptr(), &mut raw) };
        debug_assert_eq!(rc, sys::AK_OK);
        Stats {
            submitted: raw.submitted,
            completed: raw.completed,
            failed: raw.failed,
            cancelled: raw.cancelled,
            steals: raw.steals,
            queued: raw.queued,
            workers: raw.workers,
        }
    }

    /// Stops the pool: spawning from outside its work then fails with
    /// [`Shutdown`](crate::ErrorCode::Shutdown). Waits up to `timeout` for queued work to drain
    /// or be cancelled ([`StopMode`]); [`TimedOut`](crate::ErrorCode::TimedOut) means it did not
    /// go quiet in time and `stop` may be called again. The global pool refuses with
    /// [`InvalidArgument`](crate::ErrorCode::InvalidArgument).
    pub fn stop(&self, mode: StopMode, timeout: Duration) -> Result<(), Error> {
        let how = match mode {
            StopMode::Drain => sys::AK_STOP_DRAIN,
            StopMode::Cancel => sys::AK_STOP_CANCEL,
        };
        // SAFETY: live pool.
        match unsafe { sys::ak_pool_stop(self.raw.as_ptr(), how, timeout_ns(timeout)) } {
            sys::AK_OK => Ok(()),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// Runs `f` on the pool. Its `Ok` becomes the value's result; its `Err(e)` fails the value
    /// with `e`'s code and message if `e` is an [`Error`], else with
    /// [`WorkFailed`](crate::ErrorCode::WorkFailed) and `e.to_string()`; a panic fails it with
    /// `WorkFailed` and `"panicked: <panic text>"`. If the work cannot be submitted (the pool is
    /// stopped, out of memory), the returned value is already failed with that error.
    pub fn spawn<T, E, F>(&self, f: F) -> Value<T>
    where
        T: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        self.try_spawn(f).unwrap_or_else(Value::failed)
    }

    /// Like [`spawn`](Pool::spawn), returning a submission failure as `Err` instead.
    pub fn try_spawn<T, E, F>(&self, f: F) -> Result<Value<T>, Error>
    where
        T: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        let p = self.raw.as_ptr();
        Value::submit(
            // SAFETY: live pool; the library hands `arg` back to `fn` untouched.
            |fp, arg, out| unsafe { sys::ak_pool_do(p, fp, arg, out) },
            move || f().map_err(Error::from_work),
        )
    }

    /// Runs `f(results of deps)` on the pool once every value in `deps` is set. If one fails, `f`
    /// never runs and the value fails with the code of the lowest-index failed input and the
    /// message `"input <i> failed: <its message>"`. Submission failures give a failed value, as in
    /// [`spawn`](Pool::spawn).
    pub fn spawn_after<D, T, E, F>(&self, deps: Vec<Value<D>>, f: F) -> Value<T>
    where
        D: Send + 'static,
        T: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce(Vec<D>) -> Result<T, E> + Send + 'static,
    {
        let p = self.raw.as_ptr();
        let raws: Vec<*mut sys::ak_value> = deps.iter().map(Value::as_raw).collect();
        let work = move || {
            let mut inputs = Vec::with_capacity(deps.len());
            for mut dep in deps {
                // Every input is set with a result by the time the work runs.
                inputs.push(dep.get_ns(0)?);
            }
            f(inputs).map_err(Error::from_work)
        };
        Value::submit(
            // SAFETY: live pool; `raws` are held by `deps`, which the job owns.
            |fp, arg, out| unsafe {
                sys::ak_pool_do_after(p, raws.as_ptr(), raws.len(), fp, arg, out)
            },
            work,
        )
        .unwrap_or_else(Value::failed)
    }

    /// The C handle, borrowed: valid while this `Pool` lives. Hand it to C code to share the pool.
    pub fn as_raw(&self) -> *mut sys::ak_pool {
        self.raw.as_ptr()
    }
}

impl<T: Send + 'static> Value<T> {
    /// Like [`then`](Value::then), on `pool`.
    pub fn then_on<U, E, F>(self, pool: &Pool, f: F) -> Value<U>
    where
        U: Send + 'static,
        E: fmt::Display + 'static,
        F: FnOnce(T) -> Result<U, E> + Send + 'static,
    {
        let prev = self.as_raw();
        let p = pool.as_raw();
        // SAFETY: `prev` is kept alive by the closure; `pool` is borrowed for the call.
        self.chain(f, |fp, arg, out| unsafe { sys::ak_chain_on(p, prev, fp, arg, out) })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: we own the pool; the default pool is ignored by ak_pool_destroy.
        unsafe { sys::ak_pool_destroy(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool").field("raw", &self.raw).field("workers", &self.workers()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_counts_never_turn_into_the_default() {
        assert_eq!(worker_count(0), 0);
        assert_eq!(worker_count(1024), 1024);
        assert_eq!(worker_count(1025), 1025);
        assert_eq!(worker_count(u32::MAX as usize), sys::AK_WORKERS_MAX + 1);
        assert_eq!(worker_count(usize::MAX), sys::AK_WORKERS_MAX + 1);
    }
}
