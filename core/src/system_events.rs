//! System event messages: "Ucup added Ani", "Ucup joined room", custom events.

use serde_json::{Map, Value};

use crate::client::{Body, Client};
use crate::comments::{Comment, CommentResults};
use crate::endpoints::POST_SYSTEM_EVENT_MESSAGE;
use crate::error::{Error, Result};
use crate::rooms::check_room_id;
use crate::validate;
use crate::JsonValue;

/// Which system event to post, with the data each one needs.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SystemEvent {
    /// "Ucup created room 'Qiscus'".
    CreateRoom {
        /// The new room's name (wire `updated_room_name`).
        room_name: String,
    },
    /// "Ucup added Ani".
    AddMember {
        /// Who was added (wire `object_email[]`).
        object_emails: Vec<String>,
    },
    /// "Ucup joined room".
    JoinRoom,
    /// "Ucup removed Ani".
    RemoveMember {
        /// Who was removed (wire `object_email[]`).
        object_emails: Vec<String>,
    },
    /// "Ucup left room".
    LeftRoom,
    /// "Ucup changed room name to 'X'".
    ChangeRoomName {
        /// The new name (wire `updated_room_name`).
        room_name: String,
    },
    /// "Ucup changed room avatar".
    ChangeRoomAvatar,
    /// A custom event, posted by the System user; the payload comes back as given.
    Custom {
        /// A JSON object with a string `type`, e.g. `{"type": "add_admin", ...}`.
        payload: JsonValue,
        /// Optional message text.
        message: Option<String>,
    },
}

impl SystemEvent {
    /// The wire `system_event_type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            SystemEvent::CreateRoom { .. } => "create_room",
            SystemEvent::AddMember { .. } => "add_member",
            SystemEvent::JoinRoom => "join_room",
            SystemEvent::RemoveMember { .. } => "remove_member",
            SystemEvent::LeftRoom => "left_room",
            SystemEvent::ChangeRoomName { .. } => "change_room_name",
            SystemEvent::ChangeRoomAvatar => "change_room_avatar",
            SystemEvent::Custom { .. } => "custom",
        }
    }
}

/// Arguments of [`Client::post_system_event_message`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SystemEventParams {
    /// Room to post in.
    pub room_id: i64,
    /// Who did it (wire `subject_email`).
    pub subject_email: String,
    /// What happened.
    pub event: SystemEvent,
}

impl SystemEventParams {
    fn to_body(&self) -> Result<Value> {
        check_room_id("room_id", self.room_id)?;
        validate::email("subject_email", &self.subject_email)?;
        let mut body = Map::new();
        body.insert("system_event_type".into(), self.event.type_name().into());
        body.insert("room_id".into(), self.room_id.to_string().into());
        body.insert("subject_email".into(), self.subject_email.clone().into());
        match &self.event {
            SystemEvent::CreateRoom { room_name } | SystemEvent::ChangeRoomName { room_name } => {
                validate::required("updated_room_name", room_name)?;
                body.insert("updated_room_name".into(), room_name.clone().into());
            }
            SystemEvent::AddMember { object_emails }
            | SystemEvent::RemoveMember { object_emails } => {
                validate::emails("object_email", object_emails)?;
                body.insert("object_email".into(), object_emails.clone().into());
            }
            SystemEvent::Custom { payload, message } => {
                let ok = payload
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| !t.trim().is_empty());
                if !payload.is_object() {
                    return Err(Error::invalid("payload", "must be a JSON object"));
                }
                if !ok {
                    return Err(Error::invalid("payload.type", "must be a non-empty string"));
                }
                body.insert("payload".into(), Value::String(payload.to_string()));
                if let Some(m) = message {
                    body.insert("message".into(), m.clone().into());
                }
            }
            SystemEvent::JoinRoom | SystemEvent::LeftRoom | SystemEvent::ChangeRoomAvatar => {}
        }
        Ok(Value::Object(body))
    }
}

impl Client {
    /// Posts a system event message and returns the stored comment.
    /// `POST post_system_event_message`.
    pub async fn post_system_event_message(&self, params: &SystemEventParams) -> Result<Comment> {
        let body = params.to_body()?;
        let r: CommentResults = self
            .call(&POST_SYSTEM_EVENT_MESSAGE, None, Body::json(&body)?)
            .await?;
        Ok(r.comment)
    }
}
