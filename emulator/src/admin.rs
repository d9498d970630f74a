//! The `/_emulator/` admin surface: no secret, never subject to faults.

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::faults::Faults;
use crate::params::Params;
use crate::state::{App, Data, SYSTEM_KEYS};

pub(crate) fn router() -> Router<App> {
    Router::new()
        .route("/stats", get(stats))
        .route("/faults", post(set_faults).get(get_faults))
        .route("/rooms/{room_id}/comments", get(room_comments))
        .route("/reset", post(reset))
        .route("/downloads/{unique_id}", get(download))
}

async fn stats(State(app): State<App>) -> Json<Value> {
    Json(serde_json::to_value(app.stats.snapshot()).unwrap_or_default())
}

async fn get_faults(State(app): State<App>) -> Json<Value> {
    Json(serde_json::to_value(app.faults.get()).unwrap_or_default())
}

async fn set_faults(State(app): State<App>, p: Params) -> Result<Json<Value>, ApiError> {
    let faults: Faults = if let Some(spec) = p.str("spec") {
        spec.parse()
            .map_err(|e: crate::faults::ParseFaultsError| ApiError::bad_request(e.to_string()))?
    } else {
        let mut obj = serde_json::Map::new();
        for k in [
            "error_500",
            "error_503",
            "rate_limit_429",
            "retry_after_secs",
            "latency",
            "latency_ms",
            "drop_before",
            "drop_after",
        ] {
            if let Some(v) = p.get(k) {
                let v = match v {
                    Value::String(s) => s
                        .parse::<f64>()
                        .ok()
                        .and_then(|f| {
                            if k.ends_with("_ms") || k.ends_with("_secs") {
                                Some(json!(f as u64))
                            } else {
                                serde_json::Number::from_f64(f).map(Value::Number)
                            }
                        })
                        .ok_or_else(|| ApiError::bad_request(format!("{k} must be a number")))?,
                    v => v.clone(),
                };
                obj.insert(k.to_string(), v);
            }
        }
        let f: Faults = serde_json::from_value(Value::Object(obj))
            .map_err(|e| ApiError::bad_request(format!("invalid faults: {e}")))?;
        f.check()
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        f
    };
    app.faults.set(faults.clone());
    Ok(Json(serde_json::to_value(faults).unwrap_or_default()))
}

async fn room_comments(
    State(app): State<App>,
    Path(room_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: u64 = room_id
        .parse()
        .map_err(|_| ApiError::bad_request("room_id must be a positive integer"))?;
    let d = app.data.read();
    let room = d.require_room(id)?;
    let mut keys: Vec<&str> = SYSTEM_KEYS.to_vec();
    keys.push("room_name");
    let comments: Vec<Value> = room
        .comment_ids
        .iter()
        .filter_map(|&cid| d.comment(cid))
        .map(|c| d.comment_json(c, &keys))
        .collect();
    Ok(Json(json!({"comments": comments})))
}

/// A fresh emulator: no data (ids start again), no faults (the RNG back at its seed), zeroed
/// counters.
async fn reset(State(app): State<App>) -> Json<Value> {
    *app.data.write() = Data::new();
    app.faults.reset();
    app.stats.reset();
    Json(json!({"status": 200}))
}

async fn download(State(app): State<App>, Path(id): Path<String>) -> Response {
    let file = app.data.read().export_files.get(&id).cloned();
    match file {
        Some(bytes) => {
            ([(CONTENT_TYPE, "application/json")], bytes.as_ref().clone()).into_response()
        }
        None => {
            ApiError::not_found(format!("no finished export with unique id `{id}`")).into_response()
        }
    }
}
