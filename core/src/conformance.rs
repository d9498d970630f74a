//! The engine of the conformance suite (`tests/conformance`): replays a language-neutral
//! scenario file step by step, checks each result against the file's expectations and writes a
//! normalised transcript.
//!
//! It is written once, here, and exported to every binding, so that a runner in each language
//! only does what must be native: build the client, call the method, catch the error. The four
//! transcripts are then compared; any difference is a difference between the bindings.
//!
//! ```
//! use qiscus::conformance::{ConformanceOutcome, Scenario};
//!
//! let file = r#"{"name": "millis", "steps": [
//!     {"call": "timestamp_to_unix_millis", "args": {"timestamp": "1970-01-01T00:00:01Z"},
//!      "expect": {"ok": 1000}}]}"#;
//! let mut scenario = Scenario::parse(file, "http://127.0.0.1:1").unwrap();
//! while let Some(_step) = scenario.next_step() {
//!     scenario.record_ok(ConformanceOutcome::OfMillis { value: Some(1000) });
//! }
//! assert!(scenario.failures().is_empty());
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::paging::CommentsPagerParams;
use crate::workflows::{BackupRows, ImportBatch, ImportReport};
use crate::{
    BackupResource, Comment, CreateExportParams, CreateImportParams, CreateRoomParams, Error,
    Export, GetRoomsInfoParams, GetUserRoomsParams, Import, JsonValue, LoadCommentsParams,
    LoginOrRegisterParams, PostCommentParams, RoomInfo, RoomSummary, RoomWithComments,
    SearchMessagesParams, SystemEventParams, UpdateRoomParams, UpdatedRoom, User, UserRooms,
    WebhookEvent,
};

/// Client settings a step asks for; `None` keeps the runner's default (the emulator's URL and
/// secret, `max_retries = 0`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ClientOptions {
    /// Secret key to use instead of the right one.
    pub secret: Option<String>,
    /// Base URL to use instead of the emulator's.
    pub base_url: Option<String>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Per-attempt timeout, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Response size limit, in bytes.
    pub max_response_bytes: Option<u64>,
    /// First retry delay, in milliseconds.
    pub retry_base_delay_ms: Option<u64>,
}

/// One step to run: the call with its arguments resolved, and the client to run it with.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConformanceStep {
    /// Position in the scenario, from 0.
    pub index: u32,
    /// What to call.
    pub call: ConformanceCall,
    /// Client settings for this step, when not the default client.
    pub client: Option<ClientOptions>,
}

/// A call of the library, with its arguments: one variant per client method (pagers are
/// collected to the end), webhook helper, and emulator admin request.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(missing_docs)] // each variant is the method of the same name
pub enum ConformanceCall {
    LoginOrRegister {
        params: LoginOrRegisterParams,
    },
    UserProfile {
        user_email: String,
    },
    ResetUserToken {
        user_email: String,
    },
    GetUserRooms {
        params: GetUserRoomsParams,
    },
    CreateRoom {
        params: CreateRoomParams,
    },
    UpdateRoom {
        params: UpdateRoomParams,
    },
    GetOrCreateRoomWithTarget {
        emails: Vec<String>,
    },
    GetRoomsInfo {
        params: GetRoomsInfoParams,
    },
    AddRoomParticipants {
        room_id: i64,
        emails: Vec<String>,
    },
    RemoveRoomParticipants {
        room_id: i64,
        emails: Vec<String>,
    },
    PostComment {
        params: PostCommentParams,
    },
    LoadComments {
        params: LoadCommentsParams,
    },
    PostSystemEventMessage {
        params: SystemEventParams,
    },
    SearchMessages {
        params: SearchMessagesParams,
    },
    CreateExport {
        params: CreateExportParams,
    },
    ListExports {
        page: Option<u32>,
    },
    GetExport {
        unique_id: String,
    },
    DeleteExport {
        unique_id: String,
    },
    DownloadExport {
        export: Export,
    },
    CreateImport {
        params: CreateImportParams,
    },
    ListImports {
        page: Option<u32>,
    },
    ExportAndDownload {
        resource: BackupResource,
        start_date: String,
        end_date: String,
        poll_interval_ms: u64,
        timeout_ms: u64,
    },
    ImportRows {
        batch: ImportBatch,
        max_file_bytes: u64,
        poll_interval_ms: u64,
        timeout_ms: u64,
    },
    /// Every page of `rooms_pager(user_email)`.
    RoomsPager {
        user_email: String,
    },
    /// Every page of `comments_pager(params)`.
    CommentsPager {
        params: CommentsPagerParams,
    },
    /// Every page of `exports_pager()`.
    ExportsPager,
    /// Every page of `imports_pager()`.
    ImportsPager,
    SignWebhookBody {
        token: Vec<u8>,
        body: Vec<u8>,
    },
    VerifyWebhookSignature {
        token: Vec<u8>,
        body: Vec<u8>,
        signature: Option<String>,
    },
    ParseWebhookEvent {
        body: Vec<u8>,
    },
    ReceiveWebhook {
        token: Vec<u8>,
        headers: HashMap<String, String>,
        body: Vec<u8>,
    },
    TimestampToUnixMillis {
        timestamp: String,
    },
    /// An HTTP request to the emulator's admin API (`path` starts with `/_emulator/`), sent by
    /// the runner with its own HTTP client; `body_json` goes as `application/json`.
    Emulator {
        method: String,
        path: String,
        body_json: Option<String>,
    },
}

/// What a call returned, wrapped by the runner in the variant of its type.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(missing_docs)] // `OfX` holds a result of type X
pub enum ConformanceOutcome {
    OfUser {
        value: User,
    },
    OfUserRooms {
        value: UserRooms,
    },
    OfRoomSummary {
        value: RoomSummary,
    },
    OfUpdatedRoom {
        value: UpdatedRoom,
    },
    OfRoomWithComments {
        value: RoomWithComments,
    },
    OfRoomInfos {
        value: Vec<RoomInfo>,
    },
    OfComment {
        value: Comment,
    },
    OfComments {
        value: Vec<Comment>,
    },
    OfExport {
        value: Export,
    },
    OfExports {
        value: Vec<Export>,
    },
    OfImport {
        value: Import,
    },
    OfImports {
        value: Vec<Import>,
    },
    /// `download_export`'s rows.
    OfRows {
        value: Vec<JsonValue>,
    },
    OfBackupRows {
        value: BackupRows,
    },
    OfImportReport {
        value: ImportReport,
    },
    OfRoomPages {
        value: Vec<Vec<RoomInfo>>,
    },
    OfCommentPages {
        value: Vec<Vec<Comment>>,
    },
    OfExportPages {
        value: Vec<Vec<Export>>,
    },
    OfImportPages {
        value: Vec<Vec<Import>>,
    },
    OfWebhookEvent {
        value: WebhookEvent,
    },
    /// `sign_webhook_body`'s signature.
    OfText {
        value: String,
    },
    /// `timestamp_to_unix_millis`.
    OfMillis {
        value: Option<i64>,
    },
    /// A call that returns nothing (`verify_webhook_signature`).
    Done,
    /// The emulator's answer to an admin request.
    OfEmulatorAnswer {
        status: u16,
        body: String,
    },
}

/// An error as the runner saw it in its language: the variant's name and its fields.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ObservedError {
    /// The variant's name as in Rust: `Api`, `Unauthorized`, `NotFound`, `RateLimited`,
    /// `Timeout`, `Connection`, `Decode`, `ResponseTooLarge`, `InvalidInput`,
    /// `InvalidSignature`, `Internal` or `Config`.
    pub kind: String,
    /// `call`, when the variant has it.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub call: Option<String>,
    /// `status` (Api).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub status: Option<u16>,
    /// `field` (InvalidInput, Config).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub field: Option<String>,
    /// `reason`, when the variant has it.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub reason: Option<String>,
    /// `detailed_messages` (Api, Unauthorized, NotFound).
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub detailed_messages: Vec<String>,
    /// `attempts` (Api, RateLimited, Timeout, Connection).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub attempts: Option<u32>,
    /// `retry_after` in milliseconds (RateLimited).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub retry_after_ms: Option<u64>,
    /// `limit_bytes` (ResponseTooLarge).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit_bytes: Option<u64>,
}

impl From<&Error> for ObservedError {
    fn from(e: &Error) -> Self {
        let mut o = ObservedError::default();
        let set_call = |o: &mut ObservedError, call: &str| o.call = Some(call.to_owned());
        match e {
            Error::Api {
                call,
                status,
                reason,
                detailed_messages,
                attempts,
                ..
            } => {
                o.kind = "Api".into();
                set_call(&mut o, call);
                o.status = Some(*status);
                o.reason = Some(reason.clone());
                o.detailed_messages = detailed_messages.clone();
                o.attempts = Some(*attempts);
            }
            Error::Unauthorized {
                call,
                reason,
                detailed_messages,
            }
            | Error::NotFound {
                call,
                reason,
                detailed_messages,
            } => {
                o.kind = if matches!(e, Error::Unauthorized { .. }) {
                    "Unauthorized"
                } else {
                    "NotFound"
                }
                .into();
                set_call(&mut o, call);
                o.reason = Some(reason.clone());
                o.detailed_messages = detailed_messages.clone();
            }
            Error::RateLimited {
                call,
                retry_after,
                reason,
                attempts,
                ..
            } => {
                o.kind = "RateLimited".into();
                set_call(&mut o, call);
                o.retry_after_ms = retry_after.map(|d| d.as_millis() as u64);
                o.reason = Some(reason.clone());
                o.attempts = Some(*attempts);
            }
            Error::Timeout { call, attempts, .. } => {
                o.kind = "Timeout".into();
                set_call(&mut o, call);
                o.attempts = Some(*attempts);
            }
            Error::Connection {
                call,
                reason,
                attempts,
                ..
            } => {
                o.kind = "Connection".into();
                set_call(&mut o, call);
                o.reason = Some(reason.clone());
                o.attempts = Some(*attempts);
            }
            Error::Decode { call, reason, .. } => {
                o.kind = "Decode".into();
                set_call(&mut o, call);
                o.reason = Some(reason.clone());
            }
            Error::ResponseTooLarge { call, limit_bytes } => {
                o.kind = "ResponseTooLarge".into();
                set_call(&mut o, call);
                o.limit_bytes = Some(*limit_bytes);
            }
            Error::InvalidInput { field, reason } => {
                o.kind = "InvalidInput".into();
                o.field = Some(field.clone());
                o.reason = Some(reason.clone());
            }
            Error::InvalidSignature { reason } => {
                o.kind = "InvalidSignature".into();
                o.reason = Some(reason.clone());
            }
            Error::Internal { reason } => {
                o.kind = "Internal".into();
                o.reason = Some(reason.clone());
            }
            Error::Config { field, reason } => {
                o.kind = "Config".into();
                o.field = Some(field.clone());
                o.reason = Some(reason.clone());
            }
        }
        o
    }
}

impl ObservedError {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!(self.kind));
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                m.insert(k.into(), v);
            }
        };
        put("call", json!(self.call));
        put("status", json!(self.status));
        put("field", json!(self.field));
        put("reason", json!(self.reason));
        if !self.detailed_messages.is_empty() {
            put("detailed_messages", json!(self.detailed_messages));
        }
        put("attempts", json!(self.attempts));
        put("retry_after_ms", json!(self.retry_after_ms));
        put("limit_bytes", json!(self.limit_bytes));
        Value::Object(m)
    }
}

impl ConformanceCall {
    /// The call's name in the scenario files (and in every binding).
    pub fn name(&self) -> &'static str {
        use ConformanceCall as C;
        match self {
            C::LoginOrRegister { .. } => "login_or_register",
            C::UserProfile { .. } => "user_profile",
            C::ResetUserToken { .. } => "reset_user_token",
            C::GetUserRooms { .. } => "get_user_rooms",
            C::CreateRoom { .. } => "create_room",
            C::UpdateRoom { .. } => "update_room",
            C::GetOrCreateRoomWithTarget { .. } => "get_or_create_room_with_target",
            C::GetRoomsInfo { .. } => "get_rooms_info",
            C::AddRoomParticipants { .. } => "add_room_participants",
            C::RemoveRoomParticipants { .. } => "remove_room_participants",
            C::PostComment { .. } => "post_comment",
            C::LoadComments { .. } => "load_comments",
            C::PostSystemEventMessage { .. } => "post_system_event_message",
            C::SearchMessages { .. } => "search_messages",
            C::CreateExport { .. } => "create_export",
            C::ListExports { .. } => "list_exports",
            C::GetExport { .. } => "get_export",
            C::DeleteExport { .. } => "delete_export",
            C::DownloadExport { .. } => "download_export",
            C::CreateImport { .. } => "create_import",
            C::ListImports { .. } => "list_imports",
            C::ExportAndDownload { .. } => "export_and_download",
            C::ImportRows { .. } => "import_rows",
            C::RoomsPager { .. } => "rooms_pager",
            C::CommentsPager { .. } => "comments_pager",
            C::ExportsPager => "exports_pager",
            C::ImportsPager => "imports_pager",
            C::SignWebhookBody { .. } => "sign_webhook_body",
            C::VerifyWebhookSignature { .. } => "verify_webhook_signature",
            C::ParseWebhookEvent { .. } => "parse_webhook_event",
            C::ReceiveWebhook { .. } => "receive_webhook",
            C::TimestampToUnixMillis { .. } => "timestamp_to_unix_millis",
            C::Emulator { .. } => "emulator",
        }
    }

    /// The outcome variant a successful call must be recorded as.
    fn outcome_kind(&self) -> &'static str {
        use ConformanceCall as C;
        match self {
            C::LoginOrRegister { .. } | C::UserProfile { .. } | C::ResetUserToken { .. } => "User",
            C::GetUserRooms { .. } => "UserRooms",
            C::CreateRoom { .. }
            | C::AddRoomParticipants { .. }
            | C::RemoveRoomParticipants { .. } => "RoomSummary",
            C::UpdateRoom { .. } => "UpdatedRoom",
            C::GetOrCreateRoomWithTarget { .. } => "RoomWithComments",
            C::GetRoomsInfo { .. } => "RoomInfos",
            C::PostComment { .. } | C::PostSystemEventMessage { .. } => "Comment",
            C::LoadComments { .. } | C::SearchMessages { .. } => "Comments",
            C::CreateExport { .. } | C::GetExport { .. } | C::DeleteExport { .. } => "Export",
            C::ListExports { .. } => "Exports",
            C::DownloadExport { .. } => "Rows",
            C::CreateImport { .. } => "Import",
            C::ListImports { .. } => "Imports",
            C::ExportAndDownload { .. } => "BackupRows",
            C::ImportRows { .. } => "ImportReport",
            C::RoomsPager { .. } => "RoomPages",
            C::CommentsPager { .. } => "CommentPages",
            C::ExportsPager => "ExportPages",
            C::ImportsPager => "ImportPages",
            C::SignWebhookBody { .. } => "Text",
            C::VerifyWebhookSignature { .. } => "Done",
            C::ParseWebhookEvent { .. } | C::ReceiveWebhook { .. } => "WebhookEvent",
            C::TimestampToUnixMillis { .. } => "Millis",
            C::Emulator { .. } => "EmulatorAnswer",
        }
    }
}

impl ConformanceOutcome {
    fn kind(&self) -> &'static str {
        use ConformanceOutcome as O;
        match self {
            O::OfUser { .. } => "User",
            O::OfUserRooms { .. } => "UserRooms",
            O::OfRoomSummary { .. } => "RoomSummary",
            O::OfUpdatedRoom { .. } => "UpdatedRoom",
            O::OfRoomWithComments { .. } => "RoomWithComments",
            O::OfRoomInfos { .. } => "RoomInfos",
            O::OfComment { .. } => "Comment",
            O::OfComments { .. } => "Comments",
            O::OfExport { .. } => "Export",
            O::OfExports { .. } => "Exports",
            O::OfImport { .. } => "Import",
            O::OfImports { .. } => "Imports",
            O::OfRows { .. } => "Rows",
            O::OfBackupRows { .. } => "BackupRows",
            O::OfImportReport { .. } => "ImportReport",
            O::OfRoomPages { .. } => "RoomPages",
            O::OfCommentPages { .. } => "CommentPages",
            O::OfExportPages { .. } => "ExportPages",
            O::OfImportPages { .. } => "ImportPages",
            O::OfWebhookEvent { .. } => "WebhookEvent",
            O::OfText { .. } => "Text",
            O::OfMillis { .. } => "Millis",
            O::Done => "Done",
            O::OfEmulatorAnswer { .. } => "EmulatorAnswer",
        }
    }

    /// The result's JSON form (the models' wire form).
    fn to_json(&self) -> Value {
        use ConformanceOutcome as O;
        // The variants whose value is a model (or a list of them), in its wire form.
        macro_rules! wire {
            ($($variant:ident),* ; $($other:tt)*) => {
                match self {
                    $(O::$variant { value } => serde_json::to_value(value)
                        .unwrap_or_else(|e| json!(format!("<{e}>"))),)*
                    $($other)*
                }
            };
        }
        wire! {
            OfUser, OfUserRooms, OfRoomSummary, OfUpdatedRoom, OfRoomWithComments, OfRoomInfos,
            OfComment, OfComments, OfExport, OfExports, OfImport, OfImports, OfBackupRows,
            OfImportReport, OfRoomPages, OfCommentPages, OfExportPages, OfImportPages,
            OfWebhookEvent;
            O::OfRows { value } => json!(value),
            O::OfText { value } => json!(value),
            O::OfMillis { value } => json!(value),
            O::Done => Value::Null,
            O::OfEmulatorAnswer { status, body } => json!({
                "status": status,
                "body": serde_json::from_str::<Value>(body).unwrap_or_else(|_| json!(body)),
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    #[serde(default)]
    description: Option<String>,
    steps: Vec<StepSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    call: String,
    #[serde(default)]
    args: Option<Value>,
    #[serde(default)]
    client: Option<Value>,
    #[serde(default)]
    save: Option<String>,
    #[serde(default)]
    expect: Option<Value>,
}

/// A scenario being replayed: hands out its steps, takes their results, keeps the transcript.
pub struct Scenario {
    file: ScenarioFile,
    base_url: String,
    next: usize,
    pending: Option<(usize, ConformanceCall)>,
    saved: HashMap<String, Value>,
    entries: Vec<Value>,
    failures: Vec<String>,
}

impl Scenario {
    /// Reads a scenario file; `base_url` is the emulator's (it is replaced by `<base_url>` in
    /// the transcript). A malformed file is [`Error::InvalidInput`] naming `scenario`.
    pub fn parse(json_text: &str, base_url: &str) -> Result<Scenario, Error> {
        let file: ScenarioFile = serde_json::from_str(json_text)
            .map_err(|e| Error::invalid("scenario", e.to_string()))?;
        if file.steps.is_empty() {
            return Err(Error::invalid("scenario.steps", "a scenario needs a step"));
        }
        Ok(Scenario {
            file,
            base_url: base_url.trim_end_matches('/').to_owned(),
            next: 0,
            pending: None,
            saved: HashMap::new(),
            entries: Vec::new(),
            failures: Vec::new(),
        })
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// The next step to run, or `None` after the last. A step whose arguments cannot be built
    /// (a bad reference, a wrong argument) is recorded as a failure and skipped.
    pub fn next_step(&mut self) -> Option<ConformanceStep> {
        if let Some((index, call)) = self.pending.take() {
            self.fail(index, call.name(), "the runner recorded no result".into());
        }
        while self.next < self.file.steps.len() {
            let index = self.next;
            self.next += 1;
            let spec = &self.file.steps[index];
            let name = spec.call.clone();
            let built = self.resolve(spec.args.as_ref()).and_then(|args| {
                let client = match &spec.client {
                    None => None,
                    Some(c) => Some(
                        serde_json::from_value::<ClientOptions>(self.resolve(Some(c))?)
                            .map_err(|e| format!("client: {e}"))?,
                    ),
                };
                Ok((build_call(&name, args)?, client))
            });
            match built {
                Ok((call, client)) => {
                    self.pending = Some((index, call.clone()));
                    return Some(ConformanceStep {
                        index: index as u32,
                        call,
                        client,
                    });
                }
                Err(e) => {
                    self.fail(index, &name, format!("cannot build the step: {e}"));
                    self.entries
                        .push(json!({"step": index, "call": name, "setup_error": e}));
                }
            }
        }
        None
    }

    /// Records the result of the step last handed out.
    pub fn record_ok(&mut self, outcome: ConformanceOutcome) {
        let Some((index, call)) = self.pending.take() else {
            self.failures
                .push("a result was recorded with no step pending".into());
            return;
        };
        let value = outcome.to_json();
        if outcome.kind() != call.outcome_kind() {
            self.fail(
                index,
                call.name(),
                format!(
                    "recorded as {} but the call returns {}",
                    outcome.kind(),
                    call.outcome_kind()
                ),
            );
        }
        let spec = &self.file.steps[index];
        let problem = match self.resolve(spec.expect.as_ref()) {
            Err(e) => Some(format!("expect: {e}")),
            Ok(Value::Null) => None,
            Ok(expect) => check_ok(&expect, &value),
        };
        if let Some(p) = problem {
            self.fail(index, call.name(), p);
        }
        if let Some(name) = &self.file.steps[index].save {
            self.saved.insert(name.clone(), value.clone());
        }
        self.entries
            .push(json!({"step": index, "call": call.name(), "ok": value}));
    }

    /// Records the error the step last handed out ended with.
    pub fn record_error(&mut self, error: ObservedError) {
        let Some((index, call)) = self.pending.take() else {
            self.failures
                .push("an error was recorded with no step pending".into());
            return;
        };
        let value = error.to_json();
        let spec = &self.file.steps[index];
        let problem = match self.resolve(spec.expect.as_ref()) {
            Err(e) => Some(format!("expect: {e}")),
            Ok(Value::Object(m)) if m.contains_key("error") => {
                matches(&m["error"], &value, "error").err()
            }
            Ok(_) => Some(format!("unexpected error: {value}")),
        };
        if let Some(p) = problem {
            self.fail(index, call.name(), p);
        }
        if let Some(name) = &self.file.steps[index].save {
            self.saved.insert(name.clone(), value.clone());
        }
        self.entries
            .push(json!({"step": index, "call": call.name(), "error": value}));
    }

    /// Every expectation that did not hold, as `step N (call): what`; empty when all held.
    pub fn failures(&self) -> Vec<String> {
        let mut f = self.failures.clone();
        if let Some((index, call)) = &self.pending {
            f.push(format!(
                "step {index} ({}): the runner recorded no result",
                call.name()
            ));
        } else if self.next < self.file.steps.len() {
            f.push(format!(
                "only {} of {} steps were run",
                self.next,
                self.file.steps.len()
            ));
        }
        f
    }

    /// The normalised transcript: `{"name", "steps": [...], "failures": [...]}`, with ids,
    /// times, generated tokens and keys replaced by numbered placeholders (the same value gets
    /// the same placeholder) and the emulator's URL by `<base_url>`.
    pub fn transcript(&self) -> Value {
        let steps = Normalizer::new(&self.base_url).run(&Value::Array(self.entries.clone()));
        json!({
            "name": self.file.name,
            "description": self.file.description,
            "steps": steps,
            "failures": self.failures(),
        })
    }

    fn fail(&mut self, index: usize, call: &str, what: String) {
        self.failures.push(format!("step {index} ({call}): {what}"));
    }

    /// Replaces `${ref}` strings and `{"$repeat": [s, n]}` objects.
    fn resolve(&self, v: Option<&Value>) -> Result<Value, String> {
        let Some(v) = v else { return Ok(Value::Null) };
        Ok(match v {
            Value::String(s) => self.interpolate(s)?,
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.resolve(Some(x)))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(m) if m.len() == 1 && m.contains_key("$repeat") => {
                match m["$repeat"].as_array().map(|a| a.as_slice()) {
                    Some([Value::String(s), Value::Number(n)]) => {
                        json!(s.repeat(n.as_u64().unwrap_or(0) as usize))
                    }
                    _ => return Err("$repeat takes [string, count]".into()),
                }
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.resolve(Some(x))?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn interpolate(&self, s: &str) -> Result<Value, String> {
        if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            if !inner.contains("${") {
                return self.lookup(inner);
            }
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| format!("unclosed reference in {s:?}"))?;
            match self.lookup(&rest[start + 2..start + end])? {
                Value::String(t) => out.push_str(&t),
                other => out.push_str(&other.to_string()),
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn lookup(&self, path: &str) -> Result<Value, String> {
        let mut parts = path.split('.');
        let head = parts.next().unwrap_or_default();
        let mut v = self
            .saved
            .get(head)
            .ok_or_else(|| format!("no saved result named {head:?}"))?;
        for p in parts {
            v = match v {
                Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
                Value::Object(m) => m.get(p),
                _ => None,
            }
            .ok_or_else(|| format!("${{{path}}}: nothing at {p:?}"))?;
        }
        Ok(v.clone())
    }
}

/// The arguments of one step, each taken once; a key no call reads is an error.
struct Args {
    map: Map<String, Value>,
    used: HashSet<String>,
}

impl Args {
    fn new(v: Value) -> Result<Args, String> {
        match v {
            Value::Null => Ok(Args {
                map: Map::new(),
                used: HashSet::new(),
            }),
            Value::Object(map) => Ok(Args {
                map,
                used: HashSet::new(),
            }),
            _ => Err("args must be an object".into()),
        }
    }

    fn opt<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, String> {
        self.used.insert(key.to_owned());
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| format!("{key}: {e}")),
        }
    }

    fn req<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, String> {
        self.opt(key)?.ok_or_else(|| format!("{key}: missing"))
    }

    /// Bytes given as a string (its UTF-8) or as any other JSON value (its compact text).
    fn bytes(&mut self, key: &str) -> Result<Vec<u8>, String> {
        self.used.insert(key.to_owned());
        match self.map.get(key) {
            None => Err(format!("{key}: missing")),
            Some(Value::String(s)) => Ok(s.clone().into_bytes()),
            Some(v) => Ok(v.to_string().into_bytes()),
        }
    }

    fn done(self) -> Result<(), String> {
        let unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !self.used.contains(*k))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(format!("unknown arguments {unknown:?}"))
        }
    }
}

fn build_call(name: &str, args: Value) -> Result<ConformanceCall, String> {
    use ConformanceCall as C;
    let mut a = Args::new(args)?;
    let call = match name {
        "login_or_register" => C::LoginOrRegister {
            params: a.req("params")?,
        },
        "user_profile" => C::UserProfile {
            user_email: a.req("user_email")?,
        },
        "reset_user_token" => C::ResetUserToken {
            user_email: a.req("user_email")?,
        },
        "get_user_rooms" => C::GetUserRooms {
            params: a.req("params")?,
        },
        "create_room" => C::CreateRoom {
            params: a.req("params")?,
        },
        "update_room" => C::UpdateRoom {
            params: a.req("params")?,
        },
        "get_or_create_room_with_target" => C::GetOrCreateRoomWithTarget {
            emails: a.req("emails")?,
        },
        "get_rooms_info" => C::GetRoomsInfo {
            params: a.req("params")?,
        },
        "add_room_participants" => C::AddRoomParticipants {
            room_id: a.req("room_id")?,
            emails: a.req("emails")?,
        },
        "remove_room_participants" => C::RemoveRoomParticipants {
            room_id: a.req("room_id")?,
            emails: a.req("emails")?,
        },
        "post_comment" => C::PostComment {
            params: a.req("params")?,
        },
        "load_comments" => C::LoadComments {
            params: a.req("params")?,
        },
        "post_system_event_message" => C::PostSystemEventMessage {
            params: a.req("params")?,
        },
        "search_messages" => C::SearchMessages {
            params: a.req("params")?,
        },
        "create_export" => C::CreateExport {
            params: a.req("params")?,
        },
        "list_exports" => C::ListExports {
            page: a.opt("page")?,
        },
        "get_export" => C::GetExport {
            unique_id: a.req("unique_id")?,
        },
        "delete_export" => C::DeleteExport {
            unique_id: a.req("unique_id")?,
        },
        "download_export" => C::DownloadExport {
            export: a.req("export")?,
        },
        "create_import" => {
            // `contents` is the file: a string as its UTF-8, any other JSON as its text.
            let params = CreateImportParams {
                resource: a.req("resource")?,
                file_name: a.req("file_name")?,
                contents: a.bytes("contents")?,
            };
            C::CreateImport { params }
        }
        "list_imports" => C::ListImports {
            page: a.opt("page")?,
        },
        "export_and_download" => C::ExportAndDownload {
            resource: a.req("resource")?,
            start_date: a.req("start_date")?,
            end_date: a.req("end_date")?,
            poll_interval_ms: a.opt("poll_interval_ms")?.unwrap_or(50),
            timeout_ms: a.opt("timeout_ms")?.unwrap_or(30_000),
        },
        "import_rows" => C::ImportRows {
            batch: a.req("batch")?,
            max_file_bytes: a.opt("max_file_bytes")?.unwrap_or(4 * 1024 * 1024),
            poll_interval_ms: a.opt("poll_interval_ms")?.unwrap_or(50),
            timeout_ms: a.opt("timeout_ms")?.unwrap_or(30_000),
        },
        "rooms_pager" => C::RoomsPager {
            user_email: a.req("user_email")?,
        },
        "comments_pager" => C::CommentsPager {
            params: a.req("params")?,
        },
        "exports_pager" => C::ExportsPager,
        "imports_pager" => C::ImportsPager,
        "sign_webhook_body" => C::SignWebhookBody {
            token: a.bytes("token")?,
            body: a.bytes("body")?,
        },
        "verify_webhook_signature" => C::VerifyWebhookSignature {
            token: a.bytes("token")?,
            body: a.bytes("body")?,
            signature: a.opt("signature")?,
        },
        "parse_webhook_event" => C::ParseWebhookEvent {
            body: a.bytes("body")?,
        },
        "receive_webhook" => C::ReceiveWebhook {
            token: a.bytes("token")?,
            headers: a.req("headers")?,
            body: a.bytes("body")?,
        },
        "timestamp_to_unix_millis" => C::TimestampToUnixMillis {
            timestamp: a.req("timestamp")?,
        },
        "emulator_faults" => {
            let faults: Value = a.req("faults")?;
            C::Emulator {
                method: "POST".into(),
                path: "/_emulator/faults".into(),
                body_json: Some(faults.to_string()),
            }
        }
        "emulator_stats" => C::Emulator {
            method: "GET".into(),
            path: "/_emulator/stats".into(),
            body_json: None,
        },
        other => return Err(format!("unknown call {other:?}")),
    };
    a.done()?;
    Ok(call)
}

/// Checks a success against `{"ok": SUBSET}`, `{"len": N}` (both may be given) or reports an
/// expected error that did not happen.
fn check_ok(expect: &Value, actual: &Value) -> Option<String> {
    let Value::Object(m) = expect else {
        return Some("expect must be an object".into());
    };
    if let Some(e) = m.get("error") {
        return Some(format!("expected the error {e}, got a result"));
    }
    if let Some(n) = m.get("len") {
        let len = actual.as_array().map(|a| a.len());
        if len.map(|l| json!(l)) != Some(n.clone()) {
            return Some(format!("expected {n} items, got {len:?}"));
        }
    }
    m.get("ok").and_then(|e| matches(e, actual, "result").err())
}

/// `expected` is a subset of `actual`: listed object keys match, arrays match element by
/// element and have the same length, numbers compare by value, `"<any>"` matches any non-null.
fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::String(s), a) if s == "<any>" => {
            if a.is_null() {
                Err(format!("{path}: expected a value, got null"))
            } else {
                Ok(())
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                matches(ev, a.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                matches(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

/// Replaces what differs from run to run by numbered placeholders.
struct Normalizer {
    base_url: String,
    ids: BTreeMap<String, usize>,
    strings: Vec<(String, String)>,
}

/// Keys whose string values are generated by the server or the library (tokens, backup ids,
/// idempotency keys) and so differ between runs.
const GENERATED_KEYS: &[&str] = &[
    "token",
    "rtKey",
    "authentication_token",
    "AuthenticationToken",
    "unique_temp_id",
    "password",
    "Password",
];

fn is_generated_key(k: &str) -> bool {
    GENERATED_KEYS.contains(&k) || k.ends_with("unique_id") || k.ends_with("UniqueId")
}

fn is_id_key(k: &str) -> bool {
    k == "id" || k.ends_with("_id")
}

fn is_time_key(k: &str) -> bool {
    matches!(k, "CreateAt" | "CreatedAt") || k.ends_with("_at") || k.ends_with("timestamp")
}

/// Replaces every `YYYY-MM-DDTHH:MM:SS` (with any fraction and zone after it) by `<time>`.
fn mask_datetimes(s: &str) -> String {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let b = s.as_bytes();
    let fits = |i: usize| {
        b.len() >= i + SHAPE.len()
            && SHAPE.iter().zip(&b[i..]).all(|(p, c)| match p {
                b'd' => c.is_ascii_digit(),
                p => p == c,
            })
    };
    let (mut out, mut i, mut copied) = (String::new(), 0, 0);
    while i < b.len() {
        if !fits(i) {
            i += 1;
            continue;
        }
        out.push_str(&s[copied..i]);
        out.push_str("<time>");
        i += SHAPE.len();
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if b.get(i) == Some(&b'Z') {
            i += 1;
        } else if matches!(b.get(i), Some(b'+' | b'-')) && fits_zone(&b[i + 1..]) {
            i += 6;
        }
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

fn fits_zone(b: &[u8]) -> bool {
    b.len() >= 5
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2] == b':'
        && b[3..5].iter().all(u8::is_ascii_digit)
}

impl Normalizer {
    fn new(base_url: &str) -> Normalizer {
        Normalizer {
            base_url: base_url.to_owned(),
            ids: BTreeMap::new(),
            strings: Vec::new(),
        }
    }

    fn run(mut self, v: &Value) -> Value {
        self.collect(None, v);
        // Longest first, so that a value containing another is replaced whole.
        self.strings
            .sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        self.rewrite(None, v)
    }

    fn collect(&mut self, key: Option<&str>, v: &Value) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| self.collect(Some(k), x)),
            Value::Array(a) => a.iter().for_each(|x| self.collect(key, x)),
            Value::Number(n) if key.is_some_and(is_id_key) => {
                let n = n.to_string();
                if n != "0" && !self.ids.contains_key(&n) {
                    let next = self.ids.len() + 1;
                    self.ids.insert(n, next);
                }
            }
            Value::String(s)
                if key.is_some_and(is_generated_key)
                    && !s.is_empty()
                    && !self.strings.iter().any(|(x, _)| x == s) =>
            {
                let placeholder = format!("<generated:{}>", self.strings.len() + 1);
                self.strings.push((s.clone(), placeholder));
            }
            _ => {}
        }
    }

    fn rewrite(&self, key: Option<&str>, v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.rewrite(Some(k), x)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.rewrite(key, x)).collect()),
            Value::Number(_) if key.is_some_and(is_time_key) => json!("<time>"),
            Value::String(s) if key.is_some_and(is_time_key) && !s.is_empty() => {
                json!("<time>")
            }
            Value::Number(n) if key.is_some_and(is_id_key) => match self.ids.get(&n.to_string()) {
                Some(i) => json!(format!("<id:{i}>")),
                None => v.clone(),
            },
            Value::String(s) => {
                let mut s = mask_datetimes(&s.replace(&self.base_url, "<base_url>"));
                for (value, placeholder) in &self.strings {
                    if s.contains(value.as_str()) {
                        s = s.replace(value.as_str(), placeholder);
                    }
                }
                Value::String(s)
            }
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(steps: Value) -> Scenario {
        let text = json!({"name": "t", "steps": steps}).to_string();
        Scenario::parse(&text, "http://127.0.0.1:9").unwrap()
    }

    #[test]
    fn references_expectations_and_placeholders() {
        let mut s = scenario(json!([
            {"call": "timestamp_to_unix_millis", "args": {"timestamp": "1970-01-01T00:00:02Z"},
             "save": "t", "expect": {"ok": 2000}},
            {"call": "timestamp_to_unix_millis", "args": {"timestamp": "x${t}y"},
             "expect": {"ok": null}},
            {"call": "user_profile", "args": {"user_email": {"$repeat": ["a", 3]}},
             "expect": {"error": {"kind": "NotFound"}}},
        ]));
        let step = s.next_step().unwrap();
        assert_eq!(step.index, 0);
        s.record_ok(ConformanceOutcome::OfMillis { value: Some(2000) });
        let step = s.next_step().unwrap();
        assert_eq!(
            step.call,
            ConformanceCall::TimestampToUnixMillis {
                timestamp: "x2000y".into()
            }
        );
        s.record_ok(ConformanceOutcome::OfMillis { value: None });
        let step = s.next_step().unwrap();
        assert_eq!(
            step.call,
            ConformanceCall::UserProfile {
                user_email: "aaa".into()
            }
        );
        s.record_error(ObservedError {
            kind: "NotFound".into(),
            reason: Some("see http://127.0.0.1:9/x".into()),
            ..Default::default()
        });
        assert!(s.next_step().is_none());
        assert_eq!(s.failures(), Vec::<String>::new());
        let t = s.transcript();
        assert_eq!(
            t["steps"][2]["error"]["reason"],
            json!("see <base_url>/x"),
            "{t}"
        );
    }

    #[test]
    fn wrong_results_and_bad_steps_fail() {
        let mut s = scenario(json!([
            {"call": "timestamp_to_unix_millis", "args": {"timestamp": "x"}, "expect": {"ok": 5}},
            {"call": "no_such_call"},
            {"call": "user_profile", "args": {"user_email": "${missing}"}},
            {"call": "user_profile", "args": {"user_email": "a", "extra": 1}},
            {"call": "user_profile", "args": {"user_email": "a"}},
        ]));
        s.next_step().unwrap();
        s.record_ok(ConformanceOutcome::OfMillis { value: Some(4) });
        let step = s.next_step().unwrap();
        assert_eq!(step.index, 4, "the three bad steps are skipped");
        s.record_ok(ConformanceOutcome::OfText { value: "x".into() });
        assert!(s.next_step().is_none());
        let f = s.failures();
        assert_eq!(f.len(), 5, "{f:#?}");
        assert!(f[0].contains("expected 5, got 4"), "{f:#?}");
        assert!(f[1].contains("unknown call"), "{f:#?}");
        assert!(f[2].contains("no saved result"), "{f:#?}");
        assert!(f[3].contains("unknown arguments"), "{f:#?}");
        assert!(f[4].contains("recorded as Text"), "{f:#?}");
    }

    #[test]
    fn normaliser_numbers_ids_and_generated_values() {
        let n = Normalizer::new("http://h:1");
        let v = json!([
            {"id": 7, "room_id": 3, "token": "abc", "timestamp": "2024-01-01T00:00:00Z"},
            {"id": 3, "comment_before_id": 0, "url": "http://h:1/d/abc", "count": 7,
             "file": "2026-11-26T15:26:44+00:00_x.json 2024-01-01T00:00:00.123Z."}
        ]);
        assert_eq!(
            n.run(&v),
            json!([
                {"id": "<id:1>", "room_id": "<id:2>", "token": "<generated:1>", "timestamp": "<time>"},
                {"id": "<id:2>", "comment_before_id": 0, "url": "<base_url>/d/<generated:1>", "count": 7,
                 "file": "<time>_x.json <time>."}
            ])
        );
    }
}
