//! Import: validate rows against the spec's rules, split them into files, upload users, then
//! rooms, then comments (parents before replies), and wait for each file.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::rows::{BackupRows, CommentRow, RoomRow, UserRow};
use super::{report, BackupProgress, BackupStage, ProgressCallback};
use crate::backups::{BackupResource, CreateImportParams, Import, ImportErrors};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::validate;

/// Default largest import file: the server's limit, 4 MB.
pub const DEFAULT_IMPORT_FILE_BYTES: u64 = crate::backups::MAX_IMPORT_BYTES as u64;

/// Rows to import. Users are imported first, then rooms, then comments.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ImportBatch {
    /// User rows.
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    #[serde(default)]
    pub users: Vec<UserRow>,
    /// Room rows.
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    #[serde(default)]
    pub rooms: Vec<RoomRow>,
    /// Comment rows (replies may come before their parents: they are reordered).
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    #[serde(default)]
    pub comments: Vec<CommentRow>,
}

impl From<BackupRows> for ImportBatch {
    fn from(rows: BackupRows) -> Self {
        let mut b = ImportBatch::default();
        match rows {
            BackupRows::Users { rows } => b.users = rows,
            BackupRows::Rooms { rows } => b.rooms = rows,
            BackupRows::Comments { rows } => b.comments = rows,
        }
        b
    }
}

/// How [`Client::import_rows`] checks, splits and waits.
///
/// References (a room's creator and participants, a comment's creator, room and parent) must
/// name a row of the batch or a value listed here as already on the server, unless
/// `assume_references_exist` is set; then unknown references are left for the server to check
/// (it reports them per row).
#[derive(Clone)]
pub struct ImportOptions {
    /// Time between two polls of an import job. Default 500 ms.
    pub poll_interval: Duration,
    /// Longest wait for one file's job to finish. Default 10 min.
    pub timeout: Duration,
    /// Largest file uploaded, in bytes. Default (and most the server accepts) 4 MB.
    pub max_file_bytes: u64,
    /// Called as files are uploaded and imported.
    pub on_progress: Option<ProgressCallback>,
    /// E-mails of users already on the server (rooms and comments may refer to them; a user row
    /// with one of them is refused).
    pub existing_emails: Vec<String>,
    /// `UniqueId`s of rooms already on the server.
    pub existing_room_unique_ids: Vec<String>,
    /// `UniqueId`s of comments already on the server (replies may name them as parents).
    pub existing_comment_unique_ids: Vec<String>,
    /// Accept references to users, rooms and comments that are neither in the batch nor listed
    /// above. Default false.
    pub assume_references_exist: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            poll_interval: Duration::from_millis(500),
            timeout: Duration::from_secs(10 * 60),
            max_file_bytes: DEFAULT_IMPORT_FILE_BYTES,
            on_progress: None,
            existing_emails: vec![],
            existing_room_unique_ids: vec![],
            existing_comment_unique_ids: vec![],
            assume_references_exist: false,
        }
    }
}

impl fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOptions")
            .field("poll_interval", &self.poll_interval)
            .field("timeout", &self.timeout)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("on_progress", &self.on_progress.is_some())
            .field("existing_emails", &self.existing_emails.len())
            .field(
                "existing_room_unique_ids",
                &self.existing_room_unique_ids.len(),
            )
            .field(
                "existing_comment_unique_ids",
                &self.existing_comment_unique_ids.len(),
            )
            .field("assume_references_exist", &self.assume_references_exist)
            .finish()
    }
}

/// A row refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RowProblem {
    /// `users`, `rooms` or `comments`.
    pub resource: BackupResource,
    /// Index of the row in the batch's list.
    pub index: u64,
    /// The field at fault, as the import format spells it (`Email`, `UniqueId`, ...).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}].{}: {}",
            self.resource.as_str(),
            self.index,
            self.field,
            self.reason
        )
    }
}

/// One file of an import, ready to upload.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportFile {
    /// What the file holds.
    pub resource: BackupResource,
    /// Name sent with the upload (`users-001.json`, ...).
    pub file_name: String,
    /// The JSON array.
    pub contents: Vec<u8>,
    /// For each row of the file, its index in the batch's list.
    pub row_indices: Vec<u64>,
}

/// A per-row error the server reported for an import file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportRowError {
    /// `users`, `rooms` or `comments`.
    pub resource: BackupResource,
    /// The file it was in.
    pub file_name: String,
    /// The row's position in the file, when the server named it.
    pub row_in_file: Option<u64>,
    /// The row's index in the batch's list, when known.
    pub index: Option<u64>,
    /// The server's message.
    pub error: String,
}

/// The outcome of one uploaded file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportFileReport {
    /// What the file held.
    pub resource: BackupResource,
    /// Its name.
    pub file_name: String,
    /// The import job's id.
    pub unique_id: String,
    /// The job's final status (`finished`, `failed`, ...).
    pub status: String,
    /// Bytes uploaded.
    pub size: u64,
    /// Rows in the file.
    pub rows_sent: u64,
    /// Rows the server imported.
    pub rows_imported: u64,
    /// The job's `errors`, as sent.
    pub errors: ImportErrors,
}

/// What [`Client::import_rows`] did.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportReport {
    /// Files uploaded.
    pub files_uploaded: u32,
    /// User rows imported.
    pub users_imported: u64,
    /// Room rows imported.
    pub rooms_imported: u64,
    /// Comment rows imported.
    pub comments_imported: u64,
    /// Each file, in upload order.
    pub files: Vec<ImportFileReport>,
    /// Every row the server refused.
    pub row_errors: Vec<ImportRowError>,
}

impl ImportReport {
    /// True when every row sent was imported.
    pub fn is_complete(&self) -> bool {
        self.row_errors.is_empty()
            && self
                .files
                .iter()
                .all(|f| f.rows_imported == f.rows_sent && f.status == "finished")
    }
}

fn key(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

fn check_time(
    problems: &mut Vec<RowProblem>,
    p: &dyn Fn(&str, String) -> RowProblem,
    field: &str,
    value: &str,
) {
    if !value.trim().is_empty() && chrono::DateTime::parse_from_rfc3339(value.trim()).is_err() {
        problems.push(p(
            field,
            format!("{value:?} is not an RFC 3339 time (e.g. 2017-05-10T11:46:30Z)"),
        ));
    }
}

impl ImportBatch {
    /// Rows in all.
    pub fn total_rows(&self) -> usize {
        self.users.len() + self.rooms.len() + self.comments.len()
    }

    /// Every row that breaks the spec's import rules, in batch order. Empty when the batch is
    /// good to send.
    ///
    /// Users: `Email` valid, unique (ignoring case) and not listed as existing;
    /// `AuthenticationToken` unique when given. Rooms: `UniqueId` given, unique, not existing;
    /// `Type` `single` or `group`; `CreatorEmail` and every participant known; a single room
    /// has exactly two participants, the creator one of them; a group has a `Name`. Comments:
    /// `UniqueId` given, unique, not existing; `RoomUniqueId` and `CreatorEmail` known; text and
    /// replies have a `Message`; a reply names a parent in the batch (or existing), has a
    /// `Payload` object with a `text`, and replies do not form a cycle. Times, when given, are
    /// RFC 3339.
    pub fn validate(&self, options: &ImportOptions) -> Vec<RowProblem> {
        let mut problems = Vec::new();
        let assume = options.assume_references_exist;
        let existing_emails: HashSet<String> =
            options.existing_emails.iter().map(|e| key(e)).collect();
        let existing_rooms: HashSet<&str> = options
            .existing_room_unique_ids
            .iter()
            .map(|s| s.trim())
            .collect();
        let existing_comments: HashSet<&str> = options
            .existing_comment_unique_ids
            .iter()
            .map(|s| s.trim())
            .collect();

        // Users.
        let mut emails: HashMap<String, usize> = HashMap::new();
        let mut tokens: HashMap<&str, usize> = HashMap::new();
        for (i, u) in self.users.iter().enumerate() {
            let p = |field: &str, reason: String| RowProblem {
                resource: BackupResource::Users,
                index: i as u64,
                field: field.into(),
                reason,
            };
            match validate::email("Email", u.email.trim()) {
                Err(Error::InvalidInput { reason, .. }) => problems.push(p("Email", reason)),
                Err(e) => problems.push(p("Email", e.to_string())),
                Ok(()) => {
                    let k = key(&u.email);
                    if existing_emails.contains(&k) {
                        problems.push(p("Email", format!("{:?} already exists", u.email)));
                    } else if let Some(j) = emails.get(&k) {
                        problems.push(p("Email", format!("{:?} duplicates users[{j}]", u.email)));
                    } else {
                        emails.insert(k, i);
                    }
                }
            }
            let t = u.authentication_token.as_str();
            if !t.is_empty() {
                if let Some(j) = tokens.get(t) {
                    problems.push(p(
                        "AuthenticationToken",
                        format!("duplicates the token of users[{j}]"),
                    ));
                } else {
                    tokens.insert(t, i);
                }
            }
            check_time(&mut problems, &p, "CreateAt", &u.created_at);
        }
        let user_known =
            |e: &str| assume || emails.contains_key(&key(e)) || existing_emails.contains(&key(e));

        // Rooms.
        let mut rooms: HashMap<&str, usize> = HashMap::new();
        for (i, r) in self.rooms.iter().enumerate() {
            let p = |field: &str, reason: String| RowProblem {
                resource: BackupResource::Rooms,
                index: i as u64,
                field: field.into(),
                reason,
            };
            let id = r.unique_id.trim();
            if id.is_empty() {
                problems.push(p("UniqueId", "is required".into()));
            } else if existing_rooms.contains(id) {
                problems.push(p("UniqueId", format!("{id:?} already exists")));
            } else if let Some(j) = rooms.get(id) {
                problems.push(p("UniqueId", format!("{id:?} duplicates rooms[{j}]")));
            } else {
                rooms.insert(id, i);
            }
            let creator_ok = if validate::email("CreatorEmail", &r.creator_email).is_err() {
                problems.push(p(
                    "CreatorEmail",
                    format!("{:?} is not a valid e-mail address", r.creator_email),
                ));
                false
            } else if !user_known(&r.creator_email) {
                problems.push(p(
                    "CreatorEmail",
                    format!(
                        "{:?} is not a user of the batch nor an existing one",
                        r.creator_email
                    ),
                ));
                false
            } else {
                true
            };
            let mut distinct: Vec<String> = Vec::new();
            for e in &r.participant_emails {
                if validate::email("ParticipantEmails", e).is_err() {
                    problems.push(p(
                        "ParticipantEmails",
                        format!("{e:?} is not a valid e-mail address"),
                    ));
                } else if !user_known(e) {
                    problems.push(p(
                        "ParticipantEmails",
                        format!("{e:?} is not a user of the batch nor an existing one"),
                    ));
                }
                if !distinct.contains(&key(e)) {
                    distinct.push(key(e));
                }
            }
            match r.room_type.trim() {
                "single" => {
                    if distinct.len() != 2
                        || (creator_ok && !distinct.contains(&key(&r.creator_email)))
                    {
                        problems.push(p(
                            "ParticipantEmails",
                            format!(
                                "a single room needs exactly 2 participants, the CreatorEmail one of them; got {:?}",
                                r.participant_emails
                            ),
                        ));
                    }
                }
                "group" => {
                    if r.name.trim().is_empty() {
                        problems.push(p("Name", "is required for a group room".into()));
                    }
                }
                other => problems.push(p(
                    "Type",
                    format!("must be \"single\" or \"group\", got {other:?}"),
                )),
            }
            check_time(&mut problems, &p, "CreatedAt", &r.created_at);
        }

        // Comments.
        let mut comments: HashMap<&str, usize> = HashMap::new();
        for (i, c) in self.comments.iter().enumerate() {
            let id = c.unique_id.trim();
            if !id.is_empty() && !existing_comments.contains(id) {
                comments.entry(id).or_insert(i);
            }
        }
        for (i, c) in self.comments.iter().enumerate() {
            let p = |field: &str, reason: String| RowProblem {
                resource: BackupResource::Comments,
                index: i as u64,
                field: field.into(),
                reason,
            };
            let id = c.unique_id.trim();
            if id.is_empty() {
                problems.push(p("UniqueId", "is required".into()));
            } else if existing_comments.contains(id) {
                problems.push(p("UniqueId", format!("{id:?} already exists")));
            } else if comments.get(id).is_some_and(|j| *j != i) {
                problems.push(p(
                    "UniqueId",
                    format!("{id:?} duplicates comments[{}]", comments[id]),
                ));
            }
            let room = c.room_unique_id.trim();
            if room.is_empty() {
                problems.push(p("RoomUniqueId", "is required".into()));
            } else if !(assume || rooms.contains_key(room) || existing_rooms.contains(room)) {
                problems.push(p(
                    "RoomUniqueId",
                    format!("{room:?} is not a room of the batch nor an existing one"),
                ));
            }
            if validate::email("CreatorEmail", &c.creator_email).is_err() {
                problems.push(p(
                    "CreatorEmail",
                    format!("{:?} is not a valid e-mail address", c.creator_email),
                ));
            } else if !user_known(&c.creator_email) {
                problems.push(p(
                    "CreatorEmail",
                    format!(
                        "{:?} is not a user of the batch nor an existing one",
                        c.creator_email
                    ),
                ));
            }
            let kind = c.effective_type();
            if matches!(kind, "text" | "reply") && c.message.trim().is_empty() {
                problems.push(p("Message", format!("is required for a {kind} comment")));
            }
            match &c.payload {
                None | Some(Value::Object(_)) => {}
                Some(other) => problems.push(p(
                    "Payload",
                    format!("must be a JSON object or null, got {other}"),
                )),
            }
            if kind == "reply" {
                let parent = c.parent_comment_unique_id.trim();
                if parent.is_empty() {
                    problems.push(p("ParentCommentUniqueId", "is required for a reply".into()));
                } else if parent == id {
                    problems.push(p(
                        "ParentCommentUniqueId",
                        "a comment cannot reply to itself".into(),
                    ));
                } else if !(assume
                    || comments.contains_key(parent)
                    || existing_comments.contains(parent))
                {
                    problems.push(p(
                        "ParentCommentUniqueId",
                        format!("{parent:?} is not a comment of the batch nor an existing one"),
                    ));
                }
                let has_text = c
                    .payload
                    .as_ref()
                    .and_then(|v| v.get("text"))
                    .is_some_and(Value::is_string);
                if !has_text {
                    problems.push(p(
                        "Payload",
                        "a reply needs a payload object with a string `text` (and replied_comment_id 1)".into(),
                    ));
                }
            } else if !c.parent_comment_unique_id.trim().is_empty() {
                problems.push(p(
                    "ParentCommentUniqueId",
                    format!("is only for replies, not {kind:?} comments"),
                ));
            }
            check_time(&mut problems, &p, "CreatedAt", &c.created_at);
        }
        if let Err(cycle) = comment_order(&self.comments) {
            for i in cycle {
                problems.push(RowProblem {
                    resource: BackupResource::Comments,
                    index: i as u64,
                    field: "ParentCommentUniqueId".into(),
                    reason: "replies form a cycle: no comment of it can be imported first".into(),
                });
            }
        }
        problems.sort_by_key(|p| {
            let r = match p.resource {
                BackupResource::Users => 0,
                BackupResource::Rooms => 1,
                BackupResource::Comments => 2,
            };
            (r, p.index)
        });
        problems
    }

    /// Splits the rows into files of at most `max_file_bytes`: users, then rooms, then comments
    /// with every parent before its replies (otherwise in batch order). Does not validate.
    ///
    /// Errors: a single row larger than `max_file_bytes` ([`Error::InvalidInput`]).
    pub fn split_into_files(&self, max_file_bytes: u64) -> Result<Vec<ImportFile>> {
        let mut files = Vec::new();
        pack(
            BackupResource::Users,
            self.users.iter().enumerate(),
            max_file_bytes,
            &mut files,
        )?;
        pack(
            BackupResource::Rooms,
            self.rooms.iter().enumerate(),
            max_file_bytes,
            &mut files,
        )?;
        let order =
            comment_order(&self.comments).unwrap_or_else(|_| (0..self.comments.len()).collect());
        pack(
            BackupResource::Comments,
            order.into_iter().map(|i| (i, &self.comments[i])),
            max_file_bytes,
            &mut files,
        )?;
        Ok(files)
    }
}

/// Indices of the comments with every parent (in the batch) before its replies, otherwise in
/// batch order; or the indices caught in a cycle.
fn comment_order(comments: &[CommentRow]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, c) in comments.iter().enumerate() {
        by_id.entry(c.unique_id.trim()).or_insert(i);
    }
    let parent_of = |i: usize| -> Option<usize> {
        let c = &comments[i];
        if c.effective_type() != "reply" {
            return None;
        }
        by_id
            .get(c.parent_comment_unique_id.trim())
            .copied()
            .filter(|p| *p != i)
    };
    // 0 = not placed, 1 = on the current chain, 2 = placed.
    let mut state = vec![0u8; comments.len()];
    let mut order = Vec::with_capacity(comments.len());
    let mut cyclic = Vec::new();
    for start in 0..comments.len() {
        if state[start] != 0 {
            continue;
        }
        // Walk up to the first placed ancestor, then place the chain top-down.
        let mut chain = vec![start];
        state[start] = 1;
        let mut cur = start;
        while let Some(p) = parent_of(cur) {
            match state[p] {
                0 => {
                    state[p] = 1;
                    chain.push(p);
                    cur = p;
                }
                1 => {
                    let from = chain.iter().position(|&x| x == p).unwrap_or(0);
                    cyclic.extend_from_slice(&chain[from..]);
                    break;
                }
                _ => break,
            }
        }
        for &i in chain.iter().rev() {
            state[i] = 2;
            order.push(i);
        }
    }
    if cyclic.is_empty() {
        Ok(order)
    } else {
        cyclic.sort_unstable();
        Err(cyclic)
    }
}

fn pack<'a, T: serde::Serialize + 'a>(
    resource: BackupResource,
    rows: impl Iterator<Item = (usize, &'a T)>,
    max_file_bytes: u64,
    files: &mut Vec<ImportFile>,
) -> Result<()> {
    let mut current: Vec<u8> = Vec::new();
    let mut indices: Vec<u64> = Vec::new();
    let mut seq = 0u32;
    let mut flush = |current: &mut Vec<u8>, indices: &mut Vec<u64>, files: &mut Vec<ImportFile>| {
        if indices.is_empty() {
            return;
        }
        current.push(b']');
        seq += 1;
        files.push(ImportFile {
            resource,
            file_name: format!("{}-{seq:03}.json", resource.as_str()),
            contents: std::mem::take(current),
            row_indices: std::mem::take(indices),
        });
    };
    for (i, row) in rows {
        let bytes = serde_json::to_vec(row)
            .map_err(|e| Error::invalid(resource.as_str(), e.to_string()))?;
        if bytes.len() as u64 + 2 > max_file_bytes {
            return Err(Error::invalid(
                format!("{}[{i}]", resource.as_str()),
                format!(
                    "the row alone is {} bytes, over the {max_file_bytes}-byte file limit",
                    bytes.len()
                ),
            ));
        }
        // `[` or `,` before the row and `]` after it.
        if !indices.is_empty() && (current.len() + 1 + bytes.len() + 1) as u64 > max_file_bytes {
            flush(&mut current, &mut indices, files);
        }
        current.push(if indices.is_empty() { b'[' } else { b',' });
        current.extend_from_slice(&bytes);
        indices.push(i as u64);
    }
    flush(&mut current, &mut indices, files);
    Ok(())
}

/// Reads the server's per-row errors: `Data` as a list of `{row, error}` (other spellings
/// tolerated), or anything else as one error.
fn row_errors(file: &ImportFile, job: &Import) -> Vec<ImportRowError> {
    let make = |row: Option<u64>, error: String| ImportRowError {
        resource: file.resource,
        file_name: file.file_name.clone(),
        row_in_file: row,
        index: row.and_then(|r| file.row_indices.get(r as usize).copied()),
        error,
    };
    let text_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &job.errors.data {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let row = ["row", "Row", "index", "Index", "line", "Line"]
                    .iter()
                    .find_map(|k| item.get(*k))
                    .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()));
                let error = ["error", "Error", "message", "Message", "reason"]
                    .iter()
                    .find_map(|k| item.get(*k))
                    .map(text_of)
                    .unwrap_or_else(|| text_of(item));
                make(row, error)
            })
            .collect(),
        Some(Value::Null) | None => {
            if job.errors.summary.is_empty() {
                vec![]
            } else {
                vec![make(None, job.errors.summary.clone())]
            }
        }
        Some(other) => vec![make(None, text_of(other))],
    }
}

fn is_done(status: &str) -> bool {
    matches!(status, "finished" | "failed" | "error" | "done" | "success")
}

impl Client {
    /// Validates a batch, splits it into files, uploads them (users, then rooms, then comments;
    /// parents before replies), waits for each file's job, and reports what was imported.
    ///
    /// Nothing is sent when a row is invalid: the error is one [`Error::InvalidInput`] (field
    /// `rows`) listing every bad row (see [`ImportBatch::validate`] for the typed list). Rows the
    /// server refuses are not errors: they are listed in [`ImportReport::row_errors`], and the
    /// good rows of the same file are kept. A job still running after `options.timeout` is an
    /// [`Error::Timeout`] (call `import_rows`); files imported before an error stay imported.
    pub async fn import_rows(
        &self,
        batch: &ImportBatch,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        let problems = batch.validate(options);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(Error::InvalidInput {
                field: "rows".into(),
                reason: format!(
                    "{} problem(s), nothing was sent: {}",
                    problems.len(),
                    list.join("; ")
                ),
            });
        }
        let files = batch.split_into_files(options.max_file_bytes)?;
        self.import_files(&files, options).await
    }

    /// Uploads prepared files in order, waiting for each, and reports what was imported (the
    /// second half of [`Client::import_rows`], for files from [`ImportBatch::split_into_files`]).
    pub async fn import_files(
        &self,
        files: &[ImportFile],
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        let mut out = ImportReport::default();
        let total_files = files.len() as u32;
        let mut bytes_done = 0u64;
        let bytes_total: u64 = files.iter().map(|f| f.contents.len() as u64).sum();
        let mut rows_done = 0u64;
        for file in files {
            let mut p = BackupProgress::new(BackupStage::Uploading, file.resource);
            p.files_done = out.files_uploaded;
            p.files_total = total_files;
            p.percentage = files_percentage(out.files_uploaded, total_files);
            p.bytes_done = bytes_done;
            p.bytes_total = Some(bytes_total);
            p.rows_done = rows_done;
            report(&options.on_progress, &p);
            let job = self
                .create_import(&CreateImportParams {
                    resource: file.resource,
                    file_name: file.file_name.clone(),
                    contents: file.contents.clone(),
                })
                .await?;
            bytes_done += file.contents.len() as u64;
            p.stage = BackupStage::Importing;
            p.job_id = job.unique_id.clone();
            p.bytes_done = bytes_done;
            report(&options.on_progress, &p);
            let job = if is_done(&job.status) {
                job
            } else {
                self.wait_for_import(&job.unique_id, options.poll_interval, options.timeout)
                    .await?
            };
            let imported = u64::try_from(job.total_rows).unwrap_or(0);
            rows_done += imported;
            match file.resource {
                BackupResource::Users => out.users_imported += imported,
                BackupResource::Rooms => out.rooms_imported += imported,
                BackupResource::Comments => out.comments_imported += imported,
            }
            out.row_errors.extend(row_errors(file, &job));
            out.files_uploaded += 1;
            out.files.push(ImportFileReport {
                resource: file.resource,
                file_name: file.file_name.clone(),
                unique_id: job.unique_id.clone(),
                status: job.status.clone(),
                size: file.contents.len() as u64,
                rows_sent: file.row_indices.len() as u64,
                rows_imported: imported,
                errors: job.errors.clone(),
            });
        }
        let mut p = BackupProgress::new(
            BackupStage::Finished,
            files.last().map_or(BackupResource::Users, |f| f.resource),
        );
        p.files_done = out.files_uploaded;
        p.files_total = total_files;
        p.percentage = 100.0;
        p.bytes_done = bytes_done;
        p.bytes_total = Some(bytes_total);
        p.rows_done = rows_done;
        report(&options.on_progress, &p);
        Ok(out)
    }

    /// Polls the import records until the job `unique_id` is finished or failed, and returns it.
    ///
    /// Errors: not done within `timeout` ([`Error::Timeout`], call `import_rows`); the job is not
    /// among the records ([`Error::NotFound`], call `list_imports`).
    pub async fn wait_for_import(
        &self,
        unique_id: &str,
        poll_interval: Duration,
        timeout: Duration,
    ) -> Result<Import> {
        let started = Instant::now();
        let mut polls = 0u32;
        loop {
            polls += 1;
            let mut pager = self.imports_pager();
            let mut found = None;
            while let Some(page) = pager.next_page().await? {
                if let Some(j) = page.into_iter().find(|j| j.unique_id == unique_id) {
                    found = Some(j);
                    break;
                }
            }
            let job = found.ok_or_else(|| Error::NotFound {
                call: "list_imports".into(),
                reason: format!("import job {unique_id} is not among the import records"),
                detailed_messages: vec![],
            })?;
            if is_done(&job.status) {
                return Ok(job);
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(Error::Timeout {
                    call: "import_rows".into(),
                    attempts: polls,
                    history: vec![format!(
                        "import job {unique_id} still {:?} after {:.1}s",
                        job.status,
                        elapsed.as_secs_f64()
                    )],
                });
            }
            tokio::time::sleep(poll_interval.min(timeout - elapsed)).await;
        }
    }
}

/// The share of an import's files that are finished, 0 to 100.
fn files_percentage(done: u32, total: u32) -> f64 {
    if total == 0 {
        100.0
    } else {
        f64::from(done) * 100.0 / f64::from(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> ImportBatch {
        ImportBatch {
            users: vec![UserRow::new("a@x.co", "A"), UserRow::new("b@x.co", "B")],
            rooms: vec![
                RoomRow::group("g1", "G", "a@x.co", ["a@x.co", "b@x.co"]),
                RoomRow::single("s1", "a@x.co", "b@x.co"),
            ],
            comments: vec![
                CommentRow::reply("c3", "g1", "b@x.co", "re re", "c2"),
                CommentRow::reply("c2", "g1", "b@x.co", "re", "c1"),
                CommentRow::text("c1", "g1", "a@x.co", "hi"),
            ],
        }
    }

    #[test]
    fn a_good_batch_has_no_problems_and_parents_come_first() {
        let b = batch();
        assert_eq!(b.validate(&ImportOptions::default()), vec![]);
        assert_eq!(comment_order(&b.comments), Ok(vec![2, 1, 0]));
        let files = b.split_into_files(DEFAULT_IMPORT_FILE_BYTES).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[2].row_indices, vec![2, 1, 0]);
        let parsed: Vec<CommentRow> = serde_json::from_slice(&files[2].contents).unwrap();
        assert_eq!(parsed[0].unique_id, "c1");
    }

    #[test]
    fn every_bad_row_is_reported() {
        let mut b = batch();
        b.users.push(UserRow::new("A@x.co", "dup"));
        b.users.push(UserRow::new("not-an-email", "bad"));
        b.users[0].authentication_token = "t".into();
        b.users[1].authentication_token = "t".into();
        b.rooms.push(RoomRow::single("s2", "a@x.co", "nobody@x.co"));
        b.rooms.push(RoomRow::group("g1", "", "a@x.co", ["a@x.co"]));
        b.comments
            .push(CommentRow::text("c1", "nowhere", "a@x.co", ""));
        b.comments
            .push(CommentRow::reply("c9", "g1", "a@x.co", "x", "missing"));
        let problems = b.validate(&ImportOptions::default());
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let has = |s: &str| text.iter().any(|t| t.starts_with(s));
        assert!(has("users[1].AuthenticationToken"), "{text:#?}");
        assert!(has("users[2].Email"), "{text:#?}");
        assert!(has("users[3].Email"), "{text:#?}");
        assert!(has("rooms[2].ParticipantEmails"), "{text:#?}");
        assert!(has("rooms[3].UniqueId"), "{text:#?}");
        assert!(has("rooms[3].Name"), "{text:#?}");
        assert!(has("comments[3].UniqueId"), "{text:#?}");
        assert!(has("comments[3].RoomUniqueId"), "{text:#?}");
        assert!(has("comments[3].Message"), "{text:#?}");
        assert!(has("comments[4].ParentCommentUniqueId"), "{text:#?}");
        // With references assumed to exist, only the row-local problems remain.
        let relaxed = ImportOptions {
            assume_references_exist: true,
            ..ImportOptions::default()
        };
        let problems = b.validate(&relaxed);
        assert!(
            problems.iter().all(|p| p.field != "RoomUniqueId"),
            "{problems:#?}"
        );
    }

    #[test]
    fn reply_cycles_are_refused() {
        let comments = vec![
            CommentRow::reply("a", "g1", "a@x.co", "x", "b"),
            CommentRow::reply("b", "g1", "a@x.co", "y", "a"),
            CommentRow::text("c", "g1", "a@x.co", "z"),
        ];
        assert_eq!(comment_order(&comments), Err(vec![0, 1]));
    }

    #[test]
    fn files_respect_the_limit_and_the_order() {
        let mut b = ImportBatch::default();
        for i in 0..200 {
            b.users
                .push(UserRow::new(format!("u{i}@x.co"), format!("User {i}")));
        }
        let files = b.split_into_files(2_000).unwrap();
        assert!(files.len() > 5);
        let mut all = Vec::new();
        for f in &files {
            assert!(f.contents.len() <= 2_000);
            let rows: Vec<UserRow> = serde_json::from_slice(&f.contents).unwrap();
            assert_eq!(rows.len(), f.row_indices.len());
            all.extend(f.row_indices.iter().copied());
        }
        assert_eq!(all, (0..200).collect::<Vec<u64>>());
        assert!(b.split_into_files(50).is_err());
    }

    #[test]
    fn server_row_errors_map_back_to_batch_indices() {
        let file = ImportFile {
            resource: BackupResource::Comments,
            file_name: "comments-001.json".into(),
            contents: vec![],
            row_indices: vec![7, 3, 5],
        };
        let job: Import = serde_json::from_value(serde_json::json!({
            "unique_id": "j", "status": "finished", "total_rows": 1,
            "errors": {"Message": "2 rows failed", "Data": [
                {"row": 1, "error": "RoomUniqueId `x` does not exist"},
                {"row": "2", "error": "nope"}
            ]}
        }))
        .unwrap();
        let errs = row_errors(&file, &job);
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].index, Some(3));
        assert_eq!(errs[1].index, Some(5));
        assert!(errs[0].error.contains("RoomUniqueId"));
    }
}
