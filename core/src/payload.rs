//! Comment payloads: one enum, a variant per comment type (the spec's "payload definitions").
//!
//! On the wire a comment carries `type` and `payload` side by side; [`Payload`] holds both. A type
//! this crate does not know, or a known type whose payload does not have the documented shape, is
//! kept whole as [`Payload::Unknown`] and sent back unchanged, so a new server-side type never
//! makes a response fail to decode.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::de;
use crate::error::{Error, Result};
use crate::JsonValue;

/// The typed payload of a comment, one variant per comment type.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Payload {
    /// `text`: the comment's `message` is the content; no payload.
    Text,
    /// `reply`: a reply to another comment.
    Reply(ReplyPayload),
    /// `account_linking`: a login link.
    AccountLinking(AccountLinkingPayload),
    /// `buttons`: text with buttons.
    Buttons(ButtonsPayload),
    /// `card`: a product card.
    Card(CardPayload),
    /// `carousel`: several cards.
    Carousel(CarouselPayload),
    /// `custom`: a sub type of the caller's and any JSON content.
    Custom(CustomPayload),
    /// `location`: a place; the server writes the message as name + address + map URL.
    Location(LocationPayload),
    /// `contact_person`: a contact; the server writes the message as `name - value`.
    ContactPerson(ContactPersonPayload),
    /// `file_attachment`: a file; the message reads `[file] URL [/file]`.
    FileAttachment(FileAttachmentPayload),
    /// `button_postback_response`: the answer to a postback button.
    ButtonPostbackResponse(ButtonPostbackResponsePayload),
    /// `system_event`: posted only through `post_system_event_message`.
    SystemEvent(SystemEventPayload),
    /// Any other type, or a known type whose payload did not decode: kept whole.
    Unknown {
        /// The `type` as sent.
        type_name: String,
        /// The `payload` as sent (`None` when null or absent).
        payload: Option<JsonValue>,
    },
}

/// Payload of a `reply` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReplyPayload {
    /// Text of the reply (the same as the comment's message).
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub text: String,
    /// Id of the comment replied to.
    #[serde(deserialize_with = "de::id")]
    pub replied_comment_id: i64,
    /// Text of the comment replied to, when the server includes it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub replied_comment_message: Option<String>,
    /// Sender of the comment replied to, when the server includes it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub replied_comment_sender_email: Option<String>,
}

/// Payload of an `account_linking` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AccountLinkingPayload {
    /// Text shown.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub text: String,
    /// Login URL.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub url: String,
    /// Where the login page redirects afterwards.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub redirect_url: String,
    /// Free-form parameters (`user_id`, `topic_id`, `button_text`, `view_title`,
    /// `success_message`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<JsonValue>,
}

/// A button of a `buttons`, `card` or `carousel` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Button {
    /// Label shown.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub label: String,
    /// `postback` or `link`.
    #[serde(rename = "type", default, deserialize_with = "de::string_or_empty")]
    pub button_type: String,
    /// What pressing it does.
    #[serde(default)]
    pub payload: ButtonAction,
}

/// The action of a [`Button`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ButtonAction {
    /// URL called or opened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub url: Option<String>,
    /// HTTP method of a postback (`get`, `post`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub method: Option<String>,
    /// Data sent with a postback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<JsonValue>,
}

impl Button {
    /// A `link` button that opens a URL.
    pub fn link(label: impl Into<String>, url: impl Into<String>) -> Self {
        Button {
            label: label.into(),
            button_type: "link".into(),
            payload: ButtonAction {
                url: Some(url.into()),
                method: None,
                payload: None,
            },
        }
    }

    /// A `postback` button that calls a URL with a method.
    pub fn postback(label: impl Into<String>, url: impl Into<String>, method: &str) -> Self {
        Button {
            label: label.into(),
            button_type: "postback".into(),
            payload: ButtonAction {
                url: Some(url.into()),
                method: Some(method.into()),
                payload: None,
            },
        }
    }
}

/// Payload of a `buttons` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ButtonsPayload {
    /// Text above the buttons.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub text: String,
    /// The buttons.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub buttons: Vec<Button>,
}

/// Payload of a `card` comment. The image goes out as `image_url` and comes back as `image`
/// (as the spec shows); both decode into `image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardPayload {
    /// Text above the card.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub text: String,
    /// Image URL (`image_url` in requests, `image` in responses).
    #[serde(
        rename(serialize = "image_url", deserialize = "image"),
        alias = "image_url",
        default,
        deserialize_with = "de::string_or_empty"
    )]
    pub image: String,
    /// Title.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub title: String,
    /// Description.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub description: String,
    /// URL the card opens.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub url: String,
    /// Buttons under the card.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub buttons: Vec<Button>,
}

/// One card of a `carousel` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CarouselCard {
    /// Image URL.
    #[serde(default, alias = "image_url", deserialize_with = "de::string_or_empty")]
    pub image: String,
    /// Title.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub title: String,
    /// Description.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub description: String,
    /// What tapping the card does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<JsonValue>,
    /// Buttons under the card.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub buttons: Vec<Button>,
}

/// Payload of a `carousel` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CarouselPayload {
    /// The cards.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub cards: Vec<CarouselCard>,
}

/// Payload of a `custom` comment: returned exactly as posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CustomPayload {
    /// The caller's sub type, e.g. `promo` (wire `type`).
    #[serde(rename = "type", default, deserialize_with = "de::string_or_empty")]
    pub custom_type: String,
    /// Any JSON: object, array, string, number.
    #[serde(default)]
    pub content: JsonValue,
}

/// Payload of a `location` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LocationPayload {
    /// Place name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub name: String,
    /// Address.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub address: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Map link.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub map_url: String,
}

/// Payload of a `contact_person` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ContactPersonPayload {
    /// Contact name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub name: String,
    /// Phone number or e-mail.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub value: String,
    /// `phone` (the default), `email`, or empty (wire `type`).
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub contact_type: Option<String>,
}

/// Payload of a `file_attachment` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FileAttachmentPayload {
    /// File URL.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub url: String,
    /// Caption.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub caption: Option<String>,
    /// File name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub file_name: Option<String>,
    /// Size in bytes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    pub size: Option<i64>,
    /// Page count (documents).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    pub pages: Option<i64>,
}

/// Payload of a `button_postback_response` comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ButtonPostbackResponsePayload {
    /// URL of the postback.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub url: Option<String>,
    /// Method of the postback.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub method: Option<String>,
    /// Data of the postback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<JsonValue>,
}

/// Payload of a `system_event` comment. The documented keys are typed; anything else (a custom
/// event's own keys) is kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SystemEventPayload {
    /// `create_room`, `add_member`, `join_room`, `remove_member`, `left_room`,
    /// `change_room_name`, `change_room_avatar`, or a custom event's own type (wire `type`).
    #[serde(rename = "type", default, deserialize_with = "de::string_or_empty")]
    pub event_type: String,
    /// Who did it: display name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub subject_username: Option<String>,
    /// Who did it: e-mail.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub subject_email: Option<String>,
    /// To whom (add/remove member): display name(s).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub object_username: Option<String>,
    /// To whom (add/remove member): e-mail(s).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub object_email: Option<String>,
    /// Room name (create, join, leave, rename).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    pub room_name: Option<String>,
    /// Every other key of the payload, as a JSON object (`None` when there are none).
    #[serde(default, skip)]
    pub extra: Option<JsonValue>,
}

const SYSTEM_EVENT_KEYS: &[&str] = &[
    "type",
    "subject_username",
    "subject_email",
    "object_username",
    "object_email",
    "room_name",
];

impl SystemEventPayload {
    fn from_value(v: Value) -> std::result::Result<Self, serde_json::Error> {
        let mut p: SystemEventPayload = serde_json::from_value(v.clone())?;
        if let Value::Object(map) = v {
            let rest: Map<String, Value> = map
                .into_iter()
                .filter(|(k, _)| !SYSTEM_EVENT_KEYS.contains(&k.as_str()))
                .collect();
            if !rest.is_empty() {
                p.extra = Some(Value::Object(rest));
            }
        }
        Ok(p)
    }

    fn to_value(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let (Value::Object(map), Some(Value::Object(extra))) = (&mut v, &self.extra) {
            for (k, x) in extra {
                map.entry(k.clone()).or_insert_with(|| x.clone());
            }
        }
        v
    }
}

impl Payload {
    /// The wire `type` of this payload.
    pub fn type_name(&self) -> &str {
        match self {
            Payload::Text => "text",
            Payload::Reply(_) => "reply",
            Payload::AccountLinking(_) => "account_linking",
            Payload::Buttons(_) => "buttons",
            Payload::Card(_) => "card",
            Payload::Carousel(_) => "carousel",
            Payload::Custom(_) => "custom",
            Payload::Location(_) => "location",
            Payload::ContactPerson(_) => "contact_person",
            Payload::FileAttachment(_) => "file_attachment",
            Payload::ButtonPostbackResponse(_) => "button_postback_response",
            Payload::SystemEvent(_) => "system_event",
            Payload::Unknown { type_name, .. } => type_name,
        }
    }

    /// Builds the payload of a comment from its wire `type` and `payload`. Never fails: an
    /// unknown type, or a payload that does not have its type's shape, becomes
    /// [`Payload::Unknown`] holding both as sent.
    pub fn from_wire(type_name: Option<&str>, payload: Option<Value>) -> Payload {
        let payload = de::normalize_embedded(payload);
        let type_name = type_name.unwrap_or("text");
        let obj = || payload.clone().unwrap_or_else(|| Value::Object(Map::new()));
        // Only an object can be a known type's payload: serde would read an array into a
        // struct field by field, which is not the documented shape.
        fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
            if v.is_object() {
                serde_json::from_value(v).ok()
            } else {
                None
            }
        }
        let known = match type_name {
            "text" | "" => Some(Payload::Text),
            "reply" => typed(obj()).map(Payload::Reply),
            "account_linking" => typed(obj()).map(Payload::AccountLinking),
            "buttons" => typed(obj()).map(Payload::Buttons),
            "card" => typed(obj()).map(Payload::Card),
            "carousel" => typed(obj()).map(Payload::Carousel),
            "custom" => typed(obj()).map(Payload::Custom),
            "location" => typed(obj()).map(Payload::Location),
            "contact_person" => typed(obj()).map(Payload::ContactPerson),
            "file_attachment" => typed(obj()).map(Payload::FileAttachment),
            "button_postback_response" => typed(obj()).map(Payload::ButtonPostbackResponse),
            "system_event" => Some(obj())
                .filter(Value::is_object)
                .and_then(|v| SystemEventPayload::from_value(v).ok())
                .map(Payload::SystemEvent),
            _ => None,
        };
        known.unwrap_or_else(|| Payload::Unknown {
            type_name: type_name.to_owned(),
            payload,
        })
    }

    /// The wire `payload` of this comment type (`None` for `text`; an unknown type's payload as
    /// it came).
    pub fn to_wire(&self) -> Option<Value> {
        fn v<T: Serialize>(t: &T) -> Option<Value> {
            serde_json::to_value(t).ok()
        }
        match self {
            Payload::Text => None,
            Payload::Reply(p) => v(p),
            Payload::AccountLinking(p) => v(p),
            Payload::Buttons(p) => v(p),
            Payload::Card(p) => v(p),
            Payload::Carousel(p) => v(p),
            Payload::Custom(p) => v(p),
            Payload::Location(p) => v(p),
            Payload::ContactPerson(p) => v(p),
            Payload::FileAttachment(p) => v(p),
            Payload::ButtonPostbackResponse(p) => v(p),
            Payload::SystemEvent(p) => Some(p.to_value()),
            Payload::Unknown { payload, .. } => payload.clone(),
        }
    }

    /// Checks a payload about to be posted with `post_comment`, naming the field at fault.
    pub(crate) fn validate_for_post(&self, message: &str) -> Result<()> {
        let need = |field: &str, value: &str| -> Result<()> {
            if value.trim().is_empty() {
                Err(Error::invalid(field, "must not be empty"))
            } else {
                Ok(())
            }
        };
        let buttons_ok = |field: &str, buttons: &[Button]| -> Result<()> {
            for (i, b) in buttons.iter().enumerate() {
                need(&format!("{field}[{i}].label"), &b.label)?;
                if b.button_type != "postback" && b.button_type != "link" {
                    return Err(Error::invalid(
                        format!("{field}[{i}].type"),
                        format!("must be \"postback\" or \"link\", got {:?}", b.button_type),
                    ));
                }
                need(
                    &format!("{field}[{i}].payload.url"),
                    b.payload.url.as_deref().unwrap_or(""),
                )?;
            }
            Ok(())
        };
        match self {
            Payload::Text => need("message", message),
            Payload::Reply(p) => {
                need("message", message)?;
                if p.replied_comment_id <= 0 {
                    return Err(Error::invalid(
                        "payload.replied_comment_id",
                        "must be the id of an existing comment",
                    ));
                }
                Ok(())
            }
            Payload::AccountLinking(p) => {
                need("payload.url", &p.url)?;
                need("payload.redirect_url", &p.redirect_url)
            }
            Payload::Buttons(p) => {
                if p.buttons.is_empty() {
                    return Err(Error::invalid(
                        "payload.buttons",
                        "must hold at least one button",
                    ));
                }
                buttons_ok("payload.buttons", &p.buttons)
            }
            Payload::Card(p) => {
                need("payload.title", &p.title)?;
                need("payload.image_url", &p.image)?;
                buttons_ok("payload.buttons", &p.buttons)
            }
            Payload::Carousel(p) => {
                if p.cards.is_empty() {
                    return Err(Error::invalid(
                        "payload.cards",
                        "must hold at least one card",
                    ));
                }
                for (i, c) in p.cards.iter().enumerate() {
                    need(&format!("payload.cards[{i}].title"), &c.title)?;
                    buttons_ok(&format!("payload.cards[{i}].buttons"), &c.buttons)?;
                }
                Ok(())
            }
            Payload::Custom(p) => need("payload.type", &p.custom_type),
            Payload::Location(p) => {
                need("payload.name", &p.name)?;
                need("payload.address", &p.address)?;
                if !p.latitude.is_finite() {
                    return Err(Error::invalid(
                        "payload.latitude",
                        "must be a finite number",
                    ));
                }
                if !p.longitude.is_finite() {
                    return Err(Error::invalid(
                        "payload.longitude",
                        "must be a finite number",
                    ));
                }
                Ok(())
            }
            Payload::ContactPerson(p) => {
                need("payload.name", &p.name)?;
                need("payload.value", &p.value)?;
                match p.contact_type.as_deref() {
                    None | Some("") | Some("phone") | Some("email") => Ok(()),
                    Some(other) => Err(Error::invalid(
                        "payload.type",
                        format!("must be \"phone\", \"email\" or empty, got {other:?}"),
                    )),
                }
            }
            Payload::FileAttachment(p) => need("payload.url", &p.url),
            Payload::ButtonPostbackResponse(_) => Ok(()),
            Payload::SystemEvent(_) => Err(Error::invalid(
                "type",
                "system_event comments can only be posted with post_system_event_message",
            )),
            Payload::Unknown { type_name, .. } => {
                need("type", type_name)?;
                if type_name == "system_event" {
                    return Err(Error::invalid(
                        "type",
                        "system_event comments can only be posted with post_system_event_message",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// `{"type": ..., "payload": ...}`: the form a payload takes on its own (e.g. in fixtures).
impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", self.type_name())?;
        m.serialize_entry("payload", &self.to_wire())?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Parts {
            #[serde(rename = "type", default)]
            type_name: Option<String>,
            #[serde(default)]
            payload: Option<Value>,
        }
        let p = Parts::deserialize(d)?;
        Ok(Payload::from_wire(p.type_name.as_deref(), p.payload))
    }
}
