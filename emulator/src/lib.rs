//! A local, stateful emulator of the Qiscus SDK REST API v2 server.
//!
//! It keeps users, rooms, comments, exports and imports in memory and follows
//! the server's rules and error bodies, so clients can be tested without the
//! live service. Faults (errors, 429s, latency, dropped connections) can be
//! injected with a seeded RNG for reliability tests, and webhooks are
//! delivered (signed) for every comment posted through the REST API.
//!
//! ```
//! use qiscus_emulator::{Emulator, EmulatorConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! // Point the client at the emulator.
//! let base_url = emulator.base_url().to_string();
//! let secret = emulator.secret().to_string();
//! assert!(base_url.starts_with("http://127.0.0.1:"));
//! assert_eq!(secret, "emulator-secret");
//! // ... run requests against `{base_url}/api/v2/rest/...` with header
//! // `QISCUS_SDK_SECRET: {secret}` ...
//! assert_eq!(emulator.stats().requests, 0);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Admin paths (no secret, never subject to faults): `GET /_emulator/stats`,
//! `POST /_emulator/faults`, `GET /_emulator/rooms/{room_id}/comments`,
//! `POST /_emulator/reset` (no data, no faults, zeroed counters), `GET /_emulator/downloads/{unique_id}`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

mod admin;
mod api;
mod error;
mod faults;
mod params;
mod state;
mod webhooks;

pub use faults::{Faults, ParseFaultsError, Stats};

use error::ApiError;
use faults::{bump, FaultEngine, Outcome, StatsCounters};
use state::{App, AppState, Data};

/// How to run an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Application id. Default `"emulator"`.
    pub app_id: String,
    /// Secret expected in `QISCUS_SDK_SECRET`. Default `"emulator-secret"`.
    pub secret: String,
    /// Where to POST webhooks for comments posted through REST.
    pub webhook_url: Option<String>,
    /// Key of the `QISCUS-SDK-SIGNATURE` HMAC; no signature when `None`.
    pub webhook_token: Option<String>,
    /// Faults to inject on `/api` requests. Default: none.
    pub faults: Faults,
    /// Seed of the fault RNG. Default 0.
    pub seed: u64,
    /// How long an export job takes to finish. Default 200 ms.
    pub export_delay: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            app_id: "emulator".into(),
            secret: "emulator-secret".into(),
            webhook_url: None,
            webhook_token: None,
            faults: Faults::default(),
            seed: 0,
            export_delay: Duration::from_millis(200),
        }
    }
}

/// Starts emulators.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Binds `config.addr` and serves the emulated API until the returned
    /// handle is shut down or dropped. Must be called within a Tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        } else {
            addr
        };
        let base_url = format!("http://{host}");
        let stats = Arc::new(StatsCounters::default());
        let webhooks = config
            .webhook_url
            .clone()
            .filter(|u| !u.is_empty())
            .map(|u| webhooks::spawn(u, config.webhook_token.clone(), stats.clone()));
        let app: App = Arc::new(AppState {
            data: RwLock::new(Data::new()),
            stats,
            faults: FaultEngine::new(config.faults.clone(), config.seed),
            secret: config.secret.clone(),
            app_id: config.app_id.clone(),
            base_url: base_url.clone(),
            export_delay: config.export_delay,
            webhooks,
        });
        let router = build_router(app.clone());
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, router, app.clone(), rx));
        Ok(EmulatorHandle {
            addr,
            base_url,
            app,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

fn build_router(app: App) -> Router {
    Router::new()
        .nest("/api/v2/rest", api::router(app.clone()))
        .nest("/_emulator", admin::router())
        .fallback(|| async {
            ApiError::not_found("not found: unknown path (the API lives under /api/v2/rest/)")
        })
        .with_state(app)
}

/// Returned by the service to make hyper close the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

async fn route(router: Router, req: Request<Body>) -> Response<Body> {
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    }
}

fn injected(status: StatusCode, what: &str) -> Response<Body> {
    ApiError::new(status, format!("injected fault: {what}")).into_response()
}

async fn handle(
    app: App,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let req = req.map(Body::new);
    if !req.uri().path().starts_with("/api/") {
        return Ok(route(router, req).await);
    }
    let s = &app.stats;
    bump(&s.requests);
    match app.faults.draw() {
        Outcome::None => Ok(route(router, req).await),
        Outcome::Error500 => {
            bump(&s.faults_injected);
            bump(&s.errors_500);
            Ok(injected(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
            ))
        }
        Outcome::Error503 => {
            bump(&s.faults_injected);
            bump(&s.errors_503);
            Ok(injected(
                StatusCode::SERVICE_UNAVAILABLE,
                "service unavailable",
            ))
        }
        Outcome::RateLimited(secs) => {
            bump(&s.faults_injected);
            bump(&s.rate_limited);
            let mut r = injected(StatusCode::TOO_MANY_REQUESTS, "too many requests");
            r.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
            Ok(r)
        }
        Outcome::DropBefore => {
            bump(&s.faults_injected);
            bump(&s.dropped_before);
            Err(DropConnection)
        }
        Outcome::DropAfter => {
            bump(&s.faults_injected);
            bump(&s.dropped_after);
            let _ = route(router, req).await;
            Err(DropConnection)
        }
        Outcome::Latency(ms) => {
            bump(&s.faults_injected);
            bump(&s.delayed);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(route(router, req).await)
        }
    }
}

async fn serve(listener: TcpListener, router: Router, app: App, mut stop: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        tokio::select! {
            res = listener.accept() => {
                let (stream, _) = match res {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (app, router) = (app.clone(), router.clone());
                let svc = hyper::service::service_fn(move |req| {
                    handle(app.clone(), router.clone(), req)
                });
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection closed");
                    }
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    base_url: String,
    app: App,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("app_id", &self.app_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The bound address (the real port when port 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The application id.
    pub fn app_id(&self) -> &str {
        &self.app.app_id
    }
    /// The secret expected in `QISCUS_SDK_SECRET`.
    pub fn secret(&self) -> &str {
        &self.app.secret
    }
    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.app.stats.snapshot()
    }
    /// Replaces the faults injected from now on.
    pub fn set_faults(&self, faults: Faults) {
        self.app.faults.set(faults);
    }
    /// Stops accepting connections and waits (up to 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
