//! Imports and exports end to end against a local emulator started in-process: rows checked
//! before sending, split into several files, uploaded in order, then exported back (into memory
//! and streamed to a file).
//!
//! ```text
//! cargo run --example backups
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use qiscus::{
    BackupProgress, BackupResource, BackupRows, Client, CommentRow, ExportOptions, ImportBatch,
    ImportOptions, RoomRow, UserRow,
};
use qiscus_emulator::{Emulator, EmulatorConfig};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

#[tokio::main]
async fn main() -> Result<()> {
    let started = Instant::now();
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = Client::builder(emulator.app_id(), emulator.secret())
        .base_url(emulator.base_url())
        .build()?;
    println!(
        "Backups against a local emulator at {}\n",
        emulator.base_url()
    );

    // A batch: 3 users, a group and a single room, 500 comments with replies.
    let mut comments = Vec::new();
    for i in 0..500 {
        let id = format!("c{i}");
        comments.push(if i % 10 == 9 {
            CommentRow::reply(
                id,
                "team",
                "bob@example.com",
                format!("re: #{}", i - 1),
                format!("c{}", i - 1),
            )
        } else {
            CommentRow::text(id, "team", "alice@example.com", format!("message #{i}"))
        });
    }
    let batch = ImportBatch {
        users: vec![
            UserRow::new("alice@example.com", "Alice"),
            UserRow::new("bob@example.com", "Bob"),
            UserRow::new("carol@example.com", "Carol"),
        ],
        rooms: vec![
            RoomRow::group(
                "team",
                "Team",
                "alice@example.com",
                ["alice@example.com", "bob@example.com", "carol@example.com"],
            ),
            RoomRow::single("alice-bob", "alice@example.com", "bob@example.com"),
        ],
        comments,
    };

    // A bad batch is refused whole, with every bad row named, before anything is sent.
    let mut bad = batch.clone();
    bad.users
        .push(UserRow::new("ALICE@example.com", "Alice again"));
    bad.rooms.push(RoomRow::single(
        "lonely",
        "alice@example.com",
        "nobody@example.com",
    ));
    match client.import_rows(&bad, &ImportOptions::default()).await {
        Err(e) => println!("bad batch refused: {e}\n"),
        Ok(_) => return Err("the bad batch was accepted".into()),
    }

    // Files of at most 16 KB, to show the splitting; progress printed as files finish.
    let options = ImportOptions {
        max_file_bytes: 16 * 1024,
        poll_interval: Duration::from_millis(20),
        on_progress: Some(Arc::new(|p: BackupProgress| {
            if p.stage == qiscus::BackupStage::Importing {
                println!(
                    "  uploaded file {}/{} ({})",
                    p.files_done + 1,
                    p.files_total,
                    p.resource.as_str()
                );
            }
        })),
        ..ImportOptions::default()
    };
    let report = client.import_rows(&batch, &options).await?;
    println!(
        "imported {} users, {} rooms, {} comments in {} files ({} rows refused)\n",
        report.users_imported,
        report.rooms_imported,
        report.comments_imported,
        report.files_uploaded,
        report.row_errors.len()
    );

    // Export back: typed rows in memory, and comments streamed to a file.
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let export = ExportOptions {
        poll_interval: Duration::from_millis(50),
        ..ExportOptions::default()
    };
    if let BackupRows::Users { rows } = client
        .export_and_download(BackupResource::Users, &today, &today, &export)
        .await?
    {
        let emails: Vec<&str> = rows.iter().map(|u| u.email.as_str()).collect();
        println!("exported users: {emails:?}");
    }
    let path = std::env::temp_dir().join(format!(
        "qiscus-backups-example-{}.json",
        std::process::id()
    ));
    let file = client
        .export_to_file(BackupResource::Comments, &today, &today, &path, &export)
        .await?;
    println!(
        "exported comments to {}: {} rows, {} bytes (streamed, never held in memory)",
        file.path, file.rows, file.bytes
    );
    std::fs::remove_file(&path).ok();

    println!("\nDone in {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}
