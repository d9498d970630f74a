//! Data backup (exports) and import.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use crate::api::comments::{validate_comment, ReplyCheck};
use crate::error::{ok, ApiError, ApiResult};
use crate::params::Params;
use crate::state::{
    random_alnum, valid_email, App, Data, ExportJob, ImportJob, RoomType, DEFAULT_AVATAR,
    SYSTEM_EMAIL,
};

/// Largest import file accepted (4 MB).
pub(crate) const MAX_IMPORT_FILE: usize = 4 * 1024 * 1024;
/// Body limit of the imports route (the file plus multipart overhead).
pub(crate) const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;
const PER_PAGE: usize = 20;

fn resource_param(p: Option<String>) -> Result<String, ApiError> {
    match p.as_deref().map(str::trim) {
        Some(t @ ("users" | "rooms" | "comments")) => Ok(t.to_string()),
        Some("") | None => Err(ApiError::bad_request("type is required")),
        Some(other) => Err(ApiError::bad_request(format!(
            "type must be one of \"users\", \"rooms\", \"comments\", got `{other}`"
        ))),
    }
}

fn date_param(p: &Params, name: &str) -> Result<NaiveDate, ApiError> {
    let s = p.req_str(name)?;
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::bad_request(format!(
            "{name} must be a date formatted YYYY-MM-DD, got `{s}`"
        ))
    })
}

fn page_of<T>(items: &[T], page: usize) -> impl Iterator<Item = &T> {
    items
        .iter()
        .rev()
        .skip((page.max(1) - 1).saturating_mul(PER_PAGE))
        .take(PER_PAGE)
}

pub(crate) async fn create_export(State(app): State<App>, p: Params) -> ApiResult {
    let resource = resource_param(p.str("type"))?;
    let start = date_param(&p, "start_date")?;
    let end = date_param(&p, "end_date")?;
    if end < start {
        return Err(ApiError::bad_request(format!(
            "end_date {end} must not be before start_date {start}"
        )));
    }
    let job = ExportJob {
        unique_id: uuid::Uuid::new_v4().to_string(),
        created_at: Utc::now(),
        resource,
        start,
        end,
        status: "started".into(),
        percentage: 0,
        size: 0,
        total_rows: 0,
        download_url: String::new(),
        error_message: String::new(),
    };
    let out = job.to_json();
    let id = job.unique_id.clone();
    app.data.write().exports.push(job);
    let app2 = app.clone();
    tokio::spawn(async move {
        tokio::time::sleep(app2.export_delay).await;
        finish_export(&app2, &id);
    });
    ok(out)
}

fn finish_export(app: &App, id: &str) {
    let mut d = app.data.write();
    let Some(job) = d.exports.iter().find(|j| j.unique_id == id).cloned() else {
        return;
    };
    let rows = export_rows(&d, &job.resource, job.start, job.end);
    let bytes = serde_json::to_vec_pretty(&rows).unwrap_or_default();
    let size = bytes.len() as u64;
    d.export_files.insert(id.to_string(), Arc::new(bytes));
    if let Some(j) = d.exports.iter_mut().find(|j| j.unique_id == id) {
        j.status = "finished".into();
        j.percentage = 100;
        j.total_rows = rows.len() as u64;
        j.size = size;
        j.download_url = format!("{}/_emulator/downloads/{}", app.base_url, id);
    }
}

fn in_range(t: &DateTime<Utc>, start: NaiveDate, end: NaiveDate) -> bool {
    let day = t.date_naive();
    day >= start && day <= end
}

/// Rows in the import format for `resource`, created within [start, end].
pub(crate) fn export_rows(
    d: &Data,
    resource: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Value> {
    let ts = crate::state::ts;
    match resource {
        "users" => d
            .users
            .iter()
            .filter(|u| u.id != d.system_user_id && in_range(&u.created_at, start, end))
            .map(|u| {
                json!({
                    "Email": u.email,
                    "Name": u.username,
                    "AvatarUrl": u.avatar_url,
                    "AuthenticationToken": u.token,
                    "Password": u.password,
                    "CreateAt": ts(&u.created_at),
                })
            })
            .collect(),
        "rooms" => d
            .rooms
            .iter()
            .filter(|r| in_range(&r.created_at, start, end))
            .map(|r| {
                json!({
                    "Name": r.name,
                    "Type": r.room_type.as_str(),
                    "Options": r.options.clone().unwrap_or_default(),
                    "CreatorEmail": d.user(r.creator_id).email,
                    "CreatedAt": ts(&r.created_at),
                    "AvatarUrl": r.avatar_url,
                    "UniqueId": r.unique_id,
                    "ParticipantEmails": r.participants.iter().map(|p| d.user(p.user_id).email.clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
        _ => d
            .comments
            .iter()
            .filter(|c| in_range(&c.created_at, start, end))
            .map(|c| {
                let parent = if c.ctype == "reply" {
                    c.payload
                        .get("replied_comment_id")
                        .and_then(Value::as_u64)
                        .and_then(|id| d.comment(id))
                        .map(|p| p.unique_temp_id.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                json!({
                    "Message": c.message,
                    "DisableLinkPreview": c.disable_link_preview,
                    "Type": c.ctype,
                    "UniqueId": c.unique_temp_id,
                    "CreatorEmail": d.user(c.user_id).email,
                    "RoomUniqueId": d.room(c.room_id).map(|r| r.unique_id.clone()).unwrap_or_default(),
                    "CreatedAt": ts(&c.created_at),
                    "Payload": c.payload,
                    "ParentCommentUniqueId": parent,
                })
            })
            .collect(),
    }
}

pub(crate) async fn list_exports(State(app): State<App>, p: Params) -> ApiResult {
    let page = p.u64("page")?.unwrap_or(1) as usize;
    let d = app.data.read();
    let list: Vec<Value> = page_of(&d.exports, page).map(ExportJob::to_json).collect();
    ok(json!({"backup_histories": list}))
}

pub(crate) async fn get_export(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let d = app.data.read();
    let job = d
        .exports
        .iter()
        .find(|j| j.unique_id == id)
        .ok_or_else(|| ApiError::not_found(format!("backup with unique id `{id}` not found")))?;
    ok(json!({"backup_history": job.to_json()}))
}

pub(crate) async fn delete_export(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut d = app.data.write();
    let pos = d
        .exports
        .iter()
        .position(|j| j.unique_id == id)
        .ok_or_else(|| ApiError::not_found(format!("backup with unique id `{id}` not found")))?;
    let job = d.exports.remove(pos);
    d.export_files.remove(&id);
    ok(json!({"backup_history": job.to_json()}))
}

pub(crate) async fn list_imports(State(app): State<App>, p: Params) -> ApiResult {
    let page = p.u64("page")?.unwrap_or(1) as usize;
    let d = app.data.read();
    let list: Vec<Value> = page_of(&d.imports, page).map(ImportJob::to_json).collect();
    ok(json!({"backup_histories": list}))
}

pub(crate) async fn create_import(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    mut mp: Multipart,
) -> ApiResult {
    let mut rtype: Option<String> = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "type")
            .map(|(_, v)| v.into_owned())
    });
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::new(
                    e.status(),
                    format!("invalid multipart body: {}", e.body_text()),
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("invalid multipart body: {}", e.body_text()),
            )
        })?;
        match name.as_str() {
            "type" => rtype = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "file" => {
                file = Some((
                    filename.unwrap_or_else(|| "import.json".into()),
                    bytes.to_vec(),
                ))
            }
            _ => {}
        }
    }
    let resource = resource_param(rtype)?;
    let (filename, bytes) = file.ok_or_else(|| ApiError::bad_request("file is required"))?;
    if bytes.len() > MAX_IMPORT_FILE {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "file is too large: {} bytes, the limit is 4 MB ({MAX_IMPORT_FILE} bytes)",
                bytes.len()
            ),
        ));
    }
    let job = ImportJob {
        unique_id: uuid::Uuid::new_v4().to_string(),
        created_at: Utc::now(),
        resource: resource.clone(),
        original_filename: filename,
        size: bytes.len() as u64,
        status: "started".into(),
        total_rows: 0,
        errors: json!({"Message": "", "Data": null}),
    };
    let out = job.to_json();
    let id = job.unique_id.clone();
    app.data.write().imports.push(job);
    // The answer says `started`, as the server's does; the rows are applied before it is sent,
    // so that whatever the caller does next sees the import finished (no race in tests).
    run_import(&app, &id, &resource, &bytes);
    ok(json!({"backup_history": out}))
}

fn run_import(app: &App, id: &str, resource: &str, bytes: &[u8]) {
    let rows: Option<Vec<Map<String, Value>>> = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(a)) => a
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    let mut d = app.data.write();
    let (status, applied, errors) = match rows {
        None => (
            "failed",
            0,
            json!({"Message": "the file must be a JSON array of objects", "Data": null}),
        ),
        Some(rows) => {
            let mut failed = Vec::new();
            let mut applied = 0u64;
            let mut tokens: HashSet<String> = d.users.iter().map(|u| u.token.clone()).collect();
            for (i, row) in rows.iter().enumerate() {
                let r = match resource {
                    "users" => import_user(&mut d, row, &mut tokens),
                    "rooms" => import_room(&mut d, row),
                    _ => import_comment(&mut d, row),
                };
                match r {
                    Ok(()) => applied += 1,
                    Err(e) => failed.push(json!({"row": i, "error": e})),
                }
            }
            let errors = if failed.is_empty() {
                json!({})
            } else {
                json!({"Message": format!("{} rows failed", failed.len()), "Data": failed})
            };
            ("finished", applied, errors)
        }
    };
    if let Some(j) = d.imports.iter_mut().find(|j| j.unique_id == id) {
        j.status = status.into();
        j.total_rows = applied;
        j.errors = errors;
    }
}

fn row_str(row: &Map<String, Value>, key: &str) -> Result<String, String> {
    match row.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

fn row_time(row: &Map<String, Value>, key: &str) -> Result<DateTime<Utc>, String> {
    let s = row_str(row, key)?;
    if s.trim().is_empty() {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{key} `{s}` is not an RFC 3339 timestamp"))
}

fn import_user(
    d: &mut Data,
    row: &Map<String, Value>,
    tokens: &mut HashSet<String>,
) -> Result<(), String> {
    let email = row_str(row, "Email")?.trim().to_string();
    if email.is_empty() {
        return Err("Email is required".into());
    }
    if !valid_email(&email) {
        return Err(format!("Email `{email}` is not a valid email address"));
    }
    if d.user_id(&email).is_some() || email == SYSTEM_EMAIL {
        return Err(format!("Email `{email}` already exists"));
    }
    let mut token = row_str(row, "AuthenticationToken")?;
    if token.is_empty() {
        token = random_alnum(20);
    } else if tokens.contains(&token) {
        return Err("AuthenticationToken already exists".into());
    }
    let mut name = row_str(row, "Name")?;
    if name.trim().is_empty() {
        name = email.split('@').next().unwrap_or_default().to_string();
    }
    let mut avatar = row_str(row, "AvatarUrl")?;
    if avatar.is_empty() {
        avatar = DEFAULT_AVATAR.into();
    }
    let mut password = row_str(row, "Password")?;
    if password.is_empty() {
        password = random_alnum(16);
    }
    let created = row_time(row, "CreateAt")?;
    tokens.insert(token.clone());
    d.insert_user(email, name, avatar, password, token, created);
    Ok(())
}

fn import_room(d: &mut Data, row: &Map<String, Value>) -> Result<(), String> {
    let unique = row_str(row, "UniqueId")?.trim().to_string();
    if unique.is_empty() {
        return Err("UniqueId is required".into());
    }
    if d.room_by_unique.contains_key(&unique) {
        return Err(format!("UniqueId `{unique}` already exists"));
    }
    let rtype = match row_str(row, "Type")?.as_str() {
        "single" => RoomType::Single,
        "group" => RoomType::Group,
        other => {
            return Err(format!(
                "Type must be \"single\" or \"group\", got `{other}`"
            ))
        }
    };
    let creator = row_str(row, "CreatorEmail")?;
    let creator_id = d
        .user_id(&creator)
        .ok_or_else(|| format!("CreatorEmail `{creator}` does not exist"))?;
    let emails: Vec<String> = match row.get("ParticipantEmails") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "ParticipantEmails must be an array of strings".to_string())
            })
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err("ParticipantEmails must be an array of strings".into()),
    };
    let mut ids = Vec::new();
    for e in &emails {
        let id = d
            .user_id(e)
            .ok_or_else(|| format!("participant `{e}` in ParticipantEmails does not exist"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let name = match rtype {
        RoomType::Single => {
            if ids.len() != 2 || !ids.contains(&creator_id) {
                return Err(
                    "a single room must have exactly 2 participants, one of them the CreatorEmail"
                        .into(),
                );
            }
            format!("{} <> {}", d.user(ids[0]).email, d.user(ids[1]).email)
        }
        RoomType::Group => {
            let n = row_str(row, "Name")?;
            if n.trim().is_empty() {
                return Err("Name is required for a group room".into());
            }
            n
        }
    };
    let options = match row.get("Options") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(v.to_string()),
    };
    let avatar = row_str(row, "AvatarUrl")?;
    let created = row_time(row, "CreatedAt")?;
    let rid = d.insert_room(
        name, rtype, avatar, options, creator_id, &ids, unique, created,
    );
    if rtype == RoomType::Single {
        let key = (ids[0].min(ids[1]), ids[0].max(ids[1]));
        d.singles.entry(key).or_insert(rid);
    }
    Ok(())
}

fn import_comment(d: &mut Data, row: &Map<String, Value>) -> Result<(), String> {
    let unique = row_str(row, "UniqueId")?.trim().to_string();
    if unique.is_empty() {
        return Err("UniqueId is required".into());
    }
    if d.comment_by_unique.contains_key(&unique) {
        return Err(format!("UniqueId `{unique}` already exists"));
    }
    let room_unique = row_str(row, "RoomUniqueId")?;
    let room_id = *d
        .room_by_unique
        .get(&room_unique)
        .ok_or_else(|| format!("RoomUniqueId `{room_unique}` does not exist"))?;
    let creator = row_str(row, "CreatorEmail")?;
    let uid = if creator == SYSTEM_EMAIL {
        d.system_user_id
    } else {
        d.user_id(&creator)
            .ok_or_else(|| format!("CreatorEmail `{creator}` does not exist"))?
    };
    let mut ctype = row_str(row, "Type")?;
    if ctype.trim().is_empty() {
        ctype = "text".into();
    }
    let message = row_str(row, "Message")?;
    let payload = match row.get("Payload") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => {
            Some(serde_json::from_str(s).map_err(|e| format!("Payload is not valid JSON: {e}"))?)
        }
        Some(v) => Some(v.clone()),
    };
    let disable = match row.get("DisableLinkPreview") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("DisableLinkPreview must be a boolean".into()),
    };
    let created = row_time(row, "CreatedAt")?;
    let (message, payload) = if ctype == "system_event" {
        (message, payload.unwrap_or_else(|| json!({})))
    } else {
        let reply = if ctype == "reply" {
            let parent = row_str(row, "ParentCommentUniqueId")?;
            let pid = d.comment_by_unique.get(&parent).copied().ok_or_else(|| {
                format!(
                    "ParentCommentUniqueId `{parent}` does not name an earlier or existing comment"
                )
            })?;
            ReplyCheck::Resolved(pid)
        } else {
            ReplyCheck::Existing
        };
        validate_comment(d, &ctype, message, payload, reply).map_err(|e| e.message)?
    };
    d.insert_comment(
        room_id, uid, message, ctype, payload, unique, disable, created,
    );
    Ok(())
}
