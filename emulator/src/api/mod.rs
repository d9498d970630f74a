//! The `/api/v2/rest/` routes.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::ApiError;
use crate::state::App;

pub(crate) mod backups;
pub(crate) mod comments;
pub(crate) mod rooms;
pub(crate) mod search;
pub(crate) mod system_events;
pub(crate) mod users;

/// Routes of the 20 calls, with the secret check.
pub(crate) fn router(app: App) -> Router<App> {
    Router::new()
        .route("/login_or_register", post(users::login_or_register))
        .route("/user_profile", get(users::user_profile))
        .route("/reset_user_token", post(users::reset_user_token))
        .route("/get_user_rooms", get(users::get_user_rooms))
        .route("/create_room", post(rooms::create_room))
        .route("/update_room", post(rooms::update_room))
        .route(
            "/get_or_create_room_with_target",
            get(rooms::get_or_create_room_with_target),
        )
        .route("/get_rooms_info", post(rooms::get_rooms_info))
        .route("/add_room_participants", post(rooms::add_room_participants))
        .route(
            "/remove_room_participants",
            post(rooms::remove_room_participants),
        )
        .route("/post_comment", post(comments::post_comment))
        .route("/load_comments", get(comments::load_comments))
        .route(
            "/post_system_event_message",
            post(system_events::post_system_event_message),
        )
        .route("/search_messages", post(search::search_messages))
        .route(
            "/exports",
            post(backups::create_export).get(backups::list_exports),
        )
        .route(
            "/exports/{id}",
            get(backups::get_export).delete(backups::delete_export),
        )
        .route(
            "/imports",
            post(backups::create_import)
                .get(backups::list_imports)
                .layer(axum::extract::DefaultBodyLimit::max(
                    backups::MAX_IMPORT_BODY,
                )),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(app, auth))
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed for this path",
    )
    .into_response()
}

/// Checks `QISCUS_SDK_SECRET` / `QISCUS-SDK-SECRET`.
async fn auth(State(app): State<App>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let given = h
        .get("qiscus_sdk_secret")
        .or_else(|| h.get("qiscus-sdk-secret"))
        .and_then(|v| v.to_str().ok());
    match given {
        Some(s) if s == app.secret => next.run(req).await,
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: the QISCUS_SDK_SECRET header does not match the app secret",
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: missing QISCUS_SDK_SECRET (or QISCUS-SDK-SECRET) header",
        )
        .into_response(),
    }
}
