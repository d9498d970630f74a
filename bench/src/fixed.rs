//! The fixed-response server, and the seeding of an emulator.
//!
//! The canned answers are not written by hand: they are the emulator's own answers (the
//! emulator follows the spec's shapes), captured once at start-up from an in-process emulator
//! that is then stopped. So each client under test decodes exactly what the emulator would send,
//! while the server's own cost per request is a header check, a path match and a copy-free
//! `Bytes` clone, and its state never grows.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use qiscus::{CreateRoomParams, LoginOrRegisterParams, PostCommentParams};
use tokio::net::TcpListener;

use crate::{arg, BoxError, APP_ID, MESSAGE, OTHER, PASSWORD, SECRET, SENDER, SENDER_NAME};

/// The captured answers.
struct Canned {
    login: Bytes,
    post_comment: Bytes,
    comments_20: Bytes,
    comments_100: Bytes,
    unauthorized: Bytes,
    not_found: Bytes,
}

/// Registers the benchmark's users and a room holding 100 comments; returns the room id.
pub async fn seed(base_url: &str) -> Result<i64, BoxError> {
    let client = qiscus::Client::builder(APP_ID, SECRET)
        .base_url(base_url)
        .build()?;
    client
        .login_or_register(&LoginOrRegisterParams::new(SENDER, SENDER_NAME))
        .await?;
    client
        .login_or_register(&LoginOrRegisterParams::new(OTHER, "Bench B"))
        .await?;
    let room = client
        .create_room(&CreateRoomParams::new("Benchmark room", SENDER, [OTHER]))
        .await?;
    for i in 0..100 {
        let from = if i % 2 == 0 { SENDER } else { OTHER };
        client
            .post_comment(&PostCommentParams::text(
                room.room_id,
                from,
                format!("{MESSAGE} #{i}: a short line of chat text"),
            ))
            .await?;
    }
    Ok(room.room_id)
}

async fn capture() -> Result<(Canned, i64), BoxError> {
    let emulator = qiscus_emulator::Emulator::start(Default::default()).await?;
    let base = emulator.base_url().to_owned();
    let room = seed(&base).await?;
    let http = reqwest::Client::new();
    let api = format!("{base}/api/v2/rest");
    let get = |body: reqwest::RequestBuilder| async move {
        let resp = body
            .header("QISCUS_SDK_SECRET", SECRET)
            .header("QISCUS_SDK_APP_ID", APP_ID)
            .send()
            .await?
            .error_for_status()?;
        Ok::<Bytes, BoxError>(resp.bytes().await?)
    };
    let login = get(http.post(format!("{api}/login_or_register")).json(
        &serde_json::json!({"email": SENDER, "username": SENDER_NAME, "password": PASSWORD}),
    ))
    .await?;
    let post_comment = get(http
        .post(format!("{api}/post_comment"))
        .json(&serde_json::json!({
            "sender_email": SENDER,
            "room_id": room.to_string(),
            "message": MESSAGE,
            "type": "text",
            "unique_temp_id": format!("rs-{}", uuid::Uuid::new_v4().simple()),
            "disable_link_preview": false,
        })))
    .await?;
    let page = |limit: u32| {
        get(http
            .get(format!("{api}/load_comments"))
            .query(&[("room_id", room.to_string()), ("limit", limit.to_string())]))
    };
    let comments_20 = page(20).await?;
    let comments_100 = page(100).await?;
    for (limit, body) in [(20, &comments_20), (100, &comments_100)] {
        let v: serde_json::Value = serde_json::from_slice(body)?;
        let n = v["results"]["comments"].as_array().map_or(0, Vec::len);
        if n != limit {
            return Err(format!("the emulator sent {n} comments for limit={limit}").into());
        }
    }
    emulator.shutdown().await;
    Ok((
        Canned {
            login,
            post_comment,
            comments_20,
            comments_100,
            unauthorized: Bytes::from_static(
                br#"{"error":{"message":"Unauthorized. Secret key is invalid.","detailed_messages":[]},"status":401}"#,
            ),
            not_found: Bytes::from_static(
                br#"{"error":{"message":"not found","detailed_messages":[]},"status":404}"#,
            ),
        },
        room,
    ))
}

fn reply(status: StatusCode, body: &Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body.clone()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

async fn handle(
    req: Request<Incoming>,
    canned: Arc<Canned>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let authorized = req
        .headers()
        .get("qiscus_sdk_secret")
        .is_some_and(|v| v.as_bytes() == SECRET.as_bytes());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let big_page = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "limit=100"));
    // Read the whole request body, as a real server does, so the connection stays reusable.
    let _ = req.into_body().collect().await;
    if !authorized {
        return Ok(reply(StatusCode::UNAUTHORIZED, &canned.unauthorized));
    }
    let body = match (method, path.strip_prefix("/api/v2/rest/")) {
        (Method::POST, Some("login_or_register")) => &canned.login,
        (Method::POST, Some("post_comment")) => &canned.post_comment,
        (Method::GET, Some("load_comments")) if big_page => &canned.comments_100,
        (Method::GET, Some("load_comments")) => &canned.comments_20,
        _ => return Ok(reply(StatusCode::NOT_FOUND, &canned.not_found)),
    };
    Ok(reply(StatusCode::OK, body))
}

async fn serve(addr: SocketAddr, canned: Canned, room: i64) -> Result<(), BoxError> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        writeln!(out, "room_id {room}")?;
        writeln!(out, "ready")?;
        out.flush()?;
    }
    let canned = Arc::new(canned);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let canned = canned.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(req, canned.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// `serve [--addr 127.0.0.1:0] [--threads 2]`
pub fn main(args: &[String]) -> Result<(), BoxError> {
    let addr: SocketAddr = arg(args, "--addr")
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let threads: usize = arg(args, "--threads")
        .map(|t| t.parse())
        .transpose()?
        .unwrap_or(2);
    // The capture runs on its own runtime, dropped before serving starts.
    let (canned, room) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(capture())?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("fixed-server")
        .enable_all()
        .build()?
        .block_on(serve(addr, canned, room))
}

/// `seed --url URL`: prints `room_id N`.
pub fn seed_main(args: &[String]) -> Result<(), BoxError> {
    let url = arg(args, "--url").ok_or("seed needs --url")?;
    let room = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(seed(&url))?;
    println!("room_id {room}");
    Ok(())
}
