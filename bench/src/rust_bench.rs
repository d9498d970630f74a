//! Comparison a: the Rust core (`qiscus::Client`) against bare reqwest + `serde_json::Value`.
//!
//! Both sides send the same requests (same method, path, query or JSON body, and the same
//! `QISCUS_SDK_SECRET`, `QISCUS_SDK_APP_ID` and `User-Agent` headers) to the same server in the
//! same process and runtime. The peer does what a user of bare reqwest would: build the request,
//! check the status, parse the body into a `Value` and read the result out of it. Each side runs
//! `rounds` alternating slices of `secs / rounds` seconds after a short warm-up, so that a
//! change of background load hits both alike.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qiscus::{LoadCommentsParams, LoginOrRegisterParams, PostCommentParams};
use reqwest::header::{HeaderMap, HeaderValue, USER_AGENT};
use serde_json::{json, Value};

use crate::{arg, BoxError, APP_ID, MESSAGE, PASSWORD, SECRET, SENDER, SENDER_NAME};

type CallFuture = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;
type Call = Arc<dyn Fn() -> CallFuture + Send + Sync>;

/// What one side did in one measurement.
#[derive(Default)]
pub struct Sample {
    /// Calls that completed.
    pub calls: u64,
    /// Wall-clock seconds the calls took (summed over slices).
    pub seconds: f64,
    /// Each call's latency in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Sample {
    fn add(&mut self, other: Sample) {
        self.calls += other.calls;
        self.seconds += other.seconds;
        self.latencies_us.extend(other.latencies_us);
    }

    fn rate(&self) -> f64 {
        self.calls as f64 / self.seconds
    }

    fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Runs `call` from `concurrency` tasks until `duration` has passed.
async fn run(call: &Call, concurrency: usize, duration: Duration) -> Result<Sample, BoxError> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            loop {
                let t = Instant::now();
                if t >= deadline {
                    break;
                }
                call().await?;
                lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
            }
            Ok::<Vec<u32>, BoxError>(lat)
        }));
    }
    let mut sample = Sample::default();
    for t in tasks {
        let lat = t.await??;
        sample.calls += lat.len() as u64;
        sample.latencies_us.extend(lat);
    }
    sample.seconds = started.elapsed().as_secs_f64();
    Ok(sample)
}

/// A call of the bench: `f` is given its own clone of `state` each time.
fn call<T, F, Fut>(state: &T, f: F) -> Call
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let state = state.clone();
    Arc::new(move || Box::pin(f(state.clone())) as CallFuture)
}

struct Setup {
    ours: qiscus::Client,
    peer: reqwest::Client,
    api: String,
    room: i64,
}

/// Every load_comments call must return a full page.
fn full_page(len: usize, limit: u32) -> Result<(), BoxError> {
    if len == limit as usize {
        Ok(())
    } else {
        Err(format!("{len} comments").into())
    }
}

/// The four calls, as (name, ours, peer).
fn calls(s: &Arc<Setup>) -> Vec<(&'static str, Call, Call)> {
    let mut out: Vec<(&'static str, Call, Call)> = vec![(
        "post_comment",
        call(s, |s| async move {
            let c = s
                .ours
                .post_comment(&PostCommentParams::text(s.room, crate::SENDER, MESSAGE))
                .await?;
            black_box(c.id);
            Ok(())
        }),
        call(s, |s| async move {
            let body = json!({
                "sender_email": SENDER,
                "room_id": s.room.to_string(),
                "message": MESSAGE,
                "type": "text",
                "unique_temp_id": format!("rs-{}", uuid::Uuid::new_v4().simple()),
                "disable_link_preview": false,
            });
            let v: Value = s
                .peer
                .post(format!("{}post_comment", s.api))
                .json(&body)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            black_box(
                v["results"]["comment"]["id"]
                    .as_i64()
                    .ok_or("no comment id")?,
            );
            Ok(())
        }),
    )];

    for (name, limit) in [("load_comments_20", 20u32), ("load_comments_100", 100)] {
        out.push((
            name,
            call(s, move |s| async move {
                let comments = s
                    .ours
                    .load_comments(&LoadCommentsParams {
                        room_id: s.room,
                        page: None,
                        limit: Some(limit),
                    })
                    .await?;
                full_page(comments.len(), limit)?;
                black_box(&comments[0].message);
                Ok(())
            }),
            call(s, move |s| async move {
                let v: Value = s
                    .peer
                    .get(format!("{}load_comments", s.api))
                    .query(&[
                        ("room_id", s.room.to_string()),
                        ("limit", limit.to_string()),
                    ])
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let comments = v["results"]["comments"].as_array().ok_or("no comments")?;
                full_page(comments.len(), limit)?;
                black_box(&comments[0]["message"]);
                Ok(())
            }),
        ));
    }

    out.push((
        "login_or_register",
        call(s, |s| async move {
            let u = s
                .ours
                .login_or_register(&LoginOrRegisterParams {
                    password: Some(PASSWORD.into()),
                    ..LoginOrRegisterParams::new(SENDER, SENDER_NAME)
                })
                .await?;
            black_box(u.id);
            Ok(())
        }),
        call(s, |s| async move {
            let v: Value = s
                .peer
                .post(format!("{}login_or_register", s.api))
                .json(&json!({"email": SENDER, "username": SENDER_NAME, "password": PASSWORD}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            black_box(v["results"]["user"]["id"].as_i64().ok_or("no user id")?);
            Ok(())
        }),
    ));
    out
}

async fn bench(
    url: String,
    room: i64,
    secs: f64,
    rounds: u32,
    only: Option<String>,
    side: Option<String>,
    concurrencies: Vec<usize>,
) -> Result<Vec<Value>, BoxError> {
    let run_ours = side.as_deref() != Some("peer");
    let run_peer = side.as_deref() != Some("ours");
    let (ours, peer) = clients(&url)?;
    let setup = Arc::new(Setup {
        api: format!("{}/api/v2/rest/", url.trim_end_matches('/')),
        ours,
        peer,
        room,
    });
    let slice = Duration::from_secs_f64(secs / rounds as f64);
    let warm = Duration::from_millis(300);
    let mut rows = Vec::new();
    for concurrency in concurrencies {
        for (call, ours, peer) in calls(&setup) {
            if only.as_deref().is_some_and(|o| o != call) {
                continue;
            }
            if run_ours {
                run(&ours, concurrency, warm).await?;
            }
            if run_peer {
                run(&peer, concurrency, warm).await?;
            }
            let (mut o, mut p) = (Sample::default(), Sample::default());
            for _ in 0..rounds {
                if run_ours {
                    o.add(run(&ours, concurrency, slice).await?);
                }
                if run_peer {
                    p.add(run(&peer, concurrency, slice).await?);
                }
            }
            let row = json!({
                "name": format!("rust core vs reqwest+Value: {call} c={concurrency}"),
                "section": "a",
                "call": call,
                "concurrency": concurrency,
                "ours": "qiscus::Client",
                "peer": "reqwest + serde_json::Value",
                "ours_calls_per_s": o.rate(),
                "peer_calls_per_s": p.rate(),
                "ratio": o.rate() / p.rate(),
                "p50_ms": o.percentile_ms(0.50),
                "p99_ms": o.percentile_ms(0.99),
                "peer_p50_ms": p.percentile_ms(0.50),
                "peer_p99_ms": p.percentile_ms(0.99),
                "ours_calls": o.calls,
                "peer_calls": p.calls,
            });
            eprintln!(
                "  {:<55} {:>9.0}/s vs {:>9.0}/s  ratio {:.2}",
                row["name"].as_str().unwrap_or_default(),
                o.rate(),
                p.rate(),
                o.rate() / p.rate()
            );
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `rust --url URL --room N [--secs 2] [--rounds 2] [--only CALL] [--side ours|peer] [--concurrency N] [--out FILE]`
pub fn main(args: &[String]) -> Result<(), BoxError> {
    let url = arg(args, "--url").ok_or("rust needs --url")?;
    let room: i64 = arg(args, "--room").ok_or("rust needs --room")?.parse()?;
    let secs: f64 = arg(args, "--secs").map_or(Ok(2.0), |s| s.parse())?;
    let rounds: u32 = arg(args, "--rounds").map_or(Ok(2), |s| s.parse())?;
    let only = arg(args, "--only");
    // For profiling: `--side ours|peer` runs one side only, `--concurrency N` one level only.
    let side = arg(args, "--side");
    let concurrencies = match arg(args, "--concurrency") {
        Some(c) => vec![c.parse()?],
        None => vec![1, 64],
    };
    let rows = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(url, room, secs, rounds, only, side, concurrencies))?;
    let text = serde_json::to_string_pretty(&rows)?;
    match arg(args, "--out") {
        Some(path) => std::fs::write(path, text)?,
        None => println!("{text}"),
    }
    Ok(())
}

/// `diag --url URL --room N [--secs 2]`: where the FFI's blocking path spends its time, without
/// any foreign language: the core called from a tokio task (as comparison a does), then from a
/// plain thread the way `bindings/ffi`'s `blocking()` did it before commit 9909f4b
/// (`RUNTIME.block_on` of a spawned task: two cross-thread hand-offs per call), then with tokio's
/// `block_on` of the future itself (no spawn; until the spin), then as it does now
/// (`qiscus_ffi::wait::block_on`: the caller spins briefly before parking; then through
/// `wait::Blocking`, which also keeps the runtime's timer anchored), then that wait on a
/// spawned task (the request's own wake-ups all on a worker; slower here: bench/RESULTS.md, "What
/// is still missed"). Concurrency 1, the
/// core's post_comment and load_comments (20 and 100). `--gap-us N` keeps the calling thread busy
/// for N µs between calls (as a foreign caller is, lowering and lifting), which lets the runtime's
/// workers go to sleep between calls; `--workers N` sets the runtime's worker threads.
pub fn diag(args: &[String]) -> Result<(), BoxError> {
    let url = arg(args, "--url").ok_or("diag needs --url")?;
    let room: i64 = arg(args, "--room").ok_or("diag needs --room")?.parse()?;
    let secs: f64 = arg(args, "--secs").map_or(Ok(2.0), |s| s.parse())?;
    let gap = Duration::from_micros(arg(args, "--gap-us").map_or(Ok(0), |s| s.parse())?);
    let busy = move || {
        let until = Instant::now() + gap;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = arg(args, "--workers") {
        builder.worker_threads(n.parse()?);
    }
    let rt = Arc::new(builder.enable_all().build()?);
    let client = qiscus::Client::builder(APP_ID, SECRET)
        .base_url(url)
        .build()?;
    let mut rows = Vec::new();
    for call in ["post_comment", "load_comments_20", "load_comments_100"] {
        let make = {
            let client = client.clone();
            move || {
                let c = client.clone();
                async move {
                    match call {
                        "post_comment" => {
                            c.post_comment(&PostCommentParams::text(room, SENDER, MESSAGE))
                                .await?;
                        }
                        _ => {
                            let limit = if call == "load_comments_100" { 100 } else { 20 };
                            c.load_comments(&LoadCommentsParams {
                                room_id: room,
                                page: None,
                                limit: Some(limit),
                            })
                            .await?;
                        }
                    }
                    Ok::<(), BoxError>(())
                }
            }
        };
        let timed =
            |label: &str, f: &dyn Fn() -> Result<(), BoxError>| -> Result<Value, BoxError> {
                let warm = Instant::now() + Duration::from_millis(300);
                while Instant::now() < warm {
                    f()?;
                }
                let mut s = Sample::default();
                let start = Instant::now();
                let end = start + Duration::from_secs_f64(secs);
                while Instant::now() < end {
                    busy();
                    let t = Instant::now();
                    f()?;
                    s.latencies_us.push(t.elapsed().as_micros() as u32);
                }
                s.calls = s.latencies_us.len() as u64;
                s.seconds = start.elapsed().as_secs_f64();
                let v = json!({"call": call, "path": label, "calls_per_s": s.rate(),
                           "p50_ms": s.percentile_ms(0.5), "p99_ms": s.percentile_ms(0.99)});
                eprintln!(
                    "  {call:<18} {label:<58} {:>8.0}/s p50 {:.3} ms",
                    s.rate(),
                    s.percentile_ms(0.5)
                );
                Ok(v)
            };
        // 1. inside the runtime: one task doing the calls in a loop, timed per call.
        {
            let make = make.clone();
            let v = rt.block_on(async move {
                tokio::spawn(async move {
                    let mut s = Sample::default();
                    let warm = Instant::now() + Duration::from_millis(300);
                    while Instant::now() < warm {
                        make().await?;
                    }
                    let start = Instant::now();
                    let end = start + Duration::from_secs_f64(secs);
                    while Instant::now() < end {
                        busy();
                        let t = Instant::now();
                        make().await?;
                        s.latencies_us.push(t.elapsed().as_micros() as u32);
                    }
                    s.calls = s.latencies_us.len() as u64;
                    s.seconds = start.elapsed().as_secs_f64();
                    Ok::<Sample, BoxError>(s)
                })
                .await?
            })?;
            let mut s = v;
            eprintln!(
                "  {call:<18} {:<58} {:>8.0}/s p50 {:.3} ms",
                "core, awaited in a tokio task",
                s.rate(),
                s.percentile_ms(0.5)
            );
            rows.push(json!({"call": call, "path": "core, awaited in a tokio task", "calls_per_s": s.rate(),
                             "p50_ms": s.percentile_ms(0.5), "p99_ms": s.percentile_ms(0.99)}));
        }
        // 2. the FFI's blocking(): block_on(spawn(fut)) from a plain thread.
        let (rt2, m2) = (rt.clone(), make.clone());
        rows.push(timed(
            "plain thread: rt.block_on(rt.spawn(fut)) [ffi blocking() before 9909f4b]",
            &move || rt2.block_on(rt2.spawn(m2()))?,
        )?);
        // 3. tokio's block_on(fut): the future polled on the calling thread, which parks at once.
        let (rt3, m3) = (rt.clone(), make.clone());
        rows.push(timed(
            "plain thread: rt.block_on(fut) [ffi blocking() before the spin]",
            &move || rt3.block_on(m3()),
        )?);
        // 4. qiscus_ffi::wait::block_on: polled on the calling thread, which spins before parking
        // (what the FFI did before the timer anchor).
        let (rt4, m4) = (rt.clone(), make.clone());
        rows.push(timed(
            "plain thread: qiscus_ffi::wait::block_on [before the anchor]",
            &move || qiscus_ffi::wait::block_on(rt4.handle(), m4()),
        )?);
        // 4b. the same through wait::Blocking, which anchors the runtime's timer: what the FFI
        // does now.
        let (b4, m4b) = (
            Arc::new(qiscus_ffi::wait::Blocking::new(rt.handle().clone())),
            make.clone(),
        );
        rows.push(timed(
            "plain thread: qiscus_ffi::wait::Blocking [ffi blocking() now]",
            &move || b4.block_on(m4b()),
        )?);
        // 5. qiscus_ffi::wait::block_on of a spawned task: the caller spins, the request's
        // wake-ups stay on the worker.
        let (rt5, m5) = (rt.clone(), make.clone());
        rows.push(timed(
            "plain thread: wait::block_on(rt.spawn(fut))",
            &move || qiscus_ffi::wait::block_on(rt5.handle(), rt5.spawn(m5()))?,
        )?);
    }
    println!("{}", serde_json::to_string_pretty(&rows)?);
    Ok(())
}

/// `ablate --url URL [--secs 1] [--rounds 3]`: login_or_register at concurrency 1, the core
/// against bare reqwest with the core's habits added one at a time (a per-request timeout, the
/// body read chunk by chunk into a Vec, a typed decode through `#[serde(flatten)]`), to find
/// which of them costs what. Diagnosis only; not part of the benchmark's table.
pub fn ablate(args: &[String]) -> Result<(), BoxError> {
    let url = arg(args, "--url").ok_or("ablate needs --url")?;
    let secs: f64 = arg(args, "--secs").map_or(Ok(1.0), |s| s.parse())?;
    let rounds: u32 = arg(args, "--rounds").map_or(Ok(3), |s| s.parse())?;
    #[derive(serde::Deserialize)]
    struct U {
        id: i64,
        #[allow(dead_code)]
        email: String,
        #[allow(dead_code)]
        username: Option<String>,
        #[allow(dead_code)]
        avatar_url: Option<String>,
        #[allow(dead_code)]
        token: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Flat {
        #[serde(flatten)]
        user: U,
        #[allow(dead_code)]
        #[serde(default)]
        avatar: Option<Value>,
    }
    #[derive(serde::Deserialize)]
    struct R<T> {
        results: Option<T>,
    }
    #[derive(serde::Deserialize)]
    struct UR<T> {
        user: T,
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (ours, peer) = clients(&url)?;
        let api = format!(
            "{}/api/v2/rest/login_or_register",
            url.trim_end_matches('/')
        );
        let body = || json!({"email": SENDER, "username": SENDER_NAME, "password": PASSWORD});
        let mut variants: Vec<(&str, Call)> = Vec::new();
        variants.push((
            "qiscus::Client",
            call(&ours, |o| async move {
                let p = LoginOrRegisterParams {
                    password: Some(PASSWORD.into()),
                    ..LoginOrRegisterParams::new(SENDER, SENDER_NAME)
                };
                black_box(o.login_or_register(&p).await?.id);
                Ok(())
            }),
        ));
        for level in 0..4 {
            let name = [
                "reqwest + Value (the bench's peer)",
                "+ per-request .timeout(30 s)",
                "+ body read by chunk() into a Vec, from_slice::<Value>",
                "+ typed decode via #[serde(flatten)]",
            ][level];
            variants.push((
                name,
                call(&(peer.clone(), api.clone()), move |(p, api)| async move {
                    let mut req = p.post(&api).json(&body());
                    if level >= 1 {
                        req = req.timeout(Duration::from_secs(30));
                    }
                    let mut resp = req.send().await?.error_for_status()?;
                    if level >= 2 {
                        let mut out =
                            Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
                        while let Some(c) = resp.chunk().await? {
                            out.extend_from_slice(&c);
                        }
                        if level >= 3 {
                            let r: R<UR<Flat>> = serde_json::from_slice(&out)?;
                            black_box(r.results.ok_or("no results")?.user.user.id);
                        } else {
                            let v: Value = serde_json::from_slice(&out)?;
                            black_box(v["results"]["user"]["id"].as_i64());
                        }
                    } else {
                        let v: Value = resp.json().await?;
                        black_box(v["results"]["user"]["id"].as_i64());
                    }
                    Ok(())
                }),
            ));
        }
        let mut samples: Vec<Sample> = variants.iter().map(|_| Sample::default()).collect();
        for (_, v) in &variants {
            run(v, 1, Duration::from_millis(300)).await?;
        }
        for _ in 0..rounds {
            for (i, (_, v)) in variants.iter().enumerate() {
                samples[i].add(run(v, 1, Duration::from_secs_f64(secs)).await?);
            }
        }
        for (i, (name, _)) in variants.iter().enumerate() {
            let s = &mut samples[i];
            eprintln!(
                "  login_or_register c=1  {name:<58} {:>8.0}/s  p50 {:.4} ms",
                s.rate(),
                s.percentile_ms(0.5)
            );
        }
        Ok::<(), BoxError>(())
    })
}

/// Our client and the peer (bare reqwest sending the same headers), both for `url`.
fn clients(url: &str) -> Result<(qiscus::Client, reqwest::Client), BoxError> {
    let ours = qiscus::Client::builder(APP_ID, SECRET)
        .base_url(url)
        .build()?;
    let mut headers = HeaderMap::new();
    headers.insert("QISCUS_SDK_SECRET", HeaderValue::from_static(SECRET));
    headers.insert("QISCUS_SDK_APP_ID", HeaderValue::from_static(APP_ID));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(qiscus::USER_AGENT_STRING),
    );
    let peer = reqwest::Client::builder()
        .default_headers(headers)
        .tcp_nodelay(true)
        .build()?;
    Ok((ours, peer))
}
