//! How a blocking call waits: its future is polled on the caller's thread, inside the shared
//! runtime (whose workers drive the sockets and timers), and between polls the thread waits for
//! the future's waker.
//!
//! tokio's own `Runtime::block_on` parks the thread at once, so each of the three or four
//! wake-ups of a request (response head, body, end) costs a futex wake by the worker and the
//! parked thread's return from the scheduler. When one blocking call is alone in the process —
//! the usual script — the caller spins up to 100 µs before parking, and a waker that finds it
//! spinning costs an atomic store: `qiscus-bench diag` measured post_comment 0.076 → 0.066 ms
//! and load_comments(100) 0.231 → 0.215 ms (the core awaited inside the runtime: 0.055 and
//! 0.205 ms). With other blocking calls in flight, or on one core, the spinning would take CPU
//! from the threads doing work, so the caller parks at once, as before.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use tokio::runtime::Handle;

/// How long a lone blocking call spins for a wake-up before parking its thread.
const SPIN: Duration = Duration::from_micros(100);

/// Blocking calls in progress in the process.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The machine's cores (also the runtime's default worker count).
pub(crate) static CORES: Lazy<usize> =
    Lazy::new(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

/// Whether a call waiting with `in_flight` blocking calls in progress (itself included) on
/// `cores` cores spins before parking.
fn spins(in_flight: usize, cores: usize) -> bool {
    in_flight <= 1 && cores > 1
}

/// The waker of a blocking call: a flag, and the thread to unpark.
struct Signal {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // Costs an atomic swap unless the thread is parked.
        self.thread.unpark();
    }
}

impl Signal {
    /// Returns once the waker has been called since the last return.
    fn wait(&self, spin: bool) {
        if spin {
            let until = Instant::now() + SPIN;
            while Instant::now() < until {
                if self.woken.swap(false, Ordering::Acquire) {
                    return;
                }
                std::hint::spin_loop();
            }
        }
        while !self.woken.swap(false, Ordering::Acquire) {
            std::thread::park();
        }
    }
}

/// Counts a blocking call in [`IN_FLIGHT`] while it lives (a panic included).
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `fut` to completion on the calling thread, inside `rt`: how every `*_blocking` export
/// waits (public for `qiscus-bench diag`, which times it against tokio's `block_on`).
///
/// Called where a runtime is already current — a foreign callback made on a runtime worker
/// calling a blocking export, or one made during a blocking call — it leaves the call to tokio's
/// own `block_on`, which refuses the first (it would block a worker) and runs the second.
pub fn block_on<F: Future>(rt: &Handle, fut: F) -> F::Output {
    if Handle::try_current().is_ok() {
        return rt.block_on(fut);
    }
    let _runtime = rt.enter();
    let _counted = InFlight::enter();
    let signal = Arc::new(Signal {
        woken: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        signal.wait(spins(IN_FLIGHT.load(Ordering::Relaxed), *CORES));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::runtime::Runtime;

    /// The tests read the process-wide count of calls in flight: one at a time.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn runtime() -> Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn spins_only_when_alone_and_on_more_than_one_core() {
        assert!(spins(1, 2));
        assert!(!spins(2, 2));
        assert!(!spins(64, 8));
        assert!(!spins(1, 1));
    }

    #[test]
    fn waits_for_wakes_before_and_after_the_spin() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = runtime();
        // Timers are driven by the runtime's workers: a short sleep ends while the caller spins,
        // a long one after it has parked; both in one future, twice.
        for _ in 0..2 {
            let t = Instant::now();
            let out = block_on(rt.handle(), async {
                tokio::time::sleep(Duration::from_micros(20)).await;
                tokio::time::sleep(Duration::from_millis(30)).await;
                tokio::task::spawn(async { 7 }).await.unwrap()
            });
            assert_eq!(out, 7);
            assert!(t.elapsed() >= Duration::from_millis(30));
        }
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn concurrent_callers_all_finish_and_a_panic_is_not_counted_afterwards() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = Arc::new(runtime());
        let threads: Vec<_> = (0..8u64)
            .map(|i| {
                let rt = rt.clone();
                std::thread::spawn(move || {
                    (0..50u64)
                        .map(|j| {
                            block_on(rt.handle(), async move {
                                tokio::time::sleep(Duration::from_micros(50 * (j % 3))).await;
                                i * 1000 + j
                            })
                        })
                        .sum::<u64>()
                })
            })
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let i = i as u64;
            assert_eq!(
                t.join().unwrap(),
                (0..50).map(|j| i * 1000 + j).sum::<u64>()
            );
        }
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            block_on(rt.handle(), async {
                tokio::task::yield_now().await;
                panic!("inside a blocking call")
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn refuses_to_block_a_worker_and_nests_on_a_callers_thread() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = runtime();
        let handle = rt.handle().clone();
        let on_worker = rt.block_on(async move {
            tokio::spawn(async move {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    block_on(&handle, async { 1 })
                }))
                .is_err()
            })
            .await
            .unwrap()
        });
        assert!(
            on_worker,
            "a blocking call on a runtime worker must be refused"
        );
        let handle = rt.handle().clone();
        let nested = block_on(rt.handle(), async move {
            tokio::task::yield_now().await;
            block_on(&handle, async { 2 }) + 1
        });
        assert_eq!(nested, 3);
    }
}
