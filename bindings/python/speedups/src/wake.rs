//! Wakes asyncio event loops from the runtime's threads without taking the GIL.
//!
//! An async call's Rust future tells the foreign side to poll it again through a continuation
//! callback, called on whichever runtime worker finished the work. The generated Python passes a
//! ctypes callback: each wake makes the worker take the GIL (with a new Python thread state) to run
//! `loop.call_soon_threadsafe`, whose write to the loop's self-pipe releases the GIL again in the
//! middle of the callback. If the loop finishes the program meanwhile, the worker asks for the GIL
//! back while the interpreter is finalizing; CPython then ends the thread with `pthread_exit`,
//! whose forced unwind meets the runtime's `catch_unwind` and aborts the process ("FATAL:
//! exception not rethrown": 5 runs in 30 of a script posting comments with `await`, then exiting).
//!
//! Here the callback is [`continuation`], native code that never touches Python: it queues
//! `(key, poll code)` on the [`Channel`] the key names and, when the queue was empty, writes one
//! byte to the channel's socket. The generated Python gives each event loop a channel, watches its
//! socket with `loop.add_reader` and resolves the waiting futures on the loop's own thread.
//!
//! The socket holds exactly one byte while the queue is not empty and none otherwise (both are
//! changed under the queue's lock), so no wake-up is lost or left over.
//!
//! Each channel also carries its loop's [`Reactor`]: the async calls polled through
//! [`Channel::enter`] (the native `Caller::poll`) do their requests' I/O on the loop's thread,
//! with sockets the reactor watches (`qiscus::loop_io`). The loop watches the reactor's
//! descriptor, in which the channel's socket is registered too, so one `add_reader` serves both:
//! `Channel::drain` (and `Channel::resolve`, the loop's reader) first wakes the calls whose
//! sockets are ready (their wakes, given on this thread, are queued without the byte), then takes
//! the queue.
//!
//! A future that is ready when polled calls its continuation inside the poll, on the loop's own
//! thread (every async call's last poll does). [`Channel::key`] marks its key as the one polled on
//! this thread next; a wake for that key given on this thread before [`Channel::take`] is kept in
//! a thread-local slot instead of the queue, so the ready poll writes and reads no byte.

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};

use once_cell::sync::Lazy;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use qiscus::loop_io::Reactor;

/// A key's high bits are its channel's slot, its low bits a count of all keys ever made, so that
/// a late wake for a channel that is gone (its slot reused) never matches a live key.
const SLOT_SHIFT: u32 = 40;

/// The count of keys made.
static NEXT_KEY: AtomicU64 = AtomicU64::new(0);

/// The count of channels made: a channel's serial, unlike its slot, is never reused.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The channels, by slot; a slot is reused once its channel is gone.
static CHANNELS: Lazy<RwLock<Vec<Weak<Inner>>>> = Lazy::new(|| RwLock::new(Vec::new()));

/// The woken keys and their poll codes, in order, and whether the socket holds its byte.
#[derive(Default)]
struct Queue {
    wakes: Vec<(u64, i8)>,
    byte: bool,
}

struct Inner {
    queue: Mutex<Queue>,
    /// The worker's end of the socket pair: one byte while the queue is not empty.
    writer: UnixStream,
    /// The loop's end, watched by the reactor.
    reader: UnixStream,
}

impl Inner {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // A panic cannot happen while the lock is held; should one, the queue is still whole.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Queue {
    /// Reads the byte that stands for a non-empty queue, if it was written.
    fn consume_byte(&mut self, inner: &Inner) {
        if std::mem::take(&mut self.byte) {
            let mut byte = [0u8; 1];
            let _ = (&inner.reader).read(&mut byte);
        }
    }
}

thread_local! {
    /// The key this thread is about to poll ([`Channel::key`]), its channel's serial, and the
    /// poll code its continuation gave inside that poll, on this thread.
    static INLINE: Cell<Option<(u64, u64, Option<i8>)>> = const { Cell::new(None) };

    /// The channel whose reactor this thread is dispatching ([`Channel::drain`]), by address:
    /// its wakes are queued without the byte, since the drain takes them next.
    static DRAINING: Cell<usize> = const { Cell::new(0) };
}

/// The continuation callback of every async call whose loop has a channel: keeps the wake for
/// [`Channel::take`] when it comes inside the poll of the key on this thread, else queues it on
/// the channel that `key` names. Never takes the GIL and never unwinds.
pub extern "C" fn continuation(key: u64, poll_code: i8) {
    if INLINE.with(|inline| match inline.get() {
        Some((armed, serial, None)) if armed == key => {
            inline.set(Some((key, serial, Some(poll_code))));
            true
        }
        _ => false,
    }) {
        return;
    }
    let slot = (key >> SLOT_SHIFT) as usize;
    let inner = CHANNELS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(slot)
        .and_then(Weak::upgrade);
    // A channel that is gone belonged to a loop that is gone: nobody waits for the key.
    if let Some(inner) = inner {
        let draining = DRAINING.with(Cell::get) == Arc::as_ptr(&inner) as usize;
        let mut queue = inner.queue();
        queue.wakes.push((key, poll_code));
        if !queue.byte && !draining {
            let _ = (&inner.writer).write(&[1]);
            queue.byte = true;
        }
    }
}

/// One event loop's queue of woken futures (see the module docs).
#[pyclass(frozen, module = "qiscus._native._speedups")]
pub struct Channel {
    inner: Arc<Inner>,
    slot: u64,
    serial: u64,
    /// The sockets of the calls that the loop polls ([`qiscus::loop_io`]), and the channel's own.
    reactor: Arc<Reactor>,
}

#[pymethods]
impl Channel {
    #[new]
    fn new() -> PyResult<Self> {
        let (writer, reader) = UnixStream::pair()?;
        writer.set_nonblocking(true)?;
        reader.set_nonblocking(true)?;
        let reactor = Reactor::new()?;
        reactor.watch(reader.as_raw_fd())?;
        let inner = Arc::new(Inner {
            queue: Mutex::new(Queue::default()),
            writer,
            reader,
        });
        let mut channels = CHANNELS.write().unwrap_or_else(PoisonError::into_inner);
        let slot = match channels.iter().position(|c| c.strong_count() == 0) {
            Some(free) => {
                channels[free] = Arc::downgrade(&inner);
                free
            }
            None => {
                channels.push(Arc::downgrade(&inner));
                channels.len() - 1
            }
        };
        Ok(Channel {
            inner,
            slot: slot as u64,
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
            reactor,
        })
    }

    /// The descriptor to watch for reading: the reactor's, readable when a call's socket is
    /// ready or a wake is queued.
    fn fileno(&self) -> i32 {
        self.reactor.fd()
    }

    /// A new key of this channel, for one poll of one future, which this thread makes next: until
    /// [`Channel::take`] of the key, a wake for it on this thread is kept out of the socket.
    pub fn key(&self) -> u64 {
        let n = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        let key = (self.slot << SLOT_SHIFT) | (n & ((1 << SLOT_SHIFT) - 1));
        INLINE.with(|inline| inline.set(Some((key, self.serial, None))));
        key
    }

    /// Takes the poll code of `key`'s wake, if it has come: given inside the poll on this thread
    /// (the future was ready when polled), or queued from another thread.
    pub fn take(&self, key: u64) -> Option<i8> {
        if let Some(code) = INLINE.with(|inline| match inline.get() {
            Some((armed, serial, code)) if armed == key && serial == self.serial => {
                inline.set(None);
                code
            }
            _ => None,
        }) {
            return Some(code);
        }
        let mut queue = self.inner.queue();
        let at = queue.wakes.iter().position(|&(k, _)| k == key)?;
        let (_, code) = queue.wakes.remove(at);
        if queue.wakes.is_empty() {
            queue.consume_byte(&self.inner);
        }
        Some(code)
    }

    /// How many idle keep-alive connections the loop's calls have left in its pool.
    fn idle_connections(&self) -> usize {
        self.reactor.idle_connections()
    }

    /// Every queued wake, in order (the loop's reader callback), once the reactor has woken the
    /// calls whose sockets are ready.
    fn drain(&self) -> PyResult<Vec<(u64, i8)>> {
        DRAINING.with(|d| d.set(Arc::as_ptr(&self.inner) as usize));
        let dispatched = self.reactor.dispatch();
        DRAINING.with(|d| d.set(0));
        dispatched?;
        let mut queue = self.inner.queue();
        queue.consume_byte(&self.inner);
        Ok(std::mem::take(&mut queue.wakes))
    }

    /// The loop's reader callback: [`Channel::drain`], then each wake's poll code given to the
    /// future that `futures` holds for its key (taken out), unless it was cancelled.
    fn resolve(&self, futures: &Bound<'_, PyDict>) -> PyResult<()> {
        let py = futures.py();
        for (key, code) in self.drain()? {
            let Some(future) = futures.get_item(key)? else {
                continue;
            };
            futures.del_item(key)?;
            if !future.call_method0(intern!(py, "cancelled"))?.is_truthy()? {
                future.call_method1(intern!(py, "set_result"), (code,))?;
            }
        }
        Ok(())
    }
}

impl Channel {
    /// Makes the channel's reactor the one of the calls polled on this thread until the guard is
    /// dropped (the async calls then do their I/O on this thread, [`qiscus::loop_io`]).
    pub fn enter(&self) -> qiscus::loop_io::EnterGuard {
        self.reactor.enter()
    }
}

/// The address of [`continuation`], for ctypes.
#[pyfunction]
pub fn continuation_address() -> usize {
    continuation as extern "C" fn(u64, i8) as usize
}
