//! search_messages.

use axum::extract::State;
use serde_json::{json, Value};

use crate::error::{ok, ApiResult};
use crate::params::Params;
use crate::state::{App, SEARCH_KEYS};

pub(crate) async fn search_messages(State(app): State<App>, p: Params) -> ApiResult {
    let email = p.req_str("user_email")?;
    let query = p.req_str("query")?.to_lowercase();
    let room_id = p.u64("room_id")?;
    let d = app.data.read();
    let uid = d.require_user("user_email", &email)?;
    let matches = |id: &u64| {
        d.comment(*id)
            .is_some_and(|c| c.message.to_lowercase().contains(&query))
    };
    let ids: Vec<u64> = match room_id {
        Some(rid) => {
            let room = d.require_room(rid)?;
            if room.has(uid) {
                room.comment_ids
                    .iter()
                    .rev()
                    .filter(|id| matches(id))
                    .take(100)
                    .copied()
                    .collect()
            } else {
                Vec::new()
            }
        }
        None => {
            let rooms = &d.user(uid).rooms;
            d.comments
                .iter()
                .rev()
                .filter(|c| rooms.contains(&c.room_id))
                .map(|c| c.id)
                .filter(|id| matches(id))
                .take(100)
                .collect()
        }
    };
    let comments: Vec<Value> = ids
        .iter()
        .filter_map(|&id| d.comment(id))
        .map(|c| d.comment_json(c, SEARCH_KEYS))
        .collect();
    ok(json!({"comments": comments}))
}
