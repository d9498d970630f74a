//! The 20 calls by HTTP: happy paths with the spec's key sets, validation and 404s.

mod common;

use common::*;
use serde_json::{json, Value};

const USER_KEYS: &[&str] = &["id", "email", "username", "avatar_url", "token"];
const RESET_USER_KEYS: &[&str] = &[
    "avatar",
    "avatar_url",
    "email",
    "id",
    "last_comment_id",
    "pn_android_configured",
    "pn_ios_configured",
    "rtKey",
    "token",
    "username",
];
const ROOM_INFO_KEYS: &[&str] = &[
    "last_comment_id",
    "last_comment_message",
    "last_comment_timestamp",
    "room_avatar_url",
    "room_id",
    "room_name",
    "room_type",
    "unread_count",
];
const ROOMS_INFO_KEYS: &[&str] = &[
    "last_comment_id",
    "last_comment_message",
    "last_comment_timestamp",
    "room_id",
    "room_name",
    "room_type",
    "unread_count",
];
const PARTICIPANT_KEYS: &[&str] = &[
    "avatar_url",
    "email",
    "id",
    "last_comment_read_id",
    "last_comment_received_id",
    "username",
];
const ROOM_SUMMARY_KEYS: &[&str] = &[
    "creator",
    "participants",
    "room_id",
    "room_name",
    "room_type",
];
const POST_COMMENT_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "timestamp",
    "unix_timestamp",
    "topic_id",
    "type",
    "unique_temp_id",
    "user_avatar",
    "user_avatar_url",
    "username",
];
// Spec example keys + the documented `type` and `payload`.
const LOAD_COMMENT_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "room_id",
    "room_name",
    "timestamp",
    "unique_temp_id",
    "user_avatar_url",
    "username",
    "type",
    "payload",
];
const TARGET_COMMENT_KEYS: &[&str] = &[
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "timestamp",
    "unique_temp_id",
    "user_avatar_url",
    "username",
    "type",
    "payload",
];
const UPDATE_COMMENT_KEYS: &[&str] = &[
    "id",
    "comment_before_id",
    "message",
    "type",
    "payload",
    "disable_link_preview",
    "email",
    "username",
    "user_avatar",
    "user_avatar_url",
    "timestamp",
    "unix_timestamp",
    "unique_temp_id",
];
const SEARCH_KEYS: &[&str] = &[
    "chat_type",
    "comment_before_id",
    "disable_link_preview",
    "email",
    "id",
    "message",
    "payload",
    "room_id",
    "room_name",
    "timestamp",
    "topic_id",
    "type",
    "unique_temp_id",
    "unix_timestamp",
    "user_avatar",
    "user_avatar_url",
    "user_id",
    "username",
];

#[tokio::test]
async fn auth_requires_secret_in_either_spelling() {
    let c = Ctx::new().await;
    let url = c.url("user_profile?user_email=a@x.com");
    let r = c.http.get(&url).send().await.unwrap();
    let got = (r.status().as_u16(), r.json::<Value>().await.unwrap());
    assert_error(&got, 401, "QISCUS_SDK_SECRET");
    let r = c
        .http
        .get(&url)
        .header("QISCUS_SDK_SECRET", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    c.user("a@x.com", "Ani").await;
    for h in ["QISCUS_SDK_SECRET", "QISCUS-SDK-SECRET"] {
        let r = c
            .http
            .get(&url)
            .header(h, "emulator-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "header {h}");
    }
}

#[tokio::test]
async fn unknown_path_is_404_with_error_body() {
    let c = Ctx::new().await;
    let got = c.get("no_such_call", &[]).await;
    assert_error(&got, 404, "not found");
    let got = c.get("/elsewhere", &[]).await;
    assert_error(&got, 404, "not found");
}

#[tokio::test]
async fn login_or_register_profile_and_reset_token() {
    let c = Ctx::new().await;
    let got = c
        .post(
            "login_or_register",
            json!({"email": "a@x.com", "username": "Ani", "avatar_url": "https://a/1.png", "device_token": "tok", "device_platform": "ios"}),
        )
        .await;
    let user = assert_ok(&got)["user"].clone();
    assert_keys(&assert_ok(&got), &["user"]);
    assert_keys(&user, USER_KEYS);
    assert_eq!(user["email"], "a@x.com");
    assert_eq!(user["username"], "Ani");
    assert_eq!(user["avatar_url"], "https://a/1.png");
    let token = user["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 20);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));

    // Existing user without password -> 400; with password -> updated.
    let got = c
        .post(
            "login_or_register",
            json!({"email": "a@x.com", "username": "New"}),
        )
        .await;
    assert_error(&got, 400, "password");
    let got = c
        .post(
            "login_or_register",
            json!({"email": "a@x.com", "username": "Ani B", "password": "pw", "avatar_url": "https://a/2.png"}),
        )
        .await;
    let u2 = assert_ok(&got)["user"].clone();
    assert_eq!(u2["id"], user["id"]);
    assert_eq!(u2["username"], "Ani B");
    assert_eq!(u2["avatar_url"], "https://a/2.png");
    assert_eq!(u2["token"], token.as_str());

    // Profile.
    let got = c.get("user_profile", &[("user_email", "a@x.com")]).await;
    let p = assert_ok(&got)["user"].clone();
    assert_keys(&p, USER_KEYS);
    assert_eq!(p["username"], "Ani B");
    assert_error(
        &c.get("user_profile", &[("user_email", "zz@x.com")]).await,
        404,
        "zz@x.com",
    );
    assert_error(&c.get("user_profile", &[]).await, 400, "user_email");

    // Reset token.
    let got = c
        .post("reset_user_token", json!({"user_email": "a@x.com"}))
        .await;
    let r = assert_ok(&got)["user"].clone();
    assert_keys(&r, RESET_USER_KEYS);
    assert_keys(&r["avatar"], &["url"]);
    assert_ne!(r["token"], token.as_str());
    assert_eq!(r["pn_ios_configured"], true);
    assert_eq!(r["pn_android_configured"], false);
    assert_error(
        &c.post("reset_user_token", json!({"user_email": "zz@x.com"}))
            .await,
        404,
        "zz@x.com",
    );
}

#[tokio::test]
async fn login_validation() {
    let c = Ctx::new().await;
    assert_error(
        &c.post("login_or_register", json!({"username": "x"})).await,
        400,
        "email",
    );
    assert_error(
        &c.post(
            "login_or_register",
            json!({"email": "not-an-email", "username": "x"}),
        )
        .await,
        400,
        "email",
    );
    assert_error(
        &c.post(
            "login_or_register",
            json!({"email": "a@x.com", "username": "x", "device_platform": "windows"}),
        )
        .await,
        400,
        "device_platform",
    );
    // Form-encoded works too.
    let got = c
        .post_form(
            "login_or_register",
            &[("email", "f@x.com"), ("username", "Form")],
        )
        .await;
    assert_eq!(assert_ok(&got)["user"]["username"], "Form");
}

#[tokio::test]
async fn create_room_and_participants() {
    let c = Ctx::new().await;
    for (e, n) in [("a@x.com", "Ani"), ("b@x.com", "Budi"), ("d@x.com", "Dedi")] {
        c.user(e, n).await;
    }
    // Form-encoded with participants[]; creator added; duplicates removed.
    let got = c
        .post_form(
            "create_room",
            &[
                ("name", "gege"),
                ("creator", "a@x.com"),
                ("participants[]", "b@x.com"),
                ("participants[]", "b@x.com"),
            ],
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, ROOM_SUMMARY_KEYS);
    assert_eq!(r["creator"], "a@x.com");
    assert_eq!(r["participants"], json!(["a@x.com", "b@x.com"]));
    assert_eq!(r["room_type"], "group");
    assert_eq!(r["room_name"], "gege");
    let room = r["room_id"].as_u64().unwrap();

    let got = c
        .post(
            "create_room",
            json!({"name": "x", "creator": "a@x.com", "participants": ["nobody@x.com"]}),
        )
        .await;
    assert_error(&got, 400, "nobody@x.com");
    assert_error(
        &c.post(
            "create_room",
            json!({"creator": "a@x.com", "participants": []}),
        )
        .await,
        400,
        "name",
    );

    // add (room_id as string, emails[] key) / remove.
    let got = c
        .post_form(
            "add_room_participants",
            &[("room_id", &room.to_string()), ("emails[]", "d@x.com")],
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, ROOM_SUMMARY_KEYS);
    assert_eq!(r["participants"], json!(["a@x.com", "b@x.com", "d@x.com"]));
    let got = c
        .post(
            "remove_room_participants",
            json!({"room_id": room.to_string(), "emails": ["b@x.com"]}),
        )
        .await;
    assert_eq!(
        assert_ok(&got)["participants"],
        json!(["a@x.com", "d@x.com"])
    );
    assert_error(
        &c.post(
            "add_room_participants",
            json!({"room_id": 999, "emails": ["b@x.com"]}),
        )
        .await,
        404,
        "room",
    );
    assert_error(
        &c.post(
            "add_room_participants",
            json!({"room_id": room, "emails": ["q@x.com"]}),
        )
        .await,
        400,
        "q@x.com",
    );
    assert_error(
        &c.post("add_room_participants", json!({"room_id": room}))
            .await,
        400,
        "emails",
    );
    // Removed user no longer sees the room.
    let got = c.get("get_user_rooms", &[("user_email", "b@x.com")]).await;
    assert_eq!(assert_ok(&got)["meta"]["total_room"], 0);
}

#[tokio::test]
async fn get_or_create_room_with_target_is_stable() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    let got = c
        .get(
            "get_or_create_room_with_target",
            &[("emails[]", "a@x.com"), ("emails[]", "b@x.com")],
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["comments", "room"]);
    assert_keys(
        &r["room"],
        &[
            "avatar_url",
            "chat_type",
            "id",
            "last_comment_id",
            "last_comment_message",
            "last_topic_id",
            "options",
            "participants",
            "room_name",
        ],
    );
    assert_eq!(r["room"]["chat_type"], "single");
    assert_eq!(r["room"]["room_name"], "a@x.com b@x.com");
    assert_eq!(r["room"]["options"], Value::Null);
    assert_keys(
        &r["room"]["participants"][0],
        &["avatar_url", "email", "username"],
    );
    let id = r["room"]["id"].as_u64().unwrap();
    c.say(id, "b@x.com", "hi").await;
    // Reverse order, `emails` key without [] -> same room, with the comment.
    let got = c
        .get(
            "get_or_create_room_with_target",
            &[("emails", "b@x.com"), ("emails", "a@x.com")],
        )
        .await;
    let r = assert_ok(&got);
    assert_eq!(r["room"]["id"], id);
    assert_eq!(r["room"]["room_name"], "a@x.com b@x.com");
    assert_eq!(r["room"]["last_comment_message"], "hi");
    assert_keys(&r["comments"][0], TARGET_COMMENT_KEYS);

    assert_error(
        &c.get("get_or_create_room_with_target", &[("emails[]", "a@x.com")])
            .await,
        400,
        "emails",
    );
    assert_error(
        &c.get(
            "get_or_create_room_with_target",
            &[("emails[]", "a@x.com"), ("emails[]", "a@x.com")],
        )
        .await,
        400,
        "emails",
    );
    assert_error(
        &c.get(
            "get_or_create_room_with_target",
            &[("emails[]", "a@x.com"), ("emails[]", "zz@x.com")],
        )
        .await,
        400,
        "zz@x.com",
    );
}

#[tokio::test]
async fn update_room_rules() {
    let c = Ctx::new().await;
    for (e, n) in [
        ("a@x.com", "Ani"),
        ("b@x.com", "Budi"),
        ("o@x.com", "Other"),
    ] {
        c.user(e, n).await;
    }
    let room = c.group("g", "a@x.com", &["b@x.com"]).await;
    c.say(room, "a@x.com", "one").await;
    let got = c
        .post(
            "update_room",
            json!({"user_email": "b@x.com", "room_id": room.to_string(), "room_name": "uwooo", "room_avatar_url": "http://avatar.jpg", "options": "{\"color\":\"red\"}"}),
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["changed", "room", "comments"]);
    assert_eq!(r["changed"], true);
    assert_keys(
        &r["room"],
        &[
            "chat_type",
            "id",
            "last_comment_id",
            "last_comment_message",
            "last_topic_id",
            "avatar_url",
            "options",
            "participants",
            "room_name",
        ],
    );
    assert_eq!(r["room"]["room_name"], "uwooo");
    assert_eq!(r["room"]["options"], "{\"color\":\"red\"}");
    assert_eq!(r["room"]["last_comment_message"], "one");
    assert_keys(
        &r["room"]["participants"][0],
        &[
            "avatar_url",
            "email",
            "username",
            "last_comment_read_id",
            "last_comment_received_id",
        ],
    );
    assert_keys(&r["comments"][0], UPDATE_COMMENT_KEYS);
    // Same values again -> unchanged.
    let got = c
        .post(
            "update_room",
            json!({"user_email": "b@x.com", "room_id": room, "room_name": "uwooo"}),
        )
        .await;
    assert_eq!(assert_ok(&got)["changed"], false);
    // Options default "".
    let room2 = c.group("g2", "a@x.com", &[]).await;
    let got = c
        .post(
            "update_room",
            json!({"user_email": "a@x.com", "room_id": room2}),
        )
        .await;
    assert_eq!(assert_ok(&got)["room"]["options"], "");

    assert_error(
        &c.post(
            "update_room",
            json!({"user_email": "o@x.com", "room_id": room, "room_name": "x"}),
        )
        .await,
        400,
        "participant",
    );
    assert_error(
        &c.post(
            "update_room",
            json!({"user_email": "a@x.com", "room_id": 999}),
        )
        .await,
        404,
        "room",
    );
    let single = c.single("a@x.com", "b@x.com").await;
    assert_error(
        &c.post(
            "update_room",
            json!({"user_email": "a@x.com", "room_id": single, "room_name": "x"}),
        )
        .await,
        400,
        "group",
    );
    assert_error(
        &c.post("update_room", json!({"room_id": room})).await,
        400,
        "user_email",
    );
    assert_error(
        &c.post(
            "update_room",
            json!({"user_email": "a@x.com", "room_id": "abc"}),
        )
        .await,
        400,
        "room_id",
    );
}

#[tokio::test]
async fn user_rooms_paging_filter_and_unread() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    let mut rooms = Vec::new();
    for i in 0..24 {
        rooms.push(c.group(&format!("room {i}"), "a@x.com", &["b@x.com"]).await);
    }
    let single = c.single("a@x.com", "b@x.com").await;
    // b posts in room 0 -> most recent; a posts 3 in room 1 -> unread 3 for b.
    for m in ["x", "y", "z"] {
        c.say(rooms[1], "a@x.com", m).await;
    }
    c.say(rooms[0], "b@x.com", "mine").await;

    let got = c
        .get(
            "get_user_rooms",
            &[("user_email", "b@x.com"), ("page", "1")],
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["meta", "rooms_info"]);
    assert_keys(&r["meta"], &["current_page", "total_room"]);
    assert_eq!(r["meta"]["total_room"], 25);
    assert_eq!(r["meta"]["current_page"], 1);
    let infos = r["rooms_info"].as_array().unwrap();
    assert_eq!(infos.len(), 20);
    for i in infos {
        assert_keys(i, ROOM_INFO_KEYS);
    }
    assert_eq!(infos[0]["room_id"], rooms[0]);
    assert_eq!(infos[0]["unread_count"], 0);
    assert_eq!(infos[0]["last_comment_message"], "mine");
    assert_eq!(infos[1]["room_id"], rooms[1]);
    assert_eq!(infos[1]["unread_count"], 3);
    assert_eq!(infos[2]["room_id"], single);
    assert_eq!(infos[2]["last_comment_id"], 0);
    assert_eq!(infos[2]["last_comment_message"], "");
    assert_eq!(infos[2]["last_comment_timestamp"], "0001-01-01T00:00:00Z");

    let got = c
        .get(
            "get_user_rooms",
            &[("user_email", "b@x.com"), ("page", "2")],
        )
        .await;
    let r = assert_ok(&got);
    assert_eq!(r["rooms_info"].as_array().unwrap().len(), 5);
    assert_eq!(r["meta"]["current_page"], 2);

    let got = c.get("get_user_rooms", &[("user_email", "b@x.com")]).await;
    assert_eq!(assert_ok(&got)["rooms_info"].as_array().unwrap().len(), 25);

    let got = c
        .get(
            "get_user_rooms",
            &[
                ("user_email", "b@x.com"),
                ("room_type", "single"),
                ("show_participants", "true"),
            ],
        )
        .await;
    let r = assert_ok(&got);
    assert_eq!(r["meta"]["total_room"], 1);
    let info = &r["rooms_info"][0];
    let mut with_p = ROOM_INFO_KEYS.to_vec();
    with_p.push("participants");
    assert_keys(info, &with_p);
    assert_keys(&info["participants"][0], PARTICIPANT_KEYS);
    let got = c
        .get(
            "get_user_rooms",
            &[("user_email", "b@x.com"), ("room_type", "group")],
        )
        .await;
    assert_eq!(assert_ok(&got)["meta"]["total_room"], 24);
    assert_error(
        &c.get(
            "get_user_rooms",
            &[("user_email", "b@x.com"), ("room_type", "odd")],
        )
        .await,
        400,
        "room_type",
    );
    assert_error(
        &c.get("get_user_rooms", &[("user_email", "zz@x.com")]).await,
        404,
        "zz@x.com",
    );

    // get_rooms_info: room_id[] form, unknown ids skipped.
    let got = c
        .post_form(
            "get_rooms_info",
            &[
                ("user_email", "b@x.com"),
                ("room_id[]", &rooms[1].to_string()),
                ("room_id[]", "9999"),
                ("room_id[]", &single.to_string()),
            ],
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["rooms_info"]);
    let infos = r["rooms_info"].as_array().unwrap();
    assert_eq!(infos.len(), 2);
    assert_keys(&infos[0], ROOMS_INFO_KEYS);
    assert_eq!(infos[0]["unread_count"], 3);
    let got = c
        .post(
            "get_rooms_info",
            json!({"user_email": "b@x.com", "room_id": [rooms[1]], "show_participants": true}),
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r["rooms_info"][0]["participants"][0], PARTICIPANT_KEYS);
}

#[tokio::test]
async fn post_comment_chain_ids_and_load() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    let r1 = c.group("one", "a@x.com", &["b@x.com"]).await;
    let r2 = c.group("two", "a@x.com", &["b@x.com"]).await;
    let c1 = c.say(r1, "a@x.com", "first").await;
    assert_keys(&c1, POST_COMMENT_KEYS);
    assert_eq!(c1["comment_before_id"], 0);
    assert_eq!(c1["type"], "text");
    assert_eq!(c1["payload"], json!({}));
    assert_eq!(c1["unique_temp_id"].as_str().unwrap().len(), 20);
    assert_eq!(c1["room_id"], r1);
    assert_eq!(c1["topic_id"], r1);
    assert!(c1["timestamp"].as_str().unwrap().ends_with('Z'));
    let c2 = c.say(r2, "b@x.com", "other room").await;
    let c3 = c.say(r1, "b@x.com", "second").await;
    assert!(c2["id"].as_u64() > c1["id"].as_u64());
    assert!(c3["id"].as_u64() > c2["id"].as_u64());
    assert_eq!(c3["comment_before_id"], c1["id"]);
    assert_eq!(c2["comment_before_id"], 0);

    for i in 0..30 {
        c.say(r1, "a@x.com", &format!("m{i}")).await;
    }
    let got = c
        .get("load_comments", &[("room_id", &r1.to_string())])
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["comments"]);
    let list = r["comments"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_keys(&list[0], LOAD_COMMENT_KEYS);
    assert_eq!(list[0]["message"], "m29");
    assert_eq!(list[0]["room_name"], "one");
    let ids: Vec<u64> = list.iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let got = c
        .get(
            "load_comments",
            &[("room_id", &r1.to_string()), ("page", "2"), ("limit", "10")],
        )
        .await;
    let list = assert_ok(&got)["comments"].as_array().unwrap().clone();
    assert_eq!(list.len(), 10);
    assert_eq!(list[0]["message"], "m19");
    let got = c
        .get(
            "load_comments",
            &[("room_id", &r1.to_string()), ("page", "2")],
        )
        .await;
    let list = assert_ok(&got)["comments"].as_array().unwrap().clone();
    assert_eq!(list.len(), 12);
    assert_eq!(list.last().unwrap()["message"], "first");
    assert_error(
        &c.get("load_comments", &[("room_id", "999")]).await,
        404,
        "room",
    );
    assert_error(&c.get("load_comments", &[]).await, 400, "room_id");
}

#[tokio::test]
async fn post_comment_validation() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    c.user("o@x.com", "Other").await;
    let room = c.group("g", "a@x.com", &[]).await;
    let post = |body: Value| {
        let mut b = json!({"sender_email": "a@x.com", "room_id": room});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        c.post("post_comment", b)
    };
    assert_error(&post(json!({"message": ""})).await, 400, "message");
    assert_error(
        &post(json!({"message": "x", "type": "system_event"})).await,
        400,
        "system_event",
    );
    assert_error(
        &c.post(
            "post_comment",
            json!({"sender_email": "o@x.com", "room_id": room, "message": "x"}),
        )
        .await,
        400,
        "participant",
    );
    assert_error(
        &c.post(
            "post_comment",
            json!({"sender_email": "a@x.com", "room_id": 999, "message": "x"}),
        )
        .await,
        404,
        "room",
    );
    assert_error(
        &c.post("post_comment", json!({"room_id": room, "message": "x"}))
            .await,
        400,
        "sender_email",
    );
    assert_error(
        &post(json!({"message": "x", "type": "reply", "payload": {"text": "x"}})).await,
        400,
        "replied_comment_id",
    );
    assert_error(
        &post(json!({"message": "x", "type": "reply", "payload": {"text": "x", "replied_comment_id": 9999}}))
            .await,
        400,
        "replied_comment_id",
    );
    assert_error(
        &post(json!({"message": "x", "type": "account_linking", "payload": {"text": "t", "url": "u", "params": {}}}))
            .await,
        400,
        "redirect_url",
    );
    assert_error(
        &post(json!({"message": "x", "type": "buttons", "payload": {"text": "t", "buttons": [{"label": "l", "type": "bogus", "payload": {"url": "u"}}]}}))
            .await,
        400,
        "type",
    );
    assert_error(
        &post(json!({"message": "x", "type": "card", "payload": {"text": "t", "image_url": "i", "title": "t", "url": "u", "buttons": []}}))
            .await,
        400,
        "description",
    );
    assert_error(
        &post(json!({"message": "x", "type": "carousel", "payload": {"cards": [{"image": "i", "title": "t", "buttons": []}]}}))
            .await,
        400,
        "description",
    );
    assert_error(
        &post(json!({"message": "x", "type": "custom", "payload": {"content": 1}})).await,
        400,
        "type",
    );
    assert_error(
        &post(json!({"message": "x", "type": "custom", "payload": {"type": "promo"}})).await,
        400,
        "content",
    );
    assert_error(
        &post(json!({"type": "location", "payload": {"name": "n", "address": "a", "latitude": 1, "map_url": "m"}}))
            .await,
        400,
        "longitude",
    );
    assert_error(
        &post(json!({"type": "contact_person", "payload": {"name": "n"}})).await,
        400,
        "value",
    );
    assert_error(
        &post(json!({"type": "contact_person", "payload": {"name": "n", "value": "v", "type": "fax"}}))
            .await,
        400,
        "type",
    );
    assert_error(
        &post(json!({"type": "file_attachment", "payload": {}})).await,
        400,
        "url",
    );
    // Every key of a postback answer is optional, but it must be an object.
    let (status, body) =
        post(json!({"message": "x", "type": "button_postback_response", "payload": {"url": "u"}}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_error(
        &post(json!({"message": "x", "type": "button_postback_response", "payload": "[1]"})).await,
        400,
        "payload",
    );
    assert_error(
        &post(json!({"message": "x", "type": "custom", "payload": "{not json"})).await,
        400,
        "payload",
    );
}

#[tokio::test]
async fn post_comment_types() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    let room = c.group("g", "a@x.com", &[]).await;
    let post = |body: Value| {
        let mut b = json!({"sender_email": "a@x.com", "room_id": room});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        c.post("post_comment", b)
    };
    let first = c.say(room, "a@x.com", "hello").await;
    let buttons = json!([
        {"label": "button1", "type": "postback", "payload": {"url": "http://s/1", "method": "get", "payload": null}},
        {"label": "button2", "type": "link", "payload": {"url": "http://s/2"}}
    ]);
    // reply with payload as a JSON string.
    let got = post(json!({"message": "re", "type": "reply", "payload": format!("{{\"text\":\"hello\",\"replied_comment_id\":{}}}", first["id"])})).await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["payload"]["replied_comment_id"], first["id"]);
    // card: image_url -> image.
    let got = post(json!({"message": "card", "type": "card", "payload": {"text": "t", "image_url": "http://i.jpg", "title": "T", "description": "D", "url": "http://u", "buttons": buttons}})).await;
    let p = assert_ok(&got)["comment"]["payload"].clone();
    assert_eq!(p["image"], "http://i.jpg");
    assert!(p.get("image_url").is_none());
    // location message.
    let got = post(json!({"type": "location", "payload": {"name": "Mirota", "address": "Jalan C", "latitude": 1.5, "longitude": 2.5, "map_url": "https://goo.gl/x"}})).await;
    assert_eq!(
        assert_ok(&got)["comment"]["message"],
        "Mirota Jalan C https://goo.gl/x"
    );
    // contact_person message + default type.
    let got =
        post(json!({"type": "contact_person", "payload": {"name": "Evan", "value": "0812"}})).await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["message"], "Evan - 0812");
    assert_eq!(cm["payload"]["type"], "phone");
    // file_attachment message.
    let got = post(
        json!({"type": "file_attachment", "payload": {"url": "https://f/x.pdf", "caption": "c"}}),
    )
    .await;
    assert_eq!(
        assert_ok(&got)["comment"]["message"],
        "[file] https://f/x.pdf [/file]"
    );
    // custom returned as given.
    let custom = json!({"type": "promo", "content": {"date": "2017-09-09"}});
    let got = post(json!({"message": "promo", "type": "custom", "payload": custom})).await;
    assert_eq!(assert_ok(&got)["comment"]["payload"], custom);
    // account_linking, buttons, carousel, button_postback_response.
    let got = post(json!({"message": "login", "type": "account_linking", "payload": {"text": "t", "url": "u", "redirect_url": "r", "params": {"user_id": 1}}})).await;
    assert_eq!(assert_ok(&got)["comment"]["type"], "account_linking");
    let got = post(
        json!({"message": "b", "type": "buttons", "payload": {"text": "t", "buttons": buttons}}),
    )
    .await;
    assert_eq!(assert_ok(&got)["comment"]["payload"]["buttons"], buttons);
    let got = post(json!({"message": "c", "type": "carousel", "payload": {"cards": [{"image": "i", "title": "t", "description": "d", "buttons": buttons}]}})).await;
    assert_eq!(assert_ok(&got)["comment"]["type"], "carousel");
    let got = post(json!({"message": "ok", "type": "button_postback_response", "payload": {"payload": {"a": 1}}})).await;
    assert_eq!(
        assert_ok(&got)["comment"]["type"],
        "button_postback_response"
    );
    // Unknown new types are stored as given.
    let got =
        post(json!({"message": "new", "type": "brand_new_type", "payload": {"anything": [1, 2]}}))
            .await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["type"], "brand_new_type");
    assert_eq!(cm["payload"], json!({"anything": [1, 2]}));
    // Text ignores payload; disable_link_preview from a form string.
    let got = c
        .post_form(
            "post_comment",
            &[
                ("sender_email", "a@x.com"),
                ("room_id", &room.to_string()),
                ("message", "plain"),
                ("payload", "{\"x\":1}"),
                ("disable_link_preview", "true"),
            ],
        )
        .await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["payload"], json!({}));
    assert_eq!(cm["disable_link_preview"], true);
}

#[tokio::test]
async fn unique_temp_id_is_idempotent() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    let room = c.group("g", "a@x.com", &[]).await;
    let body = json!({"sender_email": "a@x.com", "room_id": room, "message": "once", "unique_temp_id": "retry-1"});
    let first = c.post("post_comment", body.clone()).await;
    let second = c.post("post_comment", body.clone()).await;
    assert_eq!(assert_ok(&first), assert_ok(&second));
    let stored = c
        .admin_get(&format!("/_emulator/rooms/{room}/comments"))
        .await;
    assert_eq!(stored["comments"].as_array().unwrap().len(), 1);

    // 20 concurrent posts with one id store exactly one comment.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let http = c.http.clone();
        let url = c.url("post_comment");
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .header("QISCUS_SDK_SECRET", "emulator-secret")
                .json(&json!({"sender_email": "a@x.com", "room_id": room, "message": "race", "unique_temp_id": "race-1"}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(
            t.await.unwrap()["results"]["comment"]["id"]
                .as_u64()
                .unwrap(),
        );
    }
    assert_eq!(ids.len(), 1);
    let stored = c
        .admin_get(&format!("/_emulator/rooms/{room}/comments"))
        .await;
    let list = stored["comments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["unique_temp_id"], "race-1");
}

#[tokio::test]
async fn system_event_messages() {
    let c = Ctx::new().await;
    c.user("u@x.com", "Ucup").await;
    c.user("ani@x.com", "Ani").await;
    c.user("budi@x.com", "Budi").await;
    let room = c.group("Qiscus", "u@x.com", &["ani@x.com"]).await;
    let ev = |body: Value| {
        let mut b = json!({"room_id": room, "subject_email": "u@x.com"});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        c.post("post_system_event_message", b)
    };
    let got = ev(json!({"system_event_type": "create_room", "updated_room_name": "Qiscus"})).await;
    let cm = assert_ok(&got)["comment"].clone();
    let mut keys = POST_COMMENT_KEYS.to_vec();
    keys.push("user_id");
    assert_keys(&cm, &keys);
    assert_eq!(cm["message"], "Ucup created room 'Qiscus'");
    assert_eq!(cm["type"], "system_event");
    assert_eq!(cm["username"], "System");
    assert_eq!(cm["payload"]["type"], "create_room");
    assert_eq!(cm["payload"]["subject_username"], "Ucup");
    assert_eq!(cm["payload"]["subject_email"], "u@x.com");
    assert_eq!(cm["payload"]["room_name"], "Qiscus");
    assert_eq!(cm["comment_before_id"], 0);

    let got = ev(json!({"system_event_type": "add_member", "object_email": ["ani@x.com"]})).await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["message"], "Ucup added Ani");
    assert_eq!(cm["payload"]["object_username"], "Ani");
    assert_eq!(cm["payload"]["object_email"], "ani@x.com");
    let got = c
        .post_form(
            "post_system_event_message",
            &[
                ("system_event_type", "add_member"),
                ("room_id", &room.to_string()),
                ("subject_email", "u@x.com"),
                ("object_email[]", "ani@x.com"),
                ("object_email[]", "budi@x.com"),
            ],
        )
        .await;
    assert_eq!(
        assert_ok(&got)["comment"]["message"],
        "Ucup added Ani, Budi"
    );
    for (t, msg) in [
        ("join_room", "Ucup joined room"),
        ("left_room", "Ucup left room"),
        ("change_room_avatar", "Ucup changed room avatar"),
    ] {
        let got = ev(json!({"system_event_type": t})).await;
        assert_eq!(assert_ok(&got)["comment"]["message"], msg);
    }
    let got = ev(json!({"system_event_type": "remove_member", "object_email": "ani@x.com"})).await;
    assert_eq!(assert_ok(&got)["comment"]["message"], "Ucup removed Ani");
    let got =
        ev(json!({"system_event_type": "change_room_name", "updated_room_name": "Super"})).await;
    assert_eq!(
        assert_ok(&got)["comment"]["message"],
        "Ucup changed room name to 'Super'"
    );
    let got = c
        .get("load_comments", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(assert_ok(&got)["comments"][0]["room_name"], "Super");
    let custom = json!({"type": "add_admin", "admin_email": "ani@x.com"});
    let got = ev(json!({"system_event_type": "custom", "payload": custom.to_string(), "message": "admin added"})).await;
    let cm = assert_ok(&got)["comment"].clone();
    assert_eq!(cm["payload"], custom);
    assert_eq!(cm["message"], "admin added");

    assert_error(
        &ev(json!({"system_event_type": "add_member"})).await,
        400,
        "object_email",
    );
    assert_error(
        &ev(json!({"system_event_type": "remove_member"})).await,
        400,
        "object_email",
    );
    assert_error(
        &ev(json!({"system_event_type": "change_room_name"})).await,
        400,
        "updated_room_name",
    );
    assert_error(
        &ev(json!({"system_event_type": "create_room"})).await,
        400,
        "updated_room_name",
    );
    assert_error(
        &ev(json!({"system_event_type": "custom"})).await,
        400,
        "payload",
    );
    assert_error(
        &ev(json!({"system_event_type": "custom", "payload": {"no_type": 1}})).await,
        400,
        "type",
    );
    assert_error(
        &ev(json!({"system_event_type": "dance"})).await,
        400,
        "system_event_type",
    );
    assert_error(
        &c.post(
            "post_system_event_message",
            json!({"system_event_type": "join_room", "room_id": 999, "subject_email": "u@x.com"}),
        )
        .await,
        404,
        "room",
    );
}

#[tokio::test]
async fn search_messages_in_user_rooms() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    c.user("o@x.com", "Other").await;
    let r1 = c.group("one", "a@x.com", &["b@x.com"]).await;
    let r2 = c.group("two", "b@x.com", &[]).await;
    let r3 = c.group("three", "o@x.com", &[]).await;
    c.say(r1, "a@x.com", "Support integration").await;
    c.say(r2, "b@x.com", "need SUPPORT now").await;
    c.say(r3, "o@x.com", "support elsewhere").await;
    c.say(r1, "a@x.com", "unrelated").await;
    let got = c
        .post(
            "search_messages",
            json!({"user_email": "b@x.com", "query": "support"}),
        )
        .await;
    let r = assert_ok(&got);
    assert_keys(&r, &["comments"]);
    let list = r["comments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_keys(&list[0], SEARCH_KEYS);
    assert_eq!(list[0]["message"], "need SUPPORT now");
    assert_eq!(list[0]["chat_type"], "group");
    assert_eq!(list[0]["room_name"], "two");
    assert_eq!(list[1]["message"], "Support integration");
    let got = c
        .post_form(
            "search_messages",
            &[
                ("user_email", "b@x.com"),
                ("query", "support"),
                ("room_id", &r1.to_string()),
            ],
        )
        .await;
    assert_eq!(assert_ok(&got)["comments"].as_array().unwrap().len(), 1);
    assert_error(
        &c.post("search_messages", json!({"user_email": "b@x.com"}))
            .await,
        400,
        "query",
    );
    assert_error(
        &c.post(
            "search_messages",
            json!({"user_email": "zz@x.com", "query": "q"}),
        )
        .await,
        404,
        "zz@x.com",
    );
}

#[tokio::test]
async fn admin_reset_clears_state() {
    let c = Ctx::new().await;
    c.user("a@x.com", "Ani").await;
    let r = c.http.post(c.url("/_emulator/reset")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_error(
        &c.get("user_profile", &[("user_email", "a@x.com")]).await,
        404,
        "a@x.com",
    );
    let stats = c.admin_get("/_emulator/stats").await;
    assert_keys(
        &stats,
        &[
            "requests",
            "faults_injected",
            "errors_500",
            "errors_503",
            "rate_limited",
            "dropped_before",
            "dropped_after",
            "delayed",
            "webhooks_delivered",
            "webhooks_failed",
        ],
    );
    // Counted from the reset on: only the user_profile call above.
    assert_eq!(stats["requests"], 1);
}
