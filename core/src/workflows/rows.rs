//! Typed rows of the spec's import and export format.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::backups::BackupResource;
use crate::de;
use crate::JsonValue;

/// A user row: `{Email, Name, AvatarUrl, AuthenticationToken, Password, CreateAt}`.
///
/// Unknown keys are ignored; `null` and absent strings read as `""` (which the server fills in:
/// a random token and password, the default avatar, the e-mail's local part as name, now).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UserRow {
    /// E-mail address: unique, and not already in the app.
    #[serde(rename = "Email", default, deserialize_with = "de::string_or_empty")]
    pub email: String,
    /// Display name.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "Name", default, deserialize_with = "de::string_or_empty")]
    pub name: String,
    /// Avatar URL (https recommended).
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "AvatarUrl",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub avatar_url: String,
    /// The user's SDK token: unique when given.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "AuthenticationToken",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub authentication_token: String,
    /// Plain password; the server stores it encrypted.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "Password", default, deserialize_with = "de::string_or_empty")]
    pub password: String,
    /// Creation time, RFC 3339 (the wire spells the key `CreateAt`).
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "CreateAt", default, deserialize_with = "de::string_or_empty")]
    pub created_at: String,
}

impl UserRow {
    /// A row with an e-mail and a name; the rest left to the server.
    pub fn new(email: impl Into<String>, name: impl Into<String>) -> Self {
        UserRow {
            email: email.into(),
            name: name.into(),
            ..UserRow::default()
        }
    }
}

/// A room row: `{Name, Type, Options, CreatorEmail, CreatedAt, AvatarUrl, UniqueId,
/// ParticipantEmails}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomRow {
    /// Group name (a single room's name is made by the server from its two participants).
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "Name", default, deserialize_with = "de::string_or_empty")]
    pub name: String,
    /// `single` or `group`.
    #[serde(rename = "Type", default, deserialize_with = "de::string_or_empty")]
    pub room_type: String,
    /// Room options as a string (JSON text or ""); a JSON object is read as its text.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "Options", default, deserialize_with = "text_of_any")]
    pub options: String,
    /// Creator's e-mail: a participant, and an existing (or imported) user.
    #[serde(
        rename = "CreatorEmail",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub creator_email: String,
    /// Creation time, RFC 3339.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "CreatedAt",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub created_at: String,
    /// Avatar URL.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "AvatarUrl",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub avatar_url: String,
    /// The room's id in the import format: unique in the app; comments refer to it.
    #[serde(rename = "UniqueId", default, deserialize_with = "de::string_or_empty")]
    pub unique_id: String,
    /// Participants' e-mails (a single room: exactly two, the creator among them).
    #[serde(
        rename = "ParticipantEmails",
        default,
        deserialize_with = "de::vec_or_empty"
    )]
    pub participant_emails: Vec<String>,
}

impl RoomRow {
    /// A group room row.
    pub fn group(
        unique_id: impl Into<String>,
        name: impl Into<String>,
        creator_email: impl Into<String>,
        participant_emails: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        RoomRow {
            name: name.into(),
            room_type: "group".into(),
            creator_email: creator_email.into(),
            unique_id: unique_id.into(),
            participant_emails: participant_emails.into_iter().map(Into::into).collect(),
            ..RoomRow::default()
        }
    }

    /// A single (one-to-one) room row between the creator and one other user.
    pub fn single(
        unique_id: impl Into<String>,
        creator_email: impl Into<String>,
        other_email: impl Into<String>,
    ) -> Self {
        let creator = creator_email.into();
        RoomRow {
            room_type: "single".into(),
            creator_email: creator.clone(),
            unique_id: unique_id.into(),
            participant_emails: vec![creator, other_email.into()],
            ..RoomRow::default()
        }
    }
}

/// A comment row: `{Message, DisableLinkPreview, Type, UniqueId, CreatorEmail, RoomUniqueId,
/// CreatedAt, Payload, ParentCommentUniqueId}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommentRow {
    /// Text.
    #[serde(rename = "Message", default, deserialize_with = "de::string_or_empty")]
    pub message: String,
    /// Turns link previews off.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    #[serde(
        rename = "DisableLinkPreview",
        default,
        deserialize_with = "de::bool_or_false"
    )]
    pub disable_link_preview: bool,
    /// Comment type (`text` when empty); the spec advises `text` and `reply` only.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(rename = "Type", default, deserialize_with = "de::string_or_empty")]
    pub comment_type: String,
    /// The comment's id in the import format (its `unique_temp_id`): unique in the app.
    #[serde(rename = "UniqueId", default, deserialize_with = "de::string_or_empty")]
    pub unique_id: String,
    /// Sender's e-mail.
    #[serde(
        rename = "CreatorEmail",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub creator_email: String,
    /// The room's `UniqueId`.
    #[serde(
        rename = "RoomUniqueId",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub room_unique_id: String,
    /// Creation time, RFC 3339.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "CreatedAt",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub created_at: String,
    /// The type's payload (a JSON string holding an object is read as the object).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[serde(rename = "Payload", default, deserialize_with = "de::embedded_json")]
    pub payload: Option<JsonValue>,
    /// For a `reply`: the `UniqueId` of the comment replied to ("" otherwise).
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    #[serde(
        rename = "ParentCommentUniqueId",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub parent_comment_unique_id: String,
}

impl CommentRow {
    /// A text comment row.
    pub fn text(
        unique_id: impl Into<String>,
        room_unique_id: impl Into<String>,
        creator_email: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        CommentRow {
            message: message.into(),
            comment_type: "text".into(),
            unique_id: unique_id.into(),
            creator_email: creator_email.into(),
            room_unique_id: room_unique_id.into(),
            ..CommentRow::default()
        }
    }

    /// A reply row to the comment whose `UniqueId` is `parent_unique_id`, with the payload the
    /// spec asks for (`{"text": message, "replied_comment_id": 1}`; the server resolves the id).
    pub fn reply(
        unique_id: impl Into<String>,
        room_unique_id: impl Into<String>,
        creator_email: impl Into<String>,
        message: impl Into<String>,
        parent_unique_id: impl Into<String>,
    ) -> Self {
        let message = message.into();
        CommentRow {
            payload: Some(serde_json::json!({"text": message, "replied_comment_id": 1})),
            message,
            comment_type: "reply".into(),
            unique_id: unique_id.into(),
            creator_email: creator_email.into(),
            room_unique_id: room_unique_id.into(),
            parent_comment_unique_id: parent_unique_id.into(),
            ..CommentRow::default()
        }
    }

    /// The type, `text` when empty.
    pub fn effective_type(&self) -> &str {
        if self.comment_type.trim().is_empty() {
            "text"
        } else {
            &self.comment_type
        }
    }
}

/// Any JSON read as text: strings as they are, `null` as "", anything else as its JSON text.
fn text_of_any<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    })
}

/// The rows of one export: its resource's typed rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum BackupRows {
    /// An export of users.
    Users {
        /// The rows.
        rows: Vec<UserRow>,
    },
    /// An export of rooms.
    Rooms {
        /// The rows.
        rows: Vec<RoomRow>,
    },
    /// An export of comments.
    Comments {
        /// The rows.
        rows: Vec<CommentRow>,
    },
}

impl BackupRows {
    /// Which resource the rows are.
    pub fn resource(&self) -> BackupResource {
        match self {
            BackupRows::Users { .. } => BackupResource::Users,
            BackupRows::Rooms { .. } => BackupResource::Rooms,
            BackupRows::Comments { .. } => BackupResource::Comments,
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            BackupRows::Users { rows } => rows.len(),
            BackupRows::Rooms { rows } => rows.len(),
            BackupRows::Comments { rows } => rows.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parses a file of rows (a JSON array in the import format) of `resource`.
    pub fn from_json(resource: BackupResource, bytes: &[u8]) -> crate::Result<BackupRows> {
        let bad = |e: serde_json::Error| crate::Error::Decode {
            call: format!("{} rows", resource.as_str()),
            reason: e.to_string(),
            body_excerpt: crate::error::excerpt(bytes, 200),
        };
        Ok(match resource {
            BackupResource::Users => BackupRows::Users {
                rows: serde_json::from_slice(bytes).map_err(bad)?,
            },
            BackupResource::Rooms => BackupRows::Rooms {
                rows: serde_json::from_slice(bytes).map_err(bad)?,
            },
            BackupResource::Comments => BackupRows::Comments {
                rows: serde_json::from_slice(bytes).map_err(bad)?,
            },
        })
    }

    /// The rows as the JSON array of the import format.
    pub fn to_json(&self) -> Value {
        // Serialising these plain records cannot fail.
        match self {
            BackupRows::Users { rows } => serde_json::to_value(rows),
            BackupRows::Rooms { rows } => serde_json::to_value(rows),
            BackupRows::Comments { rows } => serde_json::to_value(rows),
        }
        .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_decode_tolerantly() {
        let users: Vec<UserRow> = serde_json::from_str(
            r#"[{"Email":"a@b.co","Name":"Nama","AvatarUrl":null,"AuthenticationToken":"t",
                 "Password":"p","CreateAt":"2017-05-10T11:46:30Z","Extra":1}]"#,
        )
        .unwrap();
        assert_eq!(users[0].email, "a@b.co");
        assert_eq!(users[0].avatar_url, "");
        assert_eq!(users[0].created_at, "2017-05-10T11:46:30Z");

        let rooms: Vec<RoomRow> = serde_json::from_str(
            r#"[{"Name":"G","Type":"group","Options":{"color":"red"},"CreatorEmail":"a@b.co",
                 "CreatedAt":"2017-05-11T06:35:27Z","AvatarUrl":"","UniqueId":"r1",
                 "ParticipantEmails":null}]"#,
        )
        .unwrap();
        assert_eq!(rooms[0].options, r#"{"color":"red"}"#);
        assert!(rooms[0].participant_emails.is_empty());

        let comments: Vec<CommentRow> = serde_json::from_str(
            r#"[{"Message":"Maaf","DisableLinkPreview":null,"Type":"reply","UniqueId":"c2",
                 "CreatorEmail":"a@b.co","RoomUniqueId":"r1","CreatedAt":"2017-05-11T19:14:24Z",
                 "Payload":"{\"text\":\"Maaf\",\"replied_comment_id\":1}",
                 "ParentCommentUniqueId":"c1"}]"#,
        )
        .unwrap();
        assert_eq!(
            comments[0].payload.as_ref().unwrap()["replied_comment_id"],
            1
        );
        assert!(!comments[0].disable_link_preview);
    }

    #[test]
    fn rows_serialise_with_the_wire_keys() {
        let v = serde_json::to_value(CommentRow::reply("c2", "r1", "a@b.co", "hi", "c1")).unwrap();
        for k in [
            "Message",
            "DisableLinkPreview",
            "Type",
            "UniqueId",
            "CreatorEmail",
            "RoomUniqueId",
            "CreatedAt",
            "Payload",
            "ParentCommentUniqueId",
        ] {
            assert!(v.get(k).is_some(), "{k} missing in {v}");
        }
        let v = serde_json::to_value(UserRow::new("a@b.co", "A")).unwrap();
        assert!(v.get("CreateAt").is_some());
    }
}
