//! Paging through every room of a user and every comment of a room, page by page and as
//! streams, against a local emulator started in-process.
//!
//! ```text
//! cargo run --example paging
//! ```

use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use qiscus::{
    Client, CommentsPagerParams, CreateRoomParams, LoginOrRegisterParams, PostCommentParams,
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
        "Paging against a local emulator at {}\n",
        emulator.base_url()
    );
    let c = &client;

    for (email, name) in [("alice@example.com", "Alice"), ("bob@example.com", "Bob")] {
        c.login_or_register(&LoginOrRegisterParams::new(email, name))
            .await?;
    }
    // 65 rooms, created 8 at a time.
    let rooms: Vec<i64> = futures::stream::iter(0..65)
        .map(|i| {
            let p = CreateRoomParams::new(
                format!("Room {i}"),
                "alice@example.com",
                ["bob@example.com"],
            );
            async move { c.create_room(&p).await.map(|r| r.room_id) }
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    println!("created {} rooms", rooms.len());

    // Page by page: only fetched when asked.
    let mut pager = c.rooms_of("alice@example.com");
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += 1;
        println!(
            "  rooms page {n}: {} rooms (first: {})",
            page.len(),
            page[0].room_name
        );
    }

    // 250 comments in the first room.
    let room = rooms[0];
    futures::stream::iter(0..250)
        .map(|i| {
            let p = PostCommentParams::text(room, "bob@example.com", format!("message #{i}"));
            async move { c.post_comment(&p).await.map(|_| ()) }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    println!("\nposted 250 comments in room {room}");

    // As a stream, newest first.
    let all: Vec<i64> = c
        .comments_of(room)
        .limit(50)
        .into_stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await?;
    println!(
        "  streamed {} comments, ids {} down to {} (strictly decreasing: {})",
        all.len(),
        all[0],
        all[all.len() - 1],
        all.windows(2).all(|w| w[0] > w[1])
    );

    // Only what is newer than a known comment, at most 30 of them.
    let known = all[100];
    let mut newer = c.comments_pager(CommentsPagerParams {
        room_id: room,
        limit: Some(20),
        stop_at_id: Some(known),
        max_count: Some(30),
    });
    while let Some(page) = newer.next_page().await? {
        println!(
            "  newer than #{known}: a page of {} ({} so far)",
            page.len(),
            newer.returned()
        );
    }

    println!("\nDone in {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}
