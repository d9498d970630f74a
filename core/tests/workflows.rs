//! Paging, exports and imports end to end against an in-process emulator.

mod common;

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use qiscus::{
    BackupProgress, BackupResource, BackupRows, BackupStage, Client, CommentRow,
    CommentsPagerParams, CreateExportParams, CreateRoomParams, Error, ExportOptions, ImportBatch,
    ImportOptions, PostCommentParams, RoomRow, UserRow,
};
use qiscus_emulator::{EmulatorConfig, EmulatorHandle};
use tokio::io::AsyncWrite;

use common::{admin_comments, client, register, start, start_default};

fn fast_export() -> ExportOptions {
    ExportOptions {
        poll_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(30),
        on_progress: None,
    }
}

fn fast_import() -> ImportOptions {
    ImportOptions {
        poll_interval: Duration::from_millis(10),
        timeout: Duration::from_secs(30),
        ..ImportOptions::default()
    }
}

/// Days around today (UTC), so that a run across midnight still finds today's rows.
fn date_range() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let d = chrono::Days::new(1);
    (
        (today - d).format("%Y-%m-%d").to_string(),
        (today + d).format("%Y-%m-%d").to_string(),
    )
}

async fn create_rooms(c: &Client, owner: &str, other: &str, n: usize) -> Vec<i64> {
    futures::stream::iter(0..n)
        .map(|i| {
            let c = c.clone();
            let p = CreateRoomParams::new(format!("room {i}"), owner, [other]);
            async move { c.create_room(&p).await.map(|r| r.room_id) }
        })
        .buffer_unordered(16)
        .try_collect()
        .await
        .expect("create rooms")
}

async fn post_comments(c: &Client, room: i64, sender: &str, n: usize) {
    futures::stream::iter(0..n)
        .map(|i| {
            let c = c.clone();
            let p = PostCommentParams::text(room, sender, format!("message {i}"));
            async move { c.post_comment(&p).await.map(|_| ()) }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .expect("post comments");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_room_of_a_user_across_many_pages() {
    let (_h, c) = start_default().await;
    register(&c, "owner@example.com", "Owner").await;
    register(&c, "other@example.com", "Other").await;
    let started = Instant::now();
    let created: HashSet<i64> = create_rooms(&c, "owner@example.com", "other@example.com", 250)
        .await
        .into_iter()
        .collect();
    eprintln!("created 250 rooms in {:?}", started.elapsed());

    // Page by page: 13 pages of at most 20, then None (and None again).
    let mut pager = c.rooms_of("owner@example.com");
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        pages += 1;
        assert!(
            !page.is_empty() && page.len() <= 20,
            "page of {}",
            page.len()
        );
        for r in page {
            assert!(seen.insert(r.room_id), "room {} twice", r.room_id);
        }
    }
    assert_eq!(pages, 13);
    assert_eq!(seen, created);
    assert!(pager.next_page().await.unwrap().is_none());
    assert_eq!(pager.rooms_seen(), 250);

    // As a stream.
    let streamed: Vec<_> = c
        .rooms_of("other@example.com")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<i64> = streamed.iter().map(|r| r.room_id).collect();
    assert_eq!(streamed.len(), 250);
    assert_eq!(ids, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_comment_of_a_room_newest_first() {
    let (h, c) = start_default().await;
    register(&c, "a@example.com", "A").await;
    register(&c, "b@example.com", "B").await;
    let room = create_rooms(&c, "a@example.com", "b@example.com", 1).await[0];
    let started = Instant::now();
    post_comments(&c, room, "a@example.com", 1000).await;
    eprintln!("posted 1000 comments in {:?}", started.elapsed());
    let stored: Vec<i64> = admin_comments(&h, room)
        .await
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    assert!(stored.len() >= 1000);
    let mut newest_first = stored.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));

    // Pages of 100: every id once, strictly decreasing, no gaps.
    let mut pager = c.comments_of(room).limit(100);
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        assert!(page.len() <= 100);
        ids.extend(page.iter().map(|c| c.id));
    }
    assert_eq!(ids, newest_first);

    // The stream, 20 a page.
    let streamed: Vec<i64> = c
        .comments_of(room)
        .into_stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, newest_first);

    // Stop at an id (exclusive) and a max count, across page boundaries.
    let stop = newest_first[537];
    let newer: Vec<i64> = c
        .comments_pager(CommentsPagerParams {
            room_id: room,
            limit: Some(33),
            stop_at_id: Some(stop),
            max_count: None,
        })
        .into_stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(newer, newest_first[..537].to_vec());
    let mut capped = c.comments_of(room).limit(7).max_count(123);
    let mut n = 0;
    while let Some(page) = capped.next_page().await.unwrap() {
        n += page.len();
    }
    assert_eq!(n, 123);
    assert_eq!(capped.returned(), 123);
    let both: Vec<i64> = c
        .comments_of(room)
        .stop_at_id(stop)
        .max_count(10)
        .into_stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(both, newest_first[..10].to_vec());

    // Comments posted while paging shift older ones onto later pages: no duplicates, no gaps.
    let mut pager = c.comments_of(room).limit(50);
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        ids.extend(page.iter().map(|c| c.id));
        post_comments(&c, room, "b@example.com", 3).await;
    }
    assert_eq!(ids, newest_first);

    // An error is yielded once and ends the stream.
    let items: Vec<_> = c.comments_of(999_999).into_stream().collect().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_records_across_pages() {
    let (_h, c) = start_default().await;
    let (from, to) = date_range();
    for _ in 0..45 {
        c.create_export(&CreateExportParams {
            resource: BackupResource::Users,
            start_date: from.clone(),
            end_date: to.clone(),
        })
        .await
        .unwrap();
    }
    let mut pager = c.exports_pager();
    let mut pages = 0;
    let mut ids = HashSet::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        pages += 1;
        ids.extend(page.into_iter().map(|e| e.unique_id));
    }
    assert_eq!((pages, ids.len()), (3, 45));
    let streamed = c.exports_pager().into_stream().count().await;
    assert_eq!(streamed, 45);

    // 23 single-row imports.
    let batch = ImportBatch {
        users: (0..23)
            .map(|i| UserRow::new(format!("p{i}@example.com"), format!("P{i}")))
            .collect(),
        ..ImportBatch::default()
    };
    let opts = ImportOptions {
        max_file_bytes: 150,
        ..fast_import()
    };
    let report = c.import_rows(&batch, &opts).await.unwrap();
    assert_eq!(report.files_uploaded, 23);
    let imports: Vec<_> = c.imports_pager().into_stream().try_collect().await.unwrap();
    assert_eq!(imports.len(), 23);
    assert!(imports.iter().all(|i| i.status == "finished"));
}

/// A writer that keeps nothing: it records the largest single write and the total.
#[derive(Default)]
struct MeasuringSink {
    largest_write: usize,
    writes: usize,
    total: u64,
}

impl AsyncWrite for MeasuringSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.largest_write = self.largest_write.max(buf.len());
        self.writes += 1;
        self.total += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Peak resident memory of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn seed_room(c: &Client, room_uid: &str, n: usize, opts: &ImportOptions) {
    let batch = ImportBatch {
        users: vec![
            UserRow::new(format!("{room_uid}-a@example.com"), "A"),
            UserRow::new(format!("{room_uid}-b@example.com"), "B"),
        ],
        rooms: vec![RoomRow::group(
            room_uid,
            "Seeded",
            format!("{room_uid}-a@example.com"),
            [
                format!("{room_uid}-a@example.com"),
                format!("{room_uid}-b@example.com"),
            ],
        )],
        comments: (0..n)
            .map(|i| {
                CommentRow::text(
                    format!("{room_uid}-c{i}"),
                    room_uid,
                    format!("{room_uid}-a@example.com"),
                    format!(
                        "comment number {i}: {}",
                        "some text that makes the export a few megabytes long. ".repeat(3)
                    ),
                )
            })
            .collect(),
    };
    let report = c.import_rows(&batch, opts).await.unwrap();
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!(report.comments_imported, n as u64);
}

/// The memory check: the emulator runs in this process and holds the export (twice, while
/// serving it), so the process's peak RSS cannot isolate the client. What is asserted instead:
/// the client is built with a 256 KiB response cap, which any path that buffers a whole body
/// refuses (shown by `download_export` failing), yet the streamed export of a ~5 MB file
/// succeeds; and a writer that keeps nothing sees only bounded writes, many of them, each at
/// most 512 KiB (hyper's read buffer tops out at 408 KiB), so the body reached it chunk by chunk
/// and never whole. Peak RSS growth is printed for information.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_10k_comments_streams_to_a_file() {
    let h = start(EmulatorConfig {
        export_delay: Duration::from_millis(50),
        ..EmulatorConfig::default()
    })
    .await;
    let cap: u64 = 256 * 1024;
    let c = Client::builder(h.app_id(), h.secret())
        .base_url(h.base_url())
        .max_response_bytes(cap)
        .build()
        .unwrap();
    let started = Instant::now();
    seed_room(&c, "big", 10_000, &fast_import()).await;
    eprintln!("imported 10,000 comments in {:?}", started.elapsed());

    let (from, to) = date_range();
    let dir = std::env::temp_dir().join(format!("qiscus-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("comments.json");
    let progress: Arc<Mutex<Vec<BackupProgress>>> = Arc::default();
    let seen = progress.clone();
    let opts = ExportOptions {
        on_progress: Some(Arc::new(move |p: BackupProgress| {
            seen.lock().unwrap().push(p)
        })),
        ..fast_export()
    };
    let rss_before = peak_rss();
    let started = Instant::now();
    let file = c
        .export_to_file(BackupResource::Comments, &from, &to, &path, &opts)
        .await
        .unwrap();
    let rss_after = peak_rss();
    eprintln!(
        "exported {} rows, {} bytes in {:?}; peak RSS {:?} -> {:?}",
        file.rows,
        file.bytes,
        started.elapsed(),
        rss_before,
        rss_after
    );
    let on_disk = std::fs::metadata(&path).unwrap().len();
    assert_eq!(file.bytes, on_disk);
    assert!(
        on_disk > 4 * cap,
        "the file ({on_disk} B) must dwarf the cap"
    );
    assert_eq!(file.rows, 10_000);
    assert_eq!(file.export.total_rows, 10_000);
    assert!(!dir.join("comments.json.part").exists());
    let rows: Vec<CommentRow> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(rows.len(), 10_000);
    let stages: Vec<BackupStage> = progress.lock().unwrap().iter().map(|p| p.stage).collect();
    for s in [
        BackupStage::Requested,
        BackupStage::Waiting,
        BackupStage::Downloading,
        BackupStage::Finished,
    ] {
        assert!(stages.contains(&s), "{s:?} not reported");
    }
    let last = progress.lock().unwrap().last().cloned().unwrap();
    assert_eq!((last.bytes_done, last.rows_done), (on_disk, 10_000));

    // The buffered download refuses the same file.
    let err = c.download_export(&file.export).await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");

    // A writer that keeps nothing gets it in bounded pieces.
    let mut sink = MeasuringSink::default();
    let stats = c
        .download_export_to(&file.export, &mut sink, None)
        .await
        .unwrap();
    assert_eq!((stats.bytes, stats.rows), (on_disk, 10_000));
    assert_eq!(sink.total, on_disk);
    let bound = 512 * 1024;
    assert!(
        on_disk > 8 * bound,
        "the file ({on_disk} B) must dwarf a write"
    );
    assert!(
        sink.largest_write <= bound as usize,
        "{}",
        sink.largest_write
    );
    assert!(sink.writes >= 8, "{} writes", sink.writes);
    eprintln!(
        "{} writes, the largest {} bytes",
        sink.writes, sink.largest_write
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_in_several_files_then_visible() {
    let (h, c) = start_default().await;
    let users: Vec<UserRow> = (0..30)
        .map(|i| UserRow {
            password: format!("pw{i}"),
            authentication_token: format!("token-{i}"),
            created_at: "2024-01-02T03:04:05Z".into(),
            ..UserRow::new(format!("u{i}@example.com"), format!("User {i}"))
        })
        .collect();
    let rooms: Vec<RoomRow> = (0..10)
        .map(|i| {
            if i % 2 == 0 {
                RoomRow::group(
                    format!("room-{i}"),
                    format!("Group {i}"),
                    "u0@example.com",
                    std::iter::once("u0@example.com".to_owned())
                        .chain((1..5).map(|j| format!("u{}@example.com", (i + j) % 30))),
                )
            } else {
                RoomRow::single(
                    format!("room-{i}"),
                    "u0@example.com",
                    format!("u{i}@example.com"),
                )
            }
        })
        .collect();
    // Replies listed before their parents: the import reorders them.
    let mut comments = Vec::new();
    for r in 0..10 {
        for k in (0..30).rev() {
            let id = format!("c-{r}-{k}");
            let room = format!("room-{r}");
            comments.push(if k % 3 == 2 {
                CommentRow::reply(
                    id,
                    room,
                    "u0@example.com",
                    format!("re {k}"),
                    format!("c-{r}-{}", k - 1),
                )
            } else {
                CommentRow::text(id, room, "u0@example.com", format!("text {k}"))
            });
        }
    }
    let batch = ImportBatch {
        users,
        rooms,
        comments,
    };
    let opts = ImportOptions {
        max_file_bytes: 4 * 1024,
        ..fast_import()
    };
    let expected_files = batch.split_into_files(opts.max_file_bytes).unwrap().len();
    assert!(expected_files >= 10, "{expected_files} files");
    let progress: Arc<Mutex<Vec<BackupProgress>>> = Arc::default();
    let seen = progress.clone();
    let opts = ImportOptions {
        on_progress: Some(Arc::new(move |p: BackupProgress| {
            seen.lock().unwrap().push(p)
        })),
        ..opts
    };
    let started = Instant::now();
    let report = c.import_rows(&batch, &opts).await.unwrap();
    eprintln!(
        "imported {} files in {:?}",
        report.files_uploaded,
        started.elapsed()
    );
    assert_eq!(report.files_uploaded as usize, expected_files);
    assert_eq!(
        (
            report.users_imported,
            report.rooms_imported,
            report.comments_imported
        ),
        (30, 10, 300)
    );
    assert!(report.row_errors.is_empty(), "{:#?}", report.row_errors);
    assert!(report.is_complete());
    assert!(report.files.iter().all(|f| f.size <= 4 * 1024));
    let order: Vec<BackupResource> = report.files.iter().map(|f| f.resource).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|r| *r as u8);
    assert_eq!(order, sorted, "users, then rooms, then comments");
    let updates = progress.lock().unwrap().clone();
    let percentages: Vec<f64> = updates.iter().map(|p| p.percentage).collect();
    assert!(
        percentages.windows(2).all(|w| w[0] <= w[1]),
        "percentage never goes back: {percentages:?}"
    );
    assert_eq!(percentages[0], 0.0);
    let last = updates.last().cloned().unwrap();
    assert_eq!(last.stage, BackupStage::Finished);
    assert_eq!(last.percentage, 100.0);
    assert_eq!(last.files_done as usize, expected_files);
    assert_eq!(last.rows_done, 340);

    // Visible: profiles, rooms, comments (replies pointing at their parents).
    let u = c.user_profile("u7@example.com").await.unwrap();
    assert_eq!(u.username.as_deref(), Some("User 7"));
    let rooms: Vec<_> = c
        .rooms_of("u0@example.com")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rooms.len(), 10);
    let group = rooms.iter().find(|r| r.room_name == "Group 4").unwrap();
    let comments: Vec<_> = c
        .comments_of(group.room_id)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(comments.len(), 30);
    assert_eq!(admin_comments(&h, group.room_id).await.len(), 30);
    let (from, to) = date_range();
    let exported = c
        .export_and_download(BackupResource::Comments, &from, &to, &fast_export())
        .await
        .unwrap();
    let BackupRows::Comments { rows } = exported else {
        panic!("comments expected")
    };
    assert_eq!(rows.len(), 300);
    let reply = rows.iter().find(|r| r.unique_id == "c-4-2").unwrap();
    assert_eq!(reply.comment_type, "reply");
    assert_eq!(reply.parent_comment_unique_id, "c-4-1");
    let users = c
        .export_and_download(
            BackupResource::Users,
            "2024-01-01",
            "2024-01-03",
            &fast_export(),
        )
        .await
        .unwrap();
    assert_eq!(users.len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_refused_before_anything_is_sent() {
    let (h, c) = start_default().await;
    let batch = ImportBatch {
        users: vec![
            UserRow::new("ok@example.com", "Ok"),
            UserRow::new("not an email", "Bad"),
            UserRow::new("OK@example.com", "Dup"),
        ],
        rooms: vec![RoomRow::single("s1", "ok@example.com", "ghost@example.com")],
        comments: vec![
            CommentRow::text("c1", "s1", "ok@example.com", "hello"),
            CommentRow::reply("c2", "s1", "ok@example.com", "re", "c404"),
        ],
    };
    let before = h.stats().requests;
    let err = c.import_rows(&batch, &fast_import()).await.unwrap_err();
    assert_eq!(h.stats().requests, before, "nothing may be sent");
    let Error::InvalidInput { field, reason } = &err else {
        panic!("{err}")
    };
    assert_eq!(field, "rows");
    for needle in [
        "users[1].Email",
        "users[2].Email",
        "rooms[0].ParticipantEmails",
        "comments[1].ParentCommentUniqueId",
    ] {
        assert!(reason.contains(needle), "{needle} missing from {reason}");
    }
    let problems = batch.validate(&fast_import());
    assert_eq!(problems.len(), reason.matches("; ").count() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_the_server_refuses_are_reported_and_good_rows_kept() {
    let (_h, c) = start_default().await;
    seed_room(&c, "real", 2, &fast_import()).await;
    // Client-side valid: "ghost" is declared as an existing room, but the server has none.
    let comments: Vec<CommentRow> = (0..10)
        .map(|i| {
            let room = if i % 4 == 1 { "ghost" } else { "real" };
            CommentRow::text(format!("x{i}"), room, "real-a@example.com", format!("m{i}"))
        })
        .collect();
    let batch = ImportBatch {
        comments,
        ..ImportBatch::default()
    };
    let opts = ImportOptions {
        existing_emails: vec!["real-a@example.com".into()],
        existing_room_unique_ids: vec!["real".into(), "ghost".into()],
        max_file_bytes: 900,
        ..fast_import()
    };
    let report = c.import_rows(&batch, &opts).await.unwrap();
    assert!(report.files_uploaded >= 2);
    assert_eq!(report.comments_imported, 7);
    let bad: Vec<u64> = report.row_errors.iter().filter_map(|e| e.index).collect();
    assert_eq!(bad, vec![1, 5, 9], "{:#?}", report.row_errors);
    assert!(report.row_errors.iter().all(|e| e.error.contains("ghost")));
    assert!(!report.is_complete());

    // A user already on the server: refused client-side when declared, by the server otherwise.
    let dup = ImportBatch {
        users: vec![
            UserRow::new("real-a@example.com", "again"),
            UserRow::new("new@example.com", "N"),
        ],
        ..ImportBatch::default()
    };
    assert!(c.import_rows(&dup, &opts).await.is_err());
    let report = c.import_rows(&dup, &fast_import()).await.unwrap();
    assert_eq!(report.users_imported, 1);
    assert_eq!(report.row_errors.len(), 1);
    assert_eq!(report.row_errors[0].index, Some(0));
    assert!(report.row_errors[0].error.contains("already exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_takes_too_long_times_out() {
    let h = start(EmulatorConfig {
        export_delay: Duration::from_secs(30),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(&h);
    let (from, to) = date_range();
    let opts = ExportOptions {
        poll_interval: Duration::from_millis(50),
        timeout: Duration::from_millis(300),
        on_progress: None,
    };
    let started = Instant::now();
    let err = c
        .export_and_download(BackupResource::Users, &from, &to, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref call, .. } if call == "wait_for_export"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let _keep: &EmulatorHandle = &h;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_names_the_job_and_its_error() {
    // Every call answers with a failed job.
    let url = common::canned_server(
        200,
        r#"{"results":{"backup_history":{"unique_id":"job-7","status":"failed","percentage":40,
            "resource_name":"comments","error_message":"disk full"}},"status":200}"#,
    )
    .await;
    let c = Client::builder("app", "secret")
        .base_url(url)
        .build()
        .unwrap();
    let (from, to) = date_range();
    let err = c
        .export_and_download(BackupResource::Comments, &from, &to, &fast_export())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("job-7") && text.contains("disk full"),
        "{text}"
    );
}
