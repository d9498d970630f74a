//! post_comment (with per-type payload validation) and load_comments.

use axum::extract::State;
use chrono::Utc;
use serde_json::{json, Map, Value};

use crate::error::{ok, ApiError, ApiResult};
use crate::params::Params;
use crate::state::{random_alnum, App, Data, LOAD_KEYS, POST_KEYS};

fn field<'a>(obj: &'a Map<String, Value>, ctype: &str, name: &str) -> Result<&'a Value, ApiError> {
    match obj.get(name) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(ApiError::bad_request(format!(
            "payload.{name} is required for comment type {ctype}"
        ))),
    }
}

fn str_field(obj: &Map<String, Value>, ctype: &str, name: &str) -> Result<String, ApiError> {
    match field(obj, ctype, name)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ApiError::bad_request(format!(
            "payload.{name} must be a string for comment type {ctype}"
        ))),
    }
}

fn num_field(obj: &Map<String, Value>, ctype: &str, name: &str) -> Result<(), ApiError> {
    match field(obj, ctype, name)? {
        Value::Number(_) => Ok(()),
        Value::String(s) if s.trim().parse::<f64>().is_ok() => Ok(()),
        _ => Err(ApiError::bad_request(format!(
            "payload.{name} must be a number for comment type {ctype}"
        ))),
    }
}

fn validate_buttons(v: &Value, ctype: &str, path: &str) -> Result<(), ApiError> {
    let arr = v.as_array().ok_or_else(|| {
        ApiError::bad_request(format!(
            "payload.{path} must be an array for comment type {ctype}"
        ))
    })?;
    for (i, b) in arr.iter().enumerate() {
        let b = b.as_object().ok_or_else(|| {
            ApiError::bad_request(format!("payload.{path}[{i}] must be an object"))
        })?;
        let at = |name: &str| format!("{path}[{i}].{name}");
        match b.get("label") {
            Some(Value::String(_)) => {}
            _ => {
                return Err(ApiError::bad_request(format!(
                    "payload.{} is required for comment type {ctype}",
                    at("label")
                )))
            }
        }
        match b.get("type").and_then(Value::as_str) {
            Some("postback") | Some("link") => {}
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "payload.{} must be \"postback\" or \"link\", got `{other}`",
                    at("type")
                )))
            }
            None => {
                return Err(ApiError::bad_request(format!(
                    "payload.{} is required for comment type {ctype}",
                    at("type")
                )))
            }
        }
        let bp = b.get("payload").and_then(Value::as_object).ok_or_else(|| {
            ApiError::bad_request(format!(
                "payload.{} is required (an object) for comment type {ctype}",
                at("payload")
            ))
        })?;
        if !bp.get("url").is_some_and(Value::is_string) {
            return Err(ApiError::bad_request(format!(
                "payload.{} is required for comment type {ctype}",
                at("payload.url")
            )));
        }
    }
    Ok(())
}

fn require_object(payload: Option<Value>, ctype: &str) -> Result<Map<String, Value>, ApiError> {
    match payload {
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::bad_request(format!(
            "payload must be a JSON object for comment type {ctype}"
        ))),
        None => Err(ApiError::bad_request(format!(
            "payload is required for comment type {ctype}"
        ))),
    }
}

/// How `reply` payloads resolve `replied_comment_id`.
pub(crate) enum ReplyCheck {
    /// The id must name an existing comment.
    Existing,
    /// The id is replaced by this comment id (imports).
    Resolved(u64),
}

/// Validates a comment of type `ctype`; returns the message and payload to store.
pub(crate) fn validate_comment(
    d: &Data,
    ctype: &str,
    message: String,
    payload: Option<Value>,
    reply: ReplyCheck,
) -> Result<(String, Value), ApiError> {
    let need_message = |m: &str| -> Result<(), ApiError> {
        if m.trim().is_empty() {
            Err(ApiError::bad_request(format!(
                "message is required for comment type {ctype}"
            )))
        } else {
            Ok(())
        }
    };
    match ctype {
        "text" => {
            need_message(&message)?;
            Ok((message, json!({})))
        }
        "reply" => {
            need_message(&message)?;
            let mut obj = require_object(payload, ctype)?;
            str_field(&obj, ctype, "text")?;
            match reply {
                ReplyCheck::Resolved(id) => {
                    obj.insert("replied_comment_id".into(), json!(id));
                }
                ReplyCheck::Existing => {
                    let v = field(&obj, ctype, "replied_comment_id")?;
                    let id = match v {
                        Value::Number(n) => n.as_u64(),
                        Value::String(s) => s.trim().parse().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "payload.replied_comment_id must be a comment id (integer)",
                        )
                    })?;
                    if d.comment(id).is_none() {
                        return Err(ApiError::bad_request(format!(
                            "payload.replied_comment_id {id} does not name an existing comment"
                        )));
                    }
                    obj.insert("replied_comment_id".into(), json!(id));
                }
            }
            Ok((message, Value::Object(obj)))
        }
        "account_linking" => {
            let obj = require_object(payload, ctype)?;
            for f in ["text", "url", "redirect_url"] {
                str_field(&obj, ctype, f)?;
            }
            // `params` is free-form and optional: the spec only shows it in an example.
            let msg = if message.is_empty() {
                obj["text"].as_str().unwrap_or_default().to_string()
            } else {
                message
            };
            Ok((msg, Value::Object(obj)))
        }
        "buttons" => {
            let obj = require_object(payload, ctype)?;
            str_field(&obj, ctype, "text")?;
            validate_buttons(field(&obj, ctype, "buttons")?, ctype, "buttons")?;
            let msg = if message.is_empty() {
                obj["text"].as_str().unwrap_or_default().to_string()
            } else {
                message
            };
            Ok((msg, Value::Object(obj)))
        }
        "card" => {
            let mut obj = require_object(payload, ctype)?;
            if !obj.contains_key("image_url") {
                if let Some(img) = obj.get("image").cloned() {
                    obj.insert("image_url".into(), img);
                }
            }
            for f in ["text", "image_url", "title", "description", "url"] {
                str_field(&obj, ctype, f)?;
            }
            validate_buttons(field(&obj, ctype, "buttons")?, ctype, "buttons")?;
            // Stored and returned with `image` instead of `image_url`.
            let mut out = Map::new();
            for (k, v) in obj {
                if k == "image_url" {
                    out.insert("image".into(), v);
                } else if k != "image" {
                    out.insert(k, v);
                }
            }
            let msg = if message.is_empty() {
                out["text"].as_str().unwrap_or_default().to_string()
            } else {
                message
            };
            Ok((msg, Value::Object(out)))
        }
        "carousel" => {
            let obj = require_object(payload, ctype)?;
            let cards = field(&obj, ctype, "cards")?.as_array().ok_or_else(|| {
                ApiError::bad_request("payload.cards must be an array for comment type carousel")
            })?;
            for (i, c) in cards.iter().enumerate() {
                let c = c.as_object().ok_or_else(|| {
                    ApiError::bad_request(format!("payload.cards[{i}] must be an object"))
                })?;
                for f in ["image", "title", "description"] {
                    if !c.get(f).is_some_and(Value::is_string) {
                        return Err(ApiError::bad_request(format!(
                            "payload.cards[{i}].{f} is required for comment type carousel"
                        )));
                    }
                }
                let b = c.get("buttons").ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "payload.cards[{i}].buttons is required for comment type carousel"
                    ))
                })?;
                validate_buttons(b, ctype, &format!("cards[{i}].buttons"))?;
            }
            Ok((message, Value::Object(obj)))
        }
        "custom" => {
            let obj = require_object(payload, ctype)?;
            match obj.get("type") {
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(Value::String(_)) | None | Some(Value::Null) => {
                    return Err(ApiError::bad_request(
                        "payload.type is required for comment type custom",
                    ))
                }
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "payload.type must be a string for comment type custom",
                    ))
                }
            }
            if !obj.contains_key("content") {
                return Err(ApiError::bad_request(
                    "payload.content is required for comment type custom",
                ));
            }
            Ok((message, Value::Object(obj)))
        }
        "location" => {
            let obj = require_object(payload, ctype)?;
            let name = str_field(&obj, ctype, "name")?;
            let address = str_field(&obj, ctype, "address")?;
            num_field(&obj, ctype, "latitude")?;
            num_field(&obj, ctype, "longitude")?;
            let map_url = str_field(&obj, ctype, "map_url")?;
            Ok((format!("{name} {address} {map_url}"), Value::Object(obj)))
        }
        "contact_person" => {
            let mut obj = require_object(payload, ctype)?;
            let name = str_field(&obj, ctype, "name")?;
            let value = str_field(&obj, ctype, "value")?;
            let t = match obj.get("type") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "payload.type must be \"email\", \"phone\" or \"\"",
                    ))
                }
            };
            let t = match t.as_str() {
                "" | "phone" => "phone",
                "email" => "email",
                other => {
                    return Err(ApiError::bad_request(format!(
                        "payload.type must be \"email\", \"phone\" or \"\", got `{other}`"
                    )))
                }
            };
            obj.insert("type".into(), json!(t));
            Ok((format!("{name} - {value}"), Value::Object(obj)))
        }
        "file_attachment" => {
            let obj = require_object(payload, ctype)?;
            let url = str_field(&obj, ctype, "url")?;
            Ok((format!("[file] {url} [/file]"), Value::Object(obj)))
        }
        "button_postback_response" => {
            // Every key of a postback answer (url, method, payload) is optional.
            let obj = require_object(payload, ctype)?;
            Ok((message, Value::Object(obj)))
        }
        _ => Ok((message, payload.unwrap_or_else(|| json!({})))),
    }
}

pub(crate) async fn post_comment(State(app): State<App>, p: Params) -> ApiResult {
    let sender = p.req_str("sender_email")?;
    let room_id = p.req_u64("room_id")?;
    let message = p.str("message").unwrap_or_default();
    let ctype = p
        .str("type")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "text".to_string());
    if ctype == "system_event" {
        return Err(ApiError::bad_request(
            "type system_event cannot be posted with post_comment: use post_system_event_message",
        ));
    }
    let payload = p.json("payload")?;
    let temp_id = p.str("unique_temp_id").filter(|s| !s.is_empty());
    let disable_link_preview = p.bool("disable_link_preview")?;

    let (resp, hook) = {
        let mut d = app.data.write();
        let room = d.require_room(room_id)?;
        let uid = d.require_user("sender_email", &sender)?;
        if !room.has(uid) {
            return Err(ApiError::bad_request(format!(
                "sender_email `{sender}` is not a participant of room {room_id}"
            )));
        }
        if let Some(t) = &temp_id {
            if let Some(&cid) = room.temp_ids.get(t) {
                let c = d.comment(cid).expect("indexed comment");
                return ok(json!({"comment": d.comment_json(c, POST_KEYS)}));
            }
        }
        let (message, payload) =
            validate_comment(&d, &ctype, message, payload, ReplyCheck::Existing)?;
        let cid = d.insert_comment(
            room_id,
            uid,
            message,
            ctype,
            payload,
            temp_id.unwrap_or_else(|| random_alnum(20)),
            disable_link_preview,
            Utc::now(),
        );
        let c = d.comment(cid).expect("just stored");
        let hook = app.webhooks.as_ref().map(|_| d.webhook_body(c));
        (json!({"comment": d.comment_json(c, POST_KEYS)}), hook)
    };
    app.queue_webhook(hook);
    ok(resp)
}

pub(crate) async fn load_comments(State(app): State<App>, p: Params) -> ApiResult {
    let room_id = p.req_u64("room_id")?;
    let page = p.u64("page")?.unwrap_or(1).max(1) as usize;
    let limit = p.u64("limit")?.unwrap_or(20).clamp(1, 100) as usize;
    let d = app.data.read();
    let room = d.require_room(room_id)?;
    let comments: Vec<Value> = room
        .comment_ids
        .iter()
        .rev()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .filter_map(|&id| d.comment(id))
        .map(|c| d.comment_json(c, LOAD_KEYS))
        .collect();
    ok(json!({"comments": comments}))
}
