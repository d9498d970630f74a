//! Search: the last 100 messages matching a keyword.

use crate::client::{Body, Client};
use crate::comments::{Comment, CommentsResults};
use crate::endpoints::SEARCH_MESSAGES;
use crate::error::Result;
use crate::rooms::check_room_id;
use crate::validate;

/// Arguments of [`Client::search_messages`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SearchMessagesParams {
    /// The user whose rooms are searched.
    pub user_email: String,
    /// Keyword.
    pub query: String,
    /// Only this room.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub room_id: Option<i64>,
}

impl SearchMessagesParams {
    /// Searches all the user's rooms.
    pub fn new(user_email: impl Into<String>, query: impl Into<String>) -> Self {
        SearchMessagesParams {
            user_email: user_email.into(),
            query: query.into(),
            room_id: None,
        }
    }
}

impl Client {
    /// The last 100 comments matching `query` in the user's rooms. `POST search_messages`.
    pub async fn search_messages(&self, params: &SearchMessagesParams) -> Result<Vec<Comment>> {
        validate::email("user_email", &params.user_email)?;
        validate::required("query", &params.query)?;
        let mut body = serde_json::json!({
            "user_email": params.user_email,
            "query": params.query,
        });
        if let Some(r) = params.room_id {
            check_room_id("room_id", r)?;
            body["room_id"] = r.to_string().into();
        }
        let r: CommentsResults = self
            .call(&SEARCH_MESSAGES, None, Body::json(&body)?)
            .await?;
        Ok(r.comments)
    }
}
