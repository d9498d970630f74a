//! Users: login or register, profile, token reset, and a user's room list.

use serde::{Deserialize, Serialize};

use crate::client::{Body, Client};
use crate::de;
use crate::endpoints::{GET_USER_ROOMS, LOGIN_OR_REGISTER, RESET_USER_TOKEN, USER_PROFILE};
use crate::error::Result;
use crate::rooms::RoomInfo;
use crate::validate;

/// A user as `login_or_register`, `user_profile` and `reset_user_token` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct User {
    /// Numeric user id.
    #[serde(deserialize_with = "de::id")]
    pub id: i64,
    /// E-mail address: the user's identity in v2.
    pub email: String,
    /// Display name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub username: Option<String>,
    /// Avatar URL (`avatar_url`, or `avatar.url` when only that is sent).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub avatar_url: Option<String>,
    /// The user's SDK token.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub token: Option<String>,
    /// Id of the user's last comment (`reset_user_token`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub last_comment_id: Option<i64>,
    /// Whether Android push notifications are configured (`reset_user_token`).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub pn_android_configured: Option<bool>,
    /// Whether iOS push notifications are configured (`reset_user_token`).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub pn_ios_configured: Option<bool>,
    /// Realtime key (`reset_user_token`'s `rtKey`).
    #[serde(default, rename = "rtKey", deserialize_with = "de::opt_string")]
    pub rt_key: Option<String>,
    /// The app the user belongs to (sent by the live `reset_user_token`).
    #[serde(default)]
    pub app: Option<UserApp>,
}

/// The `app` object the live service nests in a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UserApp {
    /// App code (the app id).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub code: Option<String>,
    /// Numeric app id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<i64>,
    /// App name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
}

/// `results` of the user calls: `{"user": {...}}`, with `avatar.url` folded into `avatar_url`.
#[derive(Deserialize)]
pub(crate) struct UserResults {
    user: UserWire,
}

/// A user on the wire: [`User`]'s fields (with the same decoding) and the nested `avatar`.
/// Spelled out rather than `#[serde(flatten)]`ed: flattening buffers every field into an
/// intermediate tree before decoding it.
#[derive(Deserialize)]
struct UserWire {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    email: String,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    avatar_url: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    token: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    last_comment_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pn_android_configured: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pn_ios_configured: Option<bool>,
    #[serde(default, rename = "rtKey", deserialize_with = "de::opt_string")]
    rt_key: Option<String>,
    #[serde(default)]
    app: Option<UserApp>,
    #[serde(default)]
    avatar: Option<AvatarWire>,
}

/// `{"avatar": {"url": ...}}` as the spec nests avatars.
#[derive(Deserialize)]
pub(crate) struct AvatarWire {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub(crate) url: Option<String>,
}

impl From<UserResults> for User {
    fn from(r: UserResults) -> User {
        let w = r.user;
        User {
            id: w.id,
            email: w.email,
            username: w.username,
            avatar_url: w.avatar_url.or_else(|| w.avatar.and_then(|a| a.url)),
            token: w.token,
            last_comment_id: w.last_comment_id,
            pn_android_configured: w.pn_android_configured,
            pn_ios_configured: w.pn_ios_configured,
            rt_key: w.rt_key,
            app: w.app,
        }
    }
}

/// The body of `login_or_register`, serialised straight to JSON text. Fields in alphabetical
/// order, so the text is the same as the [`LoginOrRegisterParams`] serialised through a
/// `serde_json::Value` (whose maps are sorted).
#[derive(Serialize)]
struct LoginOrRegisterBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_platform: Option<DevicePlatform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_token: Option<&'a str>,
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    username: &'a str,
}

impl<'a> From<&'a LoginOrRegisterParams> for LoginOrRegisterBody<'a> {
    fn from(p: &'a LoginOrRegisterParams) -> Self {
        LoginOrRegisterBody {
            avatar_url: p.avatar_url.as_deref(),
            device_platform: p.device_platform,
            device_token: p.device_token.as_deref(),
            email: &p.email,
            password: p.password.as_deref(),
            username: &p.username,
        }
    }
}

/// Device platform for push notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum DevicePlatform {
    /// `ios`
    Ios,
    /// `android`
    Android,
}

/// Arguments of [`Client::login_or_register`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct LoginOrRegisterParams {
    /// E-mail address (required).
    pub email: String,
    /// Display name (required).
    pub username: String,
    /// Password. Optional for a new user (the server generates one); an existing user is only
    /// updated when it is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub password: Option<String>,
    /// Avatar URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub avatar_url: Option<String>,
    /// Push-notification device token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub device_token: Option<String>,
    /// Platform of `device_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub device_platform: Option<DevicePlatform>,
}

impl LoginOrRegisterParams {
    /// Required fields only.
    pub fn new(email: impl Into<String>, username: impl Into<String>) -> Self {
        LoginOrRegisterParams {
            email: email.into(),
            username: username.into(),
            password: None,
            avatar_url: None,
            device_token: None,
            device_platform: None,
        }
    }

    /// Sets the password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets the avatar URL.
    pub fn avatar_url(mut self, url: impl Into<String>) -> Self {
        self.avatar_url = Some(url.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::email("email", &self.email)?;
        validate::required("username", &self.username)?;
        if let Some(p) = &self.password {
            validate::required("password", p)?;
        }
        if self.device_platform.is_some() {
            validate::required("device_token", self.device_token.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }
}

/// Arguments of [`Client::get_user_rooms`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct GetUserRoomsParams {
    /// The user whose rooms are listed.
    pub user_email: String,
    /// Page (20 rooms a page); `None` returns all rooms (up to 100).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub page: Option<u32>,
    /// Include each room's participants.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    #[serde(default)]
    pub show_participants: bool,
    /// Only rooms of this type.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub room_type: Option<RoomType>,
}

impl GetUserRoomsParams {
    /// All rooms of a user, without participants.
    pub fn new(user_email: impl Into<String>) -> Self {
        GetUserRoomsParams {
            user_email: user_email.into(),
            page: None,
            show_participants: false,
            room_type: None,
        }
    }
}

/// Type of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum RoomType {
    /// A one-to-one room.
    Single,
    /// A group room.
    Group,
}

impl RoomType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomType::Single => "single",
            RoomType::Group => "group",
        }
    }
}

/// A page of [`Client::get_user_rooms`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UserRooms {
    /// Paging information.
    #[serde(default)]
    pub meta: Option<RoomsMeta>,
    /// The rooms.
    pub rooms_info: Vec<RoomInfo>,
}

/// Paging information of [`UserRooms`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomsMeta {
    /// The page returned.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub current_page: i64,
    /// How many rooms the user has in all.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub total_room: i64,
}

impl Client {
    /// Creates a user, or updates one (which needs `password`). `POST login_or_register`.
    pub async fn login_or_register(&self, params: &LoginOrRegisterParams) -> Result<User> {
        params.validate()?;
        let body = Body::json(&LoginOrRegisterBody::from(params))?;
        let r: UserResults = self.call(&LOGIN_OR_REGISTER, None, body).await?;
        Ok(r.into())
    }

    /// A user's profile; [`crate::Error::NotFound`] for an unknown address. `GET user_profile`.
    pub async fn user_profile(&self, user_email: &str) -> Result<User> {
        validate::email("user_email", user_email)?;
        let q = vec![("user_email", user_email.to_owned())];
        let r: UserResults = self.call(&USER_PROFILE, None, Body::Query(q)).await?;
        Ok(r.into())
    }

    /// Replaces a user's token, invalidating the old one. `POST reset_user_token`.
    pub async fn reset_user_token(&self, user_email: &str) -> Result<User> {
        validate::email("user_email", user_email)?;
        let body = serde_json::json!({ "user_email": user_email });
        let r: UserResults = self
            .call(&RESET_USER_TOKEN, None, Body::json(&body)?)
            .await?;
        Ok(r.into())
    }

    /// The rooms of a user, most recent first. `GET get_user_rooms`.
    pub async fn get_user_rooms(&self, params: &GetUserRoomsParams) -> Result<UserRooms> {
        validate::email("user_email", &params.user_email)?;
        validate::page("page", params.page)?;
        let mut q = vec![("user_email", params.user_email.clone())];
        if let Some(p) = params.page {
            q.push(("page", p.to_string()));
        }
        q.push(("show_participants", params.show_participants.to_string()));
        if let Some(t) = params.room_type {
            q.push(("room_type", t.as_str().to_owned()));
        }
        self.call(&GET_USER_ROOMS, None, Body::Query(q)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct body is byte for byte what serialising the params through a `Value` sends.
    #[test]
    fn login_or_register_body_is_the_value_route_text() {
        let full = LoginOrRegisterParams {
            password: Some("pw \"quoted\"".into()),
            avatar_url: Some("https://x.example/a.png".into()),
            device_token: Some("tok".into()),
            device_platform: Some(DevicePlatform::Ios),
            ..LoginOrRegisterParams::new("a@example.com", "Ä ünïcode")
        };
        for p in [
            LoginOrRegisterParams::new("a@example.com", "A"),
            LoginOrRegisterParams::new("a@example.com", "A").password("p"),
            full,
        ] {
            let via_value = serde_json::to_vec(&serde_json::to_value(&p).unwrap()).unwrap();
            let direct = serde_json::to_vec(&LoginOrRegisterBody::from(&p)).unwrap();
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(via_value).unwrap()
            );
        }
    }

    /// The spelled-out wire form decodes like the flattened one did: avatar fallback, tolerant
    /// fields, the nested app, and a missing id or email is an error.
    #[test]
    fn user_wire_decodes_every_field() {
        let u: User = serde_json::from_str::<UserResults>(
            r#"{"user":{"id":"7","email":"a@example.com","username":null,
                "avatar":{"avatar":{"url":"x"},"url":"https://a/b.png"},"token":"t",
                "last_comment_id":"12","pn_android_configured":"true","pn_ios_configured":0,
                "rtKey":"rk","app":{"code":"app","id":3,"name":"App"},"extra":[1]}}"#,
        )
        .unwrap()
        .into();
        assert_eq!(
            u,
            User {
                id: 7,
                email: "a@example.com".into(),
                username: None,
                avatar_url: Some("https://a/b.png".into()),
                token: Some("t".into()),
                last_comment_id: Some(12),
                pn_android_configured: Some(true),
                pn_ios_configured: Some(false),
                rt_key: Some("rk".into()),
                app: Some(UserApp {
                    code: Some("app".into()),
                    id: Some(3),
                    name: Some("App".into()),
                }),
            }
        );
        let u: User = serde_json::from_str::<UserResults>(
            r#"{"user":{"id":1,"email":"a@example.com","avatar_url":"direct","avatar":{"url":"nested"}}}"#,
        )
        .unwrap()
        .into();
        assert_eq!(u.avatar_url.as_deref(), Some("direct"));
        assert!(
            serde_json::from_str::<UserResults>(r#"{"user":{"email":"a@example.com"}}"#).is_err()
        );
        assert!(serde_json::from_str::<UserResults>(r#"{"user":{"id":1}}"#).is_err());
    }
}
