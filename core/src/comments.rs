//! Comments: post a comment of any type, load a room's comments.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Body, Client};
use crate::de;
use crate::endpoints::{LOAD_COMMENTS, POST_COMMENT};
use crate::error::Result;
use crate::payload::Payload;
use crate::rooms::check_room_id;
use crate::timestamp::Timestamp;
use crate::users::AvatarWire;
use crate::validate;

/// A comment (message), as every call that returns comments sends it.
///
/// The wire's `type` and `payload` are one typed [`Payload`]. Fields that only some calls send
/// (`room_name` and `chat_type` from search, `user_id` from system events, ...) are `None`
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "CommentWire", into = "CommentWire")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Comment {
    /// Comment id; ids rise across the app.
    pub id: i64,
    /// Id of the room's previous comment (0 for the first).
    pub comment_before_id: i64,
    /// Text of the comment.
    pub message: String,
    /// Type and payload.
    pub payload: Payload,
    /// The client-chosen id that makes posting idempotent.
    pub unique_temp_id: Option<String>,
    /// Whether link previews are off.
    pub disable_link_preview: bool,
    /// Sender's e-mail.
    pub email: String,
    /// Sender's display name.
    pub username: Option<String>,
    /// Sender's avatar (`user_avatar_url`, or `user_avatar.avatar.url`).
    pub user_avatar_url: Option<String>,
    /// Sender's numeric id, when sent.
    pub user_id: Option<i64>,
    /// Room id, when sent.
    pub room_id: Option<i64>,
    /// Room name, when sent (load_comments, search).
    pub room_name: Option<String>,
    /// Room type, when sent (search).
    pub chat_type: Option<String>,
    /// Topic id (equals the room id in v2), when sent.
    pub topic_id: Option<i64>,
    /// Time, as sent.
    pub timestamp: Option<Timestamp>,
    /// Time in unix seconds, when sent.
    pub unix_timestamp: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct CommentWire {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::num_or_zero")]
    comment_before_id: i64,
    #[serde(default, deserialize_with = "de::string_or_empty")]
    message: String,
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    unique_temp_id: Option<String>,
    #[serde(default, deserialize_with = "de::bool_or_false")]
    disable_link_preview: bool,
    #[serde(default, deserialize_with = "de::string_or_empty")]
    email: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    username: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    user_avatar_url: Option<String>,
    #[serde(default, skip_serializing)]
    user_avatar: Option<UserAvatarWire>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    user_id: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    room_id: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    room_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    chat_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    topic_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    unix_timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct UserAvatarWire {
    #[serde(default)]
    avatar: Option<AvatarWire>,
}

impl From<CommentWire> for Comment {
    fn from(w: CommentWire) -> Comment {
        let avatar = w
            .user_avatar_url
            .or_else(|| w.user_avatar.and_then(|u| u.avatar).and_then(|a| a.url));
        Comment {
            id: w.id,
            comment_before_id: w.comment_before_id,
            message: w.message,
            payload: Payload::from_wire(w.kind.as_deref(), w.payload),
            unique_temp_id: w.unique_temp_id,
            disable_link_preview: w.disable_link_preview,
            email: w.email,
            username: w.username,
            user_avatar_url: avatar,
            user_id: w.user_id,
            room_id: w.room_id,
            room_name: w.room_name,
            chat_type: w.chat_type,
            topic_id: w.topic_id,
            timestamp: w.timestamp,
            unix_timestamp: w.unix_timestamp,
        }
    }
}

impl From<Comment> for CommentWire {
    fn from(c: Comment) -> CommentWire {
        CommentWire {
            id: c.id,
            comment_before_id: c.comment_before_id,
            message: c.message,
            kind: Some(c.payload.type_name().to_owned()),
            payload: c.payload.to_wire(),
            unique_temp_id: c.unique_temp_id,
            disable_link_preview: c.disable_link_preview,
            email: c.email,
            username: c.username,
            user_avatar_url: c.user_avatar_url,
            user_avatar: None,
            user_id: c.user_id,
            room_id: c.room_id,
            room_name: c.room_name,
            chat_type: c.chat_type,
            topic_id: c.topic_id,
            timestamp: c.timestamp,
            unix_timestamp: c.unix_timestamp,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CommentResults {
    pub(crate) comment: Comment,
}

#[derive(Deserialize)]
pub(crate) struct CommentsResults {
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub(crate) comments: Vec<Comment>,
}

/// Arguments of [`Client::post_comment`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct PostCommentParams {
    /// Room to post in.
    pub room_id: i64,
    /// Sender's e-mail (a participant of the room).
    pub sender_email: String,
    /// Text. Required for `text` and `reply`; for `location`, `contact_person` and
    /// `file_attachment` the server writes it when empty.
    pub message: String,
    /// Type and payload.
    pub payload: Payload,
    /// Idempotency key: posting the same id twice in a room stores one comment. Generated when
    /// `None`, and kept across retries.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub unique_temp_id: Option<String>,
    /// Turns link previews off.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    #[serde(default)]
    pub disable_link_preview: bool,
}

impl PostCommentParams {
    /// A comment of any type.
    pub fn new(
        room_id: i64,
        sender_email: impl Into<String>,
        message: impl Into<String>,
        payload: Payload,
    ) -> Self {
        PostCommentParams {
            room_id,
            sender_email: sender_email.into(),
            message: message.into(),
            payload,
            unique_temp_id: None,
            disable_link_preview: false,
        }
    }

    /// A text comment.
    pub fn text(room_id: i64, sender_email: impl Into<String>, text: impl Into<String>) -> Self {
        PostCommentParams::new(room_id, sender_email, text, Payload::Text)
    }

    /// Sets the idempotency key.
    pub fn unique_temp_id(mut self, id: impl Into<String>) -> Self {
        self.unique_temp_id = Some(id.into());
        self
    }
}

/// Arguments of [`Client::load_comments`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct LoadCommentsParams {
    /// The room.
    pub room_id: i64,
    /// Page, from 1.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub page: Option<u32>,
    /// Comments per page, 1..=100 (server default 20).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
}

impl LoadCommentsParams {
    /// The first page with the server's default size.
    pub fn new(room_id: i64) -> Self {
        LoadCommentsParams {
            room_id,
            page: None,
            limit: None,
        }
    }
}

/// The body of `post_comment`, serialised straight to JSON text. Fields in alphabetical order,
/// as a `serde_json::Value`'s (sorted) map would send them.
#[derive(Serialize)]
struct PostCommentBody<'a> {
    disable_link_preview: bool,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    room_id: String,
    sender_email: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    unique_temp_id: &'a str,
}

impl<'a> PostCommentBody<'a> {
    fn new(params: &'a PostCommentParams, unique_temp_id: &'a str) -> Self {
        PostCommentBody {
            disable_link_preview: params.disable_link_preview,
            message: &params.message,
            // The spec sends the payload as a JSON string.
            payload: params.payload.to_wire().map(|p| p.to_string()),
            room_id: params.room_id.to_string(),
            sender_email: &params.sender_email,
            kind: params.payload.type_name(),
            unique_temp_id,
        }
    }
}

/// A fresh idempotency key for a comment: `rs-` and a random (version 4) UUID.
///
/// The UUID's bytes come from the thread's cryptographically secure generator (`rand`), seeded
/// once, rather than from a `getrandom` system call per key as `Uuid::new_v4` makes them (what
/// uuid's `fast-rng` feature does): 54 ns against 620 ns a key, on the post_comment path.
pub fn new_unique_temp_id() -> String {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    format!("rs-{}", uuid.simple())
}

impl Client {
    /// Posts a comment of any type except `system_event`. `POST post_comment`.
    ///
    /// Always sends a `unique_temp_id` (generated when absent) so that a retry after a lost
    /// answer returns the stored comment instead of posting it twice.
    pub async fn post_comment(&self, params: &PostCommentParams) -> Result<Comment> {
        check_room_id("room_id", params.room_id)?;
        validate::email("sender_email", &params.sender_email)?;
        params.payload.validate_for_post(&params.message)?;
        if let Some(id) = &params.unique_temp_id {
            validate::required("unique_temp_id", id)?;
        }
        let unique_temp_id = params
            .unique_temp_id
            .clone()
            .unwrap_or_else(new_unique_temp_id);
        let body = Body::json(&PostCommentBody::new(params, &unique_temp_id))?;
        let r: CommentResults = self.call(&POST_COMMENT, None, body).await?;
        Ok(r.comment)
    }

    /// A page of a room's comments, newest first. `GET load_comments`.
    pub async fn load_comments(&self, params: &LoadCommentsParams) -> Result<Vec<Comment>> {
        check_room_id("room_id", params.room_id)?;
        validate::page("page", params.page)?;
        validate::limit("limit", params.limit)?;
        let mut q = vec![("room_id", params.room_id.to_string())];
        if let Some(p) = params.page {
            q.push(("page", p.to_string()));
        }
        if let Some(l) = params.limit {
            q.push(("limit", l.to_string()));
        }
        let r: CommentsResults = self.call(&LOAD_COMMENTS, None, Body::Query(q)).await?;
        Ok(r.comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::{CustomPayload, Payload};

    #[test]
    fn unique_temp_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| new_unique_temp_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let hex = id.strip_prefix("rs-").expect(id);
            assert_eq!(hex.len(), 32, "{id}");
            let uuid = uuid::Uuid::parse_str(hex).expect(id);
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random), "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }

    /// What `post_comment` sent before its body was serialised directly: a `Value` map.
    fn via_value(params: &PostCommentParams, unique_temp_id: &str) -> Vec<u8> {
        let mut body = serde_json::Map::new();
        body.insert("sender_email".into(), params.sender_email.clone().into());
        body.insert("room_id".into(), params.room_id.to_string().into());
        body.insert("message".into(), params.message.clone().into());
        body.insert("type".into(), params.payload.type_name().into());
        if let Some(p) = params.payload.to_wire() {
            body.insert("payload".into(), Value::String(p.to_string()));
        }
        body.insert("unique_temp_id".into(), unique_temp_id.into());
        body.insert(
            "disable_link_preview".into(),
            params.disable_link_preview.into(),
        );
        serde_json::to_vec(&Value::Object(body)).unwrap()
    }

    #[test]
    fn post_comment_body_is_the_value_route_text() {
        let custom = Payload::Custom(CustomPayload {
            custom_type: "promo".into(),
            content: serde_json::json!({"z": 1, "a": ["x", {"k": null}], "q": "\"quoted\""}),
        });
        let mut with_preview_off = PostCommentParams::text(42, "a@example.com", "hi\nthere ☃");
        with_preview_off.disable_link_preview = true;
        for p in [
            PostCommentParams::text(1, "a@example.com", "hello"),
            with_preview_off,
            PostCommentParams::new(7, "b@example.com", "see this", custom),
        ] {
            let direct = PostCommentBody::new(&p, "rs-key");
            assert_eq!(
                String::from_utf8(serde_json::to_vec(&direct).unwrap()).unwrap(),
                String::from_utf8(via_value(&p, "rs-key")).unwrap()
            );
        }
    }
}
