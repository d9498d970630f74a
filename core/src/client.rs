//! The client: configuration, one connection pool, and the request plumbing every call shares.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use once_cell::sync::OnceCell;

use crate::blocking_io::{self, BlockingHttp};
use crate::endpoints::{Endpoint, Method, Retry};
use crate::error::{excerpt, Error, Result};
use crate::loop_io::{self, Reactor};
use crate::retry::{RetryBudget, RetryPolicy};

/// The user agent sent with every request: crate name and version.
pub const USER_AGENT_STRING: &str = concat!("qiscus-rs/", env!("CARGO_PKG_VERSION"));

/// Default limit on a response body: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// The environment variable holding the app id, read by [`ClientConfig::from_env`].
pub const ENV_APP_ID: &str = "QISCUS_APP_ID";

/// The environment variable holding the secret key, read by [`ClientConfig::from_env`].
pub const ENV_SECRET: &str = "QISCUS_SECRET";

/// The environment variable that overrides the base URL, read by [`ClientConfig::from_env`].
pub const ENV_BASE_URL: &str = "QISCUS_BASE_URL";

/// Settings of a [`Client`]. Build one with [`Client::builder`], or fill it in and call
/// [`Client::from_config`]. `Debug` output never shows the secret.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// The Qiscus app id; the base URL is `https://{app_id}.qiscus.com` unless overridden.
    pub app_id: String,
    /// The secret key, sent as `QISCUS_SDK_SECRET`.
    pub secret: SecretKey,
    /// Overrides the base URL (an emulator, a proxy). Paths `/api/v2/rest/...` are appended.
    pub base_url: Option<String>,
    /// Allows a plain-http base URL whose host is not a loopback address.
    pub allow_insecure_http: bool,
    /// Time allowed to open a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt of a call, from sending to the last byte. Default 30 s.
    pub timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Largest response body accepted. Default 32 MiB.
    pub max_response_bytes: u64,
}

/// The secret key, redacted in `Debug` output.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret key.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretKey(secret.into())
    }

    /// The key itself, for sending. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl From<&str> for SecretKey {
    fn from(s: &str) -> Self {
        SecretKey::new(s)
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        SecretKey(s)
    }
}

impl ClientConfig {
    /// Defaults for an app id and secret key.
    pub fn new(app_id: impl Into<String>, secret: impl Into<SecretKey>) -> Self {
        ClientConfig {
            app_id: app_id.into(),
            secret: secret.into(),
            base_url: None,
            allow_insecure_http: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Defaults for the app named by the environment: [`ENV_APP_ID`] and [`ENV_SECRET`], and
    /// [`ENV_BASE_URL`] when set (a value of only whitespace counts as unset). `Ok(None)` when
    /// neither credential is set, so that a program can fall back (to an emulator, say);
    /// [`Error::Config`] naming the missing variable when only one is.
    pub fn from_env() -> Result<Option<ClientConfig>> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ClientConfig::from_env`] over any source of variables.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<ClientConfig>> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let missing = |name: &str, other: &str| Error::Config {
            field: name.into(),
            reason: format!("is not set, but {other} is: set both, or neither"),
        };
        match (set(ENV_APP_ID), set(ENV_SECRET)) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(missing(ENV_SECRET, ENV_APP_ID)),
            (None, Some(_)) => Err(missing(ENV_APP_ID, ENV_SECRET)),
            (Some(app_id), Some(secret)) => {
                let mut config = ClientConfig::new(app_id.trim(), secret.trim());
                config.base_url = set(ENV_BASE_URL).map(|url| url.trim().to_owned());
                Ok(Some(config))
            }
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: ClientConfig,
}

impl ClientBuilder {
    /// Overrides the base URL, e.g. the emulator's `http://127.0.0.1:PORT`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = Some(url.into());
        self
    }

    /// Allows plain http to a host that is not a loopback address.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.config.allow_insecure_http = allow;
        self
    }

    /// Time allowed to open a connection.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.config.connect_timeout = t;
        self
    }

    /// Time allowed for one attempt of a call.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.config.timeout = t;
        self
    }

    /// Retry policy ([`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Largest response body accepted.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client> {
        Client::from_config(self.config)
    }
}

/// An async client of the Qiscus SDK REST API (v2).
///
/// One client holds one connection pool. It is cheap to clone (an `Arc` inside), and clones share
/// the pool and the retry budget, so create one and share it across tasks.
///
/// ```no_run
/// # async fn run() -> qiscus::Result<()> {
/// use qiscus::{Client, LoginOrRegisterParams};
///
/// let client = Client::builder("my-app", "my-secret").build()?;
/// let user = client
///     .login_or_register(&LoginOrRegisterParams::new("alice@example.com", "Alice"))
///     .await?;
/// println!("{} has token {:?}", user.email, user.token);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    timeout: Duration,
    io: Io,
}

/// Where a client's calls do their network I/O.
#[derive(Debug, Clone)]
enum Io {
    /// On the tokio runtime that polls them (the default).
    Runtime,
    /// On the thread that polls them, with blocking sockets ([`Client::with_blocking_io`]).
    CallingThread,
    /// On the thread that polls them, with sockets watched by another event loop
    /// ([`Client::with_loop_io`]).
    Loop(Arc<Reactor>),
}

struct Inner {
    /// Sends the app id and secret: used only for the API's own origin.
    http: reqwest::Client,
    /// Sends no credentials: used for download URLs on other hosts (a CDN).
    plain_http: reqwest::Client,
    api_base: String,
    /// Each endpoint's URL, parsed when the client is built: a clone costs far less than parsing
    /// the text again (which reqwest would do for every request).
    urls: HashMap<&'static str, Url>,
    app_id: String,
    secret: SecretKey,
    retry: RetryPolicy,
    budget: RetryBudget,
    max_response_bytes: u64,
    connect_timeout: Duration,
    /// The `QISCUS_SDK_APP_ID` and `QISCUS_SDK_SECRET` headers, for the blocking I/O.
    credentials: (HeaderValue, HeaderValue),
    /// The blocking I/O of [`Client::with_blocking_io`], made on its first call.
    blocking: OnceCell<BlockingHttp>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.api_base)
            .field("app_id", &self.inner.app_id)
            .field("secret", &self.inner.secret)
            .field("timeout", &self.timeout)
            .field("io", &self.io)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// The request body (or query) of one call, kept so that it can be sent again on a retry.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    Query(Vec<(&'static str, String)>),
    /// A JSON body, serialised once (see [`Body::json`]) and sent as is on every attempt.
    Json(Vec<u8>),
    Multipart {
        fields: Vec<(&'static str, String)>,
        file_field: &'static str,
        file_name: String,
        /// Shared, so that a retry does not copy the file.
        bytes: Arc<[u8]>,
    },
}

impl Body {
    /// A JSON body: `value` serialised once, here, before any request is sent.
    pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Body> {
        serde_json::to_vec(value)
            .map(Body::Json)
            .map_err(|e| Error::invalid("request", e.to_string()))
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    results: Option<T>,
}

#[derive(Deserialize, Default)]
struct ErrorEnvelope {
    #[serde(default)]
    error: Option<Value>,
}

/// How many redirects a download follows.
const MAX_DOWNLOAD_REDIRECTS: usize = 10;

/// What one exchange got back, whichever HTTP stack made it.
pub(crate) struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// `Retry-After`, read.
    pub retry_after: Option<Duration>,
    /// `Location`, as sent (for the error of a redirect, which is never followed).
    pub location: Option<String>,
    /// The whole body (within the client's size limit).
    pub body: Vec<u8>,
}

/// The method, URL, content type and body of a call off the runtime ([`Client::plain_request`]).
type PlainRequest<'b> = (reqwest::Method, Url, Option<&'static str>, &'b [u8]);

/// What one exchange got; or why it got nothing usable.
type Exchanged = std::result::Result<Answer, Failure>;

/// One failed attempt, classified.
enum Failure {
    /// An error answer or a local fault that ends the call.
    Final(Error),
    /// Worth another attempt; `reached` says whether the server may have seen the request.
    Retryable {
        error: Error,
        reached: bool,
        wait: Option<Duration>,
    },
}

impl Failure {
    /// An attempt that ran out of its time; `reached` says whether the request may have left.
    fn timed_out(ep: &Endpoint, attempt: u32, reached: bool) -> Failure {
        Failure::Retryable {
            error: Error::Timeout {
                call: ep.name.to_owned(),
                attempts: attempt,
                history: vec![],
            },
            reached,
            wait: None,
        }
    }
}

impl Client {
    /// A client for an app id and secret key, with default settings.
    pub fn new(app_id: impl Into<String>, secret: impl Into<SecretKey>) -> Result<Client> {
        Client::from_config(ClientConfig::new(app_id, secret))
    }

    /// A builder for an app id and secret key.
    pub fn builder(app_id: impl Into<String>, secret: impl Into<SecretKey>) -> ClientBuilder {
        ClientBuilder {
            config: ClientConfig::new(app_id, secret),
        }
    }

    /// A client for the app named by the environment, with default settings (see
    /// [`ClientConfig::from_env`]): `Ok(None)` when neither `QISCUS_APP_ID` nor `QISCUS_SECRET` is
    /// set.
    pub fn from_env() -> Result<Option<Client>> {
        ClientConfig::from_env()?
            .map(Client::from_config)
            .transpose()
    }

    /// Builds a client from settings, checking them.
    pub fn from_config(config: ClientConfig) -> Result<Client> {
        if config.app_id.trim().is_empty() {
            return Err(Error::Config {
                field: "app_id".into(),
                reason: "must not be empty".into(),
            });
        }
        if config.secret.expose().is_empty() {
            return Err(Error::Config {
                field: "secret".into(),
                reason: "must not be empty".into(),
            });
        }
        let base = match &config.base_url {
            Some(b) => b.trim().trim_end_matches('/').to_owned(),
            None => format!("https://{}.qiscus.com", config.app_id.trim()),
        };
        check_base_url(&base, config.allow_insecure_http)?;

        let mut headers = HeaderMap::new();
        let mut secret =
            HeaderValue::from_str(config.secret.expose()).map_err(|_| Error::Config {
                field: "secret".into(),
                reason: "contains characters that cannot be sent in a header".into(),
            })?;
        secret.set_sensitive(true);
        let app_id = HeaderValue::from_str(config.app_id.trim()).map_err(|_| Error::Config {
            field: "app_id".into(),
            reason: "contains characters that cannot be sent in a header".into(),
        })?;
        headers.insert("QISCUS_SDK_SECRET", secret.clone());
        headers.insert("QISCUS_SDK_APP_ID", app_id.clone());
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_STRING));

        let build = |headers: HeaderMap| {
            reqwest::Client::builder()
                .default_headers(headers)
                .connect_timeout(config.connect_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .tcp_nodelay(true)
                // Never followed: see `redirected` (API calls) and `get_download` (downloads).
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config {
                    field: "http".into(),
                    reason: e.to_string(),
                })
        };
        let mut plain = HeaderMap::new();
        plain.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_STRING));
        let plain_http = build(plain)?;
        let http = build(headers)?;
        let api_base = format!("{base}/api/v2/rest/");
        let urls = crate::endpoints::ALL
            .iter()
            .filter_map(|ep| Some((ep.path, Url::parse(&format!("{api_base}{}", ep.path)).ok()?)))
            .collect();
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                plain_http,
                api_base,
                urls,
                app_id: config.app_id.trim().to_owned(),
                secret: config.secret.clone(),
                budget: RetryBudget::new(config.retry.budget_tokens, config.retry.budget_ratio),
                retry: config.retry,
                max_response_bytes: config.max_response_bytes,
                connect_timeout: config.connect_timeout,
                credentials: (app_id, secret),
                blocking: OnceCell::new(),
            }),
            timeout: config.timeout,
            io: Io::Runtime,
        })
    }

    /// A clone whose calls use another per-attempt timeout (the pool and budget are shared).
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            inner: self.inner.clone(),
            timeout,
            io: self.io.clone(),
        }
    }

    /// A clone (sharing settings and the retry budget) whose API calls do their network I/O on
    /// the thread that polls them, with blocking sockets, over a pool of keep-alive connections
    /// that all such clones of this client share. Downloads and file uploads still go through
    /// the runtime.
    ///
    /// It is for a thread that waits for each call anyway: the bindings' blocking calls poll a
    /// call on the caller's own thread, and this spares them the hand-offs between that thread
    /// and the runtime's workers (three or more wake-ups per call, which on a fast network cost
    /// as much as the rest of the call). The retries, timeouts, size limit and errors are the
    /// same as the default client's; the connections speak HTTP/1.1.
    ///
    /// Its calls block whatever thread polls them: never await them on an async runtime's
    /// worker threads (a `tokio::spawn`ed task, an `async fn main`), where they would stall
    /// every other task of that worker. Poll them with a blocking executor on a thread of their
    /// own (`Handle::block_on` from a plain thread, inside a runtime so that retries can sleep).
    pub fn with_blocking_io(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            timeout: self.timeout,
            io: Io::CallingThread,
        }
    }

    /// A clone (sharing settings and the retry budget) whose API calls do their network I/O on
    /// the thread that polls them, with non-blocking sockets watched by `reactor`, over its pool
    /// of keep-alive connections. Downloads and file uploads still go through the runtime.
    ///
    /// It is for an event loop other than tokio's that polls the calls itself (the Python
    /// package's asyncio calls): each call's answer wakes that loop once, instead of waking a
    /// runtime worker which then wakes the loop. The retries, timeouts, size limit and errors are
    /// the same as the default client's; the connections speak HTTP/1.1. The calls must be polled
    /// on the loop's thread, which calls [`Reactor::dispatch`] whenever [`Reactor::fd`] is
    /// readable, and inside a tokio runtime (`Handle::enter`), whose timers they use.
    pub fn with_loop_io(&self, reactor: Arc<Reactor>) -> Client {
        Client {
            inner: self.inner.clone(),
            timeout: self.timeout,
            io: Io::Loop(reactor),
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The base of every call's URL, e.g. `https://my-app.qiscus.com/api/v2/rest/`.
    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// Sends one call (retrying as its endpoint allows) and decodes `results` into `T`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: Body,
    ) -> Result<T> {
        let bytes = self.send(ep, suffix, &body).await?;
        decode::<T>(ep.name, &bytes)
    }

    /// The HTTP client for a download URL: the credentialed one only on the API's own origin,
    /// so that the secret never reaches another host.
    fn http_for(&self, url: &Url) -> &reqwest::Client {
        let same_origin = match Url::parse(&self.inner.api_base) {
            Ok(api) => url.origin() == api.origin(),
            Err(_) => false,
        };
        if same_origin {
            &self.inner.http
        } else {
            &self.inner.plain_http
        }
    }

    /// Sends a download's GET and follows its redirects (up to [`MAX_DOWNLOAD_REDIRECTS`]) itself,
    /// choosing the client for each hop by [`Client::http_for`]: a file the API's origin hands on
    /// to a storage host is fetched there without the credentials. `timeout` is each request's
    /// own, body included (none: the caller times the steps).
    async fn get_download(
        &self,
        call: &str,
        url: &str,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response> {
        let mut url =
            Url::parse(url).map_err(|e| Error::connection(call, format!("bad URL: {e}"), 1))?;
        for _ in 0..=MAX_DOWNLOAD_REDIRECTS {
            let mut req = self.http_for(&url).get(url.clone());
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| transport_error(call, &e, 1, vec![]))?;
            let next = resp
                .status()
                .is_redirection()
                .then(|| resp.headers().get(LOCATION)?.to_str().ok())
                .flatten()
                .and_then(|location| url.join(location).ok());
            match next {
                Some(next) => url = next,
                None => return Ok(resp),
            }
        }
        Err(Error::connection(
            call,
            format!("more than {MAX_DOWNLOAD_REDIRECTS} redirects"),
            1,
        ))
    }

    /// Downloads a URL (an export's `download_url`) with the client's timeout and size cap.
    /// The secret is only sent when the URL is on the API's own origin.
    pub(crate) async fn download(&self, url: &str) -> Result<Vec<u8>> {
        let call = "download";
        let resp = self.get_download(call, url, Some(self.timeout)).await?;
        let status = resp.status();
        let body = self.read_capped(call, resp).await?;
        if !status.is_success() {
            return Err(error_from_status(call, status.as_u16(), None, &body, 1));
        }
        Ok(body)
    }

    /// Streams a URL's body into `writer` chunk by chunk: never held whole in memory, and not
    /// subject to `max_response_bytes`. Each step (the answer's head, every chunk) must come
    /// within the client's timeout. The secret is only sent when the URL is on the API's own
    /// origin. Returns the number of bytes written.
    pub(crate) async fn download_to<W>(&self, url: &str, writer: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        use tokio::io::AsyncWriteExt;
        let call = "download";
        let timed_out = |_| Error::Timeout {
            call: call.to_owned(),
            attempts: 1,
            history: vec![],
        };
        let write_failed = |e: std::io::Error| Error::InvalidInput {
            field: "file".into(),
            reason: format!("cannot write the download: {e}"),
        };
        let mut resp = tokio::time::timeout(self.timeout, self.get_download(call, url, None))
            .await
            .map_err(timed_out)??;
        let status = resp.status();
        if !status.is_success() {
            let body = self.read_capped(call, resp).await?;
            return Err(error_from_status(call, status.as_u16(), None, &body, 1));
        }
        let mut written = 0u64;
        loop {
            match tokio::time::timeout(self.timeout, resp.chunk())
                .await
                .map_err(timed_out)?
            {
                Ok(Some(chunk)) => {
                    writer.write_all(&chunk).await.map_err(write_failed)?;
                    written += chunk.len() as u64;
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(call, &e, 1, vec![])),
            }
        }
        writer.flush().await.map_err(write_failed)?;
        Ok(written)
    }

    async fn send(&self, ep: &Endpoint, suffix: Option<&str>, body: &Body) -> Result<Vec<u8>> {
        let policy = &self.inner.retry;
        let mut history: Vec<String> = Vec::new();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.attempt(ep, suffix, body, attempt).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let failure = match outcome {
                Ok(bytes) => {
                    self.inner.budget.on_success();
                    tracing::debug!(call = ep.name, attempt, elapsed_ms, "ok");
                    return Ok(bytes);
                }
                Err(f) => f,
            };
            let (error, reached, wait) = match failure {
                Failure::Final(e) => return Err(with_history(e, attempt, history)),
                Failure::Retryable {
                    error,
                    reached,
                    wait,
                } => (error, reached, wait),
            };
            let may_repeat = match ep.retry {
                Retry::Safe | Retry::Upsert | Retry::Keyed => true,
                Retry::Unsafe => !reached,
            };
            let too_long = matches!(wait, Some(w) if w > policy.max_retry_after);
            if attempt > policy.max_retries
                || !may_repeat
                || too_long
                || !self.inner.budget.try_spend()
            {
                tracing::debug!(call = ep.name, attempt, elapsed_ms, %error, "giving up");
                return Err(with_history(error, attempt, history));
            }
            let delay = wait.unwrap_or_else(|| policy.backoff(attempt - 1));
            tracing::debug!(call = ep.name, attempt, elapsed_ms, %error, delay_ms = delay.as_millis() as u64, "retrying");
            history.push(format!("attempt {attempt}: {}", attempt_summary(&error)));
            tokio::time::sleep(delay).await;
        }
    }

    /// The method and URL of a call: the endpoint's URL parsed when the client was built, or
    /// with `suffix` appended.
    // The failure is taken apart by `attempt` at once.
    #[allow(clippy::result_large_err)]
    fn target(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        attempt: u32,
    ) -> std::result::Result<(reqwest::Method, Url), Failure> {
        let method = match ep.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let parsed = match (suffix, self.inner.urls.get(ep.path)) {
            (None, Some(url)) => Ok(url.clone()),
            (None, None) => Url::parse(&format!("{}{}", self.inner.api_base, ep.path)),
            (Some(s), _) => Url::parse(&format!("{}{}/{}", self.inner.api_base, ep.path, s)),
        };
        let url = parsed.map_err(|e| {
            Failure::Final(Error::connection(ep.name, format!("bad URL: {e}"), attempt))
        })?;
        Ok((method, url))
    }

    /// One attempt: the exchange, on the runtime or on the calling thread, then its answer
    /// classified.
    async fn attempt(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: &Body,
        attempt: u32,
    ) -> std::result::Result<Vec<u8>, Failure> {
        let Answer {
            status,
            retry_after,
            location,
            body: bytes,
        } = match (&self.io, body) {
            // A file upload (multipart) keeps to reqwest's form encoding.
            (Io::CallingThread, Body::None | Body::Query(_) | Body::Json(_)) => {
                self.exchange_on_thread(ep, suffix, body, attempt)?
            }
            (Io::Loop(reactor), Body::None | Body::Query(_) | Body::Json(_)) => {
                self.exchange_on_loop(reactor, ep, suffix, body, attempt)
                    .await?
            }
            _ => self.exchange(ep, suffix, body, attempt).await?,
        };
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        if (300..400).contains(&status) {
            return Err(Failure::Final(redirected(
                ep.name,
                status,
                location.as_deref(),
                attempt,
            )));
        }
        let error = error_from_status(ep.name, status, retry_after, &bytes, attempt);
        match status {
            429 => Err(Failure::Retryable {
                error,
                reached: true,
                wait: Some(retry_after.unwrap_or_else(|| self.inner.retry.backoff(attempt - 1))),
            }),
            500 | 502 | 503 | 504 => Err(Failure::Retryable {
                error,
                reached: true,
                wait: None,
            }),
            _ => Err(Failure::Final(error)),
        }
    }

    /// One exchange through reqwest, on the runtime: status, `Retry-After` and body.
    async fn exchange(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: &Body,
        attempt: u32,
    ) -> Exchanged {
        let (method, url) = self.target(ep, suffix, attempt)?;
        let mut req = self.inner.http.request(method, url);
        req = match body {
            Body::None => req,
            Body::Query(q) => req.query(q),
            Body::Json(text) => req
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(text.clone()),
            Body::Multipart {
                fields,
                file_field,
                file_name,
                bytes,
            } => {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in fields {
                    form = form.text(*k, v.clone());
                }
                let part = reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name(file_name.clone())
                    .mime_str("application/json")
                    .map_err(|e| Failure::Final(Error::invalid("file", e.to_string())))?;
                req.multipart(form.part(*file_field, part))
            }
        };
        // One timer for the whole attempt, from sending to the body's last byte.
        let exchange = async {
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    let error = transport_error(ep.name, &e, attempt, vec![]);
                    let reached = !e.is_connect();
                    return Err(Failure::Retryable {
                        error,
                        reached,
                        wait: None,
                    });
                }
            };
            let status = resp.status().as_u16();
            let header = |name| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let retry_after = header(RETRY_AFTER).as_deref().and_then(parse_retry_after);
            let location = header(LOCATION);
            match self.read_capped(ep.name, resp).await {
                Ok(body) => Ok(Answer {
                    status,
                    retry_after,
                    location,
                    body,
                }),
                Err(e @ Error::ResponseTooLarge { .. }) => Err(Failure::Final(e)),
                Err(e) => Err(Failure::Retryable {
                    error: e,
                    reached: true,
                    wait: None,
                }),
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(Failure::timed_out(ep, attempt, true)),
        }
    }

    /// The method, URL (query included), content type and body of a call that is not a file
    /// upload, as the exchanges off the runtime send them.
    // The failure is taken apart by `attempt` at once, as `exchange`'s is.
    #[allow(clippy::result_large_err)]
    fn plain_request<'b>(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: &'b Body,
        attempt: u32,
    ) -> std::result::Result<PlainRequest<'b>, Failure> {
        let (method, mut url) = self.target(ep, suffix, attempt)?;
        let (content_type, bytes): (_, &[u8]) = match body {
            Body::Query(q) => {
                url.query_pairs_mut().extend_pairs(q);
                (None, &[])
            }
            Body::Json(text) => (Some("application/json"), text),
            Body::None | Body::Multipart { .. } => (None, &[]),
        };
        Ok((method, url, content_type, bytes))
    }

    /// One exchange on the calling thread ([`Client::with_blocking_io`]): the same URL, query,
    /// headers and body as [`Client::exchange`] sends, and its failures sorted the same way.
    // The failure is taken apart by `attempt` at once, as `exchange`'s is.
    #[allow(clippy::result_large_err)]
    fn exchange_on_thread(
        &self,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: &Body,
        attempt: u32,
    ) -> Exchanged {
        let (method, url, content_type, bytes) = self.plain_request(ep, suffix, body, attempt)?;
        let request = blocking_io::Request {
            method,
            url: url.as_str(),
            content_type,
            body: bytes,
            timeout: self.timeout,
            max_body: self.inner.max_response_bytes,
        };
        let http = self.inner.blocking.get_or_init(|| {
            BlockingHttp::new(
                self.inner.credentials.0.clone(),
                self.inner.credentials.1.clone(),
                self.inner.connect_timeout,
                USER_AGENT_STRING,
            )
        });
        http.exchange(&request)
            .map_err(|failed| self.failed(ep, attempt, failed))
    }

    /// One exchange on the polling thread, its sockets watched by `reactor`
    /// ([`Client::with_loop_io`]): the same request as [`Client::exchange`] sends, and its
    /// failures sorted the same way.
    async fn exchange_on_loop(
        &self,
        reactor: &Reactor,
        ep: &Endpoint,
        suffix: Option<&str>,
        body: &Body,
        attempt: u32,
    ) -> Exchanged {
        let (method, url, content_type, bytes) = self.plain_request(ep, suffix, body, attempt)?;
        let request = loop_io::Request {
            method,
            url: &url,
            content_type,
            body: bytes::Bytes::copy_from_slice(bytes),
            credentials: &self.inner.credentials,
            user_agent: USER_AGENT_STRING,
            timeout: self.timeout,
            connect_timeout: self.inner.connect_timeout,
            max_body: self.inner.max_response_bytes,
        };
        reactor
            .exchange(&request)
            .await
            .map_err(|failed| self.failed(ep, attempt, failed))
    }

    /// A failed exchange of the calling thread's or the loop's I/O, as the retry loop takes it.
    fn failed(&self, ep: &Endpoint, attempt: u32, failed: blocking_io::Failed) -> Failure {
        let connection = |reason: String| Error::connection(ep.name, reason, attempt);
        match failed {
            blocking_io::Failed::TooLarge => Failure::Final(Error::ResponseTooLarge {
                call: ep.name.to_owned(),
                limit_bytes: self.inner.max_response_bytes,
            }),
            blocking_io::Failed::TimedOut { sent } => Failure::timed_out(ep, attempt, sent),
            blocking_io::Failed::NotSent(reason) => Failure::Retryable {
                error: connection(reason),
                reached: false,
                wait: None,
            },
            blocking_io::Failed::Broken(reason) => Failure::Retryable {
                error: connection(reason),
                reached: true,
                wait: None,
            },
        }
    }

    /// Reads a body, refusing it as soon as it passes the size limit.
    async fn read_capped(&self, call: &str, mut resp: reqwest::Response) -> Result<Vec<u8>> {
        let limit = self.inner.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            call: call.to_owned(),
            limit_bytes: limit,
        };
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (out.len() + chunk.len()) as u64 > limit {
                        return Err(too_large());
                    }
                    out.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(out),
                Err(e) => return Err(transport_error(call, &e, 1, vec![])),
            }
        }
    }
}

/// Refuses plain http except to loopback hosts, unless explicitly allowed.
fn check_base_url(base: &str, allow_insecure: bool) -> Result<()> {
    let bad = |reason: String| Error::Config {
        field: "base_url".into(),
        reason,
    };
    let url = url::Url::parse(base).map_err(|e| bad(format!("{base:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if loopback || allow_insecure {
                Ok(())
            } else {
                Err(bad(format!(
                    "plain http to {} would send the secret key unencrypted; use https, a loopback host, or allow_insecure_http",
                    url.host_str().unwrap_or("?")
                )))
            }
        }
        other => Err(bad(format!("unsupported scheme {other:?}"))),
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.signed_duration_since(chrono::Utc::now());
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

fn transport_error(call: &str, e: &reqwest::Error, attempts: u32, history: Vec<String>) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            call: call.to_owned(),
            attempts,
            history,
        }
    } else {
        // reqwest's Display includes the URL, which never holds the secret (it is a header).
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            src = s.source();
        }
        Error::Connection {
            call: call.to_owned(),
            reason,
            attempts,
            history,
        }
    }
}

/// One attempt's failure in a few words, for the history of the final error.
fn attempt_summary(e: &Error) -> String {
    match e {
        Error::Api { status, reason, .. } => format!("HTTP {status} {reason}"),
        Error::RateLimited { retry_after, .. } => match retry_after {
            Some(d) => format!("HTTP 429, retry after {:.1}s", d.as_secs_f64()),
            None => "HTTP 429".to_owned(),
        },
        Error::Timeout { .. } => "timed out".to_owned(),
        Error::Connection { reason, .. } => format!("connection failed: {reason}"),
        other => other.to_string(),
    }
}

/// Stamps the attempt count and earlier failures onto the final error.
fn with_history(mut e: Error, total: u32, earlier: Vec<String>) -> Error {
    match &mut e {
        Error::Api {
            attempts, history, ..
        }
        | Error::RateLimited {
            attempts, history, ..
        }
        | Error::Timeout {
            attempts, history, ..
        }
        | Error::Connection {
            attempts, history, ..
        } => {
            *attempts = total;
            *history = earlier;
        }
        _ => {}
    }
    e
}

/// Builds the error for a non-2xx answer from its status and body.
pub(crate) fn error_from_status(
    call: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
) -> Error {
    let (reason, detailed_messages, body_excerpt) = parse_error_body(status, body);
    let call = call.to_owned();
    match status {
        401 => Error::Unauthorized {
            call,
            reason,
            detailed_messages,
        },
        404 => Error::NotFound {
            call,
            reason,
            detailed_messages,
        },
        429 => Error::RateLimited {
            call,
            retry_after,
            reason,
            attempts,
            history: vec![],
        },
        _ => Error::Api {
            call,
            status,
            reason,
            detailed_messages,
            body_excerpt,
            attempts,
            history: vec![],
        },
    }
}

/// The error of an API call answered with a redirect. The API never redirects, and neither HTTP
/// stack may follow one: both would send `QISCUS_SDK_SECRET`, a header they do not know as a
/// credential, to wherever it points, and change a POST into a GET. A proxy sending `http://`
/// to `https://` is the usual cause; the error names where it pointed.
fn redirected(call: &str, status: u16, location: Option<&str>, attempts: u32) -> Error {
    let to = location.map_or_else(|| " (no Location)".to_owned(), |l| format!(" to {l}"));
    Error::Api {
        call: call.to_owned(),
        status,
        reason: format!(
            "the server answered with a redirect{to}; the API does not redirect, and the client \
             does not follow redirects with its credentials: check base_url"
        ),
        detailed_messages: vec![],
        body_excerpt: None,
        attempts,
        history: vec![],
    }
}

/// `{"error":{"message":..,"detailed_messages":[..]},"status":N}`, a bare `{"error":"..."}`, or
/// anything else (kept as an excerpt).
fn parse_error_body(status: u16, body: &[u8]) -> (String, Vec<String>, Option<String>) {
    let fallback = || {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error")
            .to_owned()
    };
    let parsed: Option<ErrorEnvelope> = serde_json::from_slice(body).ok();
    match parsed.and_then(|e| e.error) {
        Some(Value::Object(obj)) => {
            let reason = obj
                .get("message")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(fallback);
            let details = match obj.get("detailed_messages") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect(),
                Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
                _ => vec![],
            };
            (reason, details, None)
        }
        Some(Value::String(s)) => (s, vec![], None),
        _ if body.is_empty() => (fallback(), vec![], None),
        _ => (fallback(), vec![], Some(excerpt(body, 200))),
    }
}

/// Decodes `{"results": T, "status": N}`; a missing `results` is a decode error naming the call.
pub(crate) fn decode<T: DeserializeOwned>(call: &str, body: &[u8]) -> Result<T> {
    let bad = |reason: String| Error::Decode {
        call: call.to_owned(),
        reason,
        body_excerpt: excerpt(body, 200),
    };
    // UTF-8 checked once for the whole body, then parsed as text: `from_slice` checks every
    // string on its own, ~20 % of decoding a page of 100 comments.
    let text =
        std::str::from_utf8(body).map_err(|e| bad(format!("the response is not UTF-8: {e}")))?;
    let env: Envelope<T> = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    env.results
        .ok_or_else(|| bad("the response has no `results`".to_owned()))
}

/// Serialises request parameters into a JSON body.
pub(crate) fn to_json<T: serde::Serialize>(params: &T) -> Result<Value> {
    serde_json::to_value(params).map_err(|e| Error::invalid("request", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Option<ClientConfig>> {
        ClientConfig::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn config_from_the_environment() {
        assert_eq!(from(&[]).unwrap(), None);
        assert_eq!(from(&[(ENV_APP_ID, " "), (ENV_SECRET, "")]).unwrap(), None);
        let config = from(&[(ENV_APP_ID, " app "), (ENV_SECRET, "s3cret\n")])
            .unwrap()
            .unwrap();
        assert_eq!(config, ClientConfig::new("app", "s3cret"));
        let config = from(&[
            (ENV_APP_ID, "app"),
            (ENV_SECRET, "s3cret"),
            (ENV_BASE_URL, "http://127.0.0.1:9 "),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:9"));
        for (vars, field) in [
            (&[(ENV_APP_ID, "app")][..], ENV_SECRET),
            (
                &[(ENV_SECRET, "s3cret"), (ENV_APP_ID, "  ")][..],
                ENV_APP_ID,
            ),
        ] {
            let err = from(vars).unwrap_err();
            assert!(
                matches!(&err, Error::Config { field: f, .. } if f == field),
                "{err:?}"
            );
            assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        assert!(check_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_base_url("http://localhost:1", false).is_ok());
        assert!(check_base_url("http://[::1]:1", false).is_ok());
        assert!(check_base_url("https://app.qiscus.com", false).is_ok());
        let err = check_base_url("http://example.com", false).unwrap_err();
        assert!(matches!(err, Error::Config { ref field, .. } if field == "base_url"));
        assert!(check_base_url("http://example.com", true).is_ok());
        assert!(check_base_url("ftp://example.com", true).is_err());
        assert!(check_base_url("not a url", true).is_err());
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_bodies() {
        let e = error_from_status(
            "create_room",
            400,
            None,
            br#"{"error":{"message":"bad","detailed_messages":["creator is required"]},"status":400}"#,
            1,
        );
        assert_eq!(
            e,
            Error::Api {
                call: "create_room".into(),
                status: 400,
                reason: "bad".into(),
                detailed_messages: vec!["creator is required".into()],
                body_excerpt: None,
                attempts: 1,
                history: vec![],
            }
        );
        let e = error_from_status("x", 502, None, b"<html><body>Bad Gateway</body></html>", 1);
        match e {
            Error::Api {
                status: 502,
                reason,
                body_excerpt: Some(ex),
                ..
            } => {
                assert_eq!(reason, "Bad Gateway");
                assert!(ex.contains("<html>"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error_from_status("x", 401, None, b"", 1),
            Error::Unauthorized { .. }
        ));
        assert!(matches!(
            error_from_status("x", 404, None, br#"{"error":"nope"}"#, 1),
            Error::NotFound { ref reason, .. } if reason == "nope"
        ));
        assert!(matches!(
            error_from_status("x", 429, Some(Duration::from_secs(3)), b"", 1),
            Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3)
        ));
    }

    #[test]
    fn missing_results_is_a_decode_error_naming_the_call() {
        let e = decode::<Value>("login_or_register", br#"{"status":200}"#).unwrap_err();
        assert!(matches!(e, Error::Decode { ref call, .. } if call == "login_or_register"));
    }

    #[test]
    fn a_body_that_is_not_utf8_is_a_decode_error() {
        let e = decode::<Value>("load_comments", b"{\"results\":\"caf\xe9\"}").unwrap_err();
        match e {
            Error::Decode { call, reason, .. } => {
                assert_eq!(call, "load_comments");
                assert!(reason.contains("not UTF-8"), "{reason}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
        // Escapes and multi-byte text still decode once the body is checked as a whole.
        let v = decode::<Value>("x", "{\"results\":\"caf\u{e9} \\u00e9 \\n\"}".as_bytes()).unwrap();
        assert_eq!(v, Value::String("caf\u{e9} \u{e9} \n".into()));
    }

    #[test]
    fn secret_never_in_debug() {
        let c = Client::builder("app", "s3cr3t-value").build().unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cr3t-value"), "{dbg}");
        let cfg = ClientConfig::new("app", "s3cr3t-value");
        assert!(!format!("{cfg:?}").contains("s3cr3t-value"));
    }
}
