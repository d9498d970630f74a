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
//! ([`crate::Client::with_blocking_io`]). A request leaves in one write, its head with its body
//! ([`OneWrite`]), and a redirect comes back as the answer, never followed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
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
                DefaultConnector::default().chain(OneWrite),
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
        if response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > req.max_body)
        {
            return Err(Failed::TooLarge);
        }
        let body = response
            .into_body()
            .into_with_config()
            .limit(req.max_body)
            .read_to_vec()
            .map_err(|e| match e {
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

/// Makes each connection send a request's head and the body that follows it in one write.
///
/// ureq hands its transport the head, then the body, and a plain TCP transport sends each at
/// once (`TCP_NODELAY`): every call with a body was two segments, and the server woke for each.
/// [`HeadWithBody`] keeps a head that announces a body until the body's first part comes.
#[derive(Debug)]
struct OneWrite;

impl Connector<Box<dyn Transport>> for OneWrite {
    type Out = HeadWithBody;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<HeadWithBody>, ureq::Error> {
        Ok(chained.map(|inner| HeadWithBody {
            inner,
            head: Vec::new(),
        }))
    }
}

/// A transport that sends a request's head together with its body (see [`OneWrite`]).
#[derive(Debug)]
struct HeadWithBody {
    inner: Box<dyn Transport>,
    /// A head kept back, waiting for its body.
    head: Vec<u8>,
}

impl HeadWithBody {
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

impl Transport for HeadWithBody {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
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
        // Never wait for an answer to a request not wholly sent.
        self.flush(timeout)?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
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

    /// A transport that keeps what it is asked to send, one entry per write.
    #[derive(Debug)]
    struct Recording {
        buffers: LazyBuffers,
        sent: Arc<Mutex<Vec<Vec<u8>>>>,
    }

    impl Transport for Recording {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
            let bytes = self.buffers.output()[..amount].to_vec();
            self.sent.lock().unwrap().push(bytes);
            Ok(())
        }
        fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
            Ok(false)
        }
        fn is_open(&mut self) -> bool {
            true
        }
    }

    /// A [`HeadWithBody`] over a [`Recording`] with an output buffer of `room` bytes.
    fn transport(room: usize) -> (HeadWithBody, Arc<Mutex<Vec<Vec<u8>>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let inner = Recording {
            buffers: LazyBuffers::new(1024, room),
            sent: sent.clone(),
        };
        let t = HeadWithBody {
            inner: Box::new(inner),
            head: Vec::new(),
        };
        (t, sent)
    }

    /// What ureq does: writes `bytes` into the output buffer and asks for them to be sent.
    fn write(t: &mut HeadWithBody, bytes: &[u8]) {
        t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        t.transmit_output(bytes.len(), NextTimeout::default())
            .unwrap();
    }

    const POST: &[u8] =
        b"POST /api/v2/rest/post_comment HTTP/1.1\r\nhost: x\r\nContent-Length: 5\r\n\r\n";

    #[test]
    fn a_head_and_its_body_leave_in_one_write() {
        let (mut t, sent) = transport(1024);
        write(&mut t, POST);
        assert!(sent.lock().unwrap().is_empty());
        write(&mut t, b"hello");
        assert_eq!(*sent.lock().unwrap(), vec![[POST, b"hello"].concat()]);
        // The next request is sent the same way, from an empty state.
        write(&mut t, POST);
        write(&mut t, b"world");
        assert_eq!(sent.lock().unwrap()[1], [POST, b"world"].concat());
    }

    #[test]
    fn a_head_without_a_body_leaves_at_once() {
        for head in [
            &b"GET /api/v2/rest/load_comments?room_id=1 HTTP/1.1\r\nhost: x\r\n\r\n"[..],
            b"POST /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
            b"DELETE /x HTTP/1.1\r\nhost: x\r\n\r\n",
        ] {
            let (mut t, sent) = transport(1024);
            write(&mut t, head);
            assert_eq!(*sent.lock().unwrap(), vec![head.to_vec()]);
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
        let (mut t, sent) = transport(1024);
        write(&mut t, POST);
        write(&mut t, b"hel");
        write(&mut t, b"lo");
        assert_eq!(
            *sent.lock().unwrap(),
            vec![[POST, b"hel"].concat(), b"lo".to_vec()]
        );
    }

    #[test]
    fn without_room_for_both_the_head_goes_first() {
        let room = POST.len() + 3;
        let (mut t, sent) = transport(room);
        write(&mut t, POST);
        write(&mut t, b"hello");
        assert_eq!(
            *sent.lock().unwrap(),
            vec![POST.to_vec(), b"hello".to_vec()]
        );
    }

    #[test]
    fn a_kept_head_is_sent_before_waiting_for_an_answer() {
        let (mut t, sent) = transport(1024);
        write(&mut t, POST);
        t.await_input(NextTimeout::default()).unwrap();
        assert_eq!(*sent.lock().unwrap(), vec![POST.to_vec()]);
    }
}
