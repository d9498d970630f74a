//! Helpers shared by the tests that run the client against an in-process emulator.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use qiscus::{Client, LoginOrRegisterParams, RetryPolicy, User};
use qiscus_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Starts an emulator with the given configuration.
pub async fn start(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).await.expect("start the emulator")
}

/// Starts an emulator with the default configuration and a default client pointed at it.
pub async fn start_default() -> (EmulatorHandle, Client) {
    let h = start(EmulatorConfig::default()).await;
    let c = client(&h);
    (h, c)
}

/// A client with default settings pointed at an emulator.
pub fn client(h: &EmulatorHandle) -> Client {
    Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .build()
        .expect("build the client")
}

/// A client with a retry policy pointed at an emulator.
pub fn client_with(h: &EmulatorHandle, policy: RetryPolicy) -> Client {
    Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .retry(policy)
        .build()
        .expect("build the client")
}

/// Registers a user (faults must be off).
pub async fn register(c: &Client, email: &str, name: &str) -> User {
    c.login_or_register(&LoginOrRegisterParams::new(email, name))
        .await
        .unwrap_or_else(|e| panic!("register {email}: {e}"))
}

/// Strings, for the calls that take `&[String]`.
pub fn emails(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Every stored comment of a room, oldest first, from the admin path (never subject to faults).
pub async fn admin_comments(h: &EmulatorHandle, room_id: i64) -> Vec<Value> {
    let url = format!("{}/_emulator/rooms/{room_id}/comments", h.base_url());
    let v: Value = reqwest::get(&url)
        .await
        .expect("admin GET")
        .json()
        .await
        .expect("admin JSON");
    v["comments"].as_array().cloned().expect("comments array")
}

/// A loopback URL on which nothing listens (connections are refused).
pub async fn closed_port_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

/// A client of a loopback port on which nothing listens, retrying twice, 1 ms apart.
pub async fn client_of_closed_port() -> Client {
    Client::builder("app", "secret")
        .base_url(closed_port_url().await)
        .retry(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// Polls `f` every 20 ms until it returns `Some`, panicking after `deadline`.
pub async fn wait_for<T, F, Fut>(what: &str, deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One HTTP/1.1 request as read off a socket.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// `POST /path HTTP/1.1`.
    pub request_line: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request (headers and a `Content-Length` body); `None` at end of stream.
pub async fn read_request(sock: &mut TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some(RawRequest {
        request_line,
        headers,
        body,
    })
}

/// Writes a `200 OK` answer with a JSON body.
pub async fn write_json(sock: &mut TcpStream, status: u16, body: &str) {
    let resp = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes()).await;
    let _ = sock.flush().await;
}

/// A tiny HTTP server answering every request with `status` and `body`; returns its base URL.
pub async fn canned_server(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                while read_request(&mut sock).await.is_some() {
                    write_json(&mut sock, status, body).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A tiny HTTP server answering every request with a redirect (`status`) to `location`, and
/// keeping what it was sent; returns its base URL and the requests.
pub async fn redirector(
    status: u16,
    location: String,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<RawRequest>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (kept, location) = (kept.clone(), location.clone());
            tokio::spawn(async move {
                while let Some(req) = read_request(&mut sock).await {
                    kept.lock().unwrap().push(req);
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}
