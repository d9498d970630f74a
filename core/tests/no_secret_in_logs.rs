//! The secret never appears in any log line: every tracing event (and every `log` record, through
//! the bridge) of a whole tour of the API — successes, errors, retries, timeouts — is captured at
//! TRACE level and searched.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qiscus::*;
use qiscus_emulator::{Emulator, EmulatorConfig, Faults};

const SECRET: &str = "s3cr3t-ZXQW-never-log-me";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_contains_the_secret() {
    let capture = Capture::default();
    let sink = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .try_init()
        .expect("install the capturing subscriber");

    let emulator = Emulator::start(EmulatorConfig {
        secret: SECRET.into(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder(emulator.app_id(), SECRET)
        .base_url(emulator.base_url())
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    tracing::info!(?client, "client built");

    let a = client
        .login_or_register(&LoginOrRegisterParams::new("alice@example.com", "Alice"))
        .await
        .unwrap();
    client
        .login_or_register(&LoginOrRegisterParams::new("bob@example.com", "Bob"))
        .await
        .unwrap();
    client.user_profile(&a.email).await.unwrap();
    client.reset_user_token(&a.email).await.unwrap();
    let room = client
        .create_room(&CreateRoomParams::new(
            "Logs",
            &a.email,
            ["bob@example.com"],
        ))
        .await
        .unwrap();
    client
        .post_comment(&PostCommentParams::text(room.room_id, &a.email, "hello"))
        .await
        .unwrap();
    client
        .load_comments(&LoadCommentsParams::new(room.room_id))
        .await
        .unwrap();
    client
        .search_messages(&SearchMessagesParams::new(&a.email, "hello"))
        .await
        .unwrap();
    client
        .create_export(&CreateExportParams {
            resource: BackupResource::Users,
            start_date: "2020-01-01".into(),
            end_date: "2099-01-01".into(),
        })
        .await
        .unwrap();
    // Errors: not found, bad request, unauthorized.
    let _ = client.user_profile("nobody@example.com").await.unwrap_err();
    let _ = client
        .post_comment(&PostCommentParams::text(999_999, &a.email, "x"))
        .await
        .unwrap_err();
    let wrong = Client::builder(emulator.app_id(), format!("{SECRET}-wrong"))
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let _ = wrong.user_profile(&a.email).await.unwrap_err();
    // Retries through faults, then a timeout.
    emulator.set_faults("503=0.5,drop_before=0.2".parse::<Faults>().unwrap());
    for i in 0..20 {
        let _ = client
            .post_comment(&PostCommentParams::text(
                room.room_id,
                &a.email,
                format!("r{i}"),
            ))
            .await;
    }
    emulator.set_faults("latency=1,latency_ms=300".parse::<Faults>().unwrap());
    let err = client
        .with_timeout(Duration::from_millis(50))
        .user_profile(&a.email)
        .await
        .unwrap_err();
    tracing::warn!(%err, ?err, "last error");
    emulator.set_faults(Faults::default());

    // The same through the blocking I/O (ureq, whose `log` records reach the capture through the
    // bridge): a success, an error answer, retried faults and a timeout.
    let blocking = client.with_blocking_io();
    let email = a.email.clone();
    let on_thread = |c: Client, email: String, posts: usize, timeout: Option<Duration>| {
        let rt = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            rt.block_on(async {
                let c = timeout.map_or(c.clone(), |t| c.with_timeout(t));
                let _ = c.user_profile(&email).await;
                for i in 0..posts {
                    let _ = c
                        .post_comment(&PostCommentParams::text(
                            room.room_id,
                            &email,
                            format!("b{i}"),
                        ))
                        .await;
                }
            })
        })
    };
    on_thread(blocking.clone(), email.clone(), 1, None)
        .await
        .unwrap();
    on_thread(wrong.with_blocking_io(), email.clone(), 0, None)
        .await
        .unwrap();
    emulator.set_faults("503=0.5,drop_before=0.2".parse::<Faults>().unwrap());
    on_thread(blocking.clone(), email.clone(), 10, None)
        .await
        .unwrap();
    emulator.set_faults("latency=1,latency_ms=300".parse::<Faults>().unwrap());
    on_thread(blocking, email, 0, Some(Duration::from_millis(50)))
        .await
        .unwrap();
    emulator.set_faults(Faults::default());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.lines().count() > 50,
        "the capture should hold the tour's trace output, got {} lines",
        logs.lines().count()
    );
    assert!(logs.contains("post_comment"), "client events are captured");
    assert!(
        logs.contains("ureq"),
        "the blocking I/O's records are captured"
    );
    let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(SECRET)).collect();
    assert!(
        leaks.is_empty(),
        "secret found in logs:\n{}",
        leaks.join("\n")
    );
    println!("no_secret_in_logs: lines={} leaks=0", logs.lines().count());
}
