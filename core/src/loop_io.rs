//! Async I/O on the thread of an event loop that is not tokio's: the calls' sockets are watched
//! by a [`Reactor`] whose one file descriptor the caller's loop watches (Python's asyncio, with
//! `loop.add_reader`).
//!
//! The client's own async I/O runs on a tokio runtime: each request is handed to the runtime's
//! workers, which drive the sockets and hand the answer back. A caller polling from another
//! event loop therefore pays two wake-ups across threads per call (its loop to a worker, the
//! worker back to its loop), which on loopback cost more than the rest of the call
//! (bench/RESULTS.md, "What is still missed"). Here the thread that polls the call writes the
//! request and reads the answer itself, on non-blocking sockets registered with the reactor; when
//! a socket would block, the call waits, and the loop is woken by the kernel once, when the
//! reactor's descriptor becomes readable, and runs [`Reactor::dispatch`], which wakes the calls
//! whose sockets are ready.
//!
//! Only the exchange differs, as for the blocking I/O (`blocking_io`): the client builds the same
//! request and classifies the answer, the retries and the errors in one place
//! ([`crate::Client::with_loop_io`]). HTTP/1.1 is hyper's, over rustls for `https`; the
//! connections are kept alive in a pool per reactor, so per event loop. Timeouts, retries' waits,
//! name resolution, downloads and file uploads still use the tokio runtime, which must be entered
//! (`Handle::enter`) while the calls are polled.

use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::poll_fn;
use http_body_util::Full;
use hyper::body::Body as _;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use mio::net::TcpStream;
use mio::{Events, Interest, Token};
use once_cell::sync::Lazy;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, HOST, LOCATION, RETRY_AFTER, USER_AGENT};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use url::Url;

use crate::blocking_io::Failed;
use crate::client::{parse_retry_after, Answer};

/// How long an idle connection is kept, as the runtime's pool keeps them.
const IDLE_FOR: Duration = Duration::from_secs(60);

/// How many idle connections are kept per origin.
const MAX_IDLE: usize = 1024;

/// How long a resolved address list is reused for new connections (as the blocking I/O does).
const RESOLVED_FOR: Duration = Duration::from_secs(60);

/// The most a read takes from a socket at once.
const READ_BUFFER: usize = 64 * 1024;

/// The token of descriptors watched with [`Reactor::watch`]: they have no waker of their own.
const WATCHED: Token = Token(usize::MAX);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held; should it, the data is still whole.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The reactor entered on this thread ([`Reactor::enter`]).
    static CURRENT: std::cell::RefCell<Option<Arc<Reactor>>> = const { std::cell::RefCell::new(None) };
}

/// The sockets of the calls that one event loop polls, behind one file descriptor.
///
/// The loop watches [`Reactor::fd`] for reading and calls [`Reactor::dispatch`] when it is
/// readable; calls made through a client from [`crate::Client::with_loop_io`] must be polled on
/// that loop's thread, inside a tokio runtime (for their timers). Each reactor keeps its own pool
/// of keep-alive connections, closed when it is dropped.
pub struct Reactor {
    /// The epoll instance and its event buffer.
    poll: Mutex<(mio::Poll, Events)>,
    shared: Arc<Shared>,
    /// Idle connections, by origin, the most recently used last.
    idle: Mutex<HashMap<Origin, Vec<(Instant, Conn)>>>,
    /// Resolved host names.
    resolved: Mutex<HashMap<(String, u16), Resolved>>,
    /// Calls counted by [`Reactor::track`] that have not ended.
    in_flight: Arc<AtomicUsize>,
    /// The TLS settings of its `https` connections ([`TLS`]).
    tls: tokio_rustls::TlsConnector,
    fd: RawFd,
}

/// A host's addresses, and when they were looked up.
type Resolved = (Instant, Vec<SocketAddr>);

/// What the sockets need of their reactor (they do not keep the reactor, whose pool keeps them).
struct Shared {
    registry: mio::Registry,
    /// The readiness of each registered socket, by token.
    sources: Mutex<HashMap<usize, Weak<Readiness>>>,
    next_token: AtomicUsize,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor").field("fd", &self.fd).finish()
    }
}

/// Read or write.
#[derive(Clone, Copy)]
enum Dir {
    Read = 0,
    Write = 1,
}

/// One direction of a socket: whether it may be ready (an operation is worth a system call), and
/// the waker of the call waiting for it to become so.
struct Side {
    ready: bool,
    /// Counts the events, so that an operation that found the socket drained does not clear an
    /// event that came meanwhile.
    tick: u64,
    waker: Option<Waker>,
}

struct Readiness {
    sides: Mutex<[Side; 2]>,
}

impl Readiness {
    /// A new socket: both sides worth trying.
    fn new() -> Readiness {
        let side = || Side {
            ready: true,
            tick: 0,
            waker: None,
        };
        Readiness {
            sides: Mutex::new([side(), side()]),
        }
    }

    /// Marks `dir` ready (an event came) and wakes its waiter.
    fn set(&self, dir: Dir) {
        let waker = {
            let mut sides = lock(&self.sides);
            let side = &mut sides[dir as usize];
            side.ready = true;
            side.tick += 1;
            side.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The event count if `dir` may be ready; else the waker is kept for the next event.
    fn poll_ready(&self, dir: Dir, cx: &Context<'_>) -> Poll<u64> {
        let mut sides = lock(&self.sides);
        let side = &mut sides[dir as usize];
        if side.ready {
            return Poll::Ready(side.tick);
        }
        match &mut side.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// An operation tried when the count was `tick` found `dir` drained: not ready until the next
    /// event, unless one came since.
    fn clear(&self, dir: Dir, tick: u64) {
        let mut sides = lock(&self.sides);
        let side = &mut sides[dir as usize];
        if side.tick == tick {
            side.ready = false;
        }
    }
}

impl Reactor {
    /// A new reactor, with its own epoll instance.
    pub fn new() -> io::Result<Arc<Reactor>> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let fd = poll.as_raw_fd();
        Ok(Arc::new(Reactor {
            poll: Mutex::new((poll, Events::with_capacity(256))),
            shared: Arc::new(Shared {
                registry,
                sources: Mutex::new(HashMap::new()),
                next_token: AtomicUsize::new(0),
            }),
            idle: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            in_flight: Arc::new(AtomicUsize::new(0)),
            tls: TLS.clone(),
            fd,
        }))
    }

    /// The descriptor to watch for reading: readable when [`Reactor::dispatch`] has work.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Also makes [`Reactor::fd`] readable whenever `fd` becomes readable (edge-triggered: once
    /// per change), so that a loop watches one descriptor for both. `fd` must stay open while the
    /// reactor lives, or be closed (which removes it).
    pub fn watch(&self, fd: RawFd) -> io::Result<()> {
        self.shared
            .registry
            .register(&mut mio::unix::SourceFd(&fd), WATCHED, Interest::READABLE)
    }

    /// Wakes the calls whose sockets became ready, without waiting; returns how many events it
    /// read (those of [`Reactor::watch`]ed descriptors included).
    pub fn dispatch(&self) -> io::Result<usize> {
        let mut ready = Vec::new();
        let count = {
            let mut guard = lock(&self.poll);
            let (poll, events) = &mut *guard;
            match poll.poll(events, Some(Duration::ZERO)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
                Err(e) => return Err(e),
            }
            let sources = lock(&self.shared.sources);
            let mut count = 0;
            for event in events.iter() {
                count += 1;
                if event.token() == WATCHED {
                    continue;
                }
                if let Some(readiness) = sources.get(&event.token().0).and_then(Weak::upgrade) {
                    let failed = event.is_error();
                    let read = event.is_readable() || event.is_read_closed() || failed;
                    let write = event.is_writable() || event.is_write_closed() || failed;
                    ready.push((readiness, read, write));
                }
            }
            count
        };
        // Woken outside the locks: a waker may poll its call at once.
        for (readiness, read, write) in ready {
            if read {
                readiness.set(Dir::Read);
            }
            if write {
                readiness.set(Dir::Write);
            }
        }
        Ok(count)
    }

    /// Makes this the reactor of the calls polled on this thread until the guard is dropped
    /// ([`Reactor::current`]); the reactor entered before is restored then.
    pub fn enter(self: &Arc<Self>) -> EnterGuard {
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        EnterGuard {
            previous,
            _not_send: std::marker::PhantomData,
        }
    }

    /// The reactor entered on this thread, if any.
    pub fn current() -> Option<Arc<Reactor>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// How many idle connections the pool holds (for tests and diagnostics).
    pub fn idle_connections(&self) -> usize {
        lock(&self.idle).values().map(Vec::len).sum()
    }

    /// Counts a call as in flight on this reactor until the returned guard is dropped
    /// ([`Reactor::in_flight`]).
    pub fn track(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    /// How many calls counted by [`Reactor::track`] have not ended. A caller can send a call
    /// through the reactor only when it would be alone, and hand others to a runtime whose
    /// threads decode answers beside the loop's (the FFI's async calls do so).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Sends `req` and reads the answer on the polling thread.
    pub(crate) async fn exchange(&self, req: &Request<'_>) -> Result<Answer, Failed> {
        let origin = Origin::of(req.url).map_err(Failed::NotSent)?;
        let sent = AtomicBool::new(false);
        let work = async {
            let mut conn = match self.take_idle(&origin) {
                Some(conn) => conn,
                // Boxed: opening (TLS included) is rare, and would otherwise grow every call.
                None => {
                    match tokio::time::timeout(req.connect_timeout, Box::pin(self.open(&origin)))
                        .await
                    {
                        Ok(conn) => conn?,
                        Err(_) => return Err(Failed::TimedOut { sent: false }),
                    }
                }
            };
            sent.store(true, Ordering::Relaxed);
            let request = origin.request(req)?;
            let fut = conn.sender.send_request(request);
            futures::pin_mut!(fut);
            let response = conn.drive(|cx| fut.as_mut().poll(cx)).await?;
            let response = response.map_err(classify)?;
            let status = response.status().as_u16();
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_owned)
            };
            let retry_after = header(RETRY_AFTER).as_deref().and_then(parse_retry_after);
            let location = header(LOCATION);
            let mut body = response.into_body();
            let length = body.size_hint().exact();
            if length.is_some_and(|n| n > req.max_body) {
                return Err(Failed::TooLarge);
            }
            let mut out = Vec::with_capacity(length.unwrap_or(0) as usize);
            loop {
                let frame = conn.drive(|cx| Pin::new(&mut body).poll_frame(cx)).await?;
                match frame {
                    None => break,
                    Some(Err(e)) => return Err(classify(e)),
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            if (out.len() + data.len()) as u64 > req.max_body {
                                return Err(Failed::TooLarge);
                            }
                            out.extend_from_slice(&data);
                        }
                    }
                }
            }
            self.put_idle(origin, conn);
            Ok(Answer {
                status,
                retry_after,
                location,
                body: out,
            })
        };
        match tokio::time::timeout(req.timeout, work).await {
            Ok(answer) => answer,
            Err(_) => Err(Failed::TimedOut {
                sent: sent.load(Ordering::Relaxed),
            }),
        }
    }

    /// An idle connection to `origin` that is still open, if the pool has one.
    fn take_idle(&self, origin: &Origin) -> Option<Conn> {
        loop {
            let (since, mut conn) = lock(&self.idle).get_mut(origin)?.pop()?;
            if since.elapsed() < IDLE_FOR && conn.still_open() {
                return Some(conn);
            }
        }
    }

    /// Returns `conn` to the pool, unless it is closing.
    fn put_idle(&self, origin: Origin, mut conn: Conn) {
        if !conn.still_open() {
            return;
        }
        let mut idle = lock(&self.idle);
        let list = idle.entry(origin).or_default();
        list.retain(|(since, _)| since.elapsed() < IDLE_FOR);
        if list.len() < MAX_IDLE {
            list.push((Instant::now(), conn));
        }
    }

    /// A new connection to `origin`: resolved, connected, and through TLS for `https`.
    async fn open(&self, origin: &Origin) -> Result<Conn, Failed> {
        let addrs = self.resolve(origin).await?;
        let mut last = None;
        for addr in addrs {
            match Stream::connect(&self.shared, addr).await {
                Ok(stream) => return Conn::handshake(origin, stream, &self.tls).await,
                Err(e) => last = Some(e),
            }
        }
        Err(Failed::NotSent(match last {
            Some(e) => format!("cannot connect to {}: {e}", origin.host),
            None => format!("{} has no address", origin.host),
        }))
    }

    /// The addresses of `origin`'s host: an IP address as is, a name through the system's
    /// resolver (on the runtime's blocking threads), kept for [`RESOLVED_FOR`].
    async fn resolve(&self, origin: &Origin) -> Result<Vec<SocketAddr>, Failed> {
        let host = origin.host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, origin.port)]);
        }
        let key = (host.to_owned(), origin.port);
        if let Some((at, addrs)) = lock(&self.resolved).get(&key) {
            if at.elapsed() < RESOLVED_FOR {
                return Ok(addrs.clone());
            }
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, origin.port))
            .await
            .map_err(|e| Failed::NotSent(format!("cannot resolve {host}: {e}")))?
            .collect();
        lock(&self.resolved).insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// A call counted by [`Reactor::track`]; dropping it ends the count.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Restores the reactor entered before [`Reactor::enter`] when dropped.
#[must_use = "the reactor is entered only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Arc<Reactor>>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// One request, as the client built it.
pub(crate) struct Request<'a> {
    pub method: reqwest::Method,
    pub url: &'a Url,
    pub content_type: Option<&'static str>,
    pub body: Bytes,
    /// The `QISCUS_SDK_APP_ID` and `QISCUS_SDK_SECRET` headers (the secret marked sensitive).
    pub credentials: &'a (HeaderValue, HeaderValue),
    pub user_agent: &'static str,
    /// The whole exchange, from connecting to the body's last byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The largest body accepted.
    pub max_body: u64,
}

/// Where a connection goes: scheme, host and port.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Origin {
    tls: bool,
    host: String,
    port: u16,
    /// The `Host` header.
    authority: HeaderValue,
}

impl Origin {
    fn of(url: &Url) -> Result<Origin, String> {
        let tls = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(format!("unsupported scheme {other}")),
        };
        let host = url.host_str().ok_or("the URL has no host")?.to_owned();
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let authority = HeaderValue::from_str(&authority).map_err(|e| e.to_string())?;
        Ok(Origin {
            tls,
            host,
            port,
            authority,
        })
    }

    /// The HTTP request for `req`, in origin form, with the headers the runtime's client sends.
    fn request(&self, req: &Request<'_>) -> Result<hyper::Request<Full<Bytes>>, Failed> {
        let url = req.url;
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let mut builder = hyper::Request::builder()
            .method(req.method.clone())
            .uri(target)
            .header(HOST, self.authority.clone())
            .header(ACCEPT, HeaderValue::from_static("*/*"))
            .header(USER_AGENT, HeaderValue::from_static(req.user_agent))
            .header("QISCUS_SDK_APP_ID", req.credentials.0.clone())
            .header("QISCUS_SDK_SECRET", req.credentials.1.clone());
        if let Some(ct) = req.content_type {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| Failed::NotSent(e.to_string()))
    }
}

/// Sorts a hyper error by whether the request may have reached the server.
fn classify(e: hyper::Error) -> Failed {
    if e.is_canceled() {
        // hyper gave the request up before writing it (the connection closed first).
        Failed::NotSent(e.to_string())
    } else {
        Failed::Broken(e.to_string())
    }
}

/// The connection's task: hyper's HTTP/1 state machine over the socket.
type Driver = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;

/// One HTTP/1.1 connection.
struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    /// `None` once it has ended.
    driver: Option<Driver>,
}

/// The TLS settings of every `https` connection: the same roots as the runtime's client
/// (webpki's), with ring.
static TLS: Lazy<tokio_rustls::TlsConnector> = Lazy::new(|| {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
});

impl Conn {
    /// HTTP/1.1 over `stream` (through TLS for `https`).
    async fn handshake(
        origin: &Origin,
        stream: Stream,
        tls: &tokio_rustls::TlsConnector,
    ) -> Result<Conn, Failed> {
        let not_sent = |e: &dyn std::fmt::Display| Failed::NotSent(e.to_string());
        if origin.tls {
            let host = origin.host.trim_start_matches('[').trim_end_matches(']');
            let name = rustls::pki_types::ServerName::try_from(host.to_owned())
                .map_err(|e| not_sent(&e))?;
            let tls = tls.connect(name, stream).await.map_err(|e| not_sent(&e))?;
            Conn::over(TokioIo::new(tls)).await
        } else {
            Conn::over(TokioIo::new(stream)).await
        }
    }

    async fn over<T>(io: T) -> Result<Conn, Failed>
    where
        T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (sender, connection) = http1::handshake(io)
            .await
            .map_err(|e| Failed::NotSent(e.to_string()))?;
        Ok(Conn {
            sender,
            driver: Some(Box::pin(connection)),
        })
    }

    /// Polls `f` until it is ready, driving the connection between polls. `f`'s own futures only
    /// move when the connection is driven, here, so they are polled without a waker; the
    /// connection's socket wakes the call.
    async fn drive<T>(
        &mut self,
        mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Result<T, Failed> {
        poll_fn(|cx| {
            let mut quiet = Context::from_waker(futures::task::noop_waker_ref());
            loop {
                if let Poll::Ready(v) = f(&mut quiet) {
                    return Poll::Ready(Ok(v));
                }
                let Some(driver) = self.driver.as_mut() else {
                    return Poll::Ready(Err(Failed::Broken("the connection closed".into())));
                };
                match driver.as_mut().poll(cx) {
                    Poll::Pending => {
                        return match f(&mut quiet) {
                            Poll::Ready(v) => Poll::Ready(Ok(v)),
                            Poll::Pending => Poll::Pending,
                        }
                    }
                    // Ended: what `f` waits for has its answer or its error now.
                    Poll::Ready(_) => self.driver = None,
                }
            }
        })
        .await
    }

    /// Whether the connection can take another request: its pending input (a close, an error)
    /// read first.
    fn still_open(&mut self) -> bool {
        let Some(driver) = self.driver.as_mut() else {
            return false;
        };
        let mut quiet = Context::from_waker(futures::task::noop_waker_ref());
        if driver.as_mut().poll(&mut quiet).is_ready() {
            self.driver = None;
            return false;
        }
        self.sender.is_ready()
    }
}

/// A non-blocking TCP socket registered with a reactor.
struct Stream {
    io: TcpStream,
    token: usize,
    readiness: Arc<Readiness>,
    shared: Arc<Shared>,
    /// What reads go through, made on the first read.
    scratch: Option<Vec<u8>>,
}

impl Stream {
    /// Connects to `addr`, waiting for the connection without blocking.
    async fn connect(shared: &Arc<Shared>, addr: SocketAddr) -> io::Result<Stream> {
        let io = TcpStream::connect(addr)?;
        let token = shared.next_token.fetch_add(1, Ordering::Relaxed);
        let readiness = Arc::new(Readiness::new());
        // Connected (or refused) once writable; a spurious event leaves it unconnected.
        readiness.clear(Dir::Write, 0);
        lock(&shared.sources).insert(token, Arc::downgrade(&readiness));
        // Made before it is registered, so that dropping it undoes both.
        let mut stream = Stream {
            io,
            token,
            readiness,
            shared: shared.clone(),
            scratch: None,
        };
        shared.registry.register(
            &mut stream.io,
            Token(token),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        loop {
            let tick = poll_fn(|cx| stream.readiness.poll_ready(Dir::Write, cx)).await;
            if let Some(e) = stream.io.take_error()? {
                return Err(e);
            }
            match stream.io.peer_addr() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    stream.readiness.clear(Dir::Write, tick)
                }
                Err(e) => return Err(e),
            }
        }
        stream.io.set_nodelay(true)?;
        Ok(stream)
    }

    /// Runs `op` when `dir` may be ready, until it does not block; when it would, waits for
    /// `dir`'s next event. A result for which `drained` is true (a short read) also means the
    /// socket has nothing more until its next event.
    fn poll_io<R>(
        &self,
        cx: &Context<'_>,
        dir: Dir,
        op: impl FnMut(&TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        Stream::poll_io_of(&self.io, &self.readiness, cx, dir, op, |_| false)
    }

    /// [`Stream::poll_io`] on the stream's parts (so that a read may borrow its buffer).
    fn poll_io_of<R>(
        io: &TcpStream,
        readiness: &Readiness,
        cx: &Context<'_>,
        dir: Dir,
        mut op: impl FnMut(&TcpStream) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let tick = std::task::ready!(readiness.poll_ready(dir, cx));
            match op(io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => readiness.clear(dir, tick),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(r) => {
                    if drained(&r) {
                        readiness.clear(dir, tick);
                    }
                    return Poll::Ready(Ok(r));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.shared.registry.deregister(&mut self.io);
        lock(&self.shared.sources).remove(&self.token);
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Read through the stream's own buffer, which is zeroed once: `buf` is hyper's spare
        // capacity, uninitialised and often far larger than the answer, and safe code may only
        // read into it once it is zeroed, at every read (10 µs of a 100-comment page's call).
        let this = self.get_mut();
        let want = buf.remaining().min(READ_BUFFER);
        let scratch = this.scratch.get_or_insert_with(|| vec![0; READ_BUFFER]);
        let n = std::task::ready!(Stream::poll_io_of(
            &this.io,
            &this.readiness,
            cx,
            Dir::Read,
            |mut io| io.read(&mut scratch[..want]),
            // Less than asked for: the socket is empty (not at its end: 0 is read again then).
            |&n| 0 < n && n < want,
        ))?;
        buf.put_slice(&scratch[..n]);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Dir::Write, |mut io| io.write(data))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Dir::Write, |mut io| io.write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(std::net::Shutdown::Write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const CA: &[u8] = include_bytes!("../tests/fixtures/tls/ca.der");
    const LEAF: &[u8] = include_bytes!("../tests/fixtures/tls/leaf.der");
    const KEY: &[u8] = include_bytes!("../tests/fixtures/tls/leaf.key.der");
    const BODY: &str = r#"{"results":{"ok":true},"status":200}"#;

    fn provider() -> Arc<rustls::crypto::CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// An `https` server for `localhost` (the fixtures' certificate) answering every request with
    /// [`BODY`] on kept-alive connections; returns its port and its count of connections.
    async fn tls_server() -> (u16, Arc<AtomicUsize>) {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(LEAF.to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec())),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake.
                    let Ok(mut tls) = acceptor.accept(sock).await else {
                        return;
                    };
                    let mut seen = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let answer = format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
                                BODY.len()
                            );
                            tls.write_all(answer.as_bytes()).await.unwrap();
                        }
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        (port, connections)
    }

    /// Polls `fut` on this thread until it is ready, dispatching the reactor's events between
    /// polls (a busy loop: the wakes themselves are tested through the client, in
    /// tests/calling_thread_io.rs).
    fn run<F: Future>(reactor: &Reactor, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            reactor.dispatch().unwrap();
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    #[test]
    fn calls_in_flight_are_counted_until_their_guards_go() {
        let reactor = Reactor::new().unwrap();
        let first = reactor.track();
        let second = reactor.track();
        assert_eq!(reactor.in_flight(), 2);
        drop(first);
        assert_eq!(reactor.in_flight(), 1);
        drop(second);
        assert_eq!(reactor.in_flight(), 0);
    }

    /// `https` through the loop's I/O: the certificate checked against the roots (the fixtures'
    /// authority here, webpki's by default, which refuse it before anything is sent), the
    /// exchange read, and the connection kept for the next one.
    #[test]
    fn https_connections_are_verified_and_kept() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let _runtime = rt.enter();
        let (port, connections) = rt.block_on(tls_server());
        let url = Url::parse(&format!(
            "https://localhost:{port}/api/v2/rest/user_profile"
        ))
        .unwrap();
        let credentials = (
            HeaderValue::from_static("app"),
            HeaderValue::from_static("secret"),
        );
        let request = Request {
            method: reqwest::Method::GET,
            url: &url,
            content_type: None,
            body: Bytes::new(),
            credentials: &credentials,
            user_agent: "test",
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            max_body: 1 << 20,
        };

        let mut trusting = Reactor::new().unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(CA.to_vec())).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::get_mut(&mut trusting).unwrap().tls =
            tokio_rustls::TlsConnector::from(Arc::new(config));
        for _ in 0..3 {
            let answer = run(&trusting, trusting.exchange(&request)).unwrap();
            assert_eq!(answer.status, 200);
            assert_eq!(answer.body, BODY.as_bytes());
        }
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        assert_eq!(trusting.idle_connections(), 1);

        let strict = Reactor::new().unwrap();
        match run(&strict, strict.exchange(&request)) {
            Err(Failed::NotSent(reason)) => assert!(reason.contains("certificate"), "{reason}"),
            Err(other) => panic!("{other:?}"),
            Ok(answer) => panic!("answered {}", answer.status),
        }
        assert_eq!(strict.idle_connections(), 0);
    }
}
