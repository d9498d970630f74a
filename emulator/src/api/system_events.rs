//! post_system_event_message.

use axum::extract::State;
use chrono::Utc;
use serde_json::{json, Value};

use crate::error::{ok, ApiError, ApiResult};
use crate::params::Params;
use crate::state::{random_alnum, App, SYSTEM_KEYS};

const TYPES: &[&str] = &[
    "create_room",
    "add_member",
    "join_room",
    "remove_member",
    "left_room",
    "change_room_name",
    "change_room_avatar",
    "custom",
];

pub(crate) async fn post_system_event_message(State(app): State<App>, p: Params) -> ApiResult {
    let etype = p.req_str("system_event_type")?;
    if !TYPES.contains(&etype.as_str()) {
        return Err(ApiError::bad_request(format!(
            "system_event_type `{etype}` is not valid: expected one of {}",
            TYPES.join(", ")
        )));
    }
    let room_id = p.req_u64("room_id")?;
    let custom = etype == "custom";
    let subject_email = if custom {
        p.str("subject_email").filter(|s| !s.is_empty())
    } else {
        Some(p.req_str("subject_email")?)
    };
    let objects = p.list("object_email")?;
    if (etype == "add_member" || etype == "remove_member") && objects.is_empty() {
        return Err(ApiError::bad_request(format!(
            "object_email is required for system_event_type {etype}"
        )));
    }
    let new_name = p.str("updated_room_name").filter(|s| !s.trim().is_empty());
    if (etype == "change_room_name" || etype == "create_room") && new_name.is_none() {
        return Err(ApiError::bad_request(format!(
            "updated_room_name is required for system_event_type {etype}"
        )));
    }
    let custom_payload = if custom {
        match p.json("payload")? {
            Some(Value::Object(m)) => {
                if !m.get("type").is_some_and(Value::is_string) {
                    return Err(ApiError::bad_request(
                        "payload.type (a string) is required for system_event_type custom",
                    ));
                }
                Some(Value::Object(m))
            }
            Some(_) => {
                return Err(ApiError::bad_request(
                    "payload must be a JSON object for system_event_type custom",
                ))
            }
            None => {
                return Err(ApiError::bad_request(
                    "payload is required for system_event_type custom",
                ))
            }
        }
    } else {
        None
    };
    let given_message = p.str("message").unwrap_or_default();

    let (resp, hook) = {
        let mut d = app.data.write();
        d.require_room(room_id)?;
        let subject = match &subject_email {
            Some(e) => Some(d.require_user("subject_email", e)?),
            None => None,
        };
        let object_ids = d.require_users("object_email", &objects)?;
        let (message, payload) = if let Some(payload) = custom_payload {
            (given_message, payload)
        } else {
            let s = d.user(subject.expect("required for non-custom"));
            let subj = s.username.clone();
            let subj_email = s.email.clone();
            let obj_names: Vec<String> = object_ids
                .iter()
                .map(|&id| d.user(id).username.clone())
                .collect();
            let obj_emails: Vec<String> = object_ids
                .iter()
                .map(|&id| d.user(id).email.clone())
                .collect();
            if etype == "change_room_name" {
                let room = d.room_mut(room_id).expect("checked");
                room.name = new_name.clone().expect("checked");
            }
            let room_name = match etype.as_str() {
                "create_room" | "change_room_name" => new_name.clone().expect("checked"),
                _ => d.room(room_id).expect("checked").name.clone(),
            };
            let message = match etype.as_str() {
                "create_room" => format!("{subj} created room '{room_name}'"),
                "add_member" => format!("{subj} added {}", obj_names.join(", ")),
                "join_room" => format!("{subj} joined room"),
                "remove_member" => format!("{subj} removed {}", obj_names.join(", ")),
                "left_room" => format!("{subj} left room"),
                "change_room_name" => format!("{subj} changed room name to '{room_name}'"),
                _ => format!("{subj} changed room avatar"),
            };
            let payload = json!({
                "type": etype,
                "subject_username": subj,
                "subject_email": subj_email,
                "object_username": obj_names.join(", "),
                "object_email": obj_emails.join(", "),
                "room_name": room_name,
            });
            (message, payload)
        };
        let sys = d.system_user_id;
        let cid = d.insert_comment(
            room_id,
            sys,
            message,
            "system_event".to_string(),
            payload,
            random_alnum(20),
            false,
            Utc::now(),
        );
        let c = d.comment(cid).expect("just stored");
        let hook = app.webhooks.as_ref().map(|_| d.webhook_body(c));
        (json!({"comment": d.comment_json(c, SYSTEM_KEYS)}), hook)
    };
    app.queue_webhook(hook);
    ok(resp)
}
