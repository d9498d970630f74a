//! The reliability proof: under injected faults, no message is lost or stored twice.
//!
//! Every comment posted carries a `unique_temp_id` (generated once per call and kept across
//! retries), so a retry after a lost answer returns the stored comment instead of a second one.
//! These tests post through a faulty emulator and then compare what the calls answered with what
//! the server stored, read through the admin path (which is never subject to faults).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use qiscus::*;
use qiscus_emulator::{EmulatorConfig, EmulatorHandle, Faults};
use tokio::net::{TcpListener, TcpStream};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CALLS: usize = 1_000;
const TASKS: usize = 16;

/// 20% of requests fail, mixed: 500, 503, 429 (Retry-After: 1), dropped before handling (nothing
/// stored) and dropped after handling (stored, but the answer is lost).
fn mixed_faults() -> Faults {
    Faults {
        error_500: 0.04,
        error_503: 0.04,
        rate_limit_429: 0.04,
        retry_after_secs: 1,
        drop_before: 0.04,
        drop_after: 0.04,
        ..Faults::default()
    }
}

/// An emulator with a seeded fault RNG (faults off), Alice and Bob, and a room of theirs.
async fn setup(seed: u64) -> (EmulatorHandle, i64) {
    let h = start(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .await;
    h.set_faults(Faults::default());
    let c = client(&h);
    register(&c, ALICE, "Alice").await;
    register(&c, BOB, "Bob").await;
    let room = c
        .create_room(&CreateRoomParams::new("Reliability", ALICE, [BOB]))
        .await
        .unwrap()
        .room_id;
    (h, room)
}

/// What a run of posts produced, compared with what the server stored.
struct Tally {
    calls: usize,
    ok: usize,
    errors: Vec<(usize, Error)>,
    stored: usize,
    duplicates: usize,
    /// Messages stored although their call returned an error.
    stored_despite_error: Vec<usize>,
}

impl Tally {
    fn line(&self) -> String {
        format!(
            "faults: calls={} ok={} errors={} stored={} duplicates={}",
            self.calls,
            self.ok,
            self.errors.len(),
            self.stored,
            self.duplicates
        )
    }
}

fn message(i: usize) -> String {
    format!("reliable message #{i:04}")
}

/// How the posts of [`post_under_faults`] are made.
#[derive(Clone, Copy, PartialEq)]
enum Callers {
    /// Tasks on the runtime, awaiting the client.
    Tasks,
    /// Plain threads, each polling its calls with a blocking executor through
    /// `Client::with_blocking_io`: the bindings' blocking calls.
    BlockingThreads,
}

/// Posts `CALLS` text comments from `TASKS` concurrent callers through one client, under the
/// faults given, then turns faults off and counts what was stored.
async fn post_under_faults(
    h: &EmulatorHandle,
    room: i64,
    client: Client,
    faults: Faults,
    callers: Callers,
) -> Tally {
    h.set_faults(faults);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = match callers {
                Callers::Tasks => client.clone(),
                Callers::BlockingThreads => client.with_blocking_io(),
            };
            let next = next.clone();
            // No unique_temp_id given: the client generates one and keeps it across its retries.
            let calls = async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= CALLS {
                        return out;
                    }
                    let sender = if i % 2 == 0 { ALICE } else { BOB };
                    let r = client
                        .post_comment(&PostCommentParams::text(room, sender, message(i)))
                        .await;
                    out.push((i, r));
                }
            };
            match callers {
                Callers::Tasks => tokio::spawn(calls),
                Callers::BlockingThreads => {
                    let rt = tokio::runtime::Handle::current();
                    tokio::task::spawn_blocking(move || rt.block_on(calls))
                }
            }
        })
        .collect();
    let mut results = Vec::with_capacity(CALLS);
    for t in tasks {
        // A panic inside a call would surface here as a JoinError.
        results.extend(t.await.expect("a post_comment call panicked"));
    }
    h.set_faults(Faults::default());
    assert_eq!(results.len(), CALLS);

    let mut ok = 0;
    let mut errors = Vec::new();
    let mut answered: HashMap<String, i64> = HashMap::new();
    for (i, r) in results {
        match r {
            Ok(c) => {
                ok += 1;
                assert_eq!(c.message, message(i), "the answer is this call's comment");
                answered.insert(message(i), c.id);
            }
            Err(e) => errors.push((i, e)),
        }
    }

    let stored = admin_comments(h, room).await;
    let posted: HashSet<String> = (0..CALLS).map(message).collect();
    let mut seen_msgs = HashSet::new();
    let mut seen_keys = HashSet::new();
    let mut duplicates = 0;
    for c in &stored {
        let msg = c["message"].as_str().unwrap().to_owned();
        let key = c["unique_temp_id"].as_str().unwrap().to_owned();
        let fresh_msg = seen_msgs.insert(msg.clone());
        let fresh_key = seen_keys.insert(key);
        if !fresh_msg || !fresh_key || !posted.contains(&msg) {
            duplicates += 1;
        }
    }
    // Every successful call's comment is stored, under the id it answered with.
    for c in &stored {
        if let Some(id) = answered.get(c["message"].as_str().unwrap()) {
            assert_eq!(c["id"].as_i64(), Some(*id));
        }
    }
    let missing: Vec<&String> = answered
        .keys()
        .filter(|m| !seen_msgs.contains(*m))
        .collect();
    assert!(
        missing.is_empty(),
        "answered ok but not stored: {missing:?}"
    );
    let stored_despite_error = errors
        .iter()
        .filter(|(i, _)| seen_msgs.contains(&message(*i)))
        .map(|(i, _)| *i)
        .collect();
    Tally {
        calls: CALLS,
        ok,
        errors,
        stored: stored.len(),
        duplicates,
        stored_despite_error,
    }
}

/// Every error is one of the kinds the faults produce, with its details filled in.
fn assert_clear_errors(errors: &[(usize, Error)]) {
    for (i, e) in errors {
        let shown = e.to_string();
        assert!(shown.starts_with("post_comment"), "call #{i}: {shown}");
        match e {
            Error::Api {
                status: 500 | 503,
                attempts,
                ..
            } => assert!(*attempts >= 1),
            Error::RateLimited {
                retry_after: Some(d),
                attempts,
                ..
            } => {
                assert_eq!(*d, Duration::from_secs(1));
                assert!(*attempts >= 1);
            }
            Error::Connection {
                attempts, reason, ..
            } => {
                assert!(*attempts >= 1);
                assert!(!reason.is_empty());
            }
            other => panic!("call #{i}: unexpected error kind {other:?}"),
        }
    }
}

/// 1,000 posts through 20% mixed faults with a generous retry policy: every call succeeds and
/// every comment is stored exactly once.
///
/// The policy differs from the default in four ways, chosen so that the result is certain rather
/// than likely: `max_retries` 10 (with 20% faults a call fails all of 7 attempts with probability
/// 0.2^7 ≈ 1.3e-5, which over 1,000 calls would make the test flaky ~1.3% of the time; with 11
/// attempts it is ~2e-5 per run), `base_delay` 20 ms and `max_delay` 500 ms (full jitter kept) to
/// keep the run short, `max_retry_after` 2 s (the injected 429s ask for 1 s), and a retry budget
/// of 1,000 tokens: the default 10-token bucket stops retrying during a chance burst of failures
/// among 16 concurrent tasks, which is its purpose under a real outage, but would make this
/// exact-count test depend on luck. `retry_budget_stops_retries_when_everything_fails` covers the
/// budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_posts_through_twenty_percent_faults_lose_and_duplicate_nothing() {
    posts_through_faults(Callers::Tasks).await;
}

/// The same from 16 plain threads through the blocking I/O (`Client::with_blocking_io`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_blocking_posts_through_twenty_percent_faults_lose_and_duplicate_nothing() {
    posts_through_faults(Callers::BlockingThreads).await;
}

async fn posts_through_faults(callers: Callers) {
    let started = Instant::now();
    let (h, room) = setup(20_240_601).await;
    let policy = RetryPolicy {
        max_retries: 10,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        max_retry_after: Duration::from_secs(2),
        budget_tokens: 1_000,
        budget_ratio: 0.5,
    };
    let before = h.stats();
    let tally = post_under_faults(&h, room, client_with(&h, policy), mixed_faults(), callers).await;
    let stats = h.stats();
    println!("{}", tally.line());
    println!(
        "  requests={} injected: 500={} 503={} 429={} drop_before={} drop_after={} in {:.1}s",
        stats.requests - before.requests,
        stats.errors_500 - before.errors_500,
        stats.errors_503 - before.errors_503,
        stats.rate_limited - before.rate_limited,
        stats.dropped_before - before.dropped_before,
        stats.dropped_after - before.dropped_after,
        started.elapsed().as_secs_f64()
    );

    assert_clear_errors(&tally.errors);
    assert_eq!(tally.calls, CALLS);
    assert_eq!(tally.ok + tally.errors.len(), CALLS);
    assert_eq!(tally.duplicates, 0, "no comment stored twice");
    assert_eq!(tally.stored, tally.ok, "every ok call stored exactly once");
    assert_eq!(tally.ok, CALLS, "errors: {:?}", tally.errors);
    assert_eq!(tally.stored, CALLS);
    // The faults really fired, including lost answers that the retries recovered from.
    assert!(stats.faults_injected - before.faults_injected > 100);
    assert!(stats.dropped_after > 0 && stats.rate_limited > 0);
}

/// The same run without retries: errors surface, but nothing is ever stored twice, and a comment
/// stored without an ok answer is always one whose answer was lost on the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_posts_without_retries_surface_errors_and_never_duplicate() {
    posts_without_retries(Callers::Tasks).await;
}

/// The same from 16 plain threads through the blocking I/O: its errors tell a lost answer (the
/// request was sent) from a refused one just as the runtime's do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_blocking_posts_without_retries_surface_errors_and_never_duplicate() {
    posts_without_retries(Callers::BlockingThreads).await;
}

async fn posts_without_retries(callers: Callers) {
    let (h, room) = setup(7).await;
    let before = h.stats();
    let tally = post_under_faults(
        &h,
        room,
        client_with(&h, RetryPolicy::none()),
        mixed_faults(),
        callers,
    )
    .await;
    let stats = h.stats();
    println!(
        "thousand_posts_without_retries_surface_errors_and_never_duplicate: {}",
        tally.line()
    );

    assert_clear_errors(&tally.errors);
    assert_eq!(
        stats.requests - before.requests,
        CALLS as u64,
        "one attempt per call"
    );
    assert!(!tally.errors.is_empty(), "faults surface as errors");
    assert_eq!(tally.ok + tally.errors.len(), CALLS);
    assert!(tally.stored >= tally.ok);
    assert_eq!(tally.duplicates, 0);
    assert_eq!(tally.stored, tally.ok + tally.stored_despite_error.len());
    for (i, e) in &tally.errors {
        assert!(
            matches!(
                e,
                Error::Api { attempts: 1, .. }
                    | Error::RateLimited { attempts: 1, .. }
                    | Error::Connection { attempts: 1, .. }
            ),
            "call #{i}: one attempt only: {e:?}"
        );
        if tally.stored_despite_error.contains(i) {
            assert!(
                matches!(e, Error::Connection { .. }),
                "call #{i} was stored, so its error must be a lost answer: {e:?}"
            );
        }
    }
    // Answers lost after handling are exactly the stored-despite-error ones.
    assert_eq!(
        tally.stored_despite_error.len() as u64,
        stats.dropped_after - before.dropped_after
    );
}

/// create_room makes a new room on every call, so it is not repeated once the request may have
/// reached the server; post_comment, keyed by unique_temp_id, is.
#[tokio::test]
async fn create_room_is_not_retried_after_a_lost_answer() {
    let (h, _room) = setup(1).await;
    h.set_faults(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });

    let before = h.stats().requests;
    let err = client(&h)
        .create_room(&CreateRoomParams::new("Once", ALICE, [BOB]))
        .await
        .unwrap_err();
    match &err {
        Error::Connection {
            call,
            attempts,
            history,
            ..
        } => {
            assert_eq!(call, "create_room");
            assert_eq!(*attempts, 1, "not retried: the server may have created it");
            assert!(history.is_empty());
        }
        other => panic!("expected a Connection error, got {other:?}"),
    }
    assert_eq!(h.stats().requests - before, 1);

    // A keyed post_comment under the same faults is retried (and still stored once).
    let before = h.stats().requests;
    let err = client(&h)
        .post_comment(&PostCommentParams::text(1, ALICE, "kept once").unique_temp_id("k-1"))
        .await
        .unwrap_err();
    match &err {
        Error::Connection {
            attempts, history, ..
        } => {
            assert_eq!(*attempts, 3, "default policy: 1 + 2 retries");
            assert_eq!(history.len(), 2);
        }
        other => panic!("expected a Connection error, got {other:?}"),
    }
    assert_eq!(h.stats().requests - before, 3);

    h.set_faults(Faults::default());
    let c = client(&h);
    let rooms = c
        .get_user_rooms(&GetUserRoomsParams::new(ALICE))
        .await
        .unwrap();
    let once: Vec<_> = rooms
        .rooms_info
        .iter()
        .filter(|r| r.room_name == "Once")
        .collect();
    assert_eq!(once.len(), 1, "exactly one room was created");
    let stored = admin_comments(&h, 1).await;
    assert_eq!(
        stored
            .iter()
            .filter(|c| c["unique_temp_id"] == "k-1")
            .count(),
        1
    );
}

/// A refused connection never reached the server, so even create_room is retried: the call
/// starts while nothing listens and succeeds once a listener appears.
#[tokio::test]
async fn create_room_is_retried_after_a_refused_connection() {
    let (h, _room) = setup(2).await;
    // A port with nothing on it, then, 300 ms later, a forwarder to the emulator on it.
    let url = closed_port_url().await;
    let port_addr = url.trim_start_matches("http://").to_owned();
    let target = h.addr();
    let forwarder = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = TcpListener::bind(&port_addr)
            .await
            .expect("rebind the port");
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let c = Client::builder(h.app_id(), h.secret())
        .base_url(&url)
        .retry(RetryPolicy {
            max_retries: 40,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(100),
            budget_tokens: 100,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let before = h.stats().requests;
    let started = Instant::now();
    let room = c
        .create_room(&CreateRoomParams::new("After refusal", ALICE, [BOB]))
        .await
        .expect("retried until the listener came up");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the first attempts were refused"
    );
    assert_eq!(room.room_name, "After refusal");
    assert_eq!(
        h.stats().requests - before,
        1,
        "only one request reached the server"
    );
    let rooms = client(&h)
        .get_user_rooms(&GetUserRoomsParams::new(ALICE))
        .await
        .unwrap();
    assert_eq!(
        rooms
            .rooms_info
            .iter()
            .filter(|r| r.room_name == "After refusal")
            .count(),
        1
    );
    forwarder.abort();

    // With nothing ever listening, the error says how many attempts were made.
    let nowhere = client_of_closed_port().await;
    let err = nowhere
        .create_room(&CreateRoomParams::new("Never", ALICE, [BOB]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Connection { attempts: 3, history, .. } if history.len() == 2),
        "{err:?}"
    );
}

/// The last error of a call that kept failing says how many attempts were made.
#[tokio::test]
async fn errors_after_the_last_attempt_count_the_attempts() {
    let (h, _room) = setup(3).await;
    let policy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };

    h.set_faults(Faults {
        error_503: 1.0,
        ..Faults::default()
    });
    let before = h.stats().requests;
    let err = client_with(&h, policy.clone())
        .user_profile(ALICE)
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            call,
            status: 503,
            attempts,
            reason,
            ..
        } => {
            assert_eq!(call, "user_profile");
            assert_eq!(*attempts, policy.max_retries + 1);
            assert!(reason.contains("service unavailable"), "{reason}");
        }
        other => panic!("expected a 503, got {other:?}"),
    }
    assert_eq!(
        h.stats().requests - before,
        u64::from(policy.max_retries + 1)
    );

    // Dropped connections: the history lists each earlier attempt.
    h.set_faults(Faults {
        drop_before: 1.0,
        ..Faults::default()
    });
    let err = client_with(&h, policy.clone())
        .post_comment(&PostCommentParams::text(1, ALICE, "lost"))
        .await
        .unwrap_err();
    match &err {
        Error::Connection {
            attempts, history, ..
        } => {
            assert_eq!(*attempts, 4);
            assert_eq!(history.len(), 3);
            assert!(history[0].starts_with("attempt 1:"), "{history:?}");
        }
        other => panic!("expected Connection, got {other:?}"),
    }
    assert!(err.to_string().contains("after 4 attempt(s)"), "{err}");

    // A Retry-After longer than max_retry_after is returned at once.
    h.set_faults(Faults {
        rate_limit_429: 1.0,
        retry_after_secs: 30,
        ..Faults::default()
    });
    let started = Instant::now();
    let err = client_with(&h, policy)
        .user_profile(ALICE)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(&err, Error::RateLimited { attempts: 1, retry_after: Some(d), .. } if *d == Duration::from_secs(30)),
        "{err:?}"
    );
}

/// When everything fails, the shared retry budget stops retries: the server sees little more
/// than one request per call instead of `max_retries + 1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_budget_stops_retries_when_everything_fails() {
    let (h, _room) = setup(4).await;
    h.set_faults(Faults {
        error_503: 1.0,
        ..Faults::default()
    });
    // A small budget makes the effect plain: 10 tokens allow about 5 retries in a row.
    let policy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        budget_tokens: 10,
        ..RetryPolicy::default()
    };
    let c = client_with(&h, policy.clone());
    let calls = 100u64;
    let before = h.stats().requests;
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.user_profile(ALICE).await })
        })
        .collect();
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(
            matches!(err, Error::Api { status: 503, attempts, .. } if attempts <= policy.max_retries + 1),
            "{err:?}"
        );
    }
    let requests = h.stats().requests - before;
    let without_budget = calls * u64::from(policy.max_retries + 1);
    println!(
        "retry budget: calls={calls} requests={requests} (without a budget: {without_budget})"
    );
    assert!(requests >= calls);
    assert!(
        requests <= calls + u64::from(policy.budget_tokens),
        "at most the budget's tokens in retries: {requests}"
    );
    assert!(requests * 3 < without_budget, "{requests} requests");

    // Once the server recovers, calls succeed again and refill the budget.
    h.set_faults(Faults::default());
    for _ in 0..20 {
        c.user_profile(ALICE).await.unwrap();
    }
    h.set_faults(Faults {
        error_503: 1.0,
        ..Faults::default()
    });
    let before = h.stats().requests;
    let err = c.user_profile(ALICE).await.unwrap_err();
    assert!(
        matches!(err, Error::Api { attempts: 4, .. }),
        "retries resume after successes: {err:?}"
    );
    assert_eq!(h.stats().requests - before, 4);
}
