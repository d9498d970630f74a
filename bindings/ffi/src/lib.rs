//! # qiscus-ffi
//!
//! The UniFFI exports of the `qiscus` client: the only crate with exports, and a thin one. The
//! records, enums and the error type are the core's own (derived behind its `uniffi` feature);
//! this crate adds the [`Client`] object, whose every call exists twice — `name` (async: a
//! Python coroutine, a Kotlin `suspend fun`, a Swift `async` function) and `name_blocking` (for
//! scripts and plain threads) — plus the webhook helpers.
//!
//! All calls run on one process-wide multi-thread tokio runtime shared by every client (one worker
//! thread per core; `QISCUS_WORKER_THREADS` or [`set_runtime_worker_threads`] sets another
//! number), so callers need no Rust reactor of their own. An async call is spawned onto it and
//! awaited, and never holds the caller's event loop — unless the thread that polls it has entered
//! a reactor (`qiscus::loop_io`, which the Python package's native module does for each asyncio
//! loop) with no other call in flight: then the call is polled where it is awaited and does its
//! requests' I/O on that thread, with non-blocking sockets the loop watches
//! (`qiscus::Client::with_loop_io`). A blocking call
//! is polled on its caller's
//! thread inside the runtime (module `wait`), and does its requests' I/O on that thread too
//! (`qiscus::Client::with_blocking_io`), over a pool of connections that every thread of the
//! client shares. Dropping (cancelling) the async form aborts the spawned request. A panic becomes
//! [`Error::Internal`] instead of crashing the host.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The error crosses the FFI by value (UniFFI lowers it), so it cannot be boxed here.
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use once_cell::sync::Lazy;
use qiscus::conformance::{ConformanceOutcome, ConformanceStep, ObservedError, Scenario};
use qiscus::loop_io::{InFlight, Reactor};
use qiscus::paging::CommentsPagerParams;
use qiscus::workflows::{
    BackupProgress, BackupRows, ExportOptions, ExportedFile, ImportBatch, ImportOptions,
    ImportReport, ProgressCallback,
};
use qiscus::{
    BackupResource, Comment, CreateExportParams, CreateImportParams, CreateRoomParams, Error,
    Export, GetRoomsInfoParams, GetUserRoomsParams, Import, JsonValue, LoadCommentsParams,
    LoginOrRegisterParams, PostCommentParams, RetryPolicy, RoomInfo, RoomSummary, RoomWithComments,
    SearchMessagesParams, SystemEventParams, UpdateRoomParams, UpdatedRoom, User, UserRooms,
    WebhookEvent,
};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

pub mod wait;

/// The library's allocator (default feature `mimalloc`): calls with 64 threads spent a quarter of
/// their CPU in glibc's malloc, free and its consolidation.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// With the `python` feature (the Python wheel's build) the library is also the extension module
/// `qiscus._native._speedups`: native readers of the records, enums and lists that cross into
/// Python, which the generated Python loads from this library when it can.
#[cfg(feature = "python")]
pub use qiscus_py_speedups::speedups as python_speedups;

uniffi::setup_scaffolding!("qiscus");
// JSON values are a remote type of the core crate (serde_json::Value crossing as JSON text).
uniffi::use_remote_type!(qiscus::JsonValue);

/// The one runtime of the process, created on first use and shared by every client.
static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    let chosen = {
        let mut workers = WORKERS.lock().unwrap_or_else(|p| p.into_inner());
        workers.started = true;
        workers.chosen
    };
    tokio::runtime::Builder::new_multi_thread()
        .thread_name("qiscus-rt")
        .worker_threads(worker_threads(
            std::env::var("QISCUS_WORKER_THREADS").ok().as_deref(),
            chosen,
            *wait::CORES,
        ))
        .enable_all()
        .build()
        .expect("the qiscus runtime could not start")
});

/// The worker count chosen by [`set_runtime_worker_threads`], and whether the runtime started.
struct Workers {
    chosen: Option<usize>,
    started: bool,
}

static WORKERS: std::sync::Mutex<Workers> = std::sync::Mutex::new(Workers {
    chosen: None,
    started: false,
});

/// Sets how many worker threads the shared runtime starts with: for a process that has made no
/// call yet. The workers drive the async calls, the timers, and the downloads and uploads; the
/// blocking calls do their own I/O on their callers' threads. `QISCUS_WORKER_THREADS`, when it
/// holds a positive number, still decides. Without either, the runtime has one worker per core,
/// except in the Python package, which chooses one (bench/RESULTS.md, fix 35).
///
/// Returns `true` if the runtime is still to start (it will start with this count, unless the
/// environment says otherwise), `false` if it already runs (with the count it started with). A
/// count of 0 is `InvalidInput`.
#[uniffi::export]
pub fn set_runtime_worker_threads(count: u32) -> Result<bool, Error> {
    if count == 0 {
        return Err(Error::InvalidInput {
            field: "count".into(),
            reason: "the runtime needs at least one worker thread".into(),
        });
    }
    let mut workers = WORKERS.lock().unwrap_or_else(|p| p.into_inner());
    if workers.started {
        return Ok(false);
    }
    workers.chosen = Some(count as usize);
    Ok(true)
}

/// The blocking calls of the shared runtime.
static BLOCKING: Lazy<wait::Blocking> = Lazy::new(|| wait::Blocking::new(RUNTIME.handle().clone()));

/// The runtime's worker threads: `QISCUS_WORKER_THREADS` when it is a positive number, else the
/// count [`set_runtime_worker_threads`] chose, else one per core (tokio's default). The workers
/// drive the sockets and timers and run the async calls; blocking calls run on their callers'
/// threads. On a 2-core machine one worker makes Python's asyncio calls at concurrency 1 ~25 %
/// faster (no second worker woken to search for every call), and Kotlin's coroutine calls at
/// concurrency 64 up to 30 % slower on large pages (bench/RESULTS.md, fix 35): the default stays
/// one per core, and the Python package, where one event loop's thread is what limits its
/// asyncio calls, chooses one.
fn worker_threads(setting: Option<&str>, chosen: Option<usize>, cores: usize) -> usize {
    setting
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .or(chosen)
        .unwrap_or(cores.max(1))
}

/// Awaits a spawned task and aborts it when dropped: cancelling the caller abandons the request.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs an async call: polled where it is awaited, counted in flight on its event loop's reactor
/// (`on_loop`: the Python package's asyncio calls, when the loop has no other call of its own in
/// flight), else spawned on the shared runtime.
///
/// A lone call is fastest on the loop's thread: its answer wakes the loop once, with no hand-off
/// between threads. With several in flight, the runtime's worker decodes answers while the loop's
/// thread builds the Python objects of others (bench/RESULTS.md, fix 37: Python's asyncio
/// load_comments_20 at c=64 read 8–12 k calls/s with every call on the loop, 15–18 k spawned).
///
/// Not an `async fn`: the call's future is boxed or spawned here, and what the exported method
/// awaits is a pointer or a task's handle. UniFFI moves the method's future into its own several
/// times; with the call inside, that future was 4.6 KB (bench/RESULTS.md, fix 40).
fn on_loop_or_spawned<T, F>(on_loop: Option<InFlight>, fut: F) -> Call<T>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    match on_loop {
        Some(in_flight) => Call::OnLoop(OnLoop {
            fut: Box::pin(fut),
            started: false,
            _in_flight: in_flight,
        }),
        None => spawned(fut),
    }
}

/// An async call, as [`on_loop_or_spawned`] runs it.
enum Call<T> {
    OnLoop(OnLoop<T>),
    Spawned(AbortOnDrop<Result<T, Error>>),
}

impl<T> Future for Call<T> {
    type Output = Result<T, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Call::OnLoop(call) => Pin::new(call).poll(cx),
            Call::Spawned(task) => Pin::new(task).poll(cx).map(joined),
        }
    }
}

/// A call polled on its event loop's thread (its client `with_loop_io`): each poll runs inside
/// the shared runtime, whose timers the call uses, and a panic becomes [`Error::Internal`].
/// Dropping it drops the request, and closes its connection.
struct OnLoop<T> {
    fut: Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>,
    started: bool,
    /// Counts the call on its loop until it ends or is dropped.
    _in_flight: InFlight,
}

impl<T> Future for OnLoop<T> {
    type Output = Result<T, Error>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _runtime = RUNTIME.enter();
        if !std::mem::replace(&mut self.started, true) {
            // The call's timeout would otherwise wake a worker to re-plan the timer (see `wait`).
            BLOCKING.keep_anchor();
        }
        let fut = self.fut.as_mut();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.poll(cx))).unwrap_or_else(
            |payload| {
                Poll::Ready(Err(Error::Internal {
                    reason: panic_text(payload),
                }))
            },
        )
    }
}

/// Runs a call on the shared runtime; awaiting the returned future waits for it without blocking
/// the caller's executor, and dropping it aborts the call.
fn spawned<T, F>(fut: F) -> Call<T>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    Call::Spawned(AbortOnDrop(RUNTIME.spawn(fut)))
}

/// What a spawned call's task ended with: its result, or its panic as [`Error::Internal`].
fn joined<T>(ended: Result<Result<T, Error>, tokio::task::JoinError>) -> Result<T, Error> {
    match ended {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(Error::Internal {
            reason: panic_text(e.into_panic()),
        }),
        Err(_) => Err(Error::Internal {
            reason: "the call was cancelled".into(),
        }),
    }
}

/// Runs a call on the calling thread inside the shared runtime (whose workers drive the timers,
/// and the sockets of downloads and uploads) and blocks until it ends (see [`wait`]). Polling it
/// here rather than spawning it saves a hand-off between threads per call; a panic inside still
/// becomes [`Error::Internal`].
fn blocking<T, F>(fut: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| BLOCKING.block_on(fut)))
        .unwrap_or_else(|payload| {
            Err(Error::Internal {
                reason: panic_text(payload),
            })
        })
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("panic inside the qiscus library: {text}")
}

/// A Qiscus client. Cheap to share between threads and tasks; `shutdown()` (or dropping it)
/// releases its connections.
#[derive(uniffi::Object)]
pub struct Client {
    inner: RwLock<Option<qiscus::Client>>,
}

impl Client {
    fn core(&self) -> Result<qiscus::Client, Error> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::Config {
                field: "client".into(),
                reason: "the client is closed".into(),
            })
    }

    fn wrap(core: qiscus::Client) -> Arc<Client> {
        Arc::new(Client {
            inner: RwLock::new(Some(core)),
        })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropped from any thread (a garbage collector's, say): the pool is released on the
        // runtime it lives on.
        let core = self
            .inner
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(core) = core {
            RUNTIME.spawn(async move { drop(core) });
        }
    }
}

#[uniffi::export]
impl Client {
    /// A client for an app. `base_url` overrides `https://{app_id}.qiscus.com` (an emulator, a
    /// proxy); plain http is refused unless the host is a loopback address or
    /// `allow_insecure_http` is set. Timeouts and delays are in milliseconds; `max_retries = 0`
    /// turns retries off. The retry budget (shared by this client's calls) holds
    /// `retry_budget_tokens`; each retryable failure takes one, each success gives back
    /// `retry_budget_ratio`, and retries stop while fewer than half remain.
    #[uniffi::constructor(default(
        base_url = None,
        timeout_ms = 30000,
        connect_timeout_ms = 10000,
        max_retries = 2,
        retry_base_delay_ms = 100,
        retry_max_delay_ms = 2000,
        max_retry_after_ms = 10000,
        max_response_bytes = 33554432,
        allow_insecure_http = false,
        retry_budget_tokens = 100,
        retry_budget_ratio = 0.5
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        app_id: String,
        secret: String,
        base_url: Option<String>,
        timeout_ms: u64,
        connect_timeout_ms: u64,
        max_retries: u32,
        retry_base_delay_ms: u64,
        retry_max_delay_ms: u64,
        max_retry_after_ms: u64,
        max_response_bytes: u64,
        allow_insecure_http: bool,
        retry_budget_tokens: u32,
        retry_budget_ratio: f64,
    ) -> Result<Arc<Client>, Error> {
        let mut config = qiscus::ClientConfig::new(app_id, secret);
        config.base_url = base_url;
        config.timeout = Duration::from_millis(timeout_ms);
        config.connect_timeout = Duration::from_millis(connect_timeout_ms);
        config.retry = RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(retry_base_delay_ms),
            max_delay: Duration::from_millis(retry_max_delay_ms),
            max_retry_after: Duration::from_millis(max_retry_after_ms),
            budget_tokens: retry_budget_tokens,
            budget_ratio: retry_budget_ratio,
        };
        config.max_response_bytes = max_response_bytes;
        config.allow_insecure_http = allow_insecure_http;
        // Building the HTTP client registers nothing with a runtime, but do it inside ours so
        // that any future version that does finds one.
        let _guard = RUNTIME.enter();
        Ok(Client::wrap(qiscus::Client::from_config(config)?))
    }

    /// A client sharing this one's connections, whose calls use another per-attempt timeout.
    pub fn with_timeout(&self, timeout_ms: u64) -> Result<Arc<Client>, Error> {
        Ok(Client::wrap(
            self.core()?.with_timeout(Duration::from_millis(timeout_ms)),
        ))
    }

    /// The app id.
    pub fn app_id(&self) -> Result<String, Error> {
        Ok(self.core()?.app_id().to_owned())
    }

    /// Releases the client's connections; later calls fail. Calling it twice is harmless.
    /// (Kotlin's `close()`/`use {}` and Swift's deinit also release them.)
    pub fn shutdown(&self) {
        let core = self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(core) = core {
            RUNTIME.spawn(async move { drop(core) });
        }
    }
}

/// Declares every call once and exports it twice: `name` (async) and `name_blocking`.
macro_rules! calls {
    ($(
        $(#[$meta:meta])*
        $name:ident / $blocking:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty = |$c:ident| $body:expr;
    )*) => {
        #[uniffi::export]
        impl Client {
            $(
                $(#[$meta])*
                #[allow(clippy::too_many_arguments)]
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret, Error> {
                    let reactor = Reactor::current().filter(|r| r.in_flight() == 0);
                    let $c = match &reactor {
                        Some(reactor) => self.core()?.with_loop_io(reactor.clone()),
                        None => self.core()?,
                    };
                    let on_loop = reactor.map(|r| r.track());
                    on_loop_or_spawned(on_loop, async move { $body.await }).await
                }
            )*
        }

        #[uniffi::export]
        impl Client {
            $(
                $(#[$meta])*
                ///
                /// Blocking form: waits on the calling thread.
                #[allow(clippy::too_many_arguments)]
                pub fn $blocking(&self, $($arg: $ty),*) -> Result<$ret, Error> {
                    let $c = self.core()?.with_blocking_io();
                    blocking(async move { $body.await })
                }
            )*
        }
    };
}

calls! {
    /// Creates a user, or updates one (which needs `password`).
    login_or_register / login_or_register_blocking(params: LoginOrRegisterParams) -> User
        = |c| c.login_or_register(&params);
    /// A user's profile.
    user_profile / user_profile_blocking(user_email: String) -> User
        = |c| c.user_profile(&user_email);
    /// Replaces a user's token.
    reset_user_token / reset_user_token_blocking(user_email: String) -> User
        = |c| c.reset_user_token(&user_email);
    /// The rooms of a user.
    get_user_rooms / get_user_rooms_blocking(params: GetUserRoomsParams) -> UserRooms
        = |c| c.get_user_rooms(&params);
    /// Creates a group room.
    create_room / create_room_blocking(params: CreateRoomParams) -> RoomSummary
        = |c| c.create_room(&params);
    /// Renames a group room, or changes its avatar or options.
    update_room / update_room_blocking(params: UpdateRoomParams) -> UpdatedRoom
        = |c| c.update_room(&params);
    /// The single room of two users, created on first use.
    get_or_create_room_with_target / get_or_create_room_with_target_blocking(emails: Vec<String>) -> RoomWithComments
        = |c| c.get_or_create_room_with_target(&emails);
    /// Last comment, unread count and participants of rooms.
    get_rooms_info / get_rooms_info_blocking(params: GetRoomsInfoParams) -> Vec<RoomInfo>
        = |c| c.get_rooms_info(&params);
    /// Adds users to a group room.
    add_room_participants / add_room_participants_blocking(room_id: i64, emails: Vec<String>) -> RoomSummary
        = |c| c.add_room_participants(room_id, &emails);
    /// Removes users from a group room.
    remove_room_participants / remove_room_participants_blocking(room_id: i64, emails: Vec<String>) -> RoomSummary
        = |c| c.remove_room_participants(room_id, &emails);
    /// Posts a comment of any type but `system_event` (idempotent through `unique_temp_id`).
    post_comment / post_comment_blocking(params: PostCommentParams) -> Comment
        = |c| c.post_comment(&params);
    /// A page of a room's comments, newest first.
    load_comments / load_comments_blocking(params: LoadCommentsParams) -> Vec<Comment>
        = |c| c.load_comments(&params);
    /// Posts a system event message.
    post_system_event_message / post_system_event_message_blocking(params: SystemEventParams) -> Comment
        = |c| c.post_system_event_message(&params);
    /// The last 100 comments matching a keyword in a user's rooms.
    search_messages / search_messages_blocking(params: SearchMessagesParams) -> Vec<Comment>
        = |c| c.search_messages(&params);
    /// Requests an export.
    create_export / create_export_blocking(params: CreateExportParams) -> Export
        = |c| c.create_export(&params);
    /// Up to 20 recent exports.
    #[uniffi::method(default(page = None))]
    list_exports / list_exports_blocking(page: Option<u32>) -> Vec<Export>
        = |c| c.list_exports(page);
    /// One export.
    get_export / get_export_blocking(unique_id: String) -> Export
        = |c| c.get_export(&unique_id);
    /// Deletes an export.
    delete_export / delete_export_blocking(unique_id: String) -> Export
        = |c| c.delete_export(&unique_id);
    /// Downloads a finished export's rows.
    download_export / download_export_blocking(export: Export) -> Vec<JsonValue>
        = |c| c.download_export(&export);
    /// Uploads a JSON file of users, rooms or comments.
    create_import / create_import_blocking(params: CreateImportParams) -> Import
        = |c| c.create_import(&params);
    /// Up to 20 recent imports.
    #[uniffi::method(default(page = None))]
    list_imports / list_imports_blocking(page: Option<u32>) -> Vec<Import>
        = |c| c.list_imports(page);

    // Workflows: the loops users write around the calls, once.

    /// Requests an export of `resource` created between two days (`YYYY-MM-DD`), waits for it
    /// (polling every `poll_interval_ms`, at most `timeout_ms`), downloads it and returns its
    /// typed rows. `listener` hears each step.
    #[uniffi::method(default(poll_interval_ms = 1000, timeout_ms = 1800000, listener = None))]
    export_and_download / export_and_download_blocking(
        resource: BackupResource,
        start_date: String,
        end_date: String,
        poll_interval_ms: u64,
        timeout_ms: u64,
        listener: Option<Arc<dyn BackupProgressListener>>
    ) -> BackupRows
        = |c| c.export_and_download(resource, &start_date, &end_date, &export_options(poll_interval_ms, timeout_ms, listener));
    /// Like `export_and_download`, but streams the file to `path` without holding it in memory
    /// and returns what was written.
    #[uniffi::method(default(poll_interval_ms = 1000, timeout_ms = 1800000, listener = None))]
    export_to_file / export_to_file_blocking(
        resource: BackupResource,
        start_date: String,
        end_date: String,
        path: String,
        poll_interval_ms: u64,
        timeout_ms: u64,
        listener: Option<Arc<dyn BackupProgressListener>>
    ) -> ExportedFile
        = |c| c.export_to_file(resource, &start_date, &end_date, path, &export_options(poll_interval_ms, timeout_ms, listener));
    /// Validates rows against the import rules (nothing is sent if one is bad), splits them into
    /// files of at most `max_file_bytes`, uploads them in order (users, rooms, comments; replies
    /// after their parents), waits for each import and reports per-row errors.
    #[uniffi::method(default(
        max_file_bytes = 4194304,
        poll_interval_ms = 500,
        timeout_ms = 600000,
        existing_emails = [],
        existing_room_unique_ids = [],
        existing_comment_unique_ids = [],
        assume_references_exist = false,
        listener = None
    ))]
    import_rows / import_rows_blocking(
        batch: ImportBatch,
        max_file_bytes: u64,
        poll_interval_ms: u64,
        timeout_ms: u64,
        existing_emails: Vec<String>,
        existing_room_unique_ids: Vec<String>,
        existing_comment_unique_ids: Vec<String>,
        assume_references_exist: bool,
        listener: Option<Arc<dyn BackupProgressListener>>
    ) -> ImportReport
        = |c| c.import_rows(&batch, &ImportOptions {
            poll_interval: Duration::from_millis(poll_interval_ms),
            timeout: Duration::from_millis(timeout_ms),
            max_file_bytes,
            on_progress: progress(listener),
            existing_emails,
            existing_room_unique_ids,
            existing_comment_unique_ids,
            assume_references_exist,
        });
}

/// Hears the progress of long backup and import work. Implement it in your language (a progress
/// bar, a log line); it is called from the library's threads, so keep it quick.
#[uniffi::export(with_foreign)]
pub trait BackupProgressListener: Send + Sync {
    /// One update.
    fn on_progress(&self, progress: BackupProgress);
}

fn progress(listener: Option<Arc<dyn BackupProgressListener>>) -> Option<ProgressCallback> {
    listener.map(|l| {
        Arc::new(move |p: BackupProgress| {
            // A listener that throws must not end the export or import it only watches.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l.on_progress(p)));
        }) as ProgressCallback
    })
}

fn export_options(
    poll_interval_ms: u64,
    timeout_ms: u64,
    listener: Option<Arc<dyn BackupProgressListener>>,
) -> ExportOptions {
    ExportOptions {
        poll_interval: Duration::from_millis(poll_interval_ms),
        timeout: Duration::from_millis(timeout_ms),
        on_progress: progress(listener),
    }
}

#[uniffi::export]
impl Client {
    /// Every room of a user, a page (20 rooms) at a time: `next_page()` fetches the next one only
    /// when asked and returns `None` after the last.
    pub fn rooms_pager(&self, user_email: String) -> Result<Arc<RoomsPager>, Error> {
        Ok(RoomsPager::wrap(self.core()?.rooms_of(user_email)))
    }

    /// Every comment of a room, newest first, a page at a time; optionally stopping at a comment
    /// id (exclusive) or after a number of comments.
    pub fn comments_pager(&self, params: CommentsPagerParams) -> Result<Arc<CommentsPager>, Error> {
        Ok(CommentsPager::wrap(self.core()?.comments_pager(params)))
    }

    /// Every export record, a page (20) at a time.
    pub fn exports_pager(&self) -> Result<Arc<ExportsPager>, Error> {
        Ok(ExportsPager::wrap(self.core()?.exports_pager()))
    }

    /// Every import record, a page (20) at a time.
    pub fn imports_pager(&self) -> Result<Arc<ImportsPager>, Error> {
        Ok(ImportsPager::wrap(self.core()?.imports_pager()))
    }
}

/// Declares a pager object over a core pager: `next_page()` (async) and `next_page_blocking()`.
macro_rules! pagers {
    ($($(#[doc = $doc:literal])* $name:ident($core:ty) -> $item:ty;)*) => {$(
        $(#[doc = $doc])*
        #[derive(uniffi::Object)]
        pub struct $name(Arc<tokio::sync::Mutex<$core>>);

        impl $name {
            fn wrap(core: $core) -> Arc<Self> {
                Arc::new($name(Arc::new(tokio::sync::Mutex::new(core))))
            }
        }

        #[uniffi::export]
        impl $name {
            /// The next page, fetched now; `None` once every item was returned.
            pub async fn next_page(&self) -> Result<Option<Vec<$item>>, Error> {
                let pager = self.0.clone();
                spawned(async move { pager.lock().await.next_page().await }).await
            }

            /// The next page, fetched now; `None` once every item was returned.
            ///
            /// Blocking form: waits on the calling thread.
            pub fn next_page_blocking(&self) -> Result<Option<Vec<$item>>, Error> {
                let pager = self.0.clone();
                blocking(async move { pager.lock().await.next_page().await })
            }
        }
    )*};
}

pagers! {
    /// Pages through every room of a user.
    RoomsPager(qiscus::paging::RoomsPager) -> RoomInfo;
    /// Pages through a room's comments, newest first.
    CommentsPager(qiscus::paging::CommentsPager) -> Comment;
    /// Pages through every export record.
    ExportsPager(qiscus::paging::ExportsPager) -> Export;
    /// Pages through every import record.
    ImportsPager(qiscus::paging::ImportsPager) -> Import;
}

/// A client for the app named by the environment, with the constructor's defaults:
/// `QISCUS_APP_ID` and `QISCUS_SECRET`, and `QISCUS_BASE_URL` when set (blank counts as unset).
/// `None` when neither credential is set, so that a program can fall back (to an emulator, say);
/// `QiscusError.Config` naming the missing variable when only one is.
#[uniffi::export]
pub fn client_from_environment() -> Result<Option<Arc<Client>>, Error> {
    let _guard = RUNTIME.enter();
    Ok(qiscus::Client::from_env()?.map(Client::wrap))
}

/// The hex HMAC-SHA256 of a webhook body keyed with the signature token (the value of
/// `QISCUS-SDK-SIGNATURE`), for tests that send webhooks.
#[uniffi::export]
pub fn sign_webhook_body(token: Vec<u8>, body: Vec<u8>) -> String {
    qiscus::webhooks::sign(&token, &body)
}

/// Checks a `QISCUS-SDK-SIGNATURE` header against the raw body, in constant time.
#[uniffi::export]
pub fn verify_webhook_signature(
    token: Vec<u8>,
    body: Vec<u8>,
    signature: Option<String>,
) -> Result<(), Error> {
    qiscus::webhooks::verify_signature(&token, &body, signature.as_deref())
}

/// Parses a webhook body without checking its signature.
#[uniffi::export]
pub fn parse_webhook_event(body: Vec<u8>) -> Result<WebhookEvent, Error> {
    qiscus::webhooks::parse_event(&body)
}

/// Finds `QISCUS-SDK-SIGNATURE` among the request's headers (any case), verifies the raw body
/// and returns the typed event: the one call a webhook endpoint needs, in any web framework.
#[uniffi::export]
pub fn receive_webhook(
    token: Vec<u8>,
    headers: std::collections::HashMap<String, String>,
    body: Vec<u8>,
) -> Result<WebhookEvent, Error> {
    qiscus::webhooks::receive(
        &token,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &body,
    )
}

/// A fresh idempotency key for `post_comment`.
#[uniffi::export]
pub fn new_unique_temp_id() -> String {
    qiscus::new_unique_temp_id()
}

/// Parses any timestamp form the server sends into unix milliseconds (`None` if unparseable).
#[uniffi::export]
pub fn timestamp_to_unix_millis(timestamp: String) -> Option<i64> {
    qiscus::parse_timestamp(&timestamp).map(|t| t.timestamp_millis())
}

/// For the test suites: panics inside the library, to show that a Rust panic reaches the caller
/// as an error, never as a crash. `in_task` panics inside a spawned call (async path) instead of
/// on the calling thread.
#[uniffi::export]
pub fn debug_panic(in_task: bool) -> Result<(), Error> {
    if in_task {
        blocking(async { panic!("debug_panic was called") })
    } else {
        panic!("debug_panic was called")
    }
}

/// The async twin of [`debug_panic`]: panics inside a spawned task.
#[uniffi::export]
pub async fn debug_panic_async() -> Result<(), Error> {
    spawned(async { panic!("debug_panic_async was called") }).await
}

/// For the test suites: an async call that sleeps on the shared runtime, to test cancellation
/// and that concurrent calls do not hold the caller's event loop.
#[uniffi::export]
pub async fn debug_sleep(millis: u64) -> Result<(), Error> {
    spawned(async move {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(())
    })
    .await
}

/// Number of tasks alive on the shared runtime: lets test suites check that cancelled or
/// finished calls leave nothing behind.
#[uniffi::export]
pub fn debug_runtime_alive_tasks() -> u64 {
    RUNTIME.metrics().num_alive_tasks() as u64
}

/// Replays one scenario file of the conformance suite (`tests/conformance`): hands out its steps
/// with their arguments built, takes each result or error, checks the file's expectations and
/// writes the normalised transcript. Every language's runner uses it, so that runners differ
/// only in what is native: the client, the calls and the errors.
#[derive(uniffi::Object)]
pub struct ConformanceScenario(std::sync::Mutex<Scenario>);

impl ConformanceScenario {
    fn with<T>(&self, f: impl FnOnce(&mut Scenario) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[uniffi::export]
impl ConformanceScenario {
    /// Reads a scenario file; `base_url` is the emulator's. A malformed file is `InvalidInput`.
    #[uniffi::constructor]
    pub fn new(json: String, base_url: String) -> Result<Arc<Self>, Error> {
        Ok(Arc::new(ConformanceScenario(std::sync::Mutex::new(
            Scenario::parse(&json, &base_url)?,
        ))))
    }

    /// The scenario's name.
    pub fn name(&self) -> String {
        self.with(|s| s.name().to_owned())
    }

    /// The next step to run, or `None` after the last.
    pub fn next_step(&self) -> Option<ConformanceStep> {
        self.with(|s| s.next_step())
    }

    /// Records the result of the step last handed out.
    pub fn record_ok(&self, outcome: ConformanceOutcome) {
        self.with(|s| s.record_ok(outcome))
    }

    /// Records the error the step last handed out ended with.
    pub fn record_error(&self, error: ObservedError) {
        self.with(|s| s.record_error(error))
    }

    /// Every expectation that did not hold; empty when all held.
    pub fn failures(&self) -> Vec<String> {
        self.with(|s| s.failures())
    }

    /// The normalised transcript, as JSON text.
    pub fn transcript_json(&self) -> String {
        self.with(|s| s.transcript().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::worker_threads;
    use once_cell::sync::Lazy;

    #[test]
    fn worker_threads_are_one_per_core_unless_set() {
        assert_eq!(worker_threads(None, None, 1), 1);
        assert_eq!(worker_threads(None, None, 8), 8);
        assert_eq!(worker_threads(None, None, 0), 1);
        assert_eq!(worker_threads(Some("3"), None, 8), 3);
        assert_eq!(worker_threads(Some(" 1 "), None, 2), 1);
        for ignored in ["0", "-1", "many", ""] {
            assert_eq!(worker_threads(Some(ignored), None, 8), 8, "{ignored:?}");
        }
    }

    #[test]
    fn the_environment_decides_over_the_chosen_count() {
        assert_eq!(worker_threads(None, Some(1), 8), 1);
        assert_eq!(worker_threads(Some("3"), Some(1), 8), 3);
        assert_eq!(worker_threads(Some("none"), Some(2), 8), 2);
    }

    #[test]
    fn a_count_is_refused_once_the_runtime_runs() {
        use super::{set_runtime_worker_threads, Error, RUNTIME, WORKERS};
        assert!(matches!(
            set_runtime_worker_threads(0),
            Err(Error::InvalidInput { field, .. }) if field == "count"
        ));
        // Other tests of this binary may start the runtime first: only what follows is certain.
        Lazy::force(&RUNTIME);
        assert!(WORKERS.lock().unwrap().started);
        assert!(!set_runtime_worker_threads(1).unwrap());
    }

    #[test]
    fn an_async_methods_future_holds_its_call_behind_a_pointer() {
        // UniFFI moves an exported method's future into its own several times before the first
        // poll: the call itself (~1.8 KB for post_comment) is boxed or spawned at that poll.
        let client = super::Client::new(
            "app".into(),
            "secret".into(),
            Some("http://127.0.0.1:1".into()),
            1_000,
            1_000,
            0,
            1,
            1,
            1,
            1 << 20,
            false,
            10,
            0.1,
        )
        .unwrap();
        let post = qiscus::PostCommentParams::text(1, "a@example.com", "hi");
        let core = std::mem::size_of_val(&client.core().unwrap().post_comment(&post));
        let exported = [
            std::mem::size_of_val(&client.post_comment(post.clone())),
            std::mem::size_of_val(&client.load_comments(qiscus::LoadCommentsParams::new(1))),
            std::mem::size_of_val(&client.user_profile("a@example.com".into())),
        ];
        assert!(core > 1_000, "{core}");
        for size in exported {
            assert!(size < 512, "{size} bytes (the core's call: {core})");
        }
    }
}
