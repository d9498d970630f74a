//! Shared helpers for the emulator's HTTP tests.
#![allow(dead_code)]

use qiscus_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;

pub struct Ctx {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
}

impl Ctx {
    pub async fn new() -> Self {
        Self::with(EmulatorConfig::default()).await
    }

    pub async fn with(config: EmulatorConfig) -> Self {
        let emu = Emulator::start(config).await.expect("start emulator");
        Ctx {
            emu,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{}", self.emu.base_url(), path)
        } else {
            format!("{}/api/v2/rest/{}", self.emu.base_url(), path)
        }
    }

    fn auth(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        r.header("QISCUS_SDK_SECRET", self.emu.secret())
    }

    async fn finish(r: reqwest::Response) -> (u16, Value) {
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .auth(self.http.post(self.url(path)))
            .json(&body)
            .send()
            .await
            .expect("send");
        Self::finish(r).await
    }

    /// POST a form-encoded body.
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .auth(self.http.post(self.url(path)))
            .form(pairs)
            .send()
            .await
            .expect("send");
        Self::finish(r).await
    }

    /// GET with a query string.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .auth(self.http.get(self.url(path)))
            .query(query)
            .send()
            .await
            .expect("send");
        Self::finish(r).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self
            .auth(self.http.delete(self.url(path)))
            .send()
            .await
            .expect("send");
        Self::finish(r).await
    }

    /// Admin GET (no secret).
    pub async fn admin_get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    /// Registers a user and returns the `user` object.
    pub async fn user(&self, email: &str, name: &str) -> Value {
        let (s, v) = self
            .post(
                "login_or_register",
                serde_json::json!({"email": email, "username": name}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["results"]["user"].clone()
    }

    /// Creates a group room and returns its id.
    pub async fn group(&self, name: &str, creator: &str, participants: &[&str]) -> u64 {
        let (s, v) = self
            .post(
                "create_room",
                serde_json::json!({"name": name, "creator": creator, "participants": participants}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["results"]["room_id"].as_u64().unwrap()
    }

    /// Gets or creates the single room of two users and returns its id.
    pub async fn single(&self, a: &str, b: &str) -> u64 {
        let (s, v) = self
            .get(
                "get_or_create_room_with_target",
                &[("emails[]", a), ("emails[]", b)],
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["results"]["room"]["id"].as_u64().unwrap()
    }

    /// Posts a text comment and returns the `comment` object.
    pub async fn say(&self, room: u64, sender: &str, message: &str) -> Value {
        let (s, v) = self
            .post(
                "post_comment",
                serde_json::json!({"sender_email": sender, "room_id": room, "message": message}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["results"]["comment"].clone()
    }
}

/// Sorted keys of an object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// Asserts an object has exactly these keys.
pub fn assert_keys(v: &Value, expected: &[&str]) {
    let mut e: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    e.sort();
    assert_eq!(keys(v), e, "key set of {v}");
}

/// Asserts an error answer: status, body shape, and a message naming `needle`.
pub fn assert_error(got: &(u16, Value), status: u16, needle: &str) {
    let (s, v) = got;
    assert_eq!(*s, status, "status of {v}");
    assert_keys(v, &["error", "status"]);
    assert_eq!(v["status"], status);
    assert_keys(&v["error"], &["message", "detailed_messages"]);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(needle),
        "error message `{msg}` should mention `{needle}`"
    );
    assert!(!v["error"]["detailed_messages"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// Wrapper keys of a success answer.
pub fn assert_ok(got: &(u16, Value)) -> Value {
    let (s, v) = got;
    assert_eq!(*s, 200, "{v}");
    assert_keys(v, &["results", "status"]);
    assert_eq!(v["status"], 200);
    v["results"].clone()
}
