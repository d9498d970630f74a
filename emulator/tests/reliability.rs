//! Fault injection, stats and webhooks.

mod common;

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::*;
use hmac::{Hmac, Mac};
use qiscus_emulator::{EmulatorConfig, Faults};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

async fn setup(c: &Ctx) -> u64 {
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    c.group("g", "a@x.com", &["b@x.com"]).await
}

fn raw_post(c: &Ctx, path: &str, body: Value) -> reqwest::RequestBuilder {
    c.http
        .post(c.url(path))
        .header("QISCUS_SDK_SECRET", "emulator-secret")
        .json(&body)
}

#[tokio::test]
async fn drop_before_changes_nothing() {
    let c = Ctx::with(EmulatorConfig {
        faults: "drop_before=1".parse().unwrap(),
        seed: 42,
        ..EmulatorConfig::default()
    })
    .await;
    let r = raw_post(
        &c,
        "login_or_register",
        json!({"email": "a@x.com", "username": "Ani"}),
    )
    .send()
    .await;
    assert!(r.is_err(), "connection must be closed without a response");
    // Admin paths are exempt from faults.
    let stats = c.admin_get("/_emulator/stats").await;
    assert_eq!(stats["dropped_before"], 1);
    assert_eq!(stats["faults_injected"], 1);
    assert_eq!(stats["requests"], 1);
    c.emu.set_faults(Faults::default());
    assert_error(
        &c.get("user_profile", &[("user_email", "a@x.com")]).await,
        404,
        "a@x.com",
    );
}

#[tokio::test]
async fn drop_after_stores_but_closes() {
    let c = Ctx::new().await;
    let room = setup(&c).await;
    c.emu.set_faults(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });
    let r = raw_post(
        &c,
        "post_comment",
        json!({"sender_email": "a@x.com", "room_id": room, "message": "lost answer", "unique_temp_id": "u-1"}),
    )
    .send()
    .await;
    assert!(r.is_err(), "connection must be closed without a response");
    let stored = c
        .admin_get(&format!("/_emulator/rooms/{room}/comments"))
        .await;
    let list = stored["comments"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["unique_temp_id"], "u-1");
    assert_eq!(list[0]["message"], "lost answer");
    // A client retry with the same unique_temp_id gets the stored comment.
    c.emu.set_faults(Faults::default());
    let got = c
        .post(
            "post_comment",
            json!({"sender_email": "a@x.com", "room_id": room, "message": "lost answer", "unique_temp_id": "u-1"}),
        )
        .await;
    assert_eq!(assert_ok(&got)["comment"]["id"], list[0]["id"]);
    let stored = c
        .admin_get(&format!("/_emulator/rooms/{room}/comments"))
        .await;
    assert_eq!(stored["comments"].as_array().unwrap().len(), 1);
    assert_eq!(c.emu.stats().dropped_after, 1);
}

#[tokio::test]
async fn injected_errors_and_rate_limit() {
    let c = Ctx::new().await;
    c.emu.set_faults(Faults {
        rate_limit_429: 1.0,
        retry_after_secs: 3,
        ..Faults::default()
    });
    let r = c
        .http
        .get(c.url("user_profile?user_email=a@x.com"))
        .header("QISCUS_SDK_SECRET", "emulator-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let got = (429, r.json::<Value>().await.unwrap());
    assert_error(&got, 429, "");
    c.emu.set_faults(Faults {
        error_500: 1.0,
        ..Faults::default()
    });
    assert_error(
        &c.get("user_profile", &[("user_email", "a@x.com")]).await,
        500,
        "",
    );
    c.emu.set_faults(Faults {
        error_503: 1.0,
        ..Faults::default()
    });
    assert_error(
        &c.get("user_profile", &[("user_email", "a@x.com")]).await,
        503,
        "",
    );
    c.emu.set_faults(Faults {
        latency: 1.0,
        latency_ms: 80,
        ..Faults::default()
    });
    let t = Instant::now();
    let got = c
        .post(
            "login_or_register",
            json!({"email": "a@x.com", "username": "Ani"}),
        )
        .await;
    assert_ok(&got);
    assert!(t.elapsed() >= Duration::from_millis(80));
    let s = c.emu.stats();
    assert_eq!(
        (
            s.rate_limited,
            s.errors_500,
            s.errors_503,
            s.delayed,
            s.faults_injected,
            s.requests
        ),
        (1, 1, 1, 1, 4, 4)
    );
}

#[tokio::test]
async fn faults_via_admin_and_seeded_determinism() {
    let c = Ctx::new().await;
    let r = c
        .http
        .post(c.url("/_emulator/faults"))
        .json(&json!({"spec": "500=0.5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c
        .http
        .post(c.url("/_emulator/faults"))
        .json(&json!({"spec": "500=2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .http
        .post(c.url("/_emulator/faults"))
        .json(&json!({"error_503": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error_503"], 1.0);
    assert_error(
        &c.get("user_profile", &[("user_email", "a@x.com")]).await,
        503,
        "",
    );

    // Same seed -> same sequence of outcomes.
    let mut runs = Vec::new();
    for _ in 0..2 {
        let c = Ctx::with(EmulatorConfig {
            faults: "500=0.5".parse().unwrap(),
            seed: 7,
            ..EmulatorConfig::default()
        })
        .await;
        let mut seq = Vec::new();
        for _ in 0..20 {
            seq.push(c.get("user_profile", &[("user_email", "a@x.com")]).await.0);
        }
        runs.push(seq);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&404),
        "{:?}",
        runs[0]
    );
}

type Received = (HeaderMap, Bytes);

async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel::<Received>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test]
async fn webhooks_are_delivered_and_signed() {
    let (url, mut rx) = receiver().await;
    let c = Ctx::with(EmulatorConfig {
        webhook_url: Some(url),
        webhook_token: Some("sig-token".into()),
        ..EmulatorConfig::default()
    })
    .await;
    let room = setup(&c).await;
    let posted = c.say(room, "a@x.com", "ini pesan").await;
    let got = c
        .post(
            "post_system_event_message",
            json!({"system_event_type": "join_room", "room_id": room, "subject_email": "b@x.com"}),
        )
        .await;
    assert_ok(&got);
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let (headers, body) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("webhook in time")
            .unwrap();
        let sig = headers["qiscus-sdk-signature"]
            .to_str()
            .unwrap()
            .to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"sig-token").unwrap();
        mac.update(&body);
        assert_eq!(sig, hex::encode(mac.finalize().into_bytes()));
        bodies.push(serde_json::from_slice::<Value>(&body).unwrap());
    }
    let w = &bodies[0];
    assert_keys(w, &["type", "payload"]);
    assert_eq!(w["type"], "post_comment_rest");
    assert_keys(&w["payload"], &["from", "room", "message"]);
    assert_keys(
        &w["payload"]["from"],
        &["id", "email", "name", "avatar_url"],
    );
    assert_keys(
        &w["payload"]["room"],
        &["id", "topic_id", "type", "name", "participants"],
    );
    assert_keys(
        &w["payload"]["room"]["participants"][0],
        &["id", "email", "username", "avatar_url"],
    );
    assert_keys(
        &w["payload"]["message"],
        &[
            "id",
            "comment_before_id",
            "created_at",
            "timestamp",
            "unix_timestamp",
            "unique_temp_id",
            "disable_link_preview",
            "type",
            "text",
            "payload",
        ],
    );
    assert_eq!(w["payload"]["message"]["text"], "ini pesan");
    assert_eq!(w["payload"]["message"]["id"], posted["id"]);
    assert_eq!(w["payload"]["from"]["email"], "a@x.com");
    assert_eq!(bodies[1]["payload"]["message"]["type"], "system_event");
    assert_eq!(bodies[1]["payload"]["message"]["text"], "Budi joined room");
    // Stats count deliveries (the counter moves right after the receiver answers).
    for _ in 0..50 {
        if c.emu.stats().webhooks_delivered == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(c.emu.stats().webhooks_delivered, 2);
}

#[tokio::test]
async fn failed_webhooks_never_fail_the_call() {
    // A port with nothing listening.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/hook", l.local_addr().unwrap());
    drop(l);
    let c = Ctx::with(EmulatorConfig {
        webhook_url: Some(dead),
        ..EmulatorConfig::default()
    })
    .await;
    let room = setup(&c).await;
    c.say(room, "a@x.com", "still ok").await;
    for _ in 0..300 {
        if c.emu.stats().webhooks_failed == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(c.emu.stats().webhooks_failed, 1);
    assert_eq!(c.emu.stats().webhooks_delivered, 0);
}

#[tokio::test]
async fn handle_shutdown_stops_serving() {
    let c = Ctx::new().await;
    let url = c.url("user_profile?user_email=a@x.com");
    let Ctx { emu, http } = c;
    assert_eq!(emu.app_id(), "emulator");
    assert_eq!(emu.addr().ip().to_string(), "127.0.0.1");
    emu.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
    drop(http);
}
