//! Webhooks: the "on post message" body, and its `QISCUS-SDK-SIGNATURE`.
//!
//! Verify first, over the raw bytes as received, then parse:
//!
//! ```
//! # fn handle(body: &[u8], signature: Option<&str>) -> qiscus::Result<()> {
//! let event = qiscus::webhooks::verify_and_parse(b"token", body, signature)?;
//! println!("{} wrote {:?}", event.payload.from.email, event.payload.message.text);
//! # Ok(()) }
//! ```

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::de;
use crate::error::{excerpt, Error, Result};
use crate::payload::Payload;
use crate::rooms::Participant;
use crate::timestamp::Timestamp;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "QISCUS-SDK-SIGNATURE";

type HmacSha256 = Hmac<Sha256>;

/// A webhook body: `{"type": ..., "payload": {"from", "room", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookEvent {
    /// `post_comment_mobile` (from an SDK client) or `post_comment_rest` (from this API), as sent.
    #[serde(rename = "type", default, deserialize_with = "de::string_or_empty")]
    pub event_type: String,
    /// What happened.
    pub payload: WebhookPayload,
}

impl WebhookEvent {
    /// True for `post_comment_rest`, a comment posted through the REST API.
    pub fn is_from_rest(&self) -> bool {
        self.event_type == "post_comment_rest"
    }
}

/// `payload` of a [`WebhookEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookPayload {
    /// The sender.
    pub from: WebhookSender,
    /// The room.
    pub room: WebhookRoom,
    /// The comment.
    pub message: WebhookMessage,
}

/// The sender of a webhook's comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookSender {
    /// User id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<i64>,
    /// E-mail.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub email: String,
    /// Display name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// Avatar URL.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub avatar_url: Option<String>,
}

/// The room of a webhook's comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookRoom {
    /// Room id.
    #[serde(deserialize_with = "de::id")]
    pub id: i64,
    /// Topic id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub topic_id: Option<i64>,
    /// `single`, `group` (or `channel`), as sent.
    #[serde(rename = "type", default, deserialize_with = "de::string_or_empty")]
    pub room_type: String,
    /// Room name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub name: String,
    /// Room avatar.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub room_avatar: Option<String>,
    /// Participants (left out for public channels: then empty).
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub participants: Vec<Participant>,
}

/// The comment of a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "WebhookMessageWire", into = "WebhookMessageWire")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookMessage {
    /// Comment id, when sent.
    pub id: Option<i64>,
    /// Previous comment's id, when sent.
    pub comment_before_id: Option<i64>,
    /// Text.
    pub text: String,
    /// Type and payload.
    pub payload: Payload,
    /// Idempotency key, when sent.
    pub unique_temp_id: Option<String>,
    /// Whether link previews are off.
    pub disable_link_preview: bool,
    /// Creation time, when sent.
    pub created_at: Option<Timestamp>,
    /// Time, when sent.
    pub timestamp: Option<Timestamp>,
    /// Unix seconds, when sent.
    pub unix_timestamp: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct WebhookMessageWire {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    id: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    comment_before_id: Option<i64>,
    #[serde(default, deserialize_with = "de::string_or_empty")]
    text: String,
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_string"
    )]
    unique_temp_id: Option<String>,
    #[serde(default, deserialize_with = "de::bool_or_false")]
    disable_link_preview: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_id"
    )]
    unix_timestamp: Option<i64>,
}

impl From<WebhookMessageWire> for WebhookMessage {
    fn from(w: WebhookMessageWire) -> Self {
        WebhookMessage {
            id: w.id,
            comment_before_id: w.comment_before_id,
            text: w.text,
            payload: Payload::from_wire(w.kind.as_deref(), w.payload),
            unique_temp_id: w.unique_temp_id,
            disable_link_preview: w.disable_link_preview,
            created_at: w.created_at,
            timestamp: w.timestamp,
            unix_timestamp: w.unix_timestamp,
        }
    }
}

impl From<WebhookMessage> for WebhookMessageWire {
    fn from(m: WebhookMessage) -> Self {
        WebhookMessageWire {
            id: m.id,
            comment_before_id: m.comment_before_id,
            text: m.text,
            kind: Some(m.payload.type_name().to_owned()),
            payload: m.payload.to_wire(),
            unique_temp_id: m.unique_temp_id,
            disable_link_preview: m.disable_link_preview,
            created_at: m.created_at,
            timestamp: m.timestamp,
            unix_timestamp: m.unix_timestamp,
        }
    }
}

/// Parses a webhook body (without checking its signature: see [`verify_and_parse`]).
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        call: "webhook".into(),
        reason: e.to_string(),
        body_excerpt: excerpt(body, 200),
    })
}

/// The hex HMAC-SHA256 of `body` keyed with the signature `token`: the value of
/// `QISCUS-SDK-SIGNATURE`. For tests that send webhooks to one's own endpoint.
pub fn sign(token: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(token).expect("HMAC accepts any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a `QISCUS-SDK-SIGNATURE` header against the raw body, in constant time.
///
/// Errors: [`Error::InvalidSignature`] when the header is missing, is not 64 hex digits, or does
/// not match.
pub fn verify_signature(token: &[u8], body: &[u8], signature: Option<&str>) -> Result<()> {
    let reject = |reason: &str| Error::InvalidSignature {
        reason: reason.to_owned(),
    };
    let header = signature.ok_or_else(|| reject("no QISCUS-SDK-SIGNATURE header"))?;
    let header = header.trim();
    if header.len() != 64 {
        return Err(reject("the signature is not 64 hex digits"));
    }
    let expected = hex::decode(header).map_err(|_| reject("the signature is not hex"))?;
    let mut mac = HmacSha256::new_from_slice(token).expect("HMAC accepts any key length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| reject("the signature does not match the body"))
}

/// Verifies the signature over the raw body, then parses it.
pub fn verify_and_parse(
    token: &[u8],
    body: &[u8],
    signature: Option<&str>,
) -> Result<WebhookEvent> {
    verify_signature(token, body, signature)?;
    parse_event(body)
}

/// Finds the signature among request headers (any case) and verifies and parses the body.
/// Works with any web framework: pass the headers as name/value pairs.
pub fn receive<'a>(
    token: &[u8],
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
) -> Result<WebhookEvent> {
    let sig = headers
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(SIGNATURE_HEADER))
        .map(|(_, v)| v);
    verify_and_parse(token, body, sig)
}
