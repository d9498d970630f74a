//! In-memory state of the emulated application and the rendering helpers
//! shared by the handlers.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use parking_lot::RwLock;
use rand::distr::Alphanumeric;
use rand::Rng;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::faults::{FaultEngine, StatsCounters};

/// Avatar given to users registered without one.
pub(crate) const DEFAULT_AVATAR: &str =
    "https://qiscuss3.s3.amazonaws.com/uploads/55c0c6ee486be6b686d52e5b9bbedbbf/2.png";
/// E-mail of the System user that sends system events.
pub(crate) const SYSTEM_EMAIL: &str = "system@qiscus.com";
/// Timestamp used for rooms without comments.
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A random alphanumeric string.
pub(crate) fn random_alnum(n: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// `2017-02-07T19:01:00Z`.
pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `2017-07-17T10:19:44+00:00`.
pub(crate) fn ts_offset(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Loose e-mail check: one `@`, non-empty parts, no whitespace.
pub(crate) fn valid_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && !d.is_empty()
                && !d.contains('@')
                && !e.chars().any(char::is_whitespace)
                && !d.starts_with('.')
                && !d.ends_with('.')
        }
        None => false,
    }
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: u64,
    pub email: String,
    pub username: String,
    pub avatar_url: String,
    pub password: String,
    pub token: String,
    pub rt_key: String,
    pub created_at: DateTime<Utc>,
    pub pn_ios: bool,
    pub pn_android: bool,
    pub rooms: BTreeSet<u64>,
    pub last_comment_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomType {
    Single,
    Group,
}

impl RoomType {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomType::Single => "single",
            RoomType::Group => "group",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Participant {
    pub user_id: u64,
    pub last_read: u64,
    pub last_received: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Room {
    pub id: u64,
    pub name: String,
    pub room_type: RoomType,
    pub avatar_url: String,
    pub options: Option<String>,
    pub creator_id: u64,
    pub participants: Vec<Participant>,
    pub comment_ids: Vec<u64>,
    pub temp_ids: HashMap<String, u64>,
    pub unique_id: String,
    pub created_at: DateTime<Utc>,
    pub activity: u64,
}

impl Room {
    pub fn participant(&self, user_id: u64) -> Option<&Participant> {
        self.participants.iter().find(|p| p.user_id == user_id)
    }
    pub fn has(&self, user_id: u64) -> bool {
        self.participant(user_id).is_some()
    }
    pub fn last_comment_id(&self) -> u64 {
        self.comment_ids.last().copied().unwrap_or(0)
    }
    pub fn unread(&self, last_read: u64) -> u64 {
        let idx = self.comment_ids.partition_point(|&id| id <= last_read);
        (self.comment_ids.len() - idx) as u64
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub id: u64,
    pub room_id: u64,
    pub user_id: u64,
    pub message: String,
    pub ctype: String,
    pub payload: Value,
    pub unique_temp_id: String,
    pub disable_link_preview: bool,
    pub created_at: DateTime<Utc>,
    pub comment_before_id: u64,
}

/// An export job (`backup_history` of exports).
#[derive(Debug, Clone)]
pub(crate) struct ExportJob {
    pub unique_id: String,
    pub created_at: DateTime<Utc>,
    pub resource: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub status: String,
    pub percentage: u64,
    pub size: u64,
    pub total_rows: u64,
    pub download_url: String,
    pub error_message: String,
}

impl ExportJob {
    pub fn to_json(&self) -> Value {
        json!({
            "created_at": ts_offset(&self.created_at),
            "download_url": self.download_url,
            "error_message": self.error_message,
            "original_filename": format!("{}_exported_{}.json", ts_offset(&self.created_at), self.resource),
            "percentage": self.percentage,
            "resource_name": self.resource,
            "size": self.size,
            "status": self.status,
            "total_rows": self.total_rows,
            "unique_id": self.unique_id,
        })
    }
}

/// An import job (`backup_history` of imports).
#[derive(Debug, Clone)]
pub(crate) struct ImportJob {
    pub unique_id: String,
    pub created_at: DateTime<Utc>,
    pub resource: String,
    pub original_filename: String,
    pub size: u64,
    pub status: String,
    pub total_rows: u64,
    pub errors: Value,
}

impl ImportJob {
    pub fn to_json(&self) -> Value {
        json!({
            "created_at": ts_offset(&self.created_at),
            "errors": self.errors,
            "original_filename": self.original_filename,
            "resource_name": self.resource,
            "size": self.size,
            "status": self.status,
            "total_rows": self.total_rows,
            "unique_id": self.unique_id,
        })
    }
}

/// All application data.
#[derive(Debug)]
pub(crate) struct Data {
    /// Users by id - 1.
    pub users: Vec<User>,
    pub user_by_email: HashMap<String, u64>,
    /// Rooms by id - 1.
    pub rooms: Vec<Room>,
    /// Comments by id - 1.
    pub comments: Vec<Comment>,
    pub singles: HashMap<(u64, u64), u64>,
    pub room_by_unique: HashMap<String, u64>,
    pub comment_by_unique: HashMap<String, u64>,
    pub exports: Vec<ExportJob>,
    pub export_files: HashMap<String, Arc<Vec<u8>>>,
    pub imports: Vec<ImportJob>,
    pub activity_seq: u64,
    pub system_user_id: u64,
}

impl Data {
    pub fn new() -> Self {
        let mut d = Data {
            users: Vec::new(),
            user_by_email: HashMap::new(),
            rooms: Vec::new(),
            comments: Vec::new(),
            singles: HashMap::new(),
            room_by_unique: HashMap::new(),
            comment_by_unique: HashMap::new(),
            exports: Vec::new(),
            export_files: HashMap::new(),
            imports: Vec::new(),
            activity_seq: 0,
            system_user_id: 0,
        };
        let id = d.insert_user(
            SYSTEM_EMAIL.to_string(),
            "System".to_string(),
            DEFAULT_AVATAR.to_string(),
            random_alnum(16),
            random_alnum(20),
            Utc::now(),
        );
        // The System user is not reachable by e-mail through the user calls.
        d.user_by_email.remove(SYSTEM_EMAIL);
        d.system_user_id = id;
        d
    }

    pub fn insert_user(
        &mut self,
        email: String,
        username: String,
        avatar_url: String,
        password: String,
        token: String,
        created_at: DateTime<Utc>,
    ) -> u64 {
        let id = self.users.len() as u64 + 1;
        self.user_by_email.insert(email.clone(), id);
        self.users.push(User {
            id,
            email,
            username,
            avatar_url,
            password,
            token,
            rt_key: random_alnum(10),
            created_at,
            pn_ios: false,
            pn_android: false,
            rooms: BTreeSet::new(),
            last_comment_id: 0,
        });
        id
    }

    pub fn user(&self, id: u64) -> &User {
        &self.users[(id - 1) as usize]
    }
    pub fn user_mut(&mut self, id: u64) -> &mut User {
        &mut self.users[(id - 1) as usize]
    }
    pub fn user_id(&self, email: &str) -> Option<u64> {
        self.user_by_email.get(email).copied()
    }
    /// User id by e-mail or a 404 naming the field.
    pub fn require_user(&self, field: &str, email: &str) -> Result<u64, ApiError> {
        self.user_id(email)
            .ok_or_else(|| ApiError::not_found(format!("user with {field} `{email}` not found")))
    }
    /// Ids of every e-mail or a 400 naming the unknown ones.
    pub fn require_users(&self, field: &str, emails: &[String]) -> Result<Vec<u64>, ApiError> {
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for e in emails {
            match self.user_id(e) {
                Some(id) => {
                    if !ids.contains(&id) {
                        ids.push(id)
                    }
                }
                None => unknown.push(e.clone()),
            }
        }
        if unknown.is_empty() {
            Ok(ids)
        } else {
            Err(ApiError::bad_request(format!(
                "{field} contains unregistered users: {}",
                unknown.join(", ")
            ))
            .with_details(
                unknown
                    .iter()
                    .map(|e| format!("user `{e}` in {field} not found"))
                    .collect(),
            ))
        }
    }

    pub fn room(&self, id: u64) -> Option<&Room> {
        if id == 0 {
            return None;
        }
        self.rooms.get((id - 1) as usize)
    }
    pub fn room_mut(&mut self, id: u64) -> Option<&mut Room> {
        if id == 0 {
            return None;
        }
        self.rooms.get_mut((id - 1) as usize)
    }
    pub fn require_room(&self, id: u64) -> Result<&Room, ApiError> {
        self.room(id)
            .ok_or_else(|| ApiError::not_found(format!("room with room_id {id} not found")))
    }
    pub fn comment(&self, id: u64) -> Option<&Comment> {
        if id == 0 {
            return None;
        }
        self.comments.get((id - 1) as usize)
    }

    pub fn next_activity(&mut self) -> u64 {
        self.activity_seq += 1;
        self.activity_seq
    }

    /// Creates a room; participants are user ids without duplicates.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_room(
        &mut self,
        name: String,
        room_type: RoomType,
        avatar_url: String,
        options: Option<String>,
        creator_id: u64,
        participant_ids: &[u64],
        unique_id: String,
        created_at: DateTime<Utc>,
    ) -> u64 {
        let id = self.rooms.len() as u64 + 1;
        let activity = self.next_activity();
        let mut participants = Vec::new();
        for &uid in participant_ids {
            if participants.iter().any(|p: &Participant| p.user_id == uid) {
                continue;
            }
            participants.push(Participant {
                user_id: uid,
                last_read: 0,
                last_received: 0,
            });
            self.user_mut(uid).rooms.insert(id);
        }
        self.room_by_unique.insert(unique_id.clone(), id);
        self.rooms.push(Room {
            id,
            name,
            room_type,
            avatar_url,
            options,
            creator_id,
            participants,
            comment_ids: Vec::new(),
            temp_ids: HashMap::new(),
            unique_id,
            created_at,
            activity,
        });
        id
    }

    pub fn add_participant(&mut self, room_id: u64, user_id: u64) {
        let room = &mut self.rooms[(room_id - 1) as usize];
        if room.has(user_id) {
            return;
        }
        room.participants.push(Participant {
            user_id,
            last_read: 0,
            last_received: 0,
        });
        self.user_mut(user_id).rooms.insert(room_id);
    }

    pub fn remove_participant(&mut self, room_id: u64, user_id: u64) {
        let room = &mut self.rooms[(room_id - 1) as usize];
        room.participants.retain(|p| p.user_id != user_id);
        self.user_mut(user_id).rooms.remove(&room_id);
    }

    /// Stores a comment (no validation) and returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_comment(
        &mut self,
        room_id: u64,
        user_id: u64,
        message: String,
        ctype: String,
        payload: Value,
        unique_temp_id: String,
        disable_link_preview: bool,
        created_at: DateTime<Utc>,
    ) -> u64 {
        let id = self.comments.len() as u64 + 1;
        let activity = self.next_activity();
        let room = &mut self.rooms[(room_id - 1) as usize];
        let comment_before_id = room.last_comment_id();
        room.comment_ids.push(id);
        room.temp_ids.entry(unique_temp_id.clone()).or_insert(id);
        room.activity = activity;
        if let Some(p) = room.participants.iter_mut().find(|p| p.user_id == user_id) {
            p.last_read = id;
            p.last_received = id;
        }
        self.comment_by_unique
            .entry(unique_temp_id.clone())
            .or_insert(id);
        self.user_mut(user_id).last_comment_id = id;
        self.comments.push(Comment {
            id,
            room_id,
            user_id,
            message,
            ctype,
            payload,
            unique_temp_id,
            disable_link_preview,
            created_at,
            comment_before_id,
        });
        id
    }

    // ---- rendering ----

    pub fn user_json(&self, u: &User) -> Value {
        json!({
            "id": u.id,
            "email": u.email,
            "username": u.username,
            "avatar_url": u.avatar_url,
            "token": u.token,
        })
    }

    /// A comment with exactly the given keys.
    pub fn comment_json(&self, c: &Comment, keys: &[&str]) -> Value {
        let user = self.user(c.user_id);
        let room = self.room(c.room_id);
        let mut m = Map::new();
        for &k in keys {
            let v = match k {
                "id" => json!(c.id),
                "comment_before_id" => json!(c.comment_before_id),
                "disable_link_preview" => json!(c.disable_link_preview),
                "email" => json!(user.email),
                "message" => json!(c.message),
                "payload" => c.payload.clone(),
                "room_id" | "topic_id" => json!(c.room_id),
                "room_name" => json!(room.map(|r| r.name.as_str()).unwrap_or("")),
                "chat_type" => json!(room.map(|r| r.room_type.as_str()).unwrap_or("group")),
                "timestamp" => json!(ts(&c.created_at)),
                "unix_timestamp" => json!(c.created_at.timestamp()),
                "type" => json!(c.ctype),
                "unique_temp_id" => json!(c.unique_temp_id),
                "user_avatar" => json!({"avatar": {"url": user.avatar_url}}),
                "user_avatar_url" => json!(user.avatar_url),
                "user_id" => json!(user.id),
                "username" => json!(user.username),
                _ => Value::Null,
            };
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    }

    /// The latest `n` comments of a room, newest first.
    pub fn latest_comments(&self, room: &Room, n: usize, keys: &[&str]) -> Vec<Value> {
        room.comment_ids
            .iter()
            .rev()
            .take(n)
            .filter_map(|&id| self.comment(id))
            .map(|c| self.comment_json(c, keys))
            .collect()
    }

    /// A `rooms_info` item as seen by `user_id`.
    pub fn room_info(
        &self,
        room: &Room,
        user_id: u64,
        with_avatar: bool,
        show_participants: bool,
    ) -> Value {
        let last = room.comment_ids.last().and_then(|&id| self.comment(id));
        let last_read = room.participant(user_id).map(|p| p.last_read).unwrap_or(0);
        let mut m = Map::new();
        m.insert(
            "last_comment_id".into(),
            json!(last.map(|c| c.id).unwrap_or(0)),
        );
        m.insert(
            "last_comment_message".into(),
            json!(last.map(|c| c.message.as_str()).unwrap_or("")),
        );
        m.insert(
            "last_comment_timestamp".into(),
            json!(last
                .map(|c| ts(&c.created_at))
                .unwrap_or_else(|| ZERO_TIME.to_string())),
        );
        if with_avatar {
            m.insert("room_avatar_url".into(), json!(room.avatar_url));
        }
        m.insert("room_id".into(), json!(room.id));
        m.insert("room_name".into(), json!(room.name));
        m.insert("room_type".into(), json!(room.room_type.as_str()));
        m.insert("unread_count".into(), json!(room.unread(last_read)));
        if show_participants {
            m.insert(
                "participants".into(),
                Value::Array(
                    room.participants
                        .iter()
                        .map(|p| {
                            self.participant_json(
                                p,
                                &[
                                    "avatar_url",
                                    "email",
                                    "id",
                                    "last_comment_read_id",
                                    "last_comment_received_id",
                                    "username",
                                ],
                            )
                        })
                        .collect(),
                ),
            );
        }
        Value::Object(m)
    }

    pub fn participant_json(&self, p: &Participant, keys: &[&str]) -> Value {
        let u = self.user(p.user_id);
        let mut m = Map::new();
        for &k in keys {
            let v = match k {
                "avatar_url" => json!(u.avatar_url),
                "email" => json!(u.email),
                "id" => json!(u.id),
                "username" => json!(u.username),
                "last_comment_read_id" => json!(p.last_read),
                "last_comment_received_id" => json!(p.last_received),
                _ => Value::Null,
            };
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    }

    /// `{creator, participants:[emails], room_id, room_name, room_type}`.
    pub fn room_summary(&self, room: &Room) -> Value {
        json!({
            "creator": self.user(room.creator_id).email,
            "participants": room.participants.iter().map(|p| self.user(p.user_id).email.clone()).collect::<Vec<_>>(),
            "room_id": room.id,
            "room_name": room.name,
            "room_type": room.room_type.as_str(),
        })
    }

    /// The webhook body for a comment posted through REST.
    pub fn webhook_body(&self, c: &Comment) -> Value {
        let u = self.user(c.user_id);
        let room = self.room(c.room_id).expect("comment room exists");
        json!({
            "type": "post_comment_rest",
            "payload": {
                "from": {"id": u.id, "email": u.email, "name": u.username, "avatar_url": u.avatar_url},
                "room": {
                    "id": room.id,
                    "topic_id": room.id,
                    "type": room.room_type.as_str(),
                    "name": room.name,
                    "participants": room.participants.iter().map(|p| self.participant_json(p, &["id", "email", "username", "avatar_url"])).collect::<Vec<_>>(),
                },
                "message": {
                    "id": c.id,
                    "comment_before_id": c.comment_before_id,
                    "created_at": ts(&c.created_at),
                    "timestamp": ts(&c.created_at),
                    "unix_timestamp": c.created_at.timestamp(),
                    "unique_temp_id": c.unique_temp_id,
                    "disable_link_preview": c.disable_link_preview,
                    "type": c.ctype,
                    "text": c.message,
                    "payload": c.payload,
                }
            }
        })
    }
}

/// Comment keys of the post_comment response.
pub(crate) const POST_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "timestamp",
    "unix_timestamp",
    "topic_id",
    "type",
    "unique_temp_id",
    "user_avatar",
    "user_avatar_url",
    "username",
];
/// Comment keys of the system event response (post keys + user_id).
pub(crate) const SYSTEM_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "timestamp",
    "unix_timestamp",
    "topic_id",
    "type",
    "unique_temp_id",
    "user_avatar",
    "user_avatar_url",
    "user_id",
    "username",
];
/// Comment keys of load_comments.
pub(crate) const LOAD_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "room_name",
    "timestamp",
    "type",
    "unique_temp_id",
    "user_avatar_url",
    "username",
];
/// Comment keys of get_or_create_room_with_target.
pub(crate) const TARGET_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "timestamp",
    "type",
    "unique_temp_id",
    "user_avatar_url",
    "username",
];
/// Comment keys of update_room.
pub(crate) const UPDATE_KEYS: &[&str] = &[
    "id",
    "comment_before_id",
    "message",
    "type",
    "payload",
    "disable_link_preview",
    "email",
    "username",
    "user_avatar",
    "user_avatar_url",
    "timestamp",
    "unix_timestamp",
    "unique_temp_id",
];
/// Comment keys of search_messages.
pub(crate) const SEARCH_KEYS: &[&str] = &[
    "chat_type",
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "room_name",
    "timestamp",
    "topic_id",
    "type",
    "unique_temp_id",
    "unix_timestamp",
    "user_avatar",
    "user_avatar_url",
    "user_id",
    "username",
];

/// Everything the handlers share.
pub(crate) struct AppState {
    pub data: RwLock<Data>,
    pub stats: Arc<StatsCounters>,
    pub faults: FaultEngine,
    pub secret: String,
    pub app_id: String,
    pub base_url: String,
    pub export_delay: std::time::Duration,
    pub webhooks: Option<mpsc::UnboundedSender<Value>>,
}

/// Shared handle to the state.
pub(crate) type App = Arc<AppState>;

impl AppState {
    /// Queues a webhook for a stored comment (no-op without a webhook URL).
    pub fn queue_webhook(&self, body: Option<Value>) {
        if let (Some(tx), Some(body)) = (&self.webhooks, body) {
            let _ = tx.send(body);
        }
    }
}
