//! Every client call against a running emulator, checking the values that come back, every
//! error kind through the client, webhooks end to end, and many concurrent posts.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use qiscus::webhooks::{verify_and_parse, SIGNATURE_HEADER};
use qiscus::*;
use qiscus_emulator::{EmulatorConfig, Faults};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

/// An emulator, a client, and Alice, Bob and Carol registered.
async fn three_users() -> (qiscus_emulator::EmulatorHandle, Client) {
    let (h, c) = start_default().await;
    register(&c, ALICE, "Alice").await;
    register(&c, BOB, "Bob").await;
    register(&c, CAROL, "Carol").await;
    (h, c)
}

/// A group room of Alice and Bob.
async fn group(c: &Client, name: &str) -> RoomSummary {
    c.create_room(&CreateRoomParams::new(name, ALICE, [BOB]))
        .await
        .expect("create_room")
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn login_or_register_creates_then_updates_only_with_password() {
    let (_h, c) = start_default().await;
    let created = c
        .login_or_register(
            &LoginOrRegisterParams::new(ALICE, "Alice").avatar_url("https://img.example/a.png"),
        )
        .await
        .unwrap();
    assert!(created.id > 0);
    assert_eq!(created.email, ALICE);
    assert_eq!(created.username.as_deref(), Some("Alice"));
    assert_eq!(
        created.avatar_url.as_deref(),
        Some("https://img.example/a.png")
    );
    assert!(created.token.as_deref().is_some_and(|t| !t.is_empty()));

    // An existing user without a password: the server refuses with a detailed 400.
    let err = c
        .login_or_register(&LoginOrRegisterParams::new(ALICE, "Alicia"))
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            call,
            status: 400,
            reason,
            detailed_messages,
            attempts: 1,
            ..
        } => {
            assert_eq!(call, "login_or_register");
            assert!(reason.contains("password is required"), "{reason}");
            assert!(
                detailed_messages
                    .iter()
                    .any(|m| m.contains("password is required") && m.contains(ALICE)),
                "{detailed_messages:?}"
            );
        }
        other => panic!("expected a 400 Api error, got {other:?}"),
    }
    assert!(err.to_string().contains("password is required"), "{err}");
    assert_eq!(err.status(), Some(400));
    // Nothing changed.
    assert_eq!(
        c.user_profile(ALICE).await.unwrap().username.as_deref(),
        Some("Alice")
    );

    // With the password the user is updated in place.
    let updated = c
        .login_or_register(&LoginOrRegisterParams::new(ALICE, "Alicia").password("s3cret-pw"))
        .await
        .unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.username.as_deref(), Some("Alicia"));
    assert_eq!(
        c.user_profile(ALICE).await.unwrap().username.as_deref(),
        Some("Alicia")
    );
}

#[tokio::test]
async fn user_profile_and_reset_user_token() {
    let (_h, c) = start_default().await;
    let alice = register(&c, ALICE, "Alice").await;
    let profile = c.user_profile(ALICE).await.unwrap();
    assert_eq!(profile.id, alice.id);
    assert_eq!(profile.email, ALICE);
    assert_eq!(profile.username.as_deref(), Some("Alice"));
    assert_eq!(profile.token, alice.token);

    let err = c.user_profile("nobody@example.com").await.unwrap_err();
    match &err {
        Error::NotFound { call, reason, .. } => {
            assert_eq!(call, "user_profile");
            assert!(reason.contains("nobody@example.com"), "{reason}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }

    let old = alice.token.clone().unwrap();
    let reset = c.reset_user_token(ALICE).await.unwrap();
    let new = reset.token.clone().unwrap();
    assert_ne!(old, new, "the token must change");
    assert!(!new.is_empty());
    assert_eq!(reset.id, alice.id);
    assert_eq!(reset.email, ALICE);
    assert!(reset.rt_key.is_some(), "rtKey is sent by reset_user_token");
    assert_eq!(reset.pn_android_configured, Some(false));
    assert_eq!(
        c.user_profile(ALICE).await.unwrap().token.as_deref(),
        Some(new.as_str())
    );
    assert!(matches!(
        c.reset_user_token("nobody@example.com").await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn get_user_rooms_pages_participants_and_type_filter() {
    let (_h, c) = three_users().await;
    let mut group_ids = Vec::new();
    for i in 0..24 {
        group_ids.push(group(&c, &format!("room {i:02}")).await.room_id);
    }
    let single = c
        .get_or_create_room_with_target(&emails(&[ALICE, CAROL]))
        .await
        .unwrap()
        .room
        .id;

    // All rooms, most recent activity first.
    let all = c
        .get_user_rooms(&GetUserRoomsParams::new(ALICE))
        .await
        .unwrap();
    assert_eq!(all.rooms_info.len(), 25);
    let meta = all.meta.clone().unwrap();
    assert_eq!(meta.total_room, 25);
    assert_eq!(all.rooms_info[0].room_id, single);
    assert_eq!(all.rooms_info[1].room_id, *group_ids.last().unwrap());
    assert!(all.rooms_info.iter().all(|r| r.participants.is_none()));

    // Pages of 20.
    let page = |p| GetUserRoomsParams {
        page: Some(p),
        ..GetUserRoomsParams::new(ALICE)
    };
    let p1 = c.get_user_rooms(&page(1)).await.unwrap();
    let p2 = c.get_user_rooms(&page(2)).await.unwrap();
    assert_eq!(p1.rooms_info.len(), 20);
    assert_eq!(p2.rooms_info.len(), 5);
    assert_eq!(p2.meta.as_ref().unwrap().current_page, 2);
    assert_eq!(p2.meta.as_ref().unwrap().total_room, 25);
    let ids: HashSet<i64> = p1
        .rooms_info
        .iter()
        .chain(&p2.rooms_info)
        .map(|r| r.room_id)
        .collect();
    assert_eq!(ids.len(), 25, "the two pages do not overlap");

    // Participants on demand.
    let with = c
        .get_user_rooms(&GetUserRoomsParams {
            show_participants: true,
            ..GetUserRoomsParams::new(ALICE)
        })
        .await
        .unwrap();
    let single_info = with
        .rooms_info
        .iter()
        .find(|r| r.room_id == single)
        .unwrap();
    let mut who: Vec<String> = single_info
        .participants
        .clone()
        .expect("participants asked for")
        .into_iter()
        .map(|p| p.email)
        .collect();
    who.sort();
    assert_eq!(who, emails(&[ALICE, CAROL]));
    assert!(with.rooms_info.iter().all(|r| r
        .participants
        .as_ref()
        .is_some_and(|p| p.iter().all(|p| p.id.is_some() && p.username.is_some()))));

    // Type filter.
    let by_type = |t| GetUserRoomsParams {
        room_type: Some(t),
        ..GetUserRoomsParams::new(ALICE)
    };
    let singles = c.get_user_rooms(&by_type(RoomType::Single)).await.unwrap();
    assert_eq!(singles.rooms_info.len(), 1);
    assert_eq!(singles.rooms_info[0].room_id, single);
    assert_eq!(singles.rooms_info[0].room_type, "single");
    let groups = c.get_user_rooms(&by_type(RoomType::Group)).await.unwrap();
    assert_eq!(groups.rooms_info.len(), 24);
    assert!(groups.rooms_info.iter().all(|r| r.room_type == "group"));

    // Carol only has the single room.
    let carol = c
        .get_user_rooms(&GetUserRoomsParams::new(CAROL))
        .await
        .unwrap();
    assert_eq!(carol.rooms_info.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Rooms
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_room_includes_the_creator() {
    let (_h, c) = three_users().await;
    let room = c
        .create_room(&CreateRoomParams {
            avatar_url: Some("https://img.example/room.png".into()),
            ..CreateRoomParams::new("Team", ALICE, [BOB, CAROL])
        })
        .await
        .unwrap();
    assert!(room.room_id > 0);
    assert_eq!(room.room_name, "Team");
    assert_eq!(room.room_type, "group");
    assert_eq!(room.creator.as_deref(), Some(ALICE));
    let who: Vec<&str> = room.participants.iter().map(|p| p.email.as_str()).collect();
    assert_eq!(
        who,
        [ALICE, BOB, CAROL],
        "creator first, then the participants"
    );

    // Naming only the other participant still adds the creator.
    let room2 = c
        .create_room(&CreateRoomParams::new("Pair", BOB, [CAROL]))
        .await
        .unwrap();
    let who: HashSet<&str> = room2
        .participants
        .iter()
        .map(|p| p.email.as_str())
        .collect();
    assert_eq!(who, HashSet::from([BOB, CAROL]));
    assert_ne!(room.room_id, room2.room_id);
}

#[tokio::test]
async fn update_room_round_trips_options_as_json() {
    let (_h, c) = three_users().await;
    let room = group(&c, "Before").await;
    let options = json!({"color": "blue", "pinned": [1, 2, 3], "nested": {"a": null, "b": 1.5}});
    let params = UpdateRoomParams {
        room_name: Some("After".into()),
        room_avatar_url: Some("https://img.example/new.png".into()),
        options: Some(options.clone()),
        ..UpdateRoomParams::new(ALICE, room.room_id)
    };
    let up = c.update_room(&params).await.unwrap();
    assert!(up.changed);
    assert_eq!(up.room.id, room.room_id);
    assert_eq!(up.room.room_name, "After");
    assert_eq!(up.room.chat_type, "group");
    assert_eq!(
        up.room.avatar_url.as_deref(),
        Some("https://img.example/new.png")
    );
    assert_eq!(up.room.options, Some(options.clone()));

    // The same update again changes nothing.
    let again = c.update_room(&params).await.unwrap();
    assert!(!again.changed);
    assert_eq!(again.room.options, Some(options));

    // Only the name.
    let renamed = c
        .update_room(&UpdateRoomParams {
            room_name: Some("Third".into()),
            ..UpdateRoomParams::new(BOB, room.room_id)
        })
        .await
        .unwrap();
    assert!(renamed.changed);
    assert_eq!(renamed.room.room_name, "Third");
    assert_eq!(
        renamed.room.avatar_url.as_deref(),
        Some("https://img.example/new.png")
    );

    // The last comment shows up after a post.
    let posted = c
        .post_comment(&PostCommentParams::text(room.room_id, ALICE, "latest"))
        .await
        .unwrap();
    let after = c
        .update_room(&UpdateRoomParams::new(ALICE, room.room_id))
        .await
        .unwrap();
    assert!(!after.changed);
    assert_eq!(after.room.last_comment_id, posted.id);
    assert_eq!(after.room.last_comment_message, "latest");
    assert_eq!(after.comments.len(), 1);
    assert_eq!(after.comments[0].id, posted.id);

    // A non-participant cannot update it.
    let err = c
        .update_room(&UpdateRoomParams {
            room_name: Some("Nope".into()),
            ..UpdateRoomParams::new(CAROL, room.room_id)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, reason, .. } if reason.contains("user_email")),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_or_create_room_with_target_is_one_room_for_both_orders() {
    let (_h, c) = three_users().await;
    let ab = c
        .get_or_create_room_with_target(&emails(&[ALICE, BOB]))
        .await
        .unwrap();
    assert_eq!(ab.room.chat_type, "single");
    assert!(ab.comments.is_empty());
    let posted = c
        .post_comment(&PostCommentParams::text(ab.room.id, BOB, "hi Alice"))
        .await
        .unwrap();
    let ba = c
        .get_or_create_room_with_target(&emails(&[BOB, ALICE]))
        .await
        .unwrap();
    assert_eq!(ba.room.id, ab.room.id, "same room for both orders");
    assert_eq!(ba.room.chat_type, "single");
    assert_eq!(ba.room.last_comment_id, posted.id);
    assert_eq!(ba.comments.len(), 1);
    assert_eq!(ba.comments[0].message, "hi Alice");
    let ac = c
        .get_or_create_room_with_target(&emails(&[ALICE, CAROL]))
        .await
        .unwrap();
    assert_ne!(ac.room.id, ab.room.id);
}

#[tokio::test]
async fn get_rooms_info_counts_unread_and_shows_participants() {
    let (_h, c) = three_users().await;
    let room = group(&c, "Unread").await;
    let other = c
        .create_room(&CreateRoomParams::new("Other", BOB, [CAROL]))
        .await
        .unwrap();
    let mut last = 0;
    for i in 0..3 {
        last = c
            .post_comment(&PostCommentParams::text(
                room.room_id,
                BOB,
                format!("msg {i}"),
            ))
            .await
            .unwrap()
            .id;
    }
    let info = c
        .get_rooms_info(&GetRoomsInfoParams {
            user_email: ALICE.into(),
            room_ids: vec![room.room_id, other.room_id],
            show_participants: true,
        })
        .await
        .unwrap();
    assert_eq!(info.len(), 1, "Alice only sees her own rooms");
    let r = &info[0];
    assert_eq!(r.room_id, room.room_id);
    assert_eq!(r.room_name, "Unread");
    assert_eq!(r.unread_count, 3);
    assert_eq!(r.last_comment_id, last);
    assert_eq!(r.last_comment_message, "msg 2");
    assert!(r.last_comment_timestamp.is_some());
    let parts = r.participants.as_ref().expect("participants asked for");
    let bob = parts.iter().find(|p| p.email == BOB).unwrap();
    assert_eq!(bob.last_comment_read_id, Some(last));

    // The sender has read everything.
    let bobs = c
        .get_rooms_info(&GetRoomsInfoParams {
            user_email: BOB.into(),
            room_ids: vec![room.room_id],
            show_participants: false,
        })
        .await
        .unwrap();
    assert_eq!(bobs[0].unread_count, 0);
    assert!(bobs[0].participants.is_none());
}

#[tokio::test]
async fn add_and_remove_room_participants() {
    let (_h, c) = three_users().await;
    let room = group(&c, "Members").await;
    let added = c
        .add_room_participants(room.room_id, &emails(&[CAROL]))
        .await
        .unwrap();
    let who: Vec<&str> = added
        .participants
        .iter()
        .map(|p| p.email.as_str())
        .collect();
    assert_eq!(who, [ALICE, BOB, CAROL]);
    // Carol can now post.
    c.post_comment(&PostCommentParams::text(room.room_id, CAROL, "joined"))
        .await
        .unwrap();

    let removed = c
        .remove_room_participants(room.room_id, &emails(&[BOB]))
        .await
        .unwrap();
    let who: Vec<&str> = removed
        .participants
        .iter()
        .map(|p| p.email.as_str())
        .collect();
    assert_eq!(who, [ALICE, CAROL]);
    let bobs = c
        .get_user_rooms(&GetUserRoomsParams::new(BOB))
        .await
        .unwrap();
    assert!(bobs.rooms_info.iter().all(|r| r.room_id != room.room_id));
    // Bob can no longer post there.
    let err = c
        .post_comment(&PostCommentParams::text(room.room_id, BOB, "still here?"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, reason, .. } if reason.contains("not a participant")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

fn post(room: i64, message: &str, payload: Payload) -> PostCommentParams {
    PostCommentParams::new(room, ALICE, message, payload)
}

#[tokio::test]
async fn post_comment_every_payload_type() {
    let (h, c) = three_users().await;
    let room = group(&c, "Types").await.room_id;

    // text
    let text = c
        .post_comment(&PostCommentParams::text(room, ALICE, "hello"))
        .await
        .unwrap();
    assert_eq!(text.message, "hello");
    assert_eq!(text.payload, Payload::Text);
    assert_eq!(text.email, ALICE);
    assert_eq!(text.username.as_deref(), Some("Alice"));
    assert_eq!(text.room_id, Some(room));
    assert_eq!(text.comment_before_id, 0);
    assert!(text
        .unique_temp_id
        .as_deref()
        .is_some_and(|t| !t.is_empty()));
    assert!(text.timestamp.is_some() && text.unix_timestamp.is_some());

    // reply, referencing the text comment
    let reply_payload = ReplyPayload {
        text: "hello back".into(),
        replied_comment_id: text.id,
        replied_comment_message: None,
        replied_comment_sender_email: None,
    };
    let reply = c
        .post_comment(&PostCommentParams::new(
            room,
            BOB,
            "hello back",
            Payload::Reply(reply_payload.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(reply.payload, Payload::Reply(reply_payload));
    assert_eq!(reply.comment_before_id, text.id);
    assert_eq!(reply.email, BOB);
    // A reply to a comment that does not exist is refused by the server.
    let err = c
        .post_comment(&post(
            room,
            "orphan",
            Payload::Reply(ReplyPayload {
                text: "orphan".into(),
                replied_comment_id: 999_999,
                replied_comment_message: None,
                replied_comment_sender_email: None,
            }),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, reason, .. } if reason.contains("replied_comment_id")),
        "{err:?}"
    );

    // account_linking
    let linking = AccountLinkingPayload {
        text: "please log in".into(),
        url: "https://login.example/".into(),
        redirect_url: "https://app.example/done".into(),
        params: Some(json!({"user_id": 1, "button_text": "Log in", "success_message": "ok"})),
    };
    let got = c
        .post_comment(&post(
            room,
            "please log in",
            Payload::AccountLinking(linking.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(got.payload, Payload::AccountLinking(linking));
    assert_eq!(got.message, "please log in");

    // buttons
    let buttons = ButtonsPayload {
        text: "choose".into(),
        buttons: vec![
            Button::postback("Yes", "https://bot.example/yes", "post"),
            Button::link("Docs", "https://docs.example/"),
        ],
    };
    let got = c
        .post_comment(&post(room, "choose", Payload::Buttons(buttons.clone())))
        .await
        .unwrap();
    assert_eq!(got.payload, Payload::Buttons(buttons));
    assert_eq!(got.payload.type_name(), "buttons");

    // card: sent as image_url, returned as image
    let card = CardPayload {
        text: "a product".into(),
        image: "https://img.example/p.png".into(),
        title: "Shoes".into(),
        description: "Red shoes".into(),
        url: "https://shop.example/shoes".into(),
        buttons: vec![Button::link("Buy", "https://shop.example/buy")],
    };
    let got = c
        .post_comment(&post(room, "a product", Payload::Card(card.clone())))
        .await
        .unwrap();
    match &got.payload {
        Payload::Card(p) => assert_eq!(p.image, "https://img.example/p.png"),
        other => panic!("expected a card, got {other:?}"),
    }
    assert_eq!(got.payload, Payload::Card(card));
    let stored = admin_comments(&h, room).await;
    let raw = stored.iter().find(|v| v["id"] == json!(got.id)).unwrap();
    assert_eq!(raw["payload"]["image"], json!("https://img.example/p.png"));
    assert!(raw["payload"].get("image_url").is_none());

    // carousel
    let carousel = CarouselPayload {
        cards: vec![
            CarouselCard {
                image: "https://img.example/1.png".into(),
                title: "One".into(),
                description: "First".into(),
                default_action: Some(json!({"type": "link", "url": "https://x.example/1"})),
                buttons: vec![Button::link("Open", "https://x.example/1")],
            },
            CarouselCard {
                image: "https://img.example/2.png".into(),
                title: "Two".into(),
                description: "Second".into(),
                default_action: None,
                buttons: vec![],
            },
        ],
    };
    let got = c
        .post_comment(&post(room, "cards", Payload::Carousel(carousel.clone())))
        .await
        .unwrap();
    assert_eq!(got.payload, Payload::Carousel(carousel));

    // custom: any JSON content comes back exactly
    let custom = CustomPayload {
        custom_type: "promo".into(),
        content: json!({"code": "SALE", "percent": 20, "items": [1, "two", null, {"x": true}]}),
    };
    let got = c
        .post_comment(&post(room, "promo", Payload::Custom(custom.clone())))
        .await
        .unwrap();
    assert_eq!(got.payload, Payload::Custom(custom));
    assert_eq!(got.message, "promo");

    // location: the server writes the message
    let location = LocationPayload {
        name: "Monas".into(),
        address: "Jakarta".into(),
        latitude: -6.175392,
        longitude: 106.827153,
        map_url: "https://maps.example/?q=monas".into(),
    };
    let got = c
        .post_comment(&post(room, "", Payload::Location(location.clone())))
        .await
        .unwrap();
    assert_eq!(got.message, "Monas Jakarta https://maps.example/?q=monas");
    assert_eq!(got.payload, Payload::Location(location));

    // contact_person: message `name - value`, type defaults to phone
    let contact = ContactPersonPayload {
        name: "Ani".into(),
        value: "+62812345678".into(),
        contact_type: None,
    };
    let got = c
        .post_comment(&post(room, "", Payload::ContactPerson(contact.clone())))
        .await
        .unwrap();
    assert_eq!(got.message, "Ani - +62812345678");
    assert_eq!(
        got.payload,
        Payload::ContactPerson(ContactPersonPayload {
            contact_type: Some("phone".into()),
            ..contact
        })
    );

    // file_attachment: message `[file] URL [/file]`
    let file = FileAttachmentPayload {
        url: "https://files.example/report.pdf".into(),
        caption: Some("the report".into()),
        file_name: Some("report.pdf".into()),
        size: Some(12345),
        pages: Some(3),
    };
    let got = c
        .post_comment(&post(room, "", Payload::FileAttachment(file.clone())))
        .await
        .unwrap();
    assert_eq!(
        got.message,
        "[file] https://files.example/report.pdf [/file]"
    );
    assert_eq!(got.payload, Payload::FileAttachment(file));

    // button_postback_response
    let postback = ButtonPostbackResponsePayload {
        url: Some("https://bot.example/yes".into()),
        method: Some("post".into()),
        payload: Some(json!({"answer": "yes", "n": 1})),
    };
    let got = c
        .post_comment(&post(
            room,
            "Yes",
            Payload::ButtonPostbackResponse(postback.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(got.payload, Payload::ButtonPostbackResponse(postback));

    // A type this crate does not know round-trips whole.
    let poll_json = json!({"question": "Lunch?", "options": ["rice", "noodles"], "multi": false});
    let poll = Payload::Unknown {
        type_name: "poll".into(),
        payload: Some(poll_json.clone()),
    };
    let got = c
        .post_comment(&post(room, "Lunch?", poll.clone()))
        .await
        .unwrap();
    assert_eq!(got.payload, poll);
    assert_eq!(got.payload.type_name(), "poll");
    assert_eq!(got.payload.to_wire(), Some(poll_json));

    // load_comments decodes every type the same way, newest first.
    let loaded = c
        .load_comments(&LoadCommentsParams {
            limit: Some(100),
            ..LoadCommentsParams::new(room)
        })
        .await
        .unwrap();
    let types: Vec<&str> = loaded.iter().map(|c| c.payload.type_name()).collect();
    assert_eq!(
        types,
        [
            "poll",
            "button_postback_response",
            "file_attachment",
            "contact_person",
            "location",
            "custom",
            "carousel",
            "card",
            "buttons",
            "account_linking",
            "reply",
            "text"
        ]
    );
    assert_eq!(loaded[0].payload, got.payload);
    assert!(loaded
        .iter()
        .all(|c| c.room_name.as_deref() == Some("Types")));
}

#[tokio::test]
async fn post_comment_is_idempotent_on_unique_temp_id() {
    let (h, c) = three_users().await;
    let room = group(&c, "Idem").await.room_id;
    let params = PostCommentParams::text(room, ALICE, "only once").unique_temp_id("my-key-1");
    let first = c.post_comment(&params).await.unwrap();
    let second = c.post_comment(&params).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(second.unique_temp_id.as_deref(), Some("my-key-1"));
    let loaded = c
        .load_comments(&LoadCommentsParams::new(room))
        .await
        .unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].id, first.id);
    assert_eq!(admin_comments(&h, room).await.len(), 1);
    // Another key posts another comment.
    let third = c
        .post_comment(&PostCommentParams::text(room, ALICE, "only once").unique_temp_id("my-key-2"))
        .await
        .unwrap();
    assert_ne!(third.id, first.id);
    assert_eq!(admin_comments(&h, room).await.len(), 2);
}

#[tokio::test]
async fn load_comments_newest_first_with_pages() {
    let (_h, c) = three_users().await;
    let room = group(&c, "Pages").await.room_id;
    let mut ids = Vec::new();
    for i in 0..25 {
        let who = if i % 2 == 0 { ALICE } else { BOB };
        ids.push(
            c.post_comment(&PostCommentParams::text(room, who, format!("m{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();

    // Server default: 20 a page.
    let first = c
        .load_comments(&LoadCommentsParams::new(room))
        .await
        .unwrap();
    assert_eq!(first.len(), 20);
    assert_eq!(
        first.iter().map(|c| c.id).collect::<Vec<_>>(),
        newest_first[..20]
    );
    assert_eq!(first[0].message, "m24");
    assert_eq!(first[0].comment_before_id, ids[23]);
    assert_eq!(first[0].room_name.as_deref(), Some("Pages"));

    let page = |page, limit| LoadCommentsParams {
        room_id: room,
        page: Some(page),
        limit: Some(limit),
    };
    let p2 = c.load_comments(&page(2, 5)).await.unwrap();
    assert_eq!(
        p2.iter().map(|c| c.id).collect::<Vec<_>>(),
        newest_first[5..10]
    );
    let p3 = c.load_comments(&page(3, 10)).await.unwrap();
    assert_eq!(
        p3.iter().map(|c| c.id).collect::<Vec<_>>(),
        newest_first[20..25]
    );
    assert!(c.load_comments(&page(4, 10)).await.unwrap().is_empty());
    let all = c.load_comments(&page(1, 100)).await.unwrap();
    assert_eq!(all.len(), 25);

    let err = c
        .load_comments(&LoadCommentsParams::new(987_654))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { call, .. } if call == "load_comments"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// System events and search
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn system_events_of_every_kind() {
    let (_h, c) = three_users().await;
    let room = group(&c, "Events").await.room_id;
    let ev = |event| SystemEventParams {
        room_id: room,
        subject_email: ALICE.into(),
        event,
    };
    let cases: Vec<(SystemEvent, &str, &str)> = vec![
        (
            SystemEvent::CreateRoom {
                room_name: "Events".into(),
            },
            "Alice created room 'Events'",
            "create_room",
        ),
        (
            SystemEvent::AddMember {
                object_emails: emails(&[BOB]),
            },
            "Alice added Bob",
            "add_member",
        ),
        (
            SystemEvent::AddMember {
                object_emails: emails(&[BOB, CAROL]),
            },
            "Alice added Bob, Carol",
            "add_member",
        ),
        (SystemEvent::JoinRoom, "Alice joined room", "join_room"),
        (
            SystemEvent::RemoveMember {
                object_emails: emails(&[CAROL]),
            },
            "Alice removed Carol",
            "remove_member",
        ),
        (SystemEvent::LeftRoom, "Alice left room", "left_room"),
        (
            SystemEvent::ChangeRoomName {
                room_name: "Renamed".into(),
            },
            "Alice changed room name to 'Renamed'",
            "change_room_name",
        ),
        (
            SystemEvent::ChangeRoomAvatar,
            "Alice changed room avatar",
            "change_room_avatar",
        ),
    ];
    for (event, message, kind) in cases {
        let got = c
            .post_system_event_message(&ev(event.clone()))
            .await
            .unwrap();
        assert_eq!(got.message, message, "{event:?}");
        assert_eq!(got.payload.type_name(), "system_event");
        match &got.payload {
            Payload::SystemEvent(p) => {
                assert_eq!(p.event_type, kind);
                assert_eq!(p.subject_email.as_deref(), Some(ALICE));
                assert_eq!(p.subject_username.as_deref(), Some("Alice"));
                match &event {
                    SystemEvent::AddMember { object_emails }
                    | SystemEvent::RemoveMember { object_emails } => {
                        assert_eq!(p.object_email.as_deref(), Some(&*object_emails.join(", ")));
                    }
                    SystemEvent::ChangeRoomName { room_name } => {
                        assert_eq!(p.room_name.as_deref(), Some(room_name.as_str()));
                    }
                    _ => {}
                }
            }
            other => panic!("expected a system event payload, got {other:?}"),
        }
        assert!(got.user_id.is_some(), "system events carry user_id");
        assert_eq!(got.email, "system@qiscus.com");
    }
    // change_room_name renamed the room.
    let info = c
        .get_rooms_info(&GetRoomsInfoParams {
            user_email: ALICE.into(),
            room_ids: vec![room],
            show_participants: false,
        })
        .await
        .unwrap();
    assert_eq!(info[0].room_name, "Renamed");

    // A custom event keeps its own keys.
    let custom = json!({"type": "add_admin", "admin_email": BOB, "level": 2});
    let got = c
        .post_system_event_message(&ev(SystemEvent::Custom {
            payload: custom.clone(),
            message: Some("Bob is now an admin".into()),
        }))
        .await
        .unwrap();
    assert_eq!(got.message, "Bob is now an admin");
    match &got.payload {
        Payload::SystemEvent(p) => {
            assert_eq!(p.event_type, "add_admin");
            assert_eq!(
                p.extra,
                Some(json!({"admin_email": BOB, "level": 2})),
                "custom keys are kept"
            );
        }
        other => panic!("expected a system event payload, got {other:?}"),
    }
    assert_eq!(got.payload.to_wire(), Some(custom));

    // They are stored as comments of the room.
    let loaded = c
        .load_comments(&LoadCommentsParams {
            limit: Some(50),
            ..LoadCommentsParams::new(room)
        })
        .await
        .unwrap();
    assert_eq!(loaded.len(), 9);
    assert!(loaded
        .iter()
        .all(|c| matches!(c.payload, Payload::SystemEvent(_))));

    // An unknown object_email is refused by the server, naming the field.
    let err = c
        .post_system_event_message(&ev(SystemEvent::AddMember {
            object_emails: emails(&["ghost@example.com"]),
        }))
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status: 400,
            reason,
            detailed_messages,
            ..
        } => {
            assert!(reason.contains("object_email"), "{reason}");
            assert!(detailed_messages
                .iter()
                .any(|m| m.contains("ghost@example.com")));
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn search_messages_in_all_rooms_and_one_room() {
    let (_h, c) = three_users().await;
    let r1 = group(&c, "Search one").await.room_id;
    let r2 = c
        .get_or_create_room_with_target(&emails(&[ALICE, CAROL]))
        .await
        .unwrap()
        .room
        .id;
    let r3 = c
        .create_room(&CreateRoomParams::new("Not Alice's", BOB, [CAROL]))
        .await
        .unwrap()
        .room_id;
    let a = c
        .post_comment(&PostCommentParams::text(r1, BOB, "find the NEEDLE here"))
        .await
        .unwrap();
    c.post_comment(&PostCommentParams::text(r1, ALICE, "nothing to see"))
        .await
        .unwrap();
    let b = c
        .post_comment(&PostCommentParams::text(r2, CAROL, "another needle"))
        .await
        .unwrap();
    c.post_comment(&PostCommentParams::text(r3, BOB, "needle Alice can't see"))
        .await
        .unwrap();

    let all = c
        .search_messages(&SearchMessagesParams::new(ALICE, "needle"))
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [b.id, a.id],
        "newest first, only Alice's rooms, case-insensitive"
    );
    assert_eq!(all[0].chat_type.as_deref(), Some("single"));
    assert_eq!(all[1].room_name.as_deref(), Some("Search one"));
    assert_eq!(all[1].room_id, Some(r1));

    let one = c
        .search_messages(&SearchMessagesParams {
            room_id: Some(r1),
            ..SearchMessagesParams::new(ALICE, "needle")
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id, a.id);
    assert_eq!(one[0].message, "find the NEEDLE here");

    let none = c
        .search_messages(&SearchMessagesParams::new(ALICE, "haystack"))
        .await
        .unwrap();
    assert!(none.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Backups and imports
// ---------------------------------------------------------------------------------------------

fn date_range() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let d = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    (d(-1), d(1))
}

#[tokio::test]
async fn export_lifecycle_create_poll_download_list_delete() {
    let (_h, c) = three_users().await;
    let (start, end) = date_range();
    let created = c
        .create_export(&CreateExportParams {
            resource: BackupResource::Users,
            start_date: start,
            end_date: end,
        })
        .await
        .unwrap();
    assert!(!created.unique_id.is_empty());
    assert_eq!(created.resource_name, "users");
    assert!(!created.is_finished());
    assert!(created.download_url.is_empty());
    // Downloading before it is finished is refused locally.
    assert!(matches!(
        c.download_export(&created).await,
        Err(Error::InvalidInput { ref field, .. }) if field == "download_url"
    ));

    let id = created.unique_id.clone();
    let finished = wait_for("the export to finish", Duration::from_secs(10), || {
        let c = c.clone();
        let id = id.clone();
        async move {
            let e = c.get_export(&id).await.unwrap();
            assert!(!e.is_failed(), "{e:?}");
            e.is_finished().then_some(e)
        }
    })
    .await;
    assert_eq!(finished.percentage, 100.0);
    assert_eq!(finished.total_rows, 3);
    assert!(finished.size > 0);
    assert!(!finished.download_url.is_empty());

    let rows = c.download_export(&finished).await.unwrap();
    assert_eq!(rows.len(), 3);
    let mut got: Vec<&str> = rows.iter().filter_map(|r| r["Email"].as_str()).collect();
    got.sort();
    assert_eq!(got, [ALICE, BOB, CAROL]);
    assert!(rows.iter().all(|r| r["Name"].is_string()));

    let list = c.list_exports(None).await.unwrap();
    assert!(list.iter().any(|e| e.unique_id == id && e.is_finished()));
    assert_eq!(c.list_exports(Some(1)).await.unwrap().len(), list.len());

    let deleted = c.delete_export(&id).await.unwrap();
    assert_eq!(deleted.unique_id, id);
    let err = c.get_export(&id).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { call, .. } if call == "get_export"),
        "{err:?}"
    );
    assert!(c
        .list_exports(None)
        .await
        .unwrap()
        .iter()
        .all(|e| e.unique_id != id));
    assert!(matches!(
        c.delete_export(&id).await,
        Err(Error::NotFound { .. })
    ));
}

/// Waits until an import is no longer `started` and returns it.
async fn finished_import(c: &Client, id: &str) -> Import {
    wait_for("the import to finish", Duration::from_secs(10), || {
        let c = c.clone();
        let id = id.to_owned();
        async move {
            let list = c.list_imports(None).await.unwrap();
            list.into_iter()
                .find(|i| i.unique_id == id && i.status != "started")
        }
    })
    .await
}

#[tokio::test]
async fn imports_of_users_rooms_and_comments() {
    let (_h, c) = start_default().await;

    // Users, in the spec's format.
    let users = json!([
        {"Email": "imp1@example.com", "Name": "Imported One", "AvatarUrl": "https://img.example/1.png",
         "AuthenticationToken": "tok-imp-1", "Password": "pw1", "CreateAt": "2017-05-10T11:46:30Z"},
        {"Email": "imp2@example.com", "Name": "Imported Two", "AvatarUrl": "",
         "AuthenticationToken": "tok-imp-2", "Password": "pw2", "CreateAt": "2017-05-10T11:46:30Z"}
    ]);
    let started = c
        .create_import(&CreateImportParams {
            resource: BackupResource::Users,
            file_name: "users.json".into(),
            contents: serde_json::to_vec(&users).unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(started.resource_name, "users");
    assert_eq!(started.original_filename, "users.json");
    assert!(started.size > 0);
    let done = finished_import(&c, &started.unique_id).await;
    assert_eq!(done.status, "finished");
    assert_eq!(done.total_rows, 2);
    assert!(done.errors.summary.is_empty(), "{:?}", done.errors);
    let one = c.user_profile("imp1@example.com").await.unwrap();
    assert_eq!(one.username.as_deref(), Some("Imported One"));
    assert_eq!(one.token.as_deref(), Some("tok-imp-1"));
    assert_eq!(one.avatar_url.as_deref(), Some("https://img.example/1.png"));
    assert_eq!(
        c.user_profile("imp2@example.com")
            .await
            .unwrap()
            .username
            .as_deref(),
        Some("Imported Two")
    );

    // Rooms referring to the imported users.
    let rooms = json!([
        {"Name": "Imported group", "Type": "group", "Options": "{\"color\":\"red\"}",
         "CreatorEmail": "imp1@example.com", "CreatedAt": "2017-05-11T06:35:27Z", "AvatarUrl": "",
         "UniqueId": "room-uid-1", "ParticipantEmails": ["imp1@example.com", "imp2@example.com"]},
        {"Name": "ignored for single rooms", "Type": "single", "Options": "",
         "CreatorEmail": "imp1@example.com", "CreatedAt": "2017-05-11T06:35:27Z", "AvatarUrl": "",
         "UniqueId": "room-uid-2", "ParticipantEmails": ["imp1@example.com", "imp2@example.com"]}
    ]);
    let started = c
        .create_import(&CreateImportParams {
            resource: BackupResource::Rooms,
            file_name: "rooms.json".into(),
            contents: serde_json::to_vec(&rooms).unwrap(),
        })
        .await
        .unwrap();
    let done = finished_import(&c, &started.unique_id).await;
    assert_eq!(done.total_rows, 2, "{:?}", done.errors);
    let imp_rooms = c
        .get_user_rooms(&GetUserRoomsParams::new("imp2@example.com"))
        .await
        .unwrap();
    assert_eq!(imp_rooms.rooms_info.len(), 2);
    let grp = imp_rooms
        .rooms_info
        .iter()
        .find(|r| r.room_name == "Imported group")
        .expect("the imported group");
    let single = imp_rooms
        .rooms_info
        .iter()
        .find(|r| r.room_type == "single")
        .expect("the imported single room");
    assert_eq!(single.room_name, "imp1@example.com <> imp2@example.com");
    // The imported single room is the pair's single room.
    let target = c
        .get_or_create_room_with_target(&emails(&["imp2@example.com", "imp1@example.com"]))
        .await
        .unwrap();
    assert_eq!(target.room.id, single.room_id);

    // Comments, a text and a reply to it by ParentCommentUniqueId.
    let comments = json!([
        {"Message": "Halo doc", "DisableLinkPreview": false, "Type": "text",
         "UniqueId": "cmt-uid-1", "CreatorEmail": "imp1@example.com",
         "RoomUniqueId": "room-uid-1", "CreatedAt": "2017-05-11T19:14:24Z",
         "Payload": null, "ParentCommentUniqueId": ""},
        {"Message": "Maaf mau tanya..", "DisableLinkPreview": false, "Type": "reply",
         "UniqueId": "cmt-uid-2", "CreatorEmail": "imp2@example.com",
         "RoomUniqueId": "room-uid-1", "CreatedAt": "2017-05-11T19:14:25Z",
         "Payload": {"text": "Maaf mau tanya..", "replied_comment_id": 1},
         "ParentCommentUniqueId": "cmt-uid-1"}
    ]);
    let started = c
        .create_import(&CreateImportParams {
            resource: BackupResource::Comments,
            file_name: "comments.json".into(),
            contents: serde_json::to_vec(&comments).unwrap(),
        })
        .await
        .unwrap();
    let done = finished_import(&c, &started.unique_id).await;
    assert_eq!(done.total_rows, 2, "{:?}", done.errors);
    let loaded = c
        .load_comments(&LoadCommentsParams::new(grp.room_id))
        .await
        .unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[1].message, "Halo doc");
    assert_eq!(loaded[1].unique_temp_id.as_deref(), Some("cmt-uid-1"));
    match &loaded[0].payload {
        Payload::Reply(r) => assert_eq!(r.replied_comment_id, loaded[1].id),
        other => panic!("expected the imported reply, got {other:?}"),
    }

    // All three imports are listed, newest first; a bad row is reported, not fatal.
    let bad = json!([{"Email": "imp1@example.com", "Name": "duplicate"}]);
    let started = c
        .create_import(&CreateImportParams {
            resource: BackupResource::Users,
            file_name: "dup.json".into(),
            contents: serde_json::to_vec(&bad).unwrap(),
        })
        .await
        .unwrap();
    let done = finished_import(&c, &started.unique_id).await;
    assert_eq!(done.total_rows, 0);
    assert!(!done.errors.summary.is_empty());
    assert!(done.errors.data.is_some());
    let list = c.list_imports(None).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|i| i.resource_name.as_str())
            .collect::<Vec<_>>(),
        ["users", "comments", "rooms", "users"]
    );
}

// ---------------------------------------------------------------------------------------------
// Every error kind through the client
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn error_unauthorized_on_a_wrong_secret() {
    let (h, _c) = start_default().await;
    let bad = Client::builder(h.app_id(), "not-the-secret")
        .base_url(h.base_url())
        .build()
        .unwrap();
    let err = bad.user_profile(ALICE).await.unwrap_err();
    match &err {
        Error::Unauthorized { call, reason, .. } => {
            assert_eq!(call, "user_profile");
            assert!(reason.contains("QISCUS_SDK_SECRET"), "{reason}");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(err.status(), Some(401));
    assert!(!err.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn error_not_found_for_unknown_user_room_and_export() {
    let (_h, c) = start_default().await;
    assert!(matches!(
        c.user_profile("ghost@example.com").await,
        Err(Error::NotFound { ref call, .. }) if call == "user_profile"
    ));
    assert!(matches!(
        c.get_user_rooms(&GetUserRoomsParams::new("ghost@example.com")).await,
        Err(Error::NotFound { ref call, .. }) if call == "get_user_rooms"
    ));
    assert!(matches!(
        c.update_room(&UpdateRoomParams::new(ALICE, 4242)).await,
        Err(Error::NotFound { ref reason, .. }) if reason.contains("4242")
    ));
    assert!(matches!(
        c.get_export("no-such-export").await,
        Err(Error::NotFound { ref call, .. }) if call == "get_export"
    ));
}

#[tokio::test]
async fn error_api_400_names_the_field() {
    let (_h, c) = three_users().await;
    let err = c
        .create_room(&CreateRoomParams::new(
            "Team",
            ALICE,
            [BOB, "ghost@example.com"],
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            call,
            status,
            reason,
            detailed_messages,
            body_excerpt,
            attempts,
            ..
        } => {
            assert_eq!(call, "create_room");
            assert_eq!(*status, 400);
            assert!(reason.contains("participants"), "{reason}");
            assert!(reason.contains("ghost@example.com"), "{reason}");
            assert!(!detailed_messages.is_empty());
            assert!(detailed_messages[0].contains("ghost@example.com"));
            assert!(body_excerpt.is_none(), "a JSON error body is parsed");
            assert_eq!(*attempts, 1, "a 400 is never retried");
        }
        other => panic!("expected Api, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.starts_with("create_room: HTTP 400"), "{shown}");
}

#[tokio::test]
async fn error_rate_limited_carries_retry_after() {
    let (h, _c) = start_default().await;
    h.set_faults(Faults {
        rate_limit_429: 1.0,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let c = client_with(&h, RetryPolicy::none());
    let err = c.user_profile(ALICE).await.unwrap_err();
    match &err {
        Error::RateLimited {
            call,
            retry_after,
            attempts,
            ..
        } => {
            assert_eq!(call, "user_profile");
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(err.status(), Some(429));
    assert_eq!(h.stats().rate_limited, 1);
}

#[tokio::test]
async fn error_timeout_when_the_server_is_slow() {
    let (h, c) = start_default().await;
    register(&c, ALICE, "Alice").await;
    h.set_faults(Faults {
        latency: 1.0,
        latency_ms: 500,
        ..Faults::default()
    });
    let slow = Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = slow.user_profile(ALICE).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "timed out early"
    );
    match &err {
        Error::Timeout {
            call,
            attempts,
            history,
        } => {
            assert_eq!(call, "user_profile");
            assert_eq!(*attempts, 1);
            assert!(history.is_empty());
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    // with_timeout on the same pool: a longer timeout succeeds.
    let ok = slow
        .with_timeout(Duration::from_secs(5))
        .user_profile(ALICE)
        .await
        .unwrap();
    assert_eq!(ok.email, ALICE);
}

#[tokio::test]
async fn error_connection_when_nothing_listens() {
    let url = closed_port_url().await;
    let c = Client::builder("app", "secret")
        .base_url(&url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.user_profile(ALICE).await.unwrap_err();
    match &err {
        Error::Connection {
            call,
            attempts,
            reason,
            ..
        } => {
            assert_eq!(call, "user_profile");
            assert_eq!(*attempts, 1);
            assert!(!reason.is_empty());
        }
        other => panic!("expected Connection, got {other:?}"),
    }
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn error_invalid_input_before_sending() {
    let (h, c) = start_default().await;
    let err = c
        .post_comment(&PostCommentParams::text(1, "not-an-email", "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "sender_email"),
        "{err:?}"
    );
    assert_eq!(h.stats().requests, 0, "nothing was sent");
}

#[tokio::test]
async fn error_decode_names_the_call() {
    let url = canned_server(200, r#"{"status":200}"#).await;
    let c = Client::builder("app", "secret")
        .base_url(&url)
        .build()
        .unwrap();
    let err = c
        .login_or_register(&LoginOrRegisterParams::new(ALICE, "Alice"))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            call, body_excerpt, ..
        } => {
            assert_eq!(call, "login_or_register");
            assert!(body_excerpt.contains("status"), "{body_excerpt}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(err.to_string().contains("login_or_register"));

    // A results object of the wrong shape is a decode error too.
    let url = canned_server(200, r#"{"results":{"user":{"email":1}},"status":200}"#).await;
    let c = Client::builder("app", "secret")
        .base_url(&url)
        .build()
        .unwrap();
    assert!(matches!(
        c.user_profile(ALICE).await,
        Err(Error::Decode { ref call, .. }) if call == "user_profile"
    ));
}

#[tokio::test]
async fn error_response_too_large() {
    let (h, c) = three_users().await;
    let room = group(&c, "Big").await.room_id;
    for _ in 0..2 {
        c.post_comment(&PostCommentParams::text(room, ALICE, "x".repeat(2_000)))
            .await
            .unwrap();
    }
    let small = Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .max_response_bytes(100)
        .build()
        .unwrap();
    let err = small
        .load_comments(&LoadCommentsParams::new(room))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::ResponseTooLarge {
            call: "load_comments".into(),
            limit_bytes: 100
        }
    );
    // The default limit takes it.
    assert_eq!(
        c.load_comments(&LoadCommentsParams::new(room))
            .await
            .unwrap()
            .len(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/// A webhook receiver: answers 200 and forwards every request it gets.
async fn webhook_receiver() -> (String, mpsc::UnboundedReceiver<RawRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Some(req) = read_request(&mut sock).await {
                    let _ = tx.send(req);
                    write_json(&mut sock, 200, "{}").await;
                }
            });
        }
    });
    (format!("http://{addr}/hooks/qiscus"), rx)
}

#[tokio::test]
async fn webhooks_end_to_end_are_signed_and_parse() {
    const TOKEN: &str = "webhook-signing-token";
    let (url, mut rx) = webhook_receiver().await;
    let h = start(EmulatorConfig {
        webhook_url: Some(url),
        webhook_token: Some(TOKEN.into()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(&h);
    register(&c, ALICE, "Alice").await;
    register(&c, BOB, "Bob").await;
    let room = group(&c, "Hooked").await.room_id;
    let posted = c
        .post_comment(&PostCommentParams::text(room, ALICE, "ping via webhook"))
        .await
        .unwrap();

    let req = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a webhook within 10 s")
        .expect("receiver open");
    assert!(req.request_line.starts_with("POST /hooks/qiscus"));
    let sig = req.header(SIGNATURE_HEADER);
    assert!(sig.is_some(), "signed: {:?}", req.headers);

    let event = verify_and_parse(TOKEN.as_bytes(), &req.body, sig).unwrap();
    assert!(event.is_from_rest());
    assert_eq!(event.event_type, "post_comment_rest");
    assert_eq!(event.payload.message.text, "ping via webhook");
    assert_eq!(event.payload.message.id, Some(posted.id));
    assert_eq!(event.payload.message.unique_temp_id, posted.unique_temp_id);
    assert_eq!(event.payload.message.payload, Payload::Text);
    assert_eq!(event.payload.from.email, ALICE);
    assert_eq!(event.payload.from.name.as_deref(), Some("Alice"));
    assert_eq!(event.payload.room.id, room);
    assert_eq!(event.payload.room.name, "Hooked");
    assert_eq!(event.payload.room.room_type, "group");
    assert_eq!(event.payload.room.participants.len(), 2);

    // `receive` finds the header among any headers.
    let headers = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect::<Vec<_>>();
    let again = qiscus::webhooks::receive(TOKEN.as_bytes(), headers, &req.body).unwrap();
    assert_eq!(again, event);

    // A wrong token, a changed body, or no header: refused.
    assert!(matches!(
        verify_and_parse(b"wrong-token", &req.body, sig),
        Err(Error::InvalidSignature { .. })
    ));
    let mut tampered = req.body.clone();
    *tampered.last_mut().unwrap() = b' ';
    assert!(matches!(
        verify_and_parse(TOKEN.as_bytes(), &tampered, sig),
        Err(Error::InvalidSignature { .. })
    ));
    assert!(matches!(
        verify_and_parse(TOKEN.as_bytes(), &req.body, None),
        Err(Error::InvalidSignature { .. })
    ));

    // A typed payload arrives typed.
    let loc = LocationPayload {
        name: "Monas".into(),
        address: "Jakarta".into(),
        latitude: -6.17,
        longitude: 106.82,
        map_url: "https://maps.example/monas".into(),
    };
    c.post_comment(&post(room, "", Payload::Location(loc.clone())))
        .await
        .unwrap();
    let req = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let event =
        verify_and_parse(TOKEN.as_bytes(), &req.body, req.header(SIGNATURE_HEADER)).unwrap();
    assert_eq!(event.payload.message.payload, Payload::Location(loc));
    assert_eq!(
        event.payload.message.text,
        "Monas Jakarta https://maps.example/monas"
    );
    let stats = wait_for("delivery stats", Duration::from_secs(5), || {
        let s = h.stats();
        async move { (s.webhooks_delivered == 2).then_some(s) }
    })
    .await;
    assert_eq!(stats.webhooks_failed, 0);
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_posts_through_one_client() {
    let (h, c) = three_users().await;
    let room = group(&c, "Busy").await.room_id;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                let who = if i % 2 == 0 { ALICE } else { BOB };
                c.post_comment(&PostCommentParams::text(
                    room,
                    who,
                    format!("concurrent {i}"),
                ))
                .await
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for t in tasks {
        let comment = t.await.expect("no panic").expect("every post succeeds");
        ids.insert(comment.id);
    }
    assert_eq!(ids.len(), 200, "200 distinct comments");

    let stored = admin_comments(&h, room).await;
    assert_eq!(stored.len(), 200);
    let stored_ids: HashSet<i64> = stored.iter().map(|v| v["id"].as_i64().unwrap()).collect();
    assert_eq!(stored_ids, ids);
    let temp_ids: HashSet<&str> = stored
        .iter()
        .map(|v| v["unique_temp_id"].as_str().unwrap())
        .collect();
    assert_eq!(temp_ids.len(), 200);
    let texts: HashSet<String> = stored
        .iter()
        .map(|v| v["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts.len(), 200);

    let loaded = c
        .load_comments(&LoadCommentsParams {
            room_id: room,
            page: None,
            limit: Some(100),
        })
        .await
        .unwrap();
    assert_eq!(loaded.len(), 100);
    let info = c
        .get_rooms_info(&GetRoomsInfoParams {
            user_email: CAROL.into(),
            room_ids: vec![room],
            show_participants: false,
        })
        .await
        .unwrap();
    assert!(info.is_empty(), "Carol is not in the room");
}
