//! The calls that do their I/O on the thread that polls them — `Client::with_blocking_io` (the
//! bindings' blocking calls) and `Client::with_loop_io` (the Python package's asyncio calls) —
//! must send the same requests, get the same answers and fail the same ways as the default
//! client.
//!
//! Each test runs once per [`Caller`]: a blocking call polled on a thread of its own (not a
//! runtime worker) by a blocking executor, or a call polled by a minimal event loop on a thread of
//! its own that watches the call's [`Reactor`], both inside the test's runtime (`on_thread`).

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::*;
use qiscus::loop_io::Reactor;
use qiscus::*;
use qiscus_emulator::{EmulatorConfig, Faults};
use tokio::net::TcpListener;

const ALICE: &str = "alice+tag@example.com";
const BOB: &str = "bob@example.com";

/// Who polls a call off the runtime's workers.
#[derive(Clone, Copy, Debug)]
enum Caller {
    /// `Handle::block_on` on a blocking thread, the client `with_blocking_io`.
    BlockingThread,
    /// [`event_loop`] on a blocking thread, the client `with_loop_io`.
    EventLoop,
}

const CALLERS: [Caller; 2] = [Caller::BlockingThread, Caller::EventLoop];

/// A test that runs `$by` once per [`Caller`].
macro_rules! per_caller {
    ($(#[$attr:meta])* $name:ident => $by:ident) => {
        $(#[$attr])*
        async fn $name() {
            for caller in CALLERS {
                $by(caller).await;
            }
        }
    };
}

/// Runs `f` with a client of `caller`'s kind on a thread of its own, inside the test's runtime:
/// the way the bindings' blocking calls, or the Python package's asyncio calls, run.
async fn on_thread<T, F, Fut>(caller: Caller, c: &Client, f: F) -> T
where
    F: FnOnce(Client) -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let c = c.clone();
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || match caller {
        Caller::BlockingThread => rt.block_on(f(c.with_blocking_io())),
        Caller::EventLoop => {
            let _runtime = rt.enter();
            event_loop(|reactor| f(c.with_loop_io(reactor)))
        }
    })
    .await
    .expect("the call panicked")
}

/// `ALICE`'s profile through `c`, called as `caller` calls.
async fn alice_profile(caller: Caller, c: &Client) -> Result<User> {
    on_thread(caller, c, |c| async move { c.user_profile(ALICE).await }).await
}

/// A group room of `ALICE` and `BOB` named `name`, created through `c` as `caller` calls.
async fn room_of_alice_and_bob(
    caller: Caller,
    c: &Client,
    name: &'static str,
) -> Result<RoomSummary> {
    on_thread(caller, c, move |c| async move {
        c.create_room(&CreateRoomParams::new(name, ALICE, [BOB]))
            .await
    })
    .await
}

/// Wakes [`event_loop`] from any thread.
struct LoopWaker {
    woken: AtomicBool,
    waker: mio::Waker,
}

impl futures::task::ArcWake for LoopWaker {
    fn wake_by_ref(me: &Arc<Self>) {
        me.woken.store(true, Ordering::SeqCst);
        me.waker.wake().unwrap();
    }
}

/// A minimal event loop on this thread, as asyncio runs the Python package's calls: polls the
/// future when woken, and otherwise sleeps until the reactor's descriptor is readable (then
/// dispatches its events) or another thread wakes the future (a timer).
fn event_loop<T, Fut: Future<Output = T>>(make: impl FnOnce(Arc<Reactor>) -> Fut) -> T {
    use mio::{Events, Interest, Token};
    let reactor = Reactor::new().unwrap();
    let mut poll = mio::Poll::new().unwrap();
    poll.registry()
        .register(
            &mut mio::unix::SourceFd(&reactor.fd()),
            Token(0),
            Interest::READABLE,
        )
        .unwrap();
    let wake = Arc::new(LoopWaker {
        woken: AtomicBool::new(true),
        waker: mio::Waker::new(poll.registry(), Token(1)).unwrap(),
    });
    let waker = futures::task::waker(wake.clone());
    let mut cx = Context::from_waker(&waker);
    let fut = make(reactor.clone());
    futures::pin_mut!(fut);
    let mut events = Events::with_capacity(8);
    loop {
        if wake.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
        }
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("{e}"),
        }
        if events.iter().any(|e| e.token() == Token(0)) {
            reactor.dispatch().unwrap();
        }
    }
}

/// A server that records every request, answers each with `body`, and counts connections.
struct Recorder {
    url: String,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    connections: Arc<AtomicUsize>,
}

async fn recorder(body: &'static str) -> Recorder {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let (seen, count) = (requests.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Some(req) = read_request(&mut sock).await {
                    seen.lock().unwrap().push(req);
                    write_json(&mut sock, 200, body).await;
                }
            });
        }
    });
    Recorder {
        url,
        requests,
        connections,
    }
}

fn client_for(url: &str) -> Client {
    Client::builder("app-id", "very-secret")
        .base_url(url)
        .build()
        .unwrap()
}

/// The request line, the body, and the headers that matter, of each request recorded.
fn sent(r: &Recorder) -> Vec<(String, Vec<u8>, Vec<Option<String>>)> {
    let names = [
        "qiscus_sdk_app_id",
        "qiscus_sdk_secret",
        "user-agent",
        "content-type",
    ];
    let requests = std::mem::take(&mut *r.requests.lock().unwrap());
    requests
        .into_iter()
        .map(|q| {
            let headers = names
                .iter()
                .map(|n| q.header(n).map(str::to_owned))
                .collect();
            (q.request_line, q.body, headers)
        })
        .collect()
}

per_caller! {
    /// The same calls, through either kind of I/O, send the same request lines, bodies and
    /// headers: the query (a `+` and an `@` in an email), the JSON body, the credentials.
    #[tokio::test]
    sends_what_the_runtime_client_sends => sends_what_the_runtime_client_sends_by
}

async fn sends_what_the_runtime_client_sends_by(caller: Caller) {
    let r = recorder(r#"{"results":{"user":{"id":1,"email":"a@b.c"}},"status":200}"#).await;
    let c = client_for(&r.url);
    /// A query, a JSON body, a list and a path suffix.
    async fn four_calls(c: Client) {
        c.user_profile(ALICE).await.unwrap();
        let _ = c
            .login_or_register(&LoginOrRegisterParams::new(ALICE, "Ålice \"A\""))
            .await;
        c.get_user_rooms(&GetUserRoomsParams::new(ALICE)).await.ok();
        c.delete_export("abc-123").await.ok();
    }
    four_calls(c.clone()).await;
    let runtime = sent(&r);

    on_thread(caller, &c, four_calls).await;
    let blocking = sent(&r);

    assert_eq!(runtime.len(), 4, "{runtime:?}");
    assert_eq!(blocking, runtime);
    assert!(
        runtime[0]
            .0
            .contains("user_email=alice%2Btag%40example.com"),
        "{:?}",
        runtime[0]
    );
    assert_eq!(runtime[0].2[1].as_deref(), Some("very-secret"));
    assert_eq!(runtime[1].2[3].as_deref(), Some("application/json"));
}

per_caller! {
    /// Against the emulator, every kind of call answers the same through either kind of I/O.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    answers_what_the_runtime_client_answers => answers_what_the_runtime_client_answers_by
}

async fn answers_what_the_runtime_client_answers_by(caller: Caller) {
    let (h, c) = start_default().await;
    let alice = register(&c, ALICE, "Alice").await;
    register(&c, BOB, "Bob").await;
    let room = c
        .create_room(&CreateRoomParams::new("Both ways", ALICE, [BOB]))
        .await
        .unwrap();
    for i in 0..30 {
        c.post_comment(&PostCommentParams::text(
            room.room_id,
            ALICE,
            format!("héllo #{i}"),
        ))
        .await
        .unwrap();
    }
    let load = LoadCommentsParams {
        room_id: room.room_id,
        page: None,
        limit: Some(25),
    };
    let search = SearchMessagesParams {
        user_email: ALICE.into(),
        query: "héllo #2".into(),
        room_id: None,
    };
    let expected = (
        c.user_profile(ALICE).await.unwrap(),
        c.load_comments(&load).await.unwrap(),
        c.search_messages(&search).await.unwrap(),
        c.get_user_rooms(&GetUserRoomsParams::new(ALICE))
            .await
            .unwrap(),
    );
    let (load2, search2) = (load.clone(), search.clone());
    let got = on_thread(caller, &c, move |c| async move {
        (
            c.user_profile(ALICE).await.unwrap(),
            c.load_comments(&load2).await.unwrap(),
            c.search_messages(&search2).await.unwrap(),
            c.get_user_rooms(&GetUserRoomsParams::new(ALICE))
                .await
                .unwrap(),
        )
    })
    .await;
    assert_eq!(got, expected);
    assert_eq!(got.0.id, alice.id);
    assert_eq!(got.1.len(), 25);
    assert!(!got.2.is_empty());

    // A post through the blocking I/O is stored once and answered with itself.
    let posted = on_thread(caller, &c, move |c| async move {
        c.post_comment(&PostCommentParams::text(
            room.room_id,
            BOB,
            "from a plain thread",
        ))
        .await
        .unwrap()
    })
    .await;
    let stored = admin_comments(&h, room.room_id).await;
    let same: Vec<_> = stored
        .iter()
        .filter(|s| s["message"] == "from a plain thread")
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0]["id"].as_i64(), Some(posted.id));
}

per_caller! {
    /// The error answers: the same error kinds, with the same details.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    fails_as_the_runtime_client_fails => fails_as_the_runtime_client_fails_by
}

async fn fails_as_the_runtime_client_fails_by(caller: Caller) {
    let (h, c) = start_default().await;
    register(&c, ALICE, "Alice").await;

    let unknown = on_thread(caller, &c, |c| async move {
        c.user_profile("nobody@example.com").await
    })
    .await;
    let expected = c.user_profile("nobody@example.com").await;
    assert!(matches!(&unknown, Err(Error::NotFound { call, .. }) if call == "user_profile"));
    assert_eq!(format!("{unknown:?}"), format!("{expected:?}"));

    let wrong = Client::builder(h.app_id(), "not-the-secret")
        .base_url(h.base_url())
        .build()
        .unwrap();
    let refused = alice_profile(caller, &wrong).await;
    assert!(
        matches!(refused, Err(Error::Unauthorized { .. })),
        "{refused:?}"
    );

    // The size limit holds on the blocking path too.
    let small = Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .max_response_bytes(100)
        .build()
        .unwrap();
    let big = alice_profile(caller, &small).await;
    assert!(
        matches!(
            big,
            Err(Error::ResponseTooLarge {
                limit_bytes: 100,
                ..
            })
        ),
        "{big:?}"
    );

    // 503s are retried, then reported with the attempts made.
    h.set_faults(Faults {
        error_503: 1.0,
        ..Faults::default()
    });
    let policy = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let before = h.stats().requests;
    let unavailable = alice_profile(caller, &client_with(&h, policy)).await;
    assert!(
        matches!(
            unavailable,
            Err(Error::Api {
                status: 503,
                attempts: 3,
                ..
            })
        ),
        "{unavailable:?}"
    );
    assert_eq!(h.stats().requests - before, 3);

    // A 429's Retry-After is read and waited for.
    h.set_faults(Faults {
        rate_limit_429: 1.0,
        retry_after_secs: 30,
        ..Faults::default()
    });
    let limited = alice_profile(caller, &client_with(&h, RetryPolicy::default())).await;
    assert!(
        matches!(&limited, Err(Error::RateLimited { attempts: 1, retry_after: Some(d), .. }) if *d == Duration::from_secs(30)),
        "{limited:?}"
    );

    // A slow answer times out after the client's timeout.
    h.set_faults(Faults {
        latency: 1.0,
        latency_ms: 1_000,
        ..Faults::default()
    });
    let slow = Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let late = alice_profile(caller, &slow).await;
    assert!(
        matches!(late, Err(Error::Timeout { attempts: 1, .. })),
        "{late:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    h.set_faults(Faults::default());
}

per_caller! {
    /// A refused connection never reached the server, so even create_room is retried; an answer
    /// lost after the request was sent is not retried for create_room, and is for a keyed post.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    retries_only_what_is_safe_to_repeat => retries_only_what_is_safe_to_repeat_by
}

async fn retries_only_what_is_safe_to_repeat_by(caller: Caller) {
    let h = start(EmulatorConfig::default()).await;
    let c = client(&h);
    register(&c, ALICE, "Alice").await;
    register(&c, BOB, "Bob").await;

    let nowhere = client_of_closed_port().await;
    let err = room_of_alice_and_bob(caller, &nowhere, "Never")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Connection { attempts: 3, history, .. } if history.len() == 2),
        "refused connections are retried even for create_room: {err:?}"
    );

    h.set_faults(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });
    let before = h.stats().requests;
    let err = room_of_alice_and_bob(caller, &c, "Once").await.unwrap_err();
    assert!(
        matches!(&err, Error::Connection { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(h.stats().requests - before, 1, "not repeated");

    let before = h.stats().requests;
    let err = on_thread(caller, &c, |c| async move {
        c.post_comment(&PostCommentParams::text(1, ALICE, "kept once").unique_temp_id("k-1"))
            .await
    })
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Connection { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(h.stats().requests - before, 3);
    h.set_faults(Faults::default());

    let rooms = c
        .get_user_rooms(&GetUserRoomsParams::new(ALICE))
        .await
        .unwrap();
    assert_eq!(
        rooms
            .rooms_info
            .iter()
            .filter(|r| r.room_name == "Once")
            .count(),
        1,
        "exactly one room was created"
    );
    let stored = admin_comments(&h, 1).await;
    assert_eq!(
        stored
            .iter()
            .filter(|s| s["unique_temp_id"] == "k-1")
            .count(),
        1
    );
}

per_caller! {
    /// Connections are kept and shared: 40 calls in a row use one, and 8 threads calling at once
    /// use at most 8 (a blocking thread reuses what another returned).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    keeps_connections_and_shares_them_between_threads => keeps_connections_and_shares_them_between_threads_by
}

async fn keeps_connections_and_shares_them_between_threads_by(caller: Caller) {
    let r = recorder(r#"{"results":{"user":{"id":1,"email":"a@b.c"}},"status":200}"#).await;
    let c = client_for(&r.url);
    on_thread(caller, &c, |c| async move {
        for _ in 0..40 {
            c.user_profile(ALICE).await.unwrap();
        }
    })
    .await;
    assert_eq!(r.connections.load(Ordering::SeqCst), 1);

    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                on_thread(caller, &c, |c| async move {
                    for _ in 0..20 {
                        c.user_profile(ALICE).await.unwrap();
                    }
                })
                .await
            })
        })
        .collect();
    for t in threads {
        t.await.unwrap();
    }
    // An event loop's connections are its own: each of the 8 opens one.
    let connections = r.connections.load(Ordering::SeqCst) - 1;
    assert!((1..=8).contains(&connections), "{connections} connections");
    assert_eq!(sent(&r).len(), 40 + 8 * 20);

    // A connection that the server closed after its answer is noticed before reuse: each call
    // opens another, and none fails.
    let closing = recorder_closing_each().await;
    let c = client_for(&closing.0);
    on_thread(caller, &c, |c| async move {
        for _ in 0..5 {
            c.user_profile(ALICE).await.unwrap();
        }
    })
    .await;
    assert_eq!(
        closing.1.load(Ordering::SeqCst),
        5,
        "one connection per answer"
    );
}

/// A server that answers one request per connection and then closes it.
async fn recorder_closing_each() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if read_request(&mut sock).await.is_some() {
                    write_json(
                        &mut sock,
                        200,
                        r#"{"results":{"user":{"id":1,"email":"a@b.c"}},"status":200}"#,
                    )
                    .await;
                }
            });
        }
    });
    (url, count)
}

/// The blocking I/O needs no runtime at all for a call that is not retried: it runs on a plain
/// thread under a minimal executor, where the default client's I/O could not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn does_its_io_on_the_calling_thread() {
    let (_h, c) = start_default().await;
    register(&c, ALICE, "Alice").await;
    let blocking = c.with_blocking_io();
    let email = std::thread::spawn(move || {
        futures::executor::block_on(blocking.user_profile(ALICE))
            .map(|u| u.email)
            .map_err(|e| e.to_string())
    })
    .join()
    .expect("no runtime was needed");
    assert_eq!(email.as_deref(), Ok(ALICE));

    let default = c.clone();
    let without_runtime = std::thread::spawn(move || {
        futures::executor::block_on(default.user_profile(ALICE)).is_ok()
    })
    .join();
    assert!(
        !matches!(without_runtime, Ok(true)),
        "the default client's I/O needs its runtime"
    );
}

per_caller! {
    #[tokio::test]
    a_redirect_is_an_error_naming_where_it_pointed_and_is_never_followed => a_redirect_is_an_error_naming_where_it_pointed_and_is_never_followed_by
}

async fn a_redirect_is_an_error_naming_where_it_pointed_and_is_never_followed_by(caller: Caller) {
    // The API never redirects; following one would carry the secret (a header neither HTTP
    // stack knows as a credential) to the place it names, and turn a POST into a GET.
    let elsewhere = recorder(r#"{"results":{}}"#).await;
    for status in [301, 302, 303, 307, 308] {
        let target = format!("{}/api/v2/rest/login_or_register", elsewhere.url);
        let (api, asked) = redirector(status, target.clone()).await;
        let c = client_for(&api);
        let params = LoginOrRegisterParams::new(ALICE, "Alice");
        let on_runtime = c.login_or_register(&params).await.unwrap_err();
        let blocking = on_thread(caller, &c, move |c| async move {
            c.login_or_register(&params).await
        })
        .await
        .unwrap_err();
        for e in [&on_runtime, &blocking] {
            assert_eq!(e.status(), Some(status), "{e:?}");
            let text = e.to_string();
            assert!(
                text.contains(&target) && text.contains("base_url"),
                "{text}"
            );
        }
        assert_eq!(on_runtime.to_string(), blocking.to_string());
        // Asked once by each client: a redirect is final, not retried.
        assert_eq!(asked.lock().unwrap().len(), 2, "status {status}");
    }
    assert!(elsewhere.requests.lock().unwrap().is_empty());
}

/// An event loop's calls keep their connections in its reactor; a call dropped midway (a
/// cancelled coroutine) closes its connection, which the server sees end, and the next call on
/// that loop opens another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loops_connections_are_its_own_and_a_dropped_call_closes_its_own() {
    let r = recorder(r#"{"results":{"user":{"id":1,"email":"a@b.c"}},"status":200}"#).await;
    let c = client_for(&r.url);
    let rt = tokio::runtime::Handle::current();
    let idle = tokio::task::spawn_blocking(move || {
        let _runtime = rt.enter();
        event_loop(|reactor| async move {
            let c = c.with_loop_io(reactor.clone());
            let mut idle = vec![reactor.idle_connections()];
            for _ in 0..3 {
                c.user_profile(ALICE).await.unwrap();
                idle.push(reactor.idle_connections());
            }
            idle
        })
    })
    .await
    .unwrap();
    assert_eq!(idle, [0, 1, 1, 1]);
    assert_eq!(r.connections.load(Ordering::SeqCst), 1);

    // A server that reads each request, never answers, and reports each connection's end.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (ended, ends) = std::sync::mpsc::channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let ended = ended.clone();
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let asked = read_request(&mut sock).await.is_some();
                let mut rest = Vec::new();
                let _ = sock.read_to_end(&mut rest).await;
                ended.send(asked).unwrap();
            });
        }
    });
    let c = client_for(&url);
    let rt = tokio::runtime::Handle::current();
    let left = tokio::task::spawn_blocking(move || {
        let _runtime = rt.enter();
        event_loop(|reactor| async move {
            let c = c.with_loop_io(reactor.clone());
            let mut call = Box::pin(c.user_profile(ALICE));
            let waited = tokio::time::timeout(Duration::from_millis(300), &mut call).await;
            assert!(waited.is_err(), "the server never answers");
            drop(call);
            reactor.idle_connections()
        })
    })
    .await
    .unwrap();
    assert_eq!(left, 0, "a dropped call's connection is not pooled");
    let asked = ends
        .recv_timeout(Duration::from_secs(5))
        .expect("the dropped call's connection was closed");
    assert!(asked, "the request had been sent");
}

/// A server answering every request with `body` in chunks of `chunk` bytes, without a length
/// (`Transfer-Encoding: chunked`); returns its base URL.
async fn chunked_server(body: String, chunk: usize) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                while read_request(&mut sock).await.is_some() {
                    let mut answer = String::from(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         transfer-encoding: chunked\r\n\r\n",
                    );
                    for part in body.as_bytes().chunks(chunk) {
                        let part = std::str::from_utf8(part).unwrap();
                        answer.push_str(&format!("{:x}\r\n{part}\r\n", part.len()));
                    }
                    answer.push_str("0\r\n\r\n");
                    if sock.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

per_caller! {
    /// A body sent without a length is read whole when it fits the size limit, and refused as
    /// it comes once it passes the limit, as the runtime client reads and refuses it.
    #[tokio::test]
    a_body_without_a_length_is_read_whole_or_capped_as_it_comes => a_body_without_a_length_is_read_whole_or_capped_as_it_comes_by
}

async fn a_body_without_a_length_is_read_whole_or_capped_as_it_comes_by(caller: Caller) {
    let name = "n".repeat(3000);
    let body = format!(
        r#"{{"results":{{"user":{{"id":7,"email":"{ALICE}","username":"{name}"}}}},"status":200}}"#
    );
    let size = body.len() as u64;
    let url = chunked_server(body, 500).await;
    let name = name.as_str();
    let client = |limit: u64| {
        Client::builder("app-id", "very-secret")
            .base_url(&url)
            .max_response_bytes(limit)
            .build()
            .unwrap()
    };

    let fits = client(size);
    let expected = fits.user_profile(ALICE).await.unwrap();
    let read = alice_profile(caller, &fits).await.unwrap();
    assert_eq!(read, expected);
    assert_eq!((read.id, read.username.as_deref()), (7, Some(name)));

    let small = client(size - 1);
    let on_runtime = small.user_profile(ALICE).await.unwrap_err();
    let capped = alice_profile(caller, &small).await.unwrap_err();
    for e in [&on_runtime, &capped] {
        assert!(
            matches!(e, Error::ResponseTooLarge { limit_bytes, .. } if *limit_bytes == size - 1),
            "{e:?}"
        );
    }
    assert_eq!(format!("{capped:?}"), format!("{on_runtime:?}"));
}
