//! The `qiscus` binary end to end against emulators.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use qiscus::{Client, CommentRow, ImportBatch, ImportOptions, RoomRow, UserRow};
use qiscus_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_qiscus");

/// A `qiscus` command with no credentials from the surrounding environment.
fn bare() -> Command {
    let mut c = Command::new(BIN);
    for v in [
        "QISCUS_APP_ID",
        "QISCUS_SECRET",
        "QISCUS_BASE_URL",
        "QISCUS_WEBHOOK_TOKEN",
    ] {
        c.env_remove(v);
    }
    c
}

/// A `qiscus` command pointed at a server.
fn at(base_url: &str, app_id: &str, secret: &str) -> Command {
    let mut c = bare();
    c.env("QISCUS_APP_ID", app_id)
        .env("QISCUS_SECRET", secret)
        .env("QISCUS_BASE_URL", base_url);
    c
}

fn for_emulator(h: &EmulatorHandle) -> Command {
    at(h.base_url(), h.app_id(), h.secret())
}

/// Runs a command off the async workers (the emulator serves on them).
async fn run(mut cmd: Command, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        cmd.args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn qiscus");
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            input.write_all(&bytes).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout_json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qiscus-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn days() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let d = chrono::Days::new(1);
    (
        (today - d).format("%Y-%m-%d").to_string(),
        (today + d).format("%Y-%m-%d").to_string(),
    )
}

async fn emulator() -> EmulatorHandle {
    Emulator::start(EmulatorConfig {
        export_delay: Duration::from_millis(30),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_rooms_and_comments_end_to_end() {
    let h = emulator().await;
    let o = run(
        for_emulator(&h),
        &[
            "login-or-register",
            "--email",
            "a@example.com",
            "--username",
            "A",
        ],
        None,
    )
    .await;
    let user = stdout_json(&o);
    assert_eq!(user["email"], "a@example.com");
    assert!(user["token"].is_string());
    let o = run(
        for_emulator(&h),
        &[
            "login-or-register",
            "--email",
            "b@example.com",
            "--username",
            "B",
            "--compact",
        ],
        None,
    )
    .await;
    assert_eq!(
        o.stdout.iter().filter(|b| **b == b'\n').count(),
        1,
        "compact"
    );
    let room = stdout_json(
        &run(
            for_emulator(&h),
            &[
                "create-room",
                "--name",
                "Team",
                "--creator",
                "a@example.com",
                "--participant",
                "b@example.com",
            ],
            None,
        )
        .await,
    );
    let room_id = room["room_id"].as_i64().unwrap().to_string();
    let posted = stdout_json(
        &run(
            for_emulator(&h),
            &[
                "post-comment",
                "--room",
                &room_id,
                "--sender",
                "a@example.com",
                "--text",
                "hi",
            ],
            None,
        )
        .await,
    );
    assert_eq!(posted["message"], "hi");
    let custom = stdout_json(
        &run(
            for_emulator(&h),
            &[
                "post-comment",
                "--room",
                &room_id,
                "--sender",
                "b@example.com",
                "--type",
                "custom",
                "--payload",
                r#"{"type":"poll","content":{"q":"?"}}"#,
            ],
            None,
        )
        .await,
    );
    assert_eq!(custom["type"], "custom");
    assert_eq!(custom["payload"]["content"]["q"], "?");
    let page = stdout_json(
        &run(
            for_emulator(&h),
            &[
                "load-comments",
                "--room",
                &room_id,
                "--page",
                "1",
                "--limit",
                "10",
            ],
            None,
        )
        .await,
    );
    let ids: Vec<i64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 2);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let all = stdout_json(
        &run(
            for_emulator(&h),
            &["load-comments", "--room", &room_id, "--all", "--limit", "1"],
            None,
        )
        .await,
    );
    assert_eq!(all.as_array().unwrap().len(), ids.len());
    let rooms = stdout_json(
        &run(
            for_emulator(&h),
            &["get-user-rooms", "--email", "b@example.com", "--all"],
            None,
        )
        .await,
    );
    assert_eq!(rooms.as_array().unwrap().len(), 1);

    // An API error: exit 1, the server's message on stderr, nothing on stdout.
    let o = run(
        for_emulator(&h),
        &["user-profile", "--email", "nobody@example.com"],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // Input refused before sending: exit 2.
    let o = run(
        for_emulator(&h),
        &["user-profile", "--email", "not-an-email"],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_files_and_import_them_elsewhere() {
    let source = emulator().await;
    let target = emulator().await;
    let c = Client::builder(source.app_id(), source.secret())
        .base_url(source.base_url())
        .build()
        .unwrap();
    let batch = ImportBatch {
        users: vec![
            UserRow::new("x@example.com", "X"),
            UserRow::new("y@example.com", "Y"),
        ],
        rooms: vec![RoomRow::group(
            "r1",
            "R",
            "x@example.com",
            ["x@example.com", "y@example.com"],
        )],
        comments: (0..40)
            .map(|i| {
                if i % 5 == 4 {
                    CommentRow::reply(
                        format!("c{i}"),
                        "r1",
                        "y@example.com",
                        format!("re {i}"),
                        format!("c{}", i - 1),
                    )
                } else {
                    CommentRow::text(format!("c{i}"), "r1", "x@example.com", format!("text {i}"))
                }
            })
            .collect(),
    };
    let opts = ImportOptions {
        poll_interval: Duration::from_millis(10),
        ..ImportOptions::default()
    };
    c.import_rows(&batch, &opts).await.unwrap();

    let dir = temp_dir("roundtrip");
    let (from, to) = days();
    for resource in ["users", "rooms", "comments"] {
        let file = dir.join(format!("{resource}.json"));
        let file = file.to_str().unwrap();
        let exported = stdout_json(
            &run(
                for_emulator(&source),
                &[
                    "export",
                    resource,
                    "--from",
                    &from,
                    "--to",
                    &to,
                    "-o",
                    file,
                    "--poll-interval",
                    "0.02",
                ],
                None,
            )
            .await,
        );
        let expected = match resource {
            "users" => 2,
            "rooms" => 1,
            _ => 40,
        };
        assert_eq!(exported["rows"], expected, "{exported}");
        assert_eq!(exported["path"], file);
        assert_eq!(
            exported["bytes"].as_u64().unwrap(),
            std::fs::metadata(file).unwrap().len()
        );
        let report = stdout_json(
            &run(
                for_emulator(&target),
                &[
                    "import",
                    resource,
                    file,
                    "--max-file-bytes",
                    "2048",
                    "--poll-interval",
                    "0.01",
                ],
                None,
            )
            .await,
        );
        assert_eq!(report[format!("{resource}_imported")], expected, "{report}");
        assert!(
            report["row_errors"].as_array().unwrap().is_empty(),
            "{report}"
        );
        if resource == "comments" {
            assert!(report["files_uploaded"].as_u64().unwrap() >= 2, "{report}");
        }
    }
    // Visible on the target.
    let profile = stdout_json(
        &run(
            for_emulator(&target),
            &["user-profile", "--email", "y@example.com"],
            None,
        )
        .await,
    );
    assert_eq!(profile["username"], "Y");
    let rooms = stdout_json(
        &run(
            for_emulator(&target),
            &["get-user-rooms", "--email", "x@example.com"],
            None,
        )
        .await,
    );
    let room_id = rooms["rooms_info"][0]["room_id"]
        .as_i64()
        .unwrap()
        .to_string();
    let comments = stdout_json(
        &run(
            for_emulator(&target),
            &["load-comments", "--room", &room_id, "--all"],
            None,
        )
        .await,
    );
    assert_eq!(comments.as_array().unwrap().len(), 40);

    // Bad rows: refused before sending, exit 2, every bad row named.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"Email":"not-an-email","Name":"A"},{"Email":"q@example.com"},{"Email":"Q@example.com"}]"#,
    )
    .unwrap();
    let before = target.stats().requests;
    let o = run(
        for_emulator(&target),
        &["import", "users", bad.to_str().unwrap()],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("users[0].Email") && stderr(&o).contains("users[2].Email"),
        "{}",
        stderr(&o)
    );
    assert_eq!(target.stats().requests, before);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_exit_codes() {
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/spec/webhook_post_comment_mobile.json"),
    )
    .unwrap();
    let good = qiscus::webhooks::sign(b"hook-token", &body);
    let o = run(
        bare(),
        &[
            "verify-webhook",
            "--token",
            "hook-token",
            "--signature",
            &good,
        ],
        Some(body.clone()),
    )
    .await;
    let event = stdout_json(&o);
    assert_eq!(event["type"], "post_comment_mobile");
    assert!(event["payload"]["room"]["id"].is_number());

    let bad = qiscus::webhooks::sign(b"other-token", &body);
    let o = run(
        bare(),
        &[
            "verify-webhook",
            "--token",
            "hook-token",
            "--signature",
            &bad,
        ],
        Some(body.clone()),
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("signature"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());

    let o = run(
        bare(),
        &["verify-webhook", "--token", "hook-token"],
        Some(body.clone()),
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "a missing signature is refused");
    // A body changed after signing.
    let mut tampered = body.clone();
    tampered.push(b' ');
    let o = run(
        bare(),
        &[
            "verify-webhook",
            "--token",
            "hook-token",
            "--signature",
            &good,
        ],
        Some(tampered),
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_and_usage_errors() {
    let o = run(bare(), &["user-profile", "--email", "a@example.com"], None).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing credentials"), "{}", stderr(&o));
    assert!(stderr(&o).contains("QISCUS_APP_ID"), "{}", stderr(&o));

    let mut only_secret = bare();
    only_secret
        .env("QISCUS_APP_ID", "app")
        .env("QISCUS_SECRET", "");
    let o = run(
        only_secret,
        &["user-profile", "--email", "a@example.com"],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("QISCUS_SECRET"), "{}", stderr(&o));

    // The secret is never printed, even when the call fails.
    let mut wrong = bare();
    wrong
        .env("QISCUS_APP_ID", "app")
        .env("QISCUS_SECRET", "super-secret-value-123")
        .env("QISCUS_BASE_URL", "http://127.0.0.1:9");
    let o = run(
        wrong,
        &["user-profile", "--email", "a@example.com", "--timeout", "2"],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("super-secret-value-123"));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("super-secret-value-123"));

    // clap's usage errors exit with 2.
    let o = run(bare(), &["post-comment", "--room", "x"], None).await;
    assert_eq!(o.status.code(), Some(2));
    let o = run(bare(), &["no-such-command"], None).await;
    assert_eq!(o.status.code(), Some(2));
}

/// Reads `listening on URL` from a spawned `qiscus emulator`.
#[cfg(target_os = "linux")]
fn listening_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

/// Peak RSS of a running process, in bytes (`VmHWM` only grows, so the last reading before the
/// process exits is its peak, give or take the last few milliseconds).
#[cfg(target_os = "linux")]
fn peak_rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Runs a command to completion, sampling its peak RSS.
#[cfg(target_os = "linux")]
fn run_measured(mut cmd: Command, args: &[&str]) -> (Output, u64) {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(p) = peak_rss_of(pid) {
            peak = peak.max(p);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (child.wait_with_output().unwrap(), peak)
}

/// The emulator runs in its own process (`qiscus emulator`), so the exporting process's peak
/// RSS measures the client alone: exporting a file of ~10 MB must not grow it by more than a
/// fraction of the file, compared with exporting a tiny file. Linux only (reads `/proc`).
#[cfg(target_os = "linux")]
#[test]
fn the_emulator_subcommand_and_a_flat_memory_export() {
    let mut emu = bare()
        .args(["emulator", "--export-delay-ms", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = listening_url(&mut emu);
    let cmd = || at(&url, "emulator", "emulator-secret");
    let result = std::panic::catch_unwind(|| {
        let o = cmd()
            .args(["user-profile", "--email", "nobody@example.com"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "the emulator answers: 404");

        // Seed ~10 MB of comments through the CLI's own import.
        let dir = temp_dir("memory");
        let users = dir.join("users.json");
        std::fs::write(
            &users,
            r#"[{"Email":"m@example.com","Name":"M"},{"Email":"n@example.com","Name":"N"}]"#,
        )
        .unwrap();
        let rooms = dir.join("rooms.json");
        std::fs::write(
            &rooms,
            r#"[{"Name":"Big","Type":"group","CreatorEmail":"m@example.com","UniqueId":"big","ParticipantEmails":["m@example.com","n@example.com"]}]"#,
        )
        .unwrap();
        let filler = "lorem ipsum dolor sit amet ".repeat(30);
        let comments: Vec<Value> = (0..10_000)
            .map(|i| {
                serde_json::json!({
                    "Message": format!("{i} {filler}"), "Type": "text", "UniqueId": format!("big-{i}"),
                    "CreatorEmail": "m@example.com", "RoomUniqueId": "big",
                })
            })
            .collect();
        let comments_file = dir.join("comments.json");
        std::fs::write(&comments_file, serde_json::to_vec(&comments).unwrap()).unwrap();
        for (r, f) in [
            ("users", &users),
            ("rooms", &rooms),
            ("comments", &comments_file),
        ] {
            let o = cmd()
                .args(["import", r, f.to_str().unwrap(), "--poll-interval", "0.01"])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }

        let (from, to) = days();
        let small = dir.join("users-out.json");
        let big = dir.join("comments-out.json");
        let started = Instant::now();
        let (o, small_peak) = run_measured(
            cmd(),
            &[
                "export",
                "users",
                "--from",
                &from,
                "--to",
                &to,
                "-o",
                small.to_str().unwrap(),
                "--poll-interval",
                "0.02",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (o, big_peak) = run_measured(
            cmd(),
            &[
                "export",
                "comments",
                "--from",
                &from,
                "--to",
                &to,
                "-o",
                big.to_str().unwrap(),
                "--poll-interval",
                "0.02",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["rows"], 10_000);
        let size = std::fs::metadata(&big).unwrap().len();
        eprintln!(
            "exports took {:?}: {size} bytes; peak RSS {small_peak} (tiny export) vs {big_peak} (big export)",
            started.elapsed()
        );
        assert!(size > 8_000_000, "{size}");
        assert!(small_peak > 0 && big_peak > 0, "peak RSS not readable");
        assert!(
            big_peak < small_peak + size / 3,
            "peak RSS grew by {} bytes for a {size}-byte file",
            big_peak.saturating_sub(small_peak)
        );
        std::fs::remove_dir_all(&dir).ok();
    });
    let _ = emu.kill();
    let _ = emu.wait();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_other_call_prints_json() {
    let h = emulator().await;
    let ok = |o: Output| stdout_json(&o);
    for (e, n) in [
        ("a@example.com", "A"),
        ("b@example.com", "B"),
        ("c@example.com", "C"),
    ] {
        ok(run(
            for_emulator(&h),
            &["login-or-register", "--email", e, "--username", n],
            None,
        )
        .await);
    }
    let v = ok(run(
        for_emulator(&h),
        &["reset-user-token", "--email", "a@example.com"],
        None,
    )
    .await);
    assert!(v["token"].is_string());
    let room = ok(run(
        for_emulator(&h),
        &[
            "create-room",
            "--name",
            "G",
            "--creator",
            "a@example.com",
            "--participant",
            "b@example.com",
        ],
        None,
    )
    .await);
    let id = room["room_id"].to_string();
    let v = ok(run(
        for_emulator(&h),
        &[
            "update-room",
            "--email",
            "a@example.com",
            "--room",
            &id,
            "--name",
            "G2",
            "--options",
            r#"{"color":"red"}"#,
        ],
        None,
    )
    .await);
    assert_eq!(v["room"]["room_name"], "G2");
    let v = ok(run(
        for_emulator(&h),
        &[
            "add-room-participants",
            "--room",
            &id,
            "--email",
            "c@example.com",
        ],
        None,
    )
    .await);
    assert_eq!(v["participants"].as_array().unwrap().len(), 3);
    let v = ok(run(
        for_emulator(&h),
        &[
            "remove-room-participants",
            "--room",
            &id,
            "--email",
            "c@example.com",
        ],
        None,
    )
    .await);
    assert_eq!(v["participants"].as_array().unwrap().len(), 2);
    let v = ok(run(
        for_emulator(&h),
        &[
            "get-or-create-room-with-target",
            "--email",
            "a@example.com,c@example.com",
        ],
        None,
    )
    .await);
    assert!(v["room"]["id"].is_number());
    let v = ok(run(
        for_emulator(&h),
        &["get-rooms-info", "--email", "a@example.com", "--room", &id],
        None,
    )
    .await);
    assert_eq!(v.as_array().unwrap().len(), 1);
    let v = ok(run(
        for_emulator(&h),
        &[
            "post-system-event-message",
            "--room",
            &id,
            "--subject",
            "a@example.com",
            "--event",
            "change_room_name",
            "--room-name",
            "G3",
        ],
        None,
    )
    .await);
    assert_eq!(v["type"], "system_event");
    ok(run(
        for_emulator(&h),
        &[
            "post-comment",
            "--room",
            &id,
            "--sender",
            "b@example.com",
            "--text",
            "find me",
        ],
        None,
    )
    .await);
    let v = ok(run(
        for_emulator(&h),
        &[
            "search-messages",
            "--email",
            "a@example.com",
            "--query",
            "find",
        ],
        None,
    )
    .await);
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (from, to) = days();
    let v = ok(run(
        for_emulator(&h),
        &["create-export", "users", "--from", &from, "--to", &to],
        None,
    )
    .await);
    let export_id = v["unique_id"].as_str().unwrap().to_owned();
    let v = ok(run(for_emulator(&h), &["list-exports", "--all"], None).await);
    assert_eq!(v.as_array().unwrap().len(), 1);
    let v = ok(run(for_emulator(&h), &["get-export", &export_id], None).await);
    assert_eq!(v["unique_id"], export_id.as_str());
    ok(run(for_emulator(&h), &["delete-export", &export_id], None).await);
    let v = ok(run(for_emulator(&h), &["list-exports"], None).await);
    assert!(v.as_array().unwrap().is_empty());
    let dir = temp_dir("raw-import");
    let file = dir.join("users.json");
    std::fs::write(&file, r#"[{"Email":"d@example.com","Name":"D"}]"#).unwrap();
    let v = ok(run(
        for_emulator(&h),
        &["create-import", "users", file.to_str().unwrap()],
        None,
    )
    .await);
    assert_eq!(v["original_filename"], "users.json");
    let v = ok(run(for_emulator(&h), &["list-imports", "--page", "1"], None).await);
    assert_eq!(v.as_array().unwrap().len(), 1);
    let v = ok(run(
        for_emulator(&h),
        &["import", "users", file.to_str().unwrap(), "--dry-run"],
        None,
    )
    .await);
    assert_eq!(v[0]["rows"], 1);
    std::fs::remove_dir_all(&dir).ok();
}
