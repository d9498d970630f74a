//! Every invalid input is refused before anything is sent, naming the field; the secret never
//! shows in Debug output or error text.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

mod common;

use common::{canned_server, redirector};
use qiscus::*;
use serde_json::json;

/// A client of the API at `base`, with [`SECRET`].
fn client_at(base: &str) -> Client {
    Client::builder("app", SECRET)
        .base_url(base)
        .build()
        .unwrap()
}

/// A finished export of one row (`[{"a":1}]`) to be downloaded from `download_url`.
fn finished_export(download_url: String) -> Export {
    Export {
        unique_id: "x".into(),
        status: "finished".into(),
        percentage: 100.0,
        resource_name: "users".into(),
        download_url,
        original_filename: "x.json".into(),
        size: 9,
        total_rows: 1,
        error_message: String::new(),
        created_at: None,
    }
}

/// A listener that counts connections: a validation bug would show as a connection.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        // Sockets are kept open and never answered.
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    (format!("http://{addr}"), count)
}

const SECRET: &str = "top-secret-9f8e7d";

fn assert_field<T: std::fmt::Debug>(r: Result<T>, field: &str) {
    match r {
        Err(Error::InvalidInput { field: f, reason }) => {
            assert_eq!(f, field, "wrong field (reason: {reason})");
            assert!(!reason.is_empty());
        }
        other => panic!("expected invalid input naming {field}, got {other:?}"),
    }
}

fn text(room: i64, sender: &str, msg: &str) -> PostCommentParams {
    PostCommentParams::text(room, sender, msg)
}

fn with_payload(p: Payload) -> PostCommentParams {
    PostCommentParams::new(1, "a@example.com", "msg", p)
}

#[tokio::test]
async fn invalid_inputs_are_refused_before_sending() {
    let (url, count) = counting_server().await;
    let c = Client::builder("app", SECRET)
        .base_url(&url)
        .build()
        .unwrap();
    let emails = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // Users.
    assert_field(
        c.login_or_register(&LoginOrRegisterParams::new("", "A"))
            .await,
        "email",
    );
    assert_field(
        c.login_or_register(&LoginOrRegisterParams::new("not-an-email", "A"))
            .await,
        "email",
    );
    assert_field(
        c.login_or_register(&LoginOrRegisterParams::new("a@b", "A"))
            .await,
        "email",
    );
    assert_field(
        c.login_or_register(&LoginOrRegisterParams::new("a@example.com", " "))
            .await,
        "username",
    );
    assert_field(
        c.login_or_register(&LoginOrRegisterParams::new("a@example.com", "A").password(""))
            .await,
        "password",
    );
    assert_field(c.user_profile("").await, "user_email");
    assert_field(c.reset_user_token("x y@example.com").await, "user_email");
    // Longer than any e-mail address can be: refused before a URL of 100 kB is made.
    let long = format!("{}@example.com", "x".repeat(100_000));
    assert_field(c.user_profile(&long).await, "user_email");
    let mut p = GetUserRoomsParams::new("a@example.com");
    p.page = Some(0);
    assert_field(c.get_user_rooms(&p).await, "page");
    assert_field(
        c.get_user_rooms(&GetUserRoomsParams::new("nope")).await,
        "user_email",
    );

    // Rooms.
    assert_field(
        c.create_room(&CreateRoomParams::new(
            "",
            "a@example.com",
            ["b@example.com"],
        ))
        .await,
        "name",
    );
    assert_field(
        c.create_room(&CreateRoomParams::new("R", "creator", ["b@example.com"]))
            .await,
        "creator",
    );
    assert_field(
        c.create_room(&CreateRoomParams::new(
            "R",
            "a@example.com",
            Vec::<String>::new(),
        ))
        .await,
        "participants",
    );
    assert_field(
        c.create_room(&CreateRoomParams::new("R", "a@example.com", ["bad"]))
            .await,
        "participants",
    );
    assert_field(
        c.get_or_create_room_with_target(&emails(&["a@example.com"]))
            .await,
        "emails",
    );
    assert_field(
        c.get_or_create_room_with_target(&emails(&[
            "a@example.com",
            "b@example.com",
            "c@example.com",
        ]))
        .await,
        "emails",
    );
    assert_field(
        c.get_or_create_room_with_target(&emails(&["a@example.com", "A@example.com"]))
            .await,
        "emails",
    );
    assert_field(
        c.get_or_create_room_with_target(&emails(&["a@example.com", "b"]))
            .await,
        "emails",
    );
    assert_field(
        c.update_room(&UpdateRoomParams::new("a@example.com", 0))
            .await,
        "room_id",
    );
    let mut u = UpdateRoomParams::new("a@example.com", 3);
    u.room_name = Some("".into());
    assert_field(c.update_room(&u).await, "room_name");
    assert_field(
        c.get_rooms_info(&GetRoomsInfoParams {
            user_email: "a@example.com".into(),
            room_ids: vec![],
            show_participants: false,
        })
        .await,
        "room_id",
    );
    assert_field(c.add_room_participants(1, &[]).await, "emails");
    assert_field(
        c.remove_room_participants(-4, &emails(&["a@example.com"]))
            .await,
        "room_id",
    );

    // Comments.
    assert_field(
        c.post_comment(&text(1, "a@example.com", "")).await,
        "message",
    );
    assert_field(c.post_comment(&text(1, "", "hi")).await, "sender_email");
    assert_field(
        c.post_comment(&text(0, "a@example.com", "hi")).await,
        "room_id",
    );
    assert_field(
        c.post_comment(&text(1, "a@example.com", "hi").unique_temp_id(""))
            .await,
        "unique_temp_id",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::SystemEvent(SystemEventPayload {
            event_type: "join_room".into(),
            subject_username: None,
            subject_email: None,
            object_username: None,
            object_email: None,
            room_name: None,
            extra: None,
        })))
        .await,
        "type",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Unknown {
            type_name: "system_event".into(),
            payload: None,
        }))
        .await,
        "type",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Reply(ReplyPayload {
            text: "r".into(),
            replied_comment_id: 0,
            replied_comment_message: None,
            replied_comment_sender_email: None,
        })))
        .await,
        "payload.replied_comment_id",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Buttons(ButtonsPayload {
            text: "t".into(),
            buttons: vec![],
        })))
        .await,
        "payload.buttons",
    );
    let mut bad_button = Button::link("go", "https://example.com");
    bad_button.button_type = "submit".into();
    assert_field(
        c.post_comment(&with_payload(Payload::Buttons(ButtonsPayload {
            text: "t".into(),
            buttons: vec![Button::link("ok", "https://example.com"), bad_button],
        })))
        .await,
        "payload.buttons[1].type",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Custom(CustomPayload {
            custom_type: "".into(),
            content: json!(1),
        })))
        .await,
        "payload.type",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::ContactPerson(
            ContactPersonPayload {
                name: "Evan".into(),
                value: "0812".into(),
                contact_type: Some("fax".into()),
            },
        )))
        .await,
        "payload.type",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Location(LocationPayload {
            name: "X".into(),
            address: "Y".into(),
            latitude: f64::NAN,
            longitude: 1.0,
            map_url: "".into(),
        })))
        .await,
        "payload.latitude",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::FileAttachment(
            FileAttachmentPayload {
                url: "".into(),
                caption: None,
                file_name: None,
                size: None,
                pages: None,
            },
        )))
        .await,
        "payload.url",
    );
    assert_field(
        c.post_comment(&with_payload(Payload::Carousel(CarouselPayload {
            cards: vec![],
        })))
        .await,
        "payload.cards",
    );
    let mut lp = LoadCommentsParams::new(1);
    lp.limit = Some(0);
    assert_field(c.load_comments(&lp).await, "limit");
    lp.limit = Some(101);
    assert_field(c.load_comments(&lp).await, "limit");
    lp.limit = Some(100);
    lp.page = Some(0);
    assert_field(c.load_comments(&lp).await, "page");

    // System events.
    let ev = |event| SystemEventParams {
        room_id: 1,
        subject_email: "a@example.com".into(),
        event,
    };
    assert_field(
        c.post_system_event_message(&ev(SystemEvent::AddMember {
            object_emails: vec![],
        }))
        .await,
        "object_email",
    );
    assert_field(
        c.post_system_event_message(&ev(SystemEvent::RemoveMember {
            object_emails: vec![],
        }))
        .await,
        "object_email",
    );
    assert_field(
        c.post_system_event_message(&ev(SystemEvent::ChangeRoomName {
            room_name: "".into(),
        }))
        .await,
        "updated_room_name",
    );
    assert_field(
        c.post_system_event_message(&ev(SystemEvent::CreateRoom {
            room_name: " ".into(),
        }))
        .await,
        "updated_room_name",
    );
    assert_field(
        c.post_system_event_message(&ev(SystemEvent::Custom {
            payload: json!({"admin": 1}),
            message: None,
        }))
        .await,
        "payload.type",
    );
    assert_field(
        c.post_system_event_message(&SystemEventParams {
            room_id: 1,
            subject_email: "".into(),
            event: SystemEvent::JoinRoom,
        })
        .await,
        "subject_email",
    );

    // Search.
    assert_field(
        c.search_messages(&SearchMessagesParams::new("a@example.com", ""))
            .await,
        "query",
    );

    // Backups.
    let export = |s: &str, e: &str| CreateExportParams {
        resource: BackupResource::Comments,
        start_date: s.into(),
        end_date: e.into(),
    };
    assert_field(
        c.create_export(&export("2024-1-01", "2024-02-01")).await,
        "start_date",
    );
    assert_field(
        c.create_export(&export("2024-01-01", "2024-02-30")).await,
        "end_date",
    );
    assert_field(
        c.create_export(&export("2024-03-01", "2024-02-01")).await,
        "end_date",
    );
    assert_field("posts".parse::<BackupResource>().map(|_| ()), "type");
    assert_field(c.get_export("").await, "unique_id");
    assert_field(c.delete_export("../../users").await, "unique_id");
    assert_field(c.list_exports(Some(0)).await, "page");
    assert_field(c.list_imports(Some(0)).await, "page");
    let import = |contents: Vec<u8>| CreateImportParams {
        resource: BackupResource::Users,
        file_name: "users.json".into(),
        contents,
    };
    assert_field(
        c.create_import(&import(b"{\"a\":1}".to_vec())).await,
        "file",
    );
    assert_field(c.create_import(&import(b"[1, 2".to_vec())).await, "file");
    let mut big = b"[\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', MAX_IMPORT_BYTES));
    big.extend(b"\"]");
    assert_field(c.create_import(&import(big)).await, "file");

    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        count.load(Ordering::SeqCst),
        0,
        "a request was sent for invalid input"
    );
}

#[tokio::test]
async fn secret_never_appears_in_debug_or_errors() {
    let (url, _count) = counting_server().await;
    let c = Client::builder("app", SECRET)
        .base_url(&url)
        .timeout(std::time::Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains(SECRET));
    assert!(!format!("{:?}", ClientConfig::new("app", SECRET)).contains(SECRET));
    // The counting server accepts and never answers: a timeout error.
    let err = c.user_profile("a@example.com").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(SECRET), "{text}");
    }
    // Connection refused.
    let dead = Client::builder("app", SECRET)
        .base_url("http://127.0.0.1:1")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = dead.user_profile("a@example.com").await.unwrap_err();
    assert!(
        matches!(err, Error::Connection { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[test]
fn configuration_is_checked() {
    let e = Client::builder("app", SECRET)
        .base_url("http://qiscus.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config { ref field, .. } if field == "base_url"));
    assert!(!e.to_string().contains(SECRET));
    assert!(Client::builder("app", SECRET)
        .base_url("http://qiscus.example.com")
        .allow_insecure_http(true)
        .build()
        .is_ok());
    assert!(
        matches!(Client::new("", SECRET), Err(Error::Config { ref field, .. }) if field == "app_id")
    );
    assert!(
        matches!(Client::new("app", ""), Err(Error::Config { ref field, .. }) if field == "secret")
    );
    let c = Client::new("my-app", SECRET).unwrap();
    assert_eq!(c.api_base(), "https://my-app.qiscus.com/api/v2/rest/");
}

#[test]
fn signatures() {
    let body = br#"{"type":"post_comment_rest","payload":{}}"#;
    let token = b"sig-token";
    let sig = webhooks::sign(token, body);
    assert_eq!(sig.len(), 64);
    assert!(webhooks::verify_signature(token, body, Some(&sig)).is_ok());
    assert!(webhooks::verify_signature(token, body, Some(&sig.to_uppercase())).is_ok());
    // Changed body.
    let mut changed = body.to_vec();
    changed[3] ^= 1;
    assert!(matches!(
        webhooks::verify_signature(token, &changed, Some(&sig)),
        Err(Error::InvalidSignature { .. })
    ));
    // Changed signature.
    let mut bad = sig.clone().into_bytes();
    bad[10] = if bad[10] == b'0' { b'1' } else { b'0' };
    assert!(
        webhooks::verify_signature(token, body, Some(std::str::from_utf8(&bad).unwrap())).is_err()
    );
    // Wrong token.
    assert!(webhooks::verify_signature(b"other", body, Some(&sig)).is_err());
    // Malformed or missing header.
    for h in ["", "zz", &sig[..63], &format!("{sig}00"), &"g".repeat(64)] {
        assert!(
            webhooks::verify_signature(token, body, Some(h)).is_err(),
            "{h:?}"
        );
    }
    assert!(webhooks::verify_signature(token, body, None).is_err());
    // A known vector (RFC 4231 test case 2).
    assert_eq!(
        webhooks::sign(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // receive(): header lookup is case-insensitive.
    let event_body = include_bytes!("fixtures/live/webhook_post_comment_mobile_full.json");
    let sig = webhooks::sign(token, event_body);
    let ev = webhooks::receive(
        token,
        [
            ("content-type", "application/json"),
            ("qiscus-sdk-signature", sig.as_str()),
        ],
        event_body,
    )
    .unwrap();
    assert_eq!(ev.payload.message.id, Some(99));
    assert!(webhooks::receive(token, [("x", "y")], event_body).is_err());
}

#[tokio::test]
async fn downloads_from_another_host_never_carry_the_secret() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A "CDN" on another origin that records the request it gets.
    let cdn = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cdn_addr = cdn.local_addr().unwrap();
    let seen = tokio::spawn(async move {
        let (mut sock, _) = cdn.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = sock.read(&mut buf).await.unwrap();
        sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n[{\"a\":1}]")
            .await
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    });
    let (api, _count) = counting_server().await;
    let c = client_at(&api);
    let export = finished_export(format!("http://{cdn_addr}/exports/x.json"));
    let rows = c.download_export(&export).await.unwrap();
    assert_eq!(rows, vec![json!({"a": 1})]);
    let request = seen.await.unwrap().to_ascii_lowercase();
    assert!(request.starts_with("get /exports/x.json"), "{request}");
    assert!(!request.contains(&SECRET.to_ascii_lowercase()), "{request}");
    assert!(!request.contains("qiscus_sdk_secret"), "{request}");
}

#[tokio::test]
async fn a_download_the_api_redirects_to_another_host_is_fetched_there_without_the_secret() {
    // The export's URL is on the API's origin, which hands the file on to a storage host.
    let storage = canned_server(200, r#"[{"a":1}]"#).await;
    let (storage_hop, at_storage) = redirector(302, format!("{storage}/bucket/x.json")).await;
    let (api, at_api) = redirector(302, format!("{storage_hop}/signed/x.json")).await;
    let c = client_at(&api);
    let export = finished_export(format!("{api}/exports/x.json"));
    let rows = c.download_export(&export).await.unwrap();
    assert_eq!(rows, vec![json!({"a": 1})]);
    let mut sink = Vec::new();
    c.download_export_to(&export, &mut sink, None)
        .await
        .unwrap();
    assert_eq!(sink, br#"[{"a":1}]"#);
    // The API's origin is asked with the credentials, each host after it without them.
    let at_api = at_api.lock().unwrap().clone();
    assert_eq!(at_api.len(), 2);
    assert!(at_api
        .iter()
        .all(|r| r.header("qiscus_sdk_secret") == Some(SECRET)));
    let at_storage = at_storage.lock().unwrap().clone();
    assert_eq!(at_storage.len(), 2);
    for r in &at_storage {
        assert_eq!(r.request_line, "GET /signed/x.json HTTP/1.1");
        assert_eq!(r.header("qiscus_sdk_secret"), None, "{r:?}");
        assert_eq!(r.header("qiscus_sdk_app_id"), None, "{r:?}");
    }
}

#[tokio::test]
async fn a_download_that_redirects_without_end_fails_naming_it() {
    let (api, asked) = redirector(302, "/exports/x.json".into()).await;
    let c = client_at(&api);
    let export = finished_export(format!("{api}/exports/x.json"));
    let e = c.download_export(&export).await.unwrap_err();
    assert!(e.to_string().contains("more than 10 redirects"), "{e}");
    assert_eq!(asked.lock().unwrap().len(), 11);
}
