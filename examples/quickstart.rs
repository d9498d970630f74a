//! A walk through the whole Qiscus SDK REST API (v2): users, rooms, every comment type, system
//! events, search, exports and imports.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With neither `QISCUS_APP_ID` nor `QISCUS_SECRET` set, it starts a local emulator in-process and
//! talks to it, so it needs no account. With both set, it talks to the real service at
//! `https://{QISCUS_APP_ID}.qiscus.com` (or `QISCUS_BASE_URL` when set). E-mail addresses get a
//! random suffix, so it can run against the same app again and again.

use std::time::{Duration, Instant};

use qiscus::{
    AccountLinkingPayload, BackupResource, Button, ButtonPostbackResponsePayload, ButtonsPayload,
    CardPayload, CarouselCard, CarouselPayload, Client, ContactPersonPayload, CreateExportParams,
    CreateImportParams, CreateRoomParams, CustomPayload, FileAttachmentPayload, GetRoomsInfoParams,
    GetUserRoomsParams, LoadCommentsParams, LocationPayload, LoginOrRegisterParams, Payload,
    PostCommentParams, ReplyPayload, SearchMessagesParams, SystemEvent, SystemEventParams,
    UpdateRoomParams,
};
use qiscus_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::json;

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

#[tokio::main]
async fn main() {
    let started = Instant::now();
    match run().await {
        Ok(calls) => println!(
            "\nDone: {calls} calls in {:.2} s.",
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("\n✗ quickstart failed: {e}");
            std::process::exit(1);
        }
    }
}

/// Prints one step and counts it.
struct Steps(usize);

impl Steps {
    fn ok(&mut self, call: &str, what: impl std::fmt::Display) {
        self.0 += 1;
        println!("✓ {call:<32} {what}");
    }
}

/// The client, and the emulator it talks to when no credentials are set (kept alive).
async fn connect() -> Result<(Client, Option<EmulatorHandle>)> {
    // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); an error names the one missing.
    if let Some(client) = Client::from_env()? {
        println!("Qiscus quickstart against {}\n", client.api_base());
        return Ok((client, None));
    }
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = Client::builder(emulator.app_id(), emulator.secret())
        .base_url(emulator.base_url())
        .build()?;
    println!(
        "Qiscus quickstart against a local emulator at {} \
         (set QISCUS_APP_ID and QISCUS_SECRET to use the real service)\n",
        emulator.base_url()
    );
    Ok((client, Some(emulator)))
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

async fn run() -> Result<usize> {
    let (client, _emulator) = connect().await?;
    let c = &client;
    let mut s = Steps(0);
    let sfx = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let alice = format!("alice-{sfx}@example.com");
    let bob = format!("bob-{sfx}@example.com");
    let carol = format!("carol-{sfx}@example.com");

    // ---- Users ----
    println!("Users");
    for (email, name) in [(&alice, "Alice"), (&bob, "Bob"), (&carol, "Carol")] {
        let u = c
            .login_or_register(&LoginOrRegisterParams::new(email, name))
            .await?;
        s.ok("login_or_register", format!("{email} → user #{}", u.id));
    }
    let profile = c.user_profile(&alice).await?;
    s.ok(
        "user_profile",
        format!(
            "{} is {:?}",
            profile.email,
            profile.username.unwrap_or_default()
        ),
    );
    let old_token = profile.token.unwrap_or_default();
    let reset = c.reset_user_token(&alice).await?;
    let changed = reset.token.as_deref().is_some_and(|t| t != old_token);
    s.ok(
        "reset_user_token",
        format!(
            "{alice} → {}",
            if changed {
                "new token issued"
            } else {
                "token unchanged?"
            }
        ),
    );

    // ---- Rooms ----
    println!("\nRooms");
    let single = c
        .get_or_create_room_with_target(&[alice.clone(), bob.clone()])
        .await?;
    s.ok(
        "get_or_create_room_with_target",
        format!("Alice + Bob → single room #{}", single.room.id),
    );
    let room = c
        .create_room(&CreateRoomParams::new(
            format!("Quickstart {sfx}"),
            &alice,
            [&bob],
        ))
        .await?;
    let room_id = room.room_id;
    s.ok(
        "create_room",
        format!(
            "{:?} → group room #{room_id} with {} participants",
            room.room_name,
            room.participants.len()
        ),
    );
    let updated = c
        .update_room(&UpdateRoomParams {
            room_name: Some(format!("Quickstart {sfx} (renamed)")),
            options: Some(json!({"color": "teal", "pinned": true})),
            ..UpdateRoomParams::new(&alice, room_id)
        })
        .await?;
    s.ok(
        "update_room",
        format!(
            "renamed to {:?}, options {} (changed: {})",
            updated.room.room_name,
            updated.room.options.unwrap_or_default(),
            updated.changed
        ),
    );
    let added = c
        .add_room_participants(room_id, std::slice::from_ref(&carol))
        .await?;
    s.ok(
        "add_room_participants",
        format!("+Carol → {} participants", added.participants.len()),
    );
    let removed = c
        .remove_room_participants(room_id, std::slice::from_ref(&carol))
        .await?;
    s.ok(
        "remove_room_participants",
        format!("−Carol → {} participants", removed.participants.len()),
    );

    // ---- Comments: every type ----
    println!("\nComments");
    let text = c
        .post_comment(&PostCommentParams::text(room_id, &alice, "hello from Rust"))
        .await?;
    let payloads = vec![
        (
            "reply",
            "hi Alice!",
            Payload::Reply(ReplyPayload {
                text: "hi Alice!".into(),
                replied_comment_id: text.id,
                replied_comment_message: None,
                replied_comment_sender_email: None,
            }),
        ),
        (
            "account_linking",
            "please log in",
            Payload::AccountLinking(AccountLinkingPayload {
                text: "please log in".into(),
                url: "https://example.com/login".into(),
                redirect_url: "https://example.com/done".into(),
                params: Some(json!({"button_text": "Log in", "view_title": "Login"})),
            }),
        ),
        (
            "buttons",
            "pick one",
            Payload::Buttons(ButtonsPayload {
                text: "pick one".into(),
                buttons: vec![
                    Button::postback("Yes", "https://example.com/yes", "post"),
                    Button::link("Docs", "https://example.com/docs"),
                ],
            }),
        ),
        (
            "card",
            "new arrival",
            Payload::Card(CardPayload {
                text: "new arrival".into(),
                image: "https://example.com/shoe.png".into(),
                title: "Red shoes".into(),
                description: "Light and comfy".into(),
                url: "https://example.com/shoes".into(),
                buttons: vec![Button::link("Buy", "https://example.com/buy")],
            }),
        ),
        (
            "carousel",
            "our picks",
            Payload::Carousel(CarouselPayload {
                cards: ["One", "Two"]
                    .iter()
                    .map(|t| CarouselCard {
                        image: format!("https://example.com/{t}.png"),
                        title: (*t).into(),
                        description: format!("Card {t}"),
                        default_action: None,
                        buttons: vec![Button::link("Open", "https://example.com/")],
                    })
                    .collect(),
            }),
        ),
        (
            "custom",
            "a promo",
            Payload::Custom(CustomPayload {
                custom_type: "promo".into(),
                content: json!({"code": "RUST20", "percent": 20}),
            }),
        ),
        (
            "location",
            "",
            Payload::Location(LocationPayload {
                name: "Monas".into(),
                address: "Jakarta".into(),
                latitude: -6.175392,
                longitude: 106.827153,
                map_url: "https://maps.google.com/?q=-6.175392,106.827153".into(),
            }),
        ),
        (
            "contact_person",
            "",
            Payload::ContactPerson(ContactPersonPayload {
                name: "Ani".into(),
                value: "+6281234567890".into(),
                contact_type: Some("phone".into()),
            }),
        ),
        (
            "file_attachment",
            "",
            Payload::FileAttachment(FileAttachmentPayload {
                url: "https://example.com/report.pdf".into(),
                caption: Some("the report".into()),
                file_name: Some("report.pdf".into()),
                size: Some(52_431),
                pages: Some(4),
            }),
        ),
        (
            "button_postback_response",
            "Yes",
            Payload::ButtonPostbackResponse(ButtonPostbackResponsePayload {
                url: Some("https://example.com/yes".into()),
                method: Some("post".into()),
                payload: Some(json!({"answer": "yes"})),
            }),
        ),
    ];
    s.ok(
        "post_comment",
        format!("{:<24} #{} {:?}", "text", text.id, text.message),
    );
    for (kind, message, payload) in payloads {
        let sender = if kind == "reply" { &bob } else { &alice };
        let posted = c
            .post_comment(&PostCommentParams::new(room_id, sender, message, payload))
            .await?;
        s.ok(
            "post_comment",
            format!("{kind:<24} #{} {:?}", posted.id, short(&posted.message, 48)),
        );
    }
    let page = c
        .load_comments(&LoadCommentsParams {
            limit: Some(50),
            ..LoadCommentsParams::new(room_id)
        })
        .await?;
    s.ok(
        "load_comments",
        format!(
            "{} comments, newest is a {}",
            page.len(),
            page.first().map(|c| c.payload.type_name()).unwrap_or("-")
        ),
    );
    let hits = c
        .search_messages(&SearchMessagesParams::new(&alice, "hello"))
        .await?;
    s.ok(
        "search_messages",
        format!("\"hello\" in Alice's rooms → {} hit(s)", hits.len()),
    );
    let hits = c
        .search_messages(&SearchMessagesParams {
            room_id: Some(room_id),
            ..SearchMessagesParams::new(&alice, "pick")
        })
        .await?;
    s.ok(
        "search_messages",
        format!("\"pick\" in room #{room_id} → {} hit(s)", hits.len()),
    );

    // ---- System events ----
    println!("\nSystem events");
    let events = [
        SystemEvent::CreateRoom {
            room_name: format!("Quickstart {sfx}"),
        },
        SystemEvent::AddMember {
            object_emails: vec![bob.clone()],
        },
        SystemEvent::JoinRoom,
        SystemEvent::RemoveMember {
            object_emails: vec![bob.clone()],
        },
        SystemEvent::LeftRoom,
        SystemEvent::ChangeRoomName {
            room_name: format!("Quickstart {sfx} (final)"),
        },
        SystemEvent::ChangeRoomAvatar,
        SystemEvent::Custom {
            payload: json!({"type": "add_admin", "admin_email": bob}),
            message: Some("Bob is now an admin".into()),
        },
    ];
    for event in events {
        let kind = event.type_name();
        let posted = c
            .post_system_event_message(&SystemEventParams {
                room_id,
                subject_email: alice.clone(),
                event,
            })
            .await?;
        s.ok(
            "post_system_event_message",
            format!("{kind:<18} {:?}", posted.message),
        );
    }

    // ---- Room lists ----
    println!("\nRoom lists");
    let info = c
        .get_rooms_info(&GetRoomsInfoParams {
            user_email: bob.clone(),
            room_ids: vec![room_id, single.room.id],
            show_participants: true,
        })
        .await?;
    for r in &info {
        s.ok(
            "get_rooms_info",
            format!(
                "Bob in #{} {:?}: {} unread",
                r.room_id, r.room_name, r.unread_count
            ),
        );
    }
    let rooms = c
        .get_user_rooms(&GetUserRoomsParams {
            show_participants: true,
            ..GetUserRoomsParams::new(&alice)
        })
        .await?;
    s.ok(
        "get_user_rooms",
        format!(
            "Alice has {} room(s): {}",
            rooms.rooms_info.len(),
            rooms
                .rooms_info
                .iter()
                .map(|r| format!("#{} {}", r.room_id, r.room_type))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );

    // ---- Backups and imports ----
    println!("\nBackups and imports");
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| {
        (today + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    let export = c
        .create_export(&CreateExportParams {
            resource: BackupResource::Users,
            start_date: day(-1),
            end_date: day(1),
        })
        .await?;
    s.ok(
        "create_export",
        format!(
            "users → job {} ({})",
            short(&export.unique_id, 8),
            export.status
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut polls = 0;
    let finished = loop {
        let e = c.get_export(&export.unique_id).await?;
        polls += 1;
        if e.is_finished() {
            break e;
        }
        if e.is_failed() {
            return Err(format!("export failed: {}", e.error_message).into());
        }
        if Instant::now() > deadline {
            return Err("the export did not finish within 2 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    s.ok(
        "get_export",
        format!(
            "finished after {polls} poll(s): {} rows, {} bytes",
            finished.total_rows, finished.size
        ),
    );
    let rows = c.download_export(&finished).await?;
    s.ok("download_export", format!("{} rows downloaded", rows.len()));
    let exports = c.list_exports(None).await?;
    s.ok(
        "list_exports",
        format!(
            "{} export(s), ours listed: {}",
            exports.len(),
            exports.iter().any(|e| e.unique_id == export.unique_id)
        ),
    );

    let imported: Vec<String> = (1..=2)
        .map(|i| format!("imported{i}-{sfx}@example.com"))
        .collect();
    let file: Vec<_> = imported
        .iter()
        .enumerate()
        .map(|(i, email)| {
            json!({
                "Email": email,
                "Name": format!("Imported {}", i + 1),
                "AvatarUrl": "https://example.com/avatar.png",
                "AuthenticationToken": uuid::Uuid::new_v4().simple().to_string(),
                "Password": uuid::Uuid::new_v4().simple().to_string(),
                "CreateAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
        })
        .collect();
    let import = c
        .create_import(&CreateImportParams {
            resource: BackupResource::Users,
            file_name: format!("users-{sfx}.json"),
            contents: serde_json::to_vec(&file)?,
        })
        .await?;
    s.ok(
        "create_import",
        format!(
            "{} users → job {} ({})",
            file.len(),
            short(&import.unique_id, 8),
            import.status
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let list = c.list_imports(None).await?;
        let ours = list.into_iter().find(|i| i.unique_id == import.unique_id);
        match ours {
            Some(i) if i.status != "started" || Instant::now() > deadline => break Some(i),
            None if Instant::now() > deadline => break None,
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    match listed {
        Some(i) => s.ok(
            "list_imports",
            format!("ours is {}: {} row(s) imported", i.status, i.total_rows),
        ),
        None => s.ok("list_imports", "ours is not listed yet"),
    }
    match c.user_profile(&imported[0]).await {
        Ok(u) => s.ok(
            "user_profile",
            format!("{} exists after the import", u.email),
        ),
        Err(e) => println!("… user_profile {}: not there yet ({e})", imported[0]),
    }
    let deleted = c.delete_export(&export.unique_id).await?;
    s.ok(
        "delete_export",
        format!("job {} deleted", short(&deleted.unique_id, 8)),
    );
    Ok(s.0)
}
