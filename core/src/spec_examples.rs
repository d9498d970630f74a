//! Every example response of the spec (and the live shapes of notes.md) decodes into the typed
//! results with the documented values. Fixtures live in `core/tests/fixtures/`; only the
//! examples' printing artifacts were corrected.

use serde_json::{json, Value};

use crate::backups::{ExportCreated, HistoriesResult, HistoryResult};
use crate::client::decode;
use crate::comments::{CommentResults, CommentsResults};
use crate::rooms::RoomsInfoResults;
use crate::users::UserResults;
use crate::*;

macro_rules! spec {
    ($name:literal) => {
        include_str!(concat!("../tests/fixtures/spec/", $name, ".json")).as_bytes()
    };
}
macro_rules! live {
    ($name:literal) => {
        include_str!(concat!("../tests/fixtures/live/", $name, ".json")).as_bytes()
    };
}

fn user(call: &str, body: &[u8]) -> User {
    decode::<UserResults>(call, body).unwrap().into()
}

#[test]
fn login_or_register_and_user_profile() {
    for (call, body) in [
        ("login_or_register", spec!("login_or_register")),
        ("user_profile", spec!("user_profile")),
    ] {
        let u = user(call, body);
        assert_eq!(u.id, 1);
        assert_eq!(u.email, "user1@example.com".replace('1', &u.email[4..5]));
        assert_eq!(u.username.as_deref(), Some("Johnny Cage"));
        assert_eq!(
            u.avatar_url.as_deref(),
            Some("https://myimagebucket.com/image.jpg")
        );
        assert_eq!(u.token.as_deref(), Some("abcde1234defgh"));
    }
}

#[test]
fn reset_user_token() {
    let u = user("reset_user_token", spec!("reset_user_token"));
    assert_eq!(u.id, 144);
    assert_eq!(u.username.as_deref(), Some("Yusuf"));
    assert_eq!(u.token.as_deref(), Some("kj2oLfL9CwzKZXxkHfHE"));
    assert_eq!(u.last_comment_id, Some(443376));
    assert_eq!(u.pn_android_configured, Some(true));
    assert_eq!(u.pn_ios_configured, Some(true));
    assert_eq!(u.rt_key.as_deref(), Some("somestring"));
    assert!(u.avatar_url.unwrap().ends_with("m9lvv1ykfrgw3lte0ojb.jpg"));

    // Live: nested `app`, id as a string, only `avatar.url`, an unknown field.
    let u = user("reset_user_token", live!("reset_user_token_app"));
    assert_eq!(u.id, 144);
    assert_eq!(
        u.avatar_url.as_deref(),
        Some("https://example.com/avatar.jpg")
    );
    let app = u.app.unwrap();
    assert_eq!(app.code.as_deref(), Some("kiwari-prod"));
    assert_eq!(app.id, Some(7));
    assert_eq!(u.pn_ios_configured, Some(false));
}

#[test]
fn get_user_rooms_without_and_with_participants() {
    let r: UserRooms = decode("get_user_rooms", spec!("get_user_rooms")).unwrap();
    let meta = r.meta.unwrap();
    assert_eq!((meta.current_page, meta.total_room), (1, 39));
    assert_eq!(r.rooms_info.len(), 2);
    let first = &r.rooms_info[0];
    assert_eq!(first.room_id, 1339);
    assert_eq!(first.room_name, "Heru S");
    assert_eq!(first.room_type, "single");
    assert_eq!(first.last_comment_id, 443375);
    assert_eq!(first.last_comment_message, "Yusuf added Heru S");
    assert_eq!(
        first.last_comment_timestamp.as_ref().unwrap().as_str(),
        "2017-08-04T15:45:07Z"
    );
    assert_eq!(first.room_avatar_url.as_deref(), Some(""));
    assert_eq!(first.unread_count, 19);
    assert!(first.participants.is_none());
    assert_eq!(r.rooms_info[1].unread_count, 56);

    let r: UserRooms = decode("get_user_rooms", spec!("get_user_rooms_participants")).unwrap();
    let room = &r.rooms_info[0];
    assert_eq!(room.room_id, 1275);
    assert_eq!(room.room_name, "Qiscus SDK clients");
    let ps = room.participants.as_ref().unwrap();
    assert_eq!(ps.len(), 3);
    assert_eq!(ps[0].id, Some(144));
    assert_eq!(ps[0].username.as_deref(), Some("Yusuf"));
    assert_eq!(ps[0].last_comment_read_id, Some(443376));
    assert_eq!(ps[0].last_comment_received_id, Some(426622));
    assert_eq!(ps[2].username.as_deref(), Some("A. Athaullah"));
}

#[test]
fn create_add_remove_room() {
    for (call, body) in [
        ("create_room", spec!("create_room")),
        ("add_room_participants", spec!("add_room_participants")),
        (
            "remove_room_participants",
            spec!("remove_room_participants"),
        ),
    ] {
        let r: RoomSummary = decode(call, body).unwrap();
        assert_eq!(r.room_id, 16, "{call}");
        assert_eq!(r.room_name, "gege");
        assert_eq!(r.room_type, "group");
        assert!(r.creator.unwrap().ends_with("@example.com"));
        assert_eq!(r.participants.len(), 2);
        assert!(r
            .participants
            .iter()
            .all(|p| p.email.contains('@') && p.id.is_none()));
    }
    // Live: participants as objects, ids as strings.
    let r: RoomSummary = decode("create_room", live!("create_room_participant_objects")).unwrap();
    assert_eq!(r.room_id, 16);
    assert_eq!(r.participants[1].email, "user2@example.com");
    assert_eq!(r.participants[1].id, Some(12));
    assert_eq!(r.participants[1].last_comment_read_id, Some(5));
    assert_eq!(r.participants[1].last_comment_received_id, None);
    assert_eq!(r.participants[0].username.as_deref(), Some("Alice"));
}

#[test]
fn update_room() {
    let r: UpdatedRoom = decode("update_room", spec!("update_room")).unwrap();
    assert!(r.changed);
    assert_eq!(r.room.id, 18);
    assert_eq!(r.room.chat_type, "group");
    assert_eq!(r.room.room_name, "uwooo");
    assert_eq!(r.room.avatar_url.as_deref(), Some("http://avatar.jpg"));
    assert_eq!(r.room.options, None, "\"\" options are none");
    assert_eq!(r.room.last_comment_id, 0);
    assert_eq!(r.room.participants.len(), 2);
    assert_eq!(r.room.participants[1].username.as_deref(), Some("kotak"));
    assert_eq!(r.room.participants[0].last_comment_read_id, Some(0));
    assert_eq!(r.comments.len(), 2);
    let c = &r.comments[0];
    assert_eq!((c.id, c.comment_before_id), (985, 984));
    assert_eq!(c.message, "Hello Post 2");
    assert_eq!(c.payload, Payload::Text);
    assert_eq!(c.username.as_deref(), Some("f1"));
    assert_eq!(
        c.user_avatar_url.as_deref(),
        Some("http://imagebucket.com/image.jpg")
    );
    assert_eq!(c.unix_timestamp, Some(1489999170));
    assert_eq!(c.unique_temp_id.as_deref(), Some("CanBeAnything1234321"));
    assert_eq!(
        c.timestamp.as_ref().unwrap().parse().unwrap().timestamp(),
        1473178730
    );

    // Live: options as a JSON string, null ids, mixed participants, null comments.
    let r: UpdatedRoom = decode("update_room", live!("update_room_options_string")).unwrap();
    assert_eq!(
        r.room.options,
        Some(json!({"color": "red", "pinned": [1, 2]}))
    );
    assert_eq!(r.room.last_comment_id, 0);
    assert_eq!(r.room.last_comment_message, "");
    assert_eq!(r.room.participants[0].email, "user1@example.com");
    assert_eq!(r.room.participants[1].username.as_deref(), Some("kotak"));
    assert!(r.comments.is_empty());
}

#[test]
fn get_or_create_room_with_target() {
    let r: RoomWithComments = decode(
        "get_or_create_room_with_target",
        spec!("get_or_create_room_with_target"),
    )
    .unwrap();
    assert_eq!(r.room.id, 234);
    assert_eq!(r.room.chat_type, "single");
    assert_eq!(r.room.last_comment_id, 124974);
    assert_eq!(r.room.last_topic_id, 234);
    assert_eq!(r.room.options, None);
    assert_eq!(r.room.participants.len(), 2);
    assert_eq!(r.comments.len(), 2);
    assert_eq!(r.comments[0].id, 124974);
    assert_eq!(
        r.comments[0].unique_temp_id.as_deref(),
        Some("pyRIKY4reRXlU4Sp6r97")
    );
    assert_eq!(r.comments[1].message, "testingasdad asdas dasd");
    assert_eq!(r.comments[0].payload, Payload::Text, "no type means text");
}

#[test]
fn get_rooms_info() {
    let r: RoomsInfoResults = decode("get_rooms_info", spec!("get_rooms_info")).unwrap();
    assert_eq!(r.rooms_info.len(), 2);
    assert_eq!(r.rooms_info[0].room_id, 13);
    assert_eq!(r.rooms_info[1].room_id, 14);
    assert_eq!(r.rooms_info[0].unread_count, 123);
    assert!(r.rooms_info[0]
        .last_comment_timestamp
        .as_ref()
        .unwrap()
        .is_zero());
}

#[test]
fn post_comment_account_linking() {
    let r: CommentResults = decode("post_comment", spec!("post_comment")).unwrap();
    let c = r.comment;
    assert_eq!((c.id, c.comment_before_id), (3, 2));
    assert_eq!(c.message, "Account linking");
    assert_eq!(c.room_id, Some(1));
    assert_eq!(c.topic_id, Some(1));
    assert_eq!(c.username.as_deref(), Some("asasmoyo"));
    assert_eq!(c.unique_temp_id.as_deref(), Some("8I4NUxHkMCut7c1ijJLt"));
    assert_eq!(
        c.timestamp.as_ref().unwrap().as_str(),
        "2017-02-27T17:30:09+07:00"
    );
    match c.payload {
        Payload::AccountLinking(p) => {
            assert_eq!(p.url, "http://google.com");
            assert_eq!(p.redirect_url, "http://google.com/redirect");
            assert_eq!(p.text, "silahkan login");
            assert_eq!(p.params, Some(json!({"user_id": 1, "topic_id": 1})));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_comments_and_search() {
    let r: CommentsResults = decode("load_comments", spec!("load_comments")).unwrap();
    assert_eq!(r.comments.len(), 2);
    assert_eq!(r.comments[0].message, "testing");
    assert_eq!(r.comments[0].room_id, Some(234));
    assert!(r.comments[0]
        .room_name
        .as_ref()
        .unwrap()
        .contains("@example.com"));
    assert_eq!(r.comments[1].message, "here is the message that I sent");

    let r: CommentsResults = decode("search_messages", spec!("search_messages")).unwrap();
    let c = &r.comments[0];
    assert_eq!(c.id, 156028);
    assert_eq!(c.chat_type.as_deref(), Some("group"));
    assert_eq!(c.room_name.as_deref(), Some("Qiscus SDK clients"));
    assert_eq!(c.user_id, Some(103));
    assert_eq!(c.payload, Payload::Text, "payload null on a text comment");
    assert_eq!(c.unique_temp_id.as_deref(), Some("bq1493097648433"));
}

#[test]
fn post_system_event_message() {
    let r: CommentResults = decode(
        "post_system_event_message",
        spec!("post_system_event_message"),
    )
    .unwrap();
    let c = r.comment;
    assert_eq!(c.id, 17975);
    assert_eq!(c.message, "Yusuf joined room");
    assert_eq!(c.user_id, Some(2905));
    assert_eq!(c.username.as_deref(), Some("System"));
    match c.payload {
        Payload::SystemEvent(p) => {
            assert_eq!(p.event_type, "join_room");
            assert_eq!(p.subject_username.as_deref(), Some("Yusuf"));
            assert_eq!(p.room_name.as_deref(), Some("Test Group"));
            assert_eq!(p.object_email.as_deref(), Some(""));
            assert_eq!(p.extra, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn backups() {
    let e: ExportCreated = decode("create_export", spec!("create_export")).unwrap();
    let e = match e {
        ExportCreated::Bare(e) => e,
        ExportCreated::Wrapped { backup_history } => backup_history,
    };
    assert_eq!(e.unique_id, "dd2c46a8-0921-4b75-837c-cee1b9804787");
    assert_eq!(e.status, "started");
    assert_eq!(e.percentage, 0.0);
    assert_eq!(e.resource_name, "comments");
    assert_eq!(e.download_url, "");
    assert!(!e.is_finished());
    assert_eq!(
        e.original_filename,
        "2017-07-17T10:19:44+07:00_exported_comments.json"
    );

    let list: HistoriesResult<Export> = decode("list_exports", spec!("list_exports")).unwrap();
    assert_eq!(list.backup_histories.len(), 1);
    for (call, body) in [
        ("get_export", spec!("get_export")),
        ("delete_export", spec!("delete_export")),
    ] {
        let e: HistoryResult<Export> = decode(call, body).unwrap();
        let e = e.backup_history;
        assert_eq!(e.unique_id, "c44c4168-0b45-4ac2-8942-a4f1af987a13");
        assert!(e.is_finished());
        assert_eq!(e.percentage, 100.0);
        assert_eq!(e.size, 43044263);
        assert_eq!(e.total_rows, 119963);
        assert!(e.download_url.starts_with("https://"));
    }
    assert_eq!(list.backup_histories[0].total_rows, 119963);

    let i: HistoryResult<Import> = decode("create_import", spec!("create_import")).unwrap();
    let i = i.backup_history;
    assert_eq!(i.unique_id, "13c4952f-4b77-4705-9523-7ddca9c45967");
    assert_eq!(i.status, "started");
    assert_eq!(i.size, 926);
    assert_eq!(i.original_filename, "comment_single.json");
    assert_eq!(i.errors, ImportErrors::default());

    let l: HistoriesResult<Import> = decode("list_imports", spec!("list_imports")).unwrap();
    assert_eq!(l.backup_histories[0].status, "finished");
    assert_eq!(l.backup_histories[0].total_rows, 1);
    assert_eq!(
        l.backup_histories[0].errors,
        ImportErrors::default(),
        "{{}} errors"
    );
}

#[test]
fn payload_examples_decode_and_serialise_as_the_spec_shows() {
    fn raw(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }
    // account_linking: request form == response form.
    let p = Payload::from_wire(
        Some("account_linking"),
        Some(raw(spec!("payload_account_linking"))),
    );
    assert!(
        matches!(&p, Payload::AccountLinking(a) if a.params.as_ref().unwrap()["button_text"] == "ini button")
    );
    assert_eq!(p.to_wire().unwrap(), raw(spec!("payload_account_linking")));

    let p = Payload::from_wire(Some("buttons"), Some(raw(spec!("payload_buttons"))));
    match &p {
        Payload::Buttons(b) => {
            assert_eq!(b.text, "silahkan pencet");
            assert_eq!(b.buttons.len(), 2);
            assert_eq!(b.buttons[0].button_type, "postback");
            assert_eq!(b.buttons[0].payload.method.as_deref(), Some("get"));
            assert_eq!(
                b.buttons[1].payload.url.as_deref(),
                Some("http://somewhere.com/button2?id=123")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.to_wire().unwrap(),
        strip_nulls(raw(spec!("payload_buttons")))
    );

    // card: `image` coming out, `image_url` going in.
    let out = Payload::from_wire(Some("card"), Some(raw(spec!("payload_card_response"))));
    let inn = Payload::from_wire(Some("card"), Some(raw(spec!("payload_card_request"))));
    assert_eq!(out, inn);
    match &out {
        Payload::Card(c) => {
            assert_eq!(c.image, "http://url.com/gambar.jpg");
            assert_eq!(
                c.title,
                "Atasan Blouse Tunik Wanita Baju Muslim Worie Longtop"
            );
            assert_eq!(c.buttons.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out.to_wire().unwrap(),
        strip_nulls(raw(spec!("payload_card_request")))
    );

    let p = Payload::from_wire(Some("custom"), Some(raw(spec!("payload_custom_request"))));
    assert!(
        matches!(&p, Payload::Custom(c) if c.custom_type == "promo" && c.content == json!({"date": "2017-09-09"}))
    );
    assert_eq!(p.to_wire().unwrap(), raw(spec!("payload_custom_response")));

    let p = Payload::from_wire(Some("location"), Some(raw(spec!("payload_location"))));
    assert!(
        matches!(&p, Payload::Location(l) if l.latitude == 1213.2323 && l.map_url == "https://goo.gl/maps/nkY2DBF1quM2")
    );
    assert_eq!(p.to_wire().unwrap(), raw(spec!("payload_location")));

    let p = Payload::from_wire(
        Some("contact_person"),
        Some(raw(spec!("payload_contact_person"))),
    );
    assert!(
        matches!(&p, Payload::ContactPerson(c) if c.name == "Evan" && c.contact_type.as_deref() == Some("email"))
    );
    assert_eq!(p.to_wire().unwrap(), raw(spec!("payload_contact_person")));

    let p = Payload::from_wire(Some("reply"), Some(raw(spec!("payload_reply_import_tip"))));
    assert!(
        matches!(&p, Payload::Reply(r) if r.replied_comment_id == 1 && r.text == "ini comment")
    );
    assert_eq!(p.to_wire().unwrap(), raw(spec!("payload_reply_import_tip")));

    // A custom system event keeps its own keys.
    let p = Payload::from_wire(
        Some("system_event"),
        Some(raw(spec!("payload_system_event_custom_request"))),
    );
    match &p {
        Payload::SystemEvent(s) => {
            assert_eq!(s.event_type, "add_admin");
            assert_eq!(s.extra, Some(json!({"admin_email": "user31@example.com"})));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.to_wire().unwrap(),
        raw(spec!("payload_system_event_custom_response"))
    );
}

#[test]
fn system_event_subtype_payloads() {
    let cases = [
        (
            "create_room",
            json!({"type": "create_room", "subject_username": "Ucup", "subject_email": "ucup@example.com", "room_name": "Qiscus"}),
        ),
        (
            "add_member",
            json!({"type": "add_member", "subject_username": "Ucup", "subject_email": "ucup@example.com", "object_username": "Ani", "object_email": "ani@example.com"}),
        ),
        (
            "join_room",
            json!({"type": "join_room", "subject_username": "Ucup", "subject_email": "ucup@example.com", "room_name": "Qiscus"}),
        ),
        (
            "remove_member",
            json!({"type": "remove_member", "subject_username": "Ucup", "subject_email": "ucup@example.com", "object_username": "Ani", "object_email": "ani@example.com"}),
        ),
        (
            "left_room",
            json!({"type": "left_room", "subject_username": "Ucup", "subject_email": "ucup@example.com", "room_name": "Qiscus"}),
        ),
        (
            "change_room_name",
            json!({"type": "change_room_name", "subject_username": "Ucup", "subject_email": "ucup@example.com", "room_name": "Qiscus Super Family"}),
        ),
        (
            "change_room_avatar",
            json!({"type": "change_room_avatar", "subject_username": "Ucup", "subject_email": "ucup@example.com"}),
        ),
    ];
    for (kind, wire) in cases {
        let p = Payload::from_wire(Some("system_event"), Some(wire.clone()));
        match &p {
            Payload::SystemEvent(s) => {
                assert_eq!(s.event_type, kind);
                assert_eq!(s.subject_username.as_deref(), Some("Ucup"));
                assert_eq!(s.extra, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.to_wire().unwrap(), wire, "{kind}");
    }
}

#[test]
fn live_comment_shapes() {
    let r: CommentsResults = decode("load_comments", live!("comments_odd_shapes")).unwrap();
    let c = &r.comments;
    assert_eq!(c.len(), 9);
    assert_eq!(
        (c[0].id, c[0].comment_before_id, c[0].room_id),
        (30, 29, Some(7))
    );
    assert_eq!(c[0].payload, Payload::Text);
    assert_eq!(
        c[0].timestamp
            .as_ref()
            .unwrap()
            .parse()
            .unwrap()
            .timestamp(),
        1506162884
    );
    assert_eq!(c[1].payload, Payload::Text);
    assert!(matches!(&c[2].payload, Payload::Custom(p) if p.custom_type.is_empty()));
    assert!(
        matches!(&c[3].payload, Payload::ButtonPostbackResponse(p) if p.method.as_deref() == Some("post") && p.payload == Some(json!({"choice": 2})))
    );
    assert!(
        matches!(&c[4].payload, Payload::FileAttachment(p) if p.size == Some(1024) && p.pages == Some(3) && p.file_name.as_deref() == Some("f.pdf"))
    );
    match &c[5].payload {
        Payload::Carousel(p) => {
            assert_eq!(p.cards.len(), 1);
            assert_eq!(p.cards[0].title, "One");
            assert_eq!(p.cards[0].buttons[0].label, "Buy");
            assert!(p.cards[0].default_action.is_some());
        }
        other => panic!("{other:?}"),
    }
    // An unknown type is kept whole.
    assert_eq!(
        c[6].payload,
        Payload::Unknown {
            type_name: "poll_v3".into(),
            payload: Some(json!({"question": "?", "options": ["a", "b"], "weights": [0.5, 0.25]}))
        }
    );
    assert!(c[6].disable_link_preview, "\"true\" is true");
    // A payload sent as a JSON string.
    assert!(matches!(&c[7].payload, Payload::Custom(p) if p.custom_type == "promo"));
    assert_eq!(c[7].unix_timestamp, Some(1489999170));
    // A known type whose payload has the wrong shape does not fail the response.
    assert_eq!(
        c[8].payload,
        Payload::Unknown {
            type_name: "buttons".into(),
            payload: Some(json!({"text": "x", "buttons": "not a list"}))
        }
    );
}

#[test]
fn a_known_type_with_a_non_object_payload_is_kept_whole() {
    for (kind, payload) in [
        ("reply", json!(["hi", 5])),
        ("custom", json!([])),
        ("system_event", json!("x")),
    ] {
        assert_eq!(
            Payload::from_wire(Some(kind), Some(payload.clone())),
            Payload::Unknown {
                type_name: kind.into(),
                payload: Some(payload)
            }
        );
    }
}

#[test]
fn webhooks() {
    let e = webhooks::parse_event(spec!("webhook_post_comment_mobile")).unwrap();
    assert_eq!(e.event_type, "post_comment_mobile");
    assert!(!e.is_from_rest());
    assert_eq!(e.payload.from.id, Some(1));
    assert_eq!(e.payload.from.name.as_deref(), Some("User1"));
    assert_eq!(e.payload.room.id, 1);
    assert_eq!(e.payload.room.room_type, "group");
    assert_eq!(e.payload.room.name, "ini grup");
    assert_eq!(e.payload.room.participants.len(), 2);
    assert_eq!(
        e.payload.room.participants[1].avatar_url.as_deref(),
        Some("http://avatar2.jpg")
    );
    assert_eq!(e.payload.message.text, "ini pesan");
    assert_eq!(e.payload.message.payload, Payload::Text);

    let e = webhooks::parse_event(live!("webhook_post_comment_mobile_full")).unwrap();
    let m = &e.payload.message;
    assert_eq!((m.id, m.comment_before_id), (Some(99), Some(98)));
    assert_eq!(m.unique_temp_id.as_deref(), Some("abc123"));
    assert!(matches!(&m.payload, Payload::Location(l) if l.name == "Mirota"));
    assert_eq!(
        e.payload.room.room_avatar.as_deref(),
        Some("https://example.com/room.png")
    );
    assert_eq!(
        e.payload.room.participants[1].last_comment_read_id,
        Some(97)
    );
    assert_eq!(
        e.payload.from.avatar_url.as_deref(),
        Some("https://example.com/u1.png")
    );

    let e = webhooks::parse_event(live!("webhook_channel_no_participants")).unwrap();
    assert!(e.is_from_rest());
    assert!(e.payload.room.participants.is_empty());
    assert_eq!(e.payload.from.id, Some(5));

    let err = webhooks::parse_event(b"<html>").unwrap_err();
    assert!(matches!(err, Error::Decode { ref call, .. } if call == "webhook"));
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
