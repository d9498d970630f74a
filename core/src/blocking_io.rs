//! Blocking I/O on the calling thread, for calls that a thread waits on anyway.
//!
//! The client's own I/O runs on a tokio runtime: a hyper connection is a task, and its sockets
//! are driven by the runtime's workers. A thread that blocks on a call from outside the runtime
//! (the bindings' `*_blocking` forms, called from Python, JVM or Swift threads) therefore hands
//! the request to a worker and is woken for the answer: several wake-ups across threads per call,
//! which on loopback cost more than the rest of the call (bench/RESULTS.md, "What is still
//! missed"). Here the calling thread writes the request and reads the answer itself, on blocking
//! sockets, over a pool of keep-alive connections shared by every thread of the client (ureq).
//!
//! Only the exchange differs: the client builds the same request (URL, query, headers, body) and
//! classifies the answer, the retries and the errors in one place for both kinds of I/O
//! ([`crate::Client::with_blocking_io`]). A request leaves in one write, its head with its body,
//! a call on a pooled connection makes five system calls instead of ten ([`Lean`]), and a
//! redirect comes back as the answer, never followed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as Remaining;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use crate::client::{parse_retry_after, Answer};

/// How long a resolved address list is reused for new connections.
const RESOLVED_FOR: Duration = Duration::from_secs(60);

/// One request, as the client built it.
pub(crate) struct Request<'a> {
    pub method: ureq::http::Method,
    /// The whole URL, query included.
    pub url: &'a str,
    /// The body's type, if it has one (the credentials and user agent are added here).
    pub content_type: Option<&'static str>,
    pub body: &'a [u8],
    /// The whole exchange, from connecting to the body's last byte.
    pub timeout: Duration,
    /// The largest body accepted.
    pub max_body: u64,
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum Failed {
    /// The request never left: the name did not resolve or no connection was made.
    NotSent(String),
    /// The connection failed after the request may have been sent.
    Broken(String),
    /// The exchange took longer than its timeout; `sent` is false when it was still connecting.
    TimedOut { sent: bool },
    /// The body passed the size limit.
    TooLarge,
}

/// A blocking HTTP client: one per [`crate::Client`], made on first use.
pub(crate) struct BlockingHttp {
    agent: ureq::Agent,
    app_id: ureq::http::HeaderValue,
    secret: ureq::http::HeaderValue,
}

impl BlockingHttp {
    /// A client sending these credentials, with this connect timeout.
    pub(crate) fn new(
        app_id: ureq::http::HeaderValue,
        secret: ureq::http::HeaderValue,
        connect_timeout: Duration,
        user_agent: &str,
    ) -> BlockingHttp {
        let config = ureq::Agent::config_builder()
            // Error answers are classified by the client, as the async path does.
            .http_status_as_error(false)
            .timeout_connect(Some(connect_timeout))
            .user_agent(user_agent)
            // As the async pool: idle connections kept for 60 s, without a per-host cap (64
            // threads calling at once each return theirs).
            .max_idle_age(Duration::from_secs(60))
            .max_idle_connections(1024)
            .max_idle_connections_per_host(1024)
            .no_delay(true)
            // A redirect comes back as the answer, never followed (see `client::redirected`).
            .max_redirects(0)
            .build();
        BlockingHttp {
            agent: ureq::Agent::with_parts(
                config,
                DefaultConnector::default().chain(Lean),
                CachedResolver::default(),
            ),
            app_id,
            secret,
        }
    }

    /// Sends `req` and reads the answer, on the calling thread.
    pub(crate) fn exchange(&self, req: &Request<'_>) -> Result<Answer, Failed> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method.clone())
            .uri(req.url)
            .header("QISCUS_SDK_APP_ID", self.app_id.clone())
            .header("QISCUS_SDK_SECRET", self.secret.clone());
        if let Some(ct) = req.content_type {
            builder = builder.header("content-type", ct);
        }
        let request = builder
            .body(req.body)
            .map_err(|e| Failed::NotSent(e.to_string()))?;
        use ureq::RequestExt;
        let response = request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(req.timeout))
            .run()
            .map_err(classify)?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
        let location = header("location");
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if length.is_some_and(|n| n > req.max_body) {
            return Err(Failed::TooLarge);
        }
        // Read into a buffer of the announced length, as the other two paths do: ureq's
        // `read_to_vec` starts from an empty one and copies the body again at each doubling.
        let mut body = Vec::with_capacity(length.unwrap_or(0) as usize);
        std::io::Read::read_to_end(
            &mut response
                .into_body()
                .into_with_config()
                .limit(req.max_body)
                .reader(),
            &mut body,
        )
        .map_err(|e| match ureq::Error::from(e) {
            ureq::Error::BodyExceedsLimit(_) => Failed::TooLarge,
            e => classify(e),
        })?;
        Ok(Answer {
            status,
            retry_after,
            location,
            body,
        })
    }
}

/// Sorts a transport error by whether the request may have reached the server.
fn classify(e: ureq::Error) -> Failed {
    use std::io::ErrorKind;
    match &e {
        ureq::Error::Timeout(t) => Failed::TimedOut {
            sent: !matches!(t, ureq::Timeout::Resolve | ureq::Timeout::Connect),
        },
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => Failed::NotSent(e.to_string()),
        // These can only come from connecting.
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
            ) =>
        {
            Failed::NotSent(e.to_string())
        }
        _ => Failed::Broken(e.to_string()),
    }
}

/// The system's resolver, its answers kept for [`RESOLVED_FOR`].
///
/// ureq resolves the host of every request, before it looks for a pooled connection, and with a
/// timeout it does so on a new thread each time: a thread and a DNS lookup per call. Connections
/// are pooled, so the addresses are only needed for new ones; keeping them a minute costs at most
/// a minute's delay in following a DNS change, as a pooled connection does.
#[derive(Default)]
struct CachedResolver {
    resolved: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl std::fmt::Debug for CachedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachedResolver")
    }
}

impl Resolver for CachedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map(|a| a.as_str()).unwrap_or("")
        );
        let now = Instant::now();
        let mut cache = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, addrs)) = cache.get(&key) {
            if now.duration_since(*at) < RESOLVED_FOR {
                return Ok(addrs.clone());
            }
        }
        drop(cache);
        // Without a timeout the default resolver looks up on this thread; the connect timeout
        // still bounds the connection that follows.
        let addrs = DefaultResolver::default().resolve(uri, config, NextTimeout::default())?;
        cache = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

/// Makes each connection cost fewer writes and system calls than ureq's own transports do.
///
/// Counted with `strace -c` on a blocking `post_comment` loop from Python (bench/RESULTS.md, fixes
/// 27 and 31), each call on a pooled connection used to make ten system calls where two do the
/// work (the request's `sendto`, the answer's `recvfrom`):
/// * **the head, then the body.** ureq hands its transport the request head, then the body, and
///   a plain TCP transport sends each at once (`TCP_NODELAY`): two segments, and the server woke
///   for each. [`LeanTransport`] keeps a head that announces a body until the body's first part
///   comes.
/// * **two probes.** ureq's pool checks a connection with a non-blocking peek (two `ioctl`s and a
///   `recvfrom` that finds nothing) when it is returned and again when it is taken for reuse. The
///   second check sees everything the first would (bytes the server sent after the answer, or
///   its close), and later, so the first is answered without one: a connection just used to the
///   end of an answer is reported open.
/// * **two socket timeouts.** ureq sets a socket's read and write timeouts (`setsockopt`) whenever
///   they differ from the last ones set, and each call's remaining time differs by microseconds.
///   The remaining time is passed down cut to whole milliseconds, so that calls made with the
///   same timeout set it once. A timeout may thus end an exchange up to a millisecond early; the
///   kernel rounds socket timeouts to its clock ticks anyway (4 ms at 250 Hz).
#[derive(Debug)]
struct Lean;

impl Connector<Box<dyn Transport>> for Lean {
    type Out = LeanTransport;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<LeanTransport>, ureq::Error> {
        Ok(chained.map(|inner| LeanTransport {
            inner,
            head: Vec::new(),
            used: false,
        }))
    }
}

/// A transport that sends a request's head together with its body, probes a pooled connection
/// only when it is taken for reuse, and passes coarse timeouts down (see [`Lean`]).
#[derive(Debug)]
struct LeanTransport {
    inner: Box<dyn Transport>,
    /// A head kept back, waiting for its body.
    head: Vec<u8>,
    /// Whether the connection did I/O since it was last asked whether it is open.
    used: bool,
}

/// `timeout` with its remaining time cut down to whole milliseconds, when at least one is left.
fn coarse(mut timeout: NextTimeout) -> NextTimeout {
    if let Remaining::Exact(left) = timeout.after {
        let millis = Duration::from_millis(u64::try_from(left.as_millis()).unwrap_or(u64::MAX));
        if !millis.is_zero() {
            timeout.after = Remaining::Exact(millis);
        }
    }
    timeout
}

impl LeanTransport {
    /// Sends a head kept back, if any.
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.head.is_empty() {
            return Ok(());
        }
        let head = std::mem::take(&mut self.head);
        self.inner.buffers().output()[..head.len()].copy_from_slice(&head);
        self.inner.transmit_output(head.len(), timeout)
    }
}

impl Transport for LeanTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.used = true;
        let timeout = coarse(timeout);
        let out = self.inner.buffers().output();
        if self.head.is_empty() {
            if announces_body(&out[..amount]) {
                self.head.extend_from_slice(&out[..amount]);
                return Ok(());
            }
            return self.inner.transmit_output(amount, timeout);
        }
        let held = self.head.len();
        if held + amount > out.len() {
            // No room for both: the head, then the body as it was.
            let body = out[..amount].to_vec();
            self.flush(timeout)?;
            self.inner.buffers().output()[..amount].copy_from_slice(&body);
            return self.inner.transmit_output(amount, timeout);
        }
        out.copy_within(..amount, held);
        out[..held].copy_from_slice(&self.head);
        self.head.clear();
        self.inner.transmit_output(held + amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.used = true;
        let timeout = coarse(timeout);
        // Never wait for an answer to a request not wholly sent.
        self.flush(timeout)?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        // ureq asks when the connection goes back to its pool, right after the answer was read
        // (bytes beyond the answer already close it there), and again when the connection is
        // taken: only the second probes the socket.
        std::mem::take(&mut self.used) || self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// Whether `bytes` are a whole HTTP/1.1 request head that a body of known, non-zero length
/// follows (ureq sends every body of this client with its `content-length`).
fn announces_body(bytes: &[u8]) -> bool {
    let Some(head) = bytes
        .strip_suffix(b"\r\n\r\n")
        .and_then(|h| std::str::from_utf8(h).ok())
    else {
        return false;
    };
    let mut lines = head.split("\r\n");
    if !lines.next().is_some_and(|l| l.ends_with(" HTTP/1.1")) {
        return false;
    }
    lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("content-length")
                && value.trim().parse::<u64>().is_ok_and(|n| n > 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use ureq::unversioned::transport::LazyBuffers;

    /// What a [`Recording`] was asked: each write's bytes, each timeout passed down, and the
    /// probes that reached it.
    #[derive(Debug, Default)]
    struct Log {
        sent: Vec<Vec<u8>>,
        timeouts: Vec<Remaining>,
        probes: usize,
    }

    /// A transport that keeps what it is asked to do.
    #[derive(Debug)]
    struct Recording {
        buffers: LazyBuffers,
        log: Arc<Mutex<Log>>,
    }

    impl Transport for Recording {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(&mut self, amount: usize, t: NextTimeout) -> Result<(), ureq::Error> {
            let bytes = self.buffers.output()[..amount].to_vec();
            let mut log = self.log.lock().unwrap();
            log.sent.push(bytes);
            log.timeouts.push(t.after);
            Ok(())
        }
        fn await_input(&mut self, t: NextTimeout) -> Result<bool, ureq::Error> {
            self.log.lock().unwrap().timeouts.push(t.after);
            Ok(false)
        }
        fn is_open(&mut self) -> bool {
            self.log.lock().unwrap().probes += 1;
            true
        }
    }

    /// A [`LeanTransport`] over a [`Recording`] with an output buffer of `room` bytes.
    fn transport(room: usize) -> (LeanTransport, Arc<Mutex<Log>>) {
        let log = Arc::new(Mutex::new(Log::default()));
        let inner = Recording {
            buffers: LazyBuffers::new(1024, room),
            log: log.clone(),
        };
        let t = LeanTransport {
            inner: Box::new(inner),
            head: Vec::new(),
            used: false,
        };
        (t, log)
    }

    /// What ureq does: writes `bytes` into the output buffer and asks for them to be sent.
    fn write(t: &mut LeanTransport, bytes: &[u8]) {
        t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        t.transmit_output(bytes.len(), NextTimeout::default())
            .unwrap();
    }

    const POST: &[u8] =
        b"POST /api/v2/rest/post_comment HTTP/1.1\r\nhost: x\r\nContent-Length: 5\r\n\r\n";

    #[test]
    fn a_head_and_its_body_leave_in_one_write() {
        let (mut t, log) = transport(1024);
        write(&mut t, POST);
        assert!(log.lock().unwrap().sent.is_empty());
        write(&mut t, b"hello");
        assert_eq!(log.lock().unwrap().sent, vec![[POST, b"hello"].concat()]);
        // The next request is sent the same way, from an empty state.
        write(&mut t, POST);
        write(&mut t, b"world");
        assert_eq!(log.lock().unwrap().sent[1], [POST, b"world"].concat());
    }

    #[test]
    fn a_head_without_a_body_leaves_at_once() {
        for head in [
            &b"GET /api/v2/rest/load_comments?room_id=1 HTTP/1.1\r\nhost: x\r\n\r\n"[..],
            b"POST /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
            b"DELETE /x HTTP/1.1\r\nhost: x\r\n\r\n",
        ] {
            let (mut t, log) = transport(1024);
            write(&mut t, head);
            assert_eq!(log.lock().unwrap().sent, vec![head.to_vec()]);
        }
    }

    #[test]
    fn only_a_whole_request_head_is_kept_back() {
        assert!(announces_body(POST));
        assert!(announces_body(
            b"PUT /x HTTP/1.1\r\ncontent-length:  12 \r\n\r\n"
        ));
        assert!(!announces_body(&POST[..POST.len() - 2]));
        assert!(!announces_body(b"{\"content-length: 5\r\n\r\n"));
        assert!(!announces_body(
            b"POST /x HTTP/1.1\r\ncontent-length: x\r\n\r\n"
        ));
        assert!(!announces_body(
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"
        ));
    }

    #[test]
    fn a_body_in_parts_follows_its_head_in_order() {
        let (mut t, log) = transport(1024);
        write(&mut t, POST);
        write(&mut t, b"hel");
        write(&mut t, b"lo");
        assert_eq!(
            log.lock().unwrap().sent,
            vec![[POST, b"hel"].concat(), b"lo".to_vec()]
        );
    }

    #[test]
    fn without_room_for_both_the_head_goes_first() {
        let room = POST.len() + 3;
        let (mut t, log) = transport(room);
        write(&mut t, POST);
        write(&mut t, b"hello");
        assert_eq!(
            log.lock().unwrap().sent,
            vec![POST.to_vec(), b"hello".to_vec()]
        );
    }

    #[test]
    fn a_kept_head_is_sent_before_waiting_for_an_answer() {
        let (mut t, log) = transport(1024);
        write(&mut t, POST);
        t.await_input(NextTimeout::default()).unwrap();
        assert_eq!(log.lock().unwrap().sent, vec![POST.to_vec()]);
    }

    /// A timeout of `micros` µs, as ureq passes it down.
    fn remaining(micros: u64) -> NextTimeout {
        NextTimeout {
            after: Remaining::Exact(Duration::from_micros(micros)),
            ..NextTimeout::default()
        }
    }

    #[test]
    fn timeouts_pass_down_in_whole_milliseconds_never_longer_never_zero() {
        let (mut t, log) = transport(1024);
        // Calls of a 30 s timeout, microseconds apart, set the same socket timeouts.
        for micros in [29_999_962, 29_999_871, 29_999_043] {
            t.buffers().output()[..3].copy_from_slice(b"GET");
            t.transmit_output(3, remaining(micros)).unwrap();
            t.await_input(remaining(micros - 40)).unwrap();
        }
        // Less than a millisecond left is passed as it is: cut, it would mean no timeout.
        t.await_input(remaining(700)).unwrap();
        t.await_input(NextTimeout::default()).unwrap();
        let exact = |ms| Remaining::Exact(Duration::from_millis(ms));
        assert_eq!(
            log.lock().unwrap().timeouts,
            [
                vec![exact(29_999); 6],
                vec![
                    Remaining::Exact(Duration::from_micros(700)),
                    Remaining::NotHappening
                ]
            ]
            .concat()
        );
        assert_eq!(coarse(remaining(1_000)).after, exact(1));
        assert_eq!(coarse(remaining(1_999)).after, exact(1));
    }

    #[test]
    fn a_connection_is_probed_when_taken_not_when_returned() {
        let (mut t, log) = transport(1024);
        let probes = || log.lock().unwrap().probes;
        // A new connection: a request and its answer, then ureq returns it to its pool.
        write(&mut t, b"GET / HTTP/1.1\r\n\r\n");
        t.await_input(NextTimeout::default()).unwrap();
        assert!(t.is_open());
        assert_eq!(probes(), 0, "returned right after its answer: not probed");
        // Taken for the next call: probed, and again for each call after.
        for call in 1..=3 {
            assert!(t.is_open());
            assert_eq!(probes(), call, "taken: probed");
            write(&mut t, b"GET / HTTP/1.1\r\n\r\n");
            t.await_input(NextTimeout::default()).unwrap();
            assert!(t.is_open());
            assert_eq!(probes(), call, "returned: not probed");
        }
        // Asked twice without I/O between: the second asks the socket.
        assert!(t.is_open());
        assert_eq!(probes(), 4);
    }
}
