//! login_or_register, user_profile, reset_user_token, get_user_rooms.

use axum::extract::State;
use chrono::Utc;
use serde_json::json;

use crate::error::{ok, ApiError, ApiResult};
use crate::params::Params;
use crate::state::{random_alnum, valid_email, App, RoomType, DEFAULT_AVATAR};

fn email_param(p: &Params, name: &str) -> Result<String, ApiError> {
    let e = p.req_str(name)?.trim().to_string();
    if !valid_email(&e) {
        return Err(ApiError::bad_request(format!(
            "{name} `{e}` is not a valid email address"
        )));
    }
    Ok(e)
}

pub(crate) async fn login_or_register(State(app): State<App>, p: Params) -> ApiResult {
    let email = email_param(&p, "email")?;
    let password = p.str("password").filter(|s| !s.is_empty());
    let username = p.str("username").filter(|s| !s.trim().is_empty());
    let avatar_url = p.str("avatar_url").filter(|s| !s.trim().is_empty());
    let device_token = p.str("device_token").filter(|s| !s.is_empty());
    let platform = p.str("device_platform").filter(|s| !s.is_empty());
    if let Some(pl) = &platform {
        if pl != "ios" && pl != "android" {
            return Err(ApiError::bad_request(format!(
                "device_platform must be \"ios\" or \"android\", got `{pl}`"
            )));
        }
    }
    let mut d = app.data.write();
    let id = match d.user_id(&email) {
        Some(id) => {
            let Some(password) = password else {
                return Err(ApiError::bad_request(format!(
                    "password is required: user `{email}` already exists"
                )));
            };
            let u = d.user_mut(id);
            u.password = password;
            if let Some(n) = username {
                u.username = n;
            }
            if let Some(a) = avatar_url {
                u.avatar_url = a;
            }
            id
        }
        None => {
            let username = match username {
                Some(u) => u,
                None => return Err(ApiError::bad_request("username is required")),
            };
            d.insert_user(
                email.clone(),
                username,
                avatar_url.unwrap_or_else(|| DEFAULT_AVATAR.to_string()),
                password.unwrap_or_else(|| random_alnum(16)),
                random_alnum(20),
                Utc::now(),
            )
        }
    };
    if device_token.is_some() {
        let u = d.user_mut(id);
        match platform.as_deref() {
            Some("ios") => u.pn_ios = true,
            _ => u.pn_android = true,
        }
    }
    ok(json!({"user": d.user_json(d.user(id))}))
}

pub(crate) async fn user_profile(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let d = app.data.read();
    let id = d.require_user("user_email", &email)?;
    ok(json!({"user": d.user_json(d.user(id))}))
}

pub(crate) async fn reset_user_token(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let mut d = app.data.write();
    let id = d.require_user("user_email", &email)?;
    let u = d.user_mut(id);
    u.token = random_alnum(20);
    let u = d.user(id);
    ok(json!({"user": {
        "avatar": {"url": u.avatar_url},
        "avatar_url": u.avatar_url,
        "email": u.email,
        "id": u.id,
        "last_comment_id": u.last_comment_id,
        "pn_android_configured": u.pn_android,
        "pn_ios_configured": u.pn_ios,
        "rtKey": u.rt_key,
        "token": u.token,
        "username": u.username,
    }}))
}

pub(crate) async fn get_user_rooms(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let page = p.u64("page")?;
    let show = p.bool("show_participants")?;
    let room_type = match p.str("room_type").filter(|s| !s.is_empty()).as_deref() {
        None => None,
        Some("single") => Some(RoomType::Single),
        Some("group") => Some(RoomType::Group),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "room_type must be \"single\" or \"group\", got `{other}`"
            )))
        }
    };
    let d = app.data.read();
    let uid = d.require_user("user_email", &email)?;
    let mut rooms: Vec<_> = d
        .user(uid)
        .rooms
        .iter()
        .filter_map(|&rid| d.room(rid))
        .filter(|r| room_type.map_or(true, |t| r.room_type == t))
        .collect();
    rooms.sort_by_key(|r| std::cmp::Reverse(r.activity));
    let total = rooms.len();
    let (current, selected): (u64, Vec<_>) = match page {
        Some(pg) => {
            let pg = pg.max(1);
            let skip = ((pg - 1) as usize).saturating_mul(20);
            (pg, rooms.into_iter().skip(skip).take(20).collect())
        }
        None => (1, rooms.into_iter().take(100).collect()),
    };
    let infos: Vec<_> = selected
        .iter()
        .map(|r| d.room_info(r, uid, true, show))
        .collect();
    ok(json!({
        "meta": {"current_page": current, "total_room": total},
        "rooms_info": infos,
    }))
}
