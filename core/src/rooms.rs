//! Rooms: create, update, one-to-one rooms, room info and participants.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::client::{to_json, Body, Client};
use crate::comments::Comment;
use crate::de;
use crate::endpoints::{
    ADD_ROOM_PARTICIPANTS, CREATE_ROOM, GET_OR_CREATE_ROOM_WITH_TARGET, GET_ROOMS_INFO,
    REMOVE_ROOM_PARTICIPANTS, UPDATE_ROOM,
};
use crate::error::{Error, Result};
use crate::timestamp::Timestamp;
use crate::validate;
use crate::JsonValue;

/// A participant of a room. The server sends either a bare e-mail or an object; both decode
/// here, with the object's fields `None` for a bare e-mail.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Participant {
    /// E-mail address.
    pub email: String,
    /// Numeric user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Avatar URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Id of the last comment this participant has read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_comment_read_id: Option<i64>,
    /// Id of the last comment delivered to this participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_comment_received_id: Option<i64>,
}

impl Participant {
    /// A participant known only by e-mail.
    pub fn from_email(email: impl Into<String>) -> Self {
        Participant {
            email: email.into(),
            id: None,
            username: None,
            avatar_url: None,
            last_comment_read_id: None,
            last_comment_received_id: None,
        }
    }
}

#[derive(Deserialize)]
struct ParticipantObject {
    #[serde(default, deserialize_with = "de::string_or_empty")]
    email: String,
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    avatar_url: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    last_comment_read_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    last_comment_received_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ParticipantRepr {
    Email(String),
    Object(ParticipantObject),
}

impl<'de> Deserialize<'de> for Participant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(match ParticipantRepr::deserialize(d)? {
            ParticipantRepr::Email(e) => Participant::from_email(e),
            ParticipantRepr::Object(o) => Participant {
                email: o.email,
                id: o.id,
                username: o.username,
                avatar_url: o.avatar_url,
                last_comment_read_id: o.last_comment_read_id,
                last_comment_received_id: o.last_comment_received_id,
            },
        })
    }
}

/// What `create_room`, `add_room_participants` and `remove_room_participants` return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomSummary {
    /// Room id.
    #[serde(deserialize_with = "de::id")]
    pub room_id: i64,
    /// Room name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub room_name: String,
    /// `group` or `single`, as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub room_type: String,
    /// E-mail of the creator.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub creator: Option<String>,
    /// The (updated) participants.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub participants: Vec<Participant>,
}

/// A room as `update_room` and `get_or_create_room_with_target` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Room {
    /// Room id.
    #[serde(deserialize_with = "de::id")]
    pub id: i64,
    /// Room name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub room_name: String,
    /// `single` or `group`, as sent (`chat_type`).
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub chat_type: String,
    /// Room avatar URL.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub avatar_url: Option<String>,
    /// Room options: the JSON the caller stored (sent as a string; `None` when null or empty).
    #[serde(default, deserialize_with = "de::embedded_json")]
    pub options: Option<JsonValue>,
    /// Id of the last comment (0 when none).
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub last_comment_id: i64,
    /// Text of the last comment.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub last_comment_message: String,
    /// Id of the room's last topic.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub last_topic_id: i64,
    /// Participants.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub participants: Vec<Participant>,
}

/// What `get_or_create_room_with_target` returns: the room and its latest comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomWithComments {
    /// The room.
    pub room: Room,
    /// Its latest comments, newest first.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub comments: Vec<Comment>,
}

/// What `update_room` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UpdatedRoom {
    /// Whether anything changed.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub changed: bool,
    /// The room after the update.
    pub room: Room,
    /// Its latest comments, newest first.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub comments: Vec<Comment>,
}

/// One room of `get_user_rooms` or `get_rooms_info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomInfo {
    /// Room id.
    #[serde(deserialize_with = "de::id")]
    pub room_id: i64,
    /// Room name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub room_name: String,
    /// `single` or `group`, as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub room_type: String,
    /// Room avatar URL.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub room_avatar_url: Option<String>,
    /// Id of the last comment (0 when none).
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub last_comment_id: i64,
    /// Text of the last comment.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub last_comment_message: String,
    /// Time of the last comment (`0001-01-01T00:00:00Z` when none).
    #[serde(default)]
    pub last_comment_timestamp: Option<Timestamp>,
    /// Comments the user has not read.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub unread_count: i64,
    /// Participants, when asked for with `show_participants`.
    #[serde(default)]
    pub participants: Option<Vec<Participant>>,
}

#[derive(Deserialize)]
pub(crate) struct RoomsInfoResults {
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub(crate) rooms_info: Vec<RoomInfo>,
}

/// Arguments of [`Client::create_room`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CreateRoomParams {
    /// Group name.
    pub name: String,
    /// Participants' e-mails (the creator is added by the server when missing).
    #[serde(default)]
    pub participants: Vec<String>,
    /// Creator's e-mail.
    pub creator: String,
    /// Avatar URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub avatar_url: Option<String>,
}

impl CreateRoomParams {
    /// A group with a name, a creator and participants.
    pub fn new(
        name: impl Into<String>,
        creator: impl Into<String>,
        participants: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        CreateRoomParams {
            name: name.into(),
            creator: creator.into(),
            participants: participants.into_iter().map(Into::into).collect(),
            avatar_url: None,
        }
    }
}

/// Arguments of [`Client::update_room`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct UpdateRoomParams {
    /// A participant of the room.
    pub user_email: String,
    /// A group room's id.
    pub room_id: i64,
    /// New name.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub room_name: Option<String>,
    /// New avatar URL.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub room_avatar_url: Option<String>,
    /// New options: any JSON, sent as a JSON string.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub options: Option<JsonValue>,
}

impl UpdateRoomParams {
    /// An update that changes nothing yet.
    pub fn new(user_email: impl Into<String>, room_id: i64) -> Self {
        UpdateRoomParams {
            user_email: user_email.into(),
            room_id,
            room_name: None,
            room_avatar_url: None,
            options: None,
        }
    }
}

/// Arguments of [`Client::get_rooms_info`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct GetRoomsInfoParams {
    /// The user asking (unread counts are theirs).
    pub user_email: String,
    /// Room ids.
    #[serde(default)]
    pub room_ids: Vec<i64>,
    /// Include participants.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    #[serde(default)]
    pub show_participants: bool,
}

pub(crate) fn check_room_id(field: &str, id: i64) -> Result<()> {
    if id <= 0 {
        return Err(Error::invalid(
            field,
            format!("must be a positive room id, got {id}"),
        ));
    }
    Ok(())
}

impl Client {
    /// Creates a group room. `POST create_room`.
    pub async fn create_room(&self, params: &CreateRoomParams) -> Result<RoomSummary> {
        validate::required("name", &params.name)?;
        validate::email("creator", &params.creator)?;
        validate::emails("participants", &params.participants)?;
        if let Some(a) = &params.avatar_url {
            validate::required("avatar_url", a)?;
        }
        let body = to_json(params)?;
        self.call(&CREATE_ROOM, None, Body::json(&body)?).await
    }

    /// Renames a group room or changes its avatar or options. `POST update_room`.
    pub async fn update_room(&self, params: &UpdateRoomParams) -> Result<UpdatedRoom> {
        validate::email("user_email", &params.user_email)?;
        check_room_id("room_id", params.room_id)?;
        let mut body = serde_json::Map::new();
        body.insert("user_email".into(), params.user_email.clone().into());
        body.insert("room_id".into(), params.room_id.to_string().into());
        if let Some(n) = &params.room_name {
            validate::required("room_name", n)?;
            body.insert("room_name".into(), n.clone().into());
        }
        if let Some(a) = &params.room_avatar_url {
            body.insert("room_avatar_url".into(), a.clone().into());
        }
        if let Some(o) = &params.options {
            body.insert("options".into(), Value::String(o.to_string()));
        }
        self.call(&UPDATE_ROOM, None, Body::json(&Value::Object(body))?)
            .await
    }

    /// The single room of two users, created on first use. `GET get_or_create_room_with_target`.
    pub async fn get_or_create_room_with_target(
        &self,
        emails: &[String],
    ) -> Result<RoomWithComments> {
        if emails.len() != 2 {
            return Err(Error::invalid(
                "emails",
                format!(
                    "must hold exactly two e-mail addresses, got {}",
                    emails.len()
                ),
            ));
        }
        validate::emails("emails", emails)?;
        if emails[0].eq_ignore_ascii_case(&emails[1]) {
            return Err(Error::invalid("emails", "the two addresses must differ"));
        }
        let q = emails.iter().map(|e| ("emails[]", e.clone())).collect();
        self.call(&GET_OR_CREATE_ROOM_WITH_TARGET, None, Body::Query(q))
            .await
    }

    /// Last comment, unread count and optionally participants of rooms. `POST get_rooms_info`.
    pub async fn get_rooms_info(&self, params: &GetRoomsInfoParams) -> Result<Vec<RoomInfo>> {
        validate::email("user_email", &params.user_email)?;
        if params.room_ids.is_empty() {
            return Err(Error::invalid("room_id", "must name at least one room"));
        }
        params
            .room_ids
            .iter()
            .try_for_each(|id| check_room_id("room_id", *id))?;
        let body = serde_json::json!({
            "user_email": params.user_email,
            "room_id": params.room_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
            "show_participants": params.show_participants,
        });
        let r: RoomsInfoResults = self.call(&GET_ROOMS_INFO, None, Body::json(&body)?).await?;
        Ok(r.rooms_info)
    }

    /// Adds users to a group room and returns the updated room. `POST add_room_participants`.
    pub async fn add_room_participants(
        &self,
        room_id: i64,
        emails: &[String],
    ) -> Result<RoomSummary> {
        check_room_id("room_id", room_id)?;
        validate::emails("emails", emails)?;
        let body = serde_json::json!({ "room_id": room_id.to_string(), "emails": emails });
        self.call(&ADD_ROOM_PARTICIPANTS, None, Body::json(&body)?)
            .await
    }

    /// Removes users from a group room and returns the updated room.
    /// `POST remove_room_participants`.
    pub async fn remove_room_participants(
        &self,
        room_id: i64,
        emails: &[String],
    ) -> Result<RoomSummary> {
        check_room_id("room_id", room_id)?;
        validate::emails("emails", emails)?;
        let body = serde_json::json!({ "room_id": room_id.to_string(), "emails": emails });
        self.call(&REMOVE_ROOM_PARTICIPANTS, None, Body::json(&body)?)
            .await
    }
}
