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
//!
//! Each call also arms its timeout on the caller's thread. tokio's timer wakes the worker that
//! drives it (an eventfd write, and that worker's trip through the scheduler for nothing) whenever
//! a new timer expires before the driver's next planned wake-up — always when no other timer is
//! pending, which is the case between the calls of one thread. [`Blocking`] keeps one timer of its
//! own (the *anchor*) about a second ahead while blocking calls are being made, so the driver
//! always has a wake-up planned before any call's deadline and arming a timeout (the default 30 s,
//! or any over a second) no longer wakes it. The anchor is moved forward without waking anything
//! (tokio extends a pending timer in place), at most twice a second; once calls stop it expires,
//! which wakes the driver once.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use tokio::runtime::Handle;
use tokio::time::Sleep;

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

/// How far ahead [`Anchor`] keeps its timer.
const ANCHOR_AHEAD: Duration = Duration::from_secs(1);

/// The anchor is moved when less than this is left of it.
const ANCHOR_RENEW: Duration = Duration::from_millis(500);

/// A timer kept [`ANCHOR_AHEAD`] of now while blocking calls are made (see the module docs).
struct Anchor {
    epoch: Instant,
    /// When the anchor expires, in milliseconds since `epoch` (0 before the first call).
    until_ms: AtomicU64,
    sleep: Mutex<Option<Pin<Box<Sleep>>>>,
}

impl Anchor {
    fn new() -> Anchor {
        Anchor {
            epoch: Instant::now(),
            until_ms: AtomicU64::new(0),
            sleep: Mutex::new(None),
        }
    }

    /// Moves the anchor [`ANCHOR_AHEAD`] of now unless more than [`ANCHOR_RENEW`] of it is left.
    /// Must be called inside the runtime (`Handle::enter`). One thread moves it at a time; the
    /// others go on without waiting (the anchor is at worst half a second short of its mark).
    fn keep(&self) {
        let now_ms = self.epoch.elapsed().as_millis() as u64;
        if self.until_ms.load(Ordering::Acquire) > now_ms + ANCHOR_RENEW.as_millis() as u64 {
            return;
        }
        let Ok(mut sleep) = self.sleep.try_lock() else {
            return;
        };
        let deadline = tokio::time::Instant::now() + ANCHOR_AHEAD;
        // `reset` registers the timer with the runtime's driver (a `Sleep` is otherwise registered
        // on its first poll), or extends it in place while it is pending. Nothing polls it: when
        // it expires there is no waker to call, only the driver's planned wake-up.
        sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)))
            .as_mut()
            .reset(deadline);
        self.until_ms
            .store(now_ms + ANCHOR_AHEAD.as_millis() as u64, Ordering::Release);
    }
}

/// The blocking calls of one runtime: [`block_on`] with the runtime's timer anchored (see the
/// module docs). The FFI keeps one for its shared runtime.
pub struct Blocking {
    handle: Handle,
    anchor: Anchor,
}

impl Blocking {
    /// Blocking calls on the runtime of `handle`.
    pub fn new(handle: Handle) -> Blocking {
        Blocking {
            handle,
            anchor: Anchor::new(),
        }
    }

    /// Moves the anchor, for a call about to arm its timers from outside the runtime's workers
    /// (an event loop's call). Must be called inside the runtime (`Handle::enter`).
    pub fn keep_anchor(&self) {
        self.anchor.keep();
    }

    /// Runs `fut` to completion on the calling thread, inside the runtime, as [`block_on`] does;
    /// the anchor is moved first.
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        if Handle::try_current().is_err() {
            let _runtime = self.handle.enter();
            self.anchor.keep();
        }
        block_on(&self.handle, fut)
    }
}

/// Runs `fut` to completion on the calling thread, inside `rt`: how every `*_blocking` export
/// waits, through [`Blocking`] (public for `qiscus-bench diag`, which times it against tokio's
/// `block_on`).
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

    /// The one worker's count of parks and unparks (odd while it is parked).
    fn park_unparks(rt: &Runtime) -> u64 {
        rt.metrics().worker_park_unpark_count(0)
    }

    /// Waits up to `limit` for `done`.
    fn within(limit: Duration, done: impl Fn() -> bool) -> bool {
        let until = Instant::now() + limit;
        while !done() {
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        true
    }

    /// Of `calls` blocking calls made while the runtime's one worker is parked, each arming a 30 s
    /// timer on the caller's thread (as every call's timeout does) and dropping it, how many
    /// woke the worker within 20 ms.
    fn calls_that_wake_the_worker(rt: &Runtime, calls: u32, call: &dyn Fn(&dyn Fn())) -> u32 {
        let arm = || {
            let mut timer = Box::pin(tokio::time::sleep(Duration::from_secs(30)));
            let waker = Waker::from(Arc::new(Signal {
                woken: AtomicBool::new(false),
                thread: std::thread::current(),
            }));
            assert!(timer
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        };
        call(&arm);
        let mut woke = 0;
        for _ in 0..calls {
            // The worker runs a task and parks again: it then plans its next wake-up from the
            // timers pending (tokio does not re-plan when a timer is dropped).
            let before = park_unparks(rt);
            rt.spawn(async {});
            assert!(
                within(Duration::from_secs(5), || {
                    let now = park_unparks(rt);
                    now != before && now % 2 == 1
                }),
                "the worker never parked"
            );
            let parked = park_unparks(rt);
            call(&arm);
            if within(Duration::from_millis(20), || park_unparks(rt) != parked) {
                woke += 1;
            }
        }
        woke
    }

    #[test]
    fn arming_a_calls_timeout_does_not_wake_the_runtime() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let one_worker = || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap()
        };
        // Without the anchor, every timer armed while the worker is parked with none pending wakes
        // it (the check that this test sees wake-ups)...
        let rt = one_worker();
        let plain =
            calls_that_wake_the_worker(&rt, 20, &|arm| block_on(rt.handle(), async { arm() }));
        assert!(
            plain >= 16,
            "without the anchor, {plain} of 20 calls woke the worker"
        );
        // ...with it, none does; only the anchor's own planned wake-ups (about two a second) can
        // fall in a call's 20 ms.
        let rt = one_worker();
        let blocking = Blocking::new(rt.handle().clone());
        let anchored =
            calls_that_wake_the_worker(&rt, 20, &|arm| blocking.block_on(async { arm() }));
        assert!(
            anchored <= 3,
            "with the anchor, {anchored} of 20 calls woke the worker"
        );
    }

    #[test]
    fn the_anchor_lets_timers_fire_and_outlives_quiet_spells() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = runtime();
        let blocking = Blocking::new(rt.handle().clone());
        for pause in [Duration::ZERO, ANCHOR_AHEAD + Duration::from_millis(200)] {
            // After the anchor has expired too: the next call arms it again.
            std::thread::sleep(pause);
            let t = Instant::now();
            let out = blocking.block_on(async {
                tokio::time::timeout(Duration::from_millis(30), std::future::pending::<()>()).await
            });
            assert!(out.is_err(), "the timeout fired");
            assert!(t.elapsed() >= Duration::from_millis(30));
            assert_eq!(blocking.block_on(async { 5 }), 5);
        }
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
