//! create_room, update_room, get_or_create_room_with_target, get_rooms_info,
//! add_room_participants, remove_room_participants.

use axum::extract::State;
use chrono::Utc;
use serde_json::{json, Value};

use crate::error::{ok, ApiError, ApiResult};
use crate::params::Params;
use crate::state::{App, Data, RoomType, TARGET_KEYS, UPDATE_KEYS};

pub(crate) async fn create_room(State(app): State<App>, p: Params) -> ApiResult {
    let name = p.req_str("name")?;
    let creator = p.req_str("creator")?;
    let participants = p.list("participants")?;
    let avatar_url = p.str("avatar_url").unwrap_or_default();
    let mut d = app.data.write();
    let creator_id = d.user_id(&creator).ok_or_else(|| {
        ApiError::bad_request(format!("creator `{creator}` is not a registered user"))
    })?;
    let mut ids = vec![creator_id];
    for id in d.require_users("participants", &participants)? {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let rid = d.insert_room(
        name,
        RoomType::Group,
        avatar_url,
        None,
        creator_id,
        &ids,
        uuid::Uuid::new_v4().to_string(),
        Utc::now(),
    );
    ok(d.room_summary(d.room(rid).expect("just created")))
}

/// Options given as a string are kept; an object is stored as its JSON text.
fn options_param(p: &Params) -> Option<String> {
    match p.get("options") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(v.to_string()),
    }
}

pub(crate) async fn update_room(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let room_id = p.req_u64("room_id")?;
    let name = p.str("room_name").filter(|s| !s.is_empty());
    let avatar = p.str("room_avatar_url").filter(|s| !s.is_empty());
    let options = options_param(&p);
    let mut d = app.data.write();
    let room = d.require_room(room_id)?;
    if room.room_type != RoomType::Group {
        return Err(ApiError::bad_request(format!(
            "room_id {room_id} is a single room: only group rooms can be updated"
        )));
    }
    let uid = d.require_user("user_email", &email)?;
    if !room.has(uid) {
        return Err(ApiError::bad_request(format!(
            "user_email `{email}` is not a participant of room {room_id}"
        )));
    }
    let room = d.room_mut(room_id).expect("checked");
    let mut changed = false;
    if let Some(n) = name {
        if n != room.name {
            room.name = n;
            changed = true;
        }
    }
    if let Some(a) = avatar {
        if a != room.avatar_url {
            room.avatar_url = a;
            changed = true;
        }
    }
    if let Some(o) = options {
        if room.options.as_deref() != Some(o.as_str()) {
            room.options = Some(o);
            changed = true;
        }
    }
    let room = d.room(room_id).expect("checked");
    let last = room.comment_ids.last().and_then(|&id| d.comment(id));
    let participants: Vec<Value> = room
        .participants
        .iter()
        .map(|pt| {
            d.participant_json(
                pt,
                &[
                    "avatar_url",
                    "email",
                    "username",
                    "last_comment_read_id",
                    "last_comment_received_id",
                ],
            )
        })
        .collect();
    ok(json!({
        "changed": changed,
        "room": {
            "chat_type": room.room_type.as_str(),
            "id": room.id,
            "last_comment_id": last.map(|c| c.id).unwrap_or(0),
            "last_comment_message": last.map(|c| c.message.as_str()).unwrap_or(""),
            "last_topic_id": room.id,
            "avatar_url": room.avatar_url,
            "options": room.options.clone().unwrap_or_default(),
            "participants": participants,
            "room_name": room.name,
        },
        "comments": d.latest_comments(room, 20, UPDATE_KEYS),
    }))
}

pub(crate) async fn get_or_create_room_with_target(State(app): State<App>, p: Params) -> ApiResult {
    let emails = p.list("emails")?;
    if emails.len() != 2 {
        return Err(ApiError::bad_request(format!(
            "emails must contain exactly 2 emails, got {}",
            emails.len()
        )));
    }
    if emails[0] == emails[1] {
        return Err(ApiError::bad_request(
            "emails must contain 2 different emails",
        ));
    }
    let mut d = app.data.write();
    let ids = d.require_users("emails", &emails)?;
    let key = (ids[0].min(ids[1]), ids[0].max(ids[1]));
    let rid = match d.singles.get(&key) {
        Some(&rid) => rid,
        None => {
            let rid = d.insert_room(
                format!("{} {}", emails[0], emails[1]),
                RoomType::Single,
                String::new(),
                None,
                ids[0],
                &ids,
                uuid::Uuid::new_v4().to_string(),
                Utc::now(),
            );
            d.singles.insert(key, rid);
            rid
        }
    };
    let room = d.room(rid).expect("exists");
    let last = room.comment_ids.last().and_then(|&id| d.comment(id));
    ok(json!({
        "comments": d.latest_comments(room, 20, TARGET_KEYS),
        "room": {
            "avatar_url": room.avatar_url,
            "chat_type": room.room_type.as_str(),
            "id": room.id,
            "last_comment_id": last.map(|c| c.id).unwrap_or(0),
            "last_comment_message": last.map(|c| c.message.as_str()).unwrap_or(""),
            "last_topic_id": room.id,
            "options": room.options,
            "participants": room.participants.iter().map(|pt| d.participant_json(pt, &["avatar_url", "email", "username"])).collect::<Vec<_>>(),
            "room_name": room.name,
        }
    }))
}

pub(crate) async fn get_rooms_info(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let ids = p.list("room_id")?;
    let show = p.bool("show_participants")?;
    let mut room_ids = Vec::new();
    for s in &ids {
        let id: u64 = s.trim().parse().map_err(|_| {
            ApiError::bad_request(format!("room_id must be an array of room ids, got `{s}`"))
        })?;
        if !room_ids.contains(&id) {
            room_ids.push(id);
        }
    }
    let d = app.data.read();
    let uid = d.require_user("user_email", &email)?;
    let infos: Vec<Value> = room_ids
        .iter()
        .filter_map(|&id| d.room(id))
        .filter(|r| r.has(uid))
        .map(|r| d.room_info(r, uid, false, show))
        .collect();
    ok(json!({"rooms_info": infos}))
}

fn group_and_users(d: &Data, p: &Params) -> Result<(u64, Vec<u64>), ApiError> {
    let room_id = p.req_u64("room_id")?;
    let emails = p.list("emails")?;
    if emails.is_empty() {
        return Err(ApiError::bad_request("emails is required"));
    }
    let room = d.require_room(room_id)?;
    if room.room_type != RoomType::Group {
        return Err(ApiError::bad_request(format!(
            "room_id {room_id} is a single room: participants can only be changed in group rooms"
        )));
    }
    let ids = d.require_users("emails", &emails)?;
    Ok((room_id, ids))
}

pub(crate) async fn add_room_participants(State(app): State<App>, p: Params) -> ApiResult {
    let mut d = app.data.write();
    let (room_id, ids) = group_and_users(&d, &p)?;
    for id in ids {
        d.add_participant(room_id, id);
    }
    ok(d.room_summary(d.room(room_id).expect("checked")))
}

pub(crate) async fn remove_room_participants(State(app): State<App>, p: Params) -> ApiResult {
    let mut d = app.data.write();
    let (room_id, ids) = group_and_users(&d, &p)?;
    for id in ids {
        d.remove_participant(room_id, id);
    }
    ok(d.room_summary(d.room(room_id).expect("checked")))
}
