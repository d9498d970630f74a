//! `qiscus-bench`: the benchmark harness's Rust half (driven by `bench/run.sh` / `bench/run.py`).
//!
//! ```text
//! qiscus-bench serve [--addr 127.0.0.1:0] [--threads 2]
//!     The fixed-response server: seeds an in-process emulator once, captures its real answers
//!     (login_or_register, post_comment of a text, load_comments pages of 20 and 100), stops it,
//!     and then serves those bytes for every matching request. Prints
//!     `listening on http://HOST:PORT` first, then `room_id N` and `ready`.
//! qiscus-bench seed --url URL
//!     Seeds a running emulator (two users, a room with 100 comments) and prints `room_id N`.
//! qiscus-bench rust --url URL --room N [--secs 2] [--rounds 2] [--out rust.json]
//!     Rust core (`qiscus::Client`) against bare reqwest + serde_json::Value, same requests and
//!     headers, concurrency 1 and 64, one JSON row per comparison.
//! ```
#![forbid(unsafe_code)]

/// The fixed-response server and the emulator seeding (`serve`, `seed`).
mod fixed;
/// Comparison a (`rust`) and the diagnosis tools (`diag`, `ablate`).
mod rust_bench;

use std::process::ExitCode;

/// The app the emulator (and so the fixed server) serves.
pub const APP_ID: &str = "emulator";
/// Its secret, sent as `QISCUS_SDK_SECRET`.
pub const SECRET: &str = "emulator-secret";
/// The sender of the benchmark's comments and the user of its login_or_register calls.
pub const SENDER: &str = "bench-a@example.com";
/// The sender's display name.
pub const SENDER_NAME: &str = "Bench A";
/// The password sent with every login_or_register (the emulator, like the server, updates an
/// existing user only when a password is given).
pub const PASSWORD: &str = "bench-password-1";
/// The other participant of the benchmark room.
pub const OTHER: &str = "bench-b@example.com";
/// Text of every posted comment.
pub const MESSAGE: &str = "hello from the benchmark";

/// The value following the option `name` in `args`, if any.
pub(crate) fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => fixed::main(&args[1..]),
        Some("seed") => fixed::seed_main(&args[1..]),
        Some("rust") => rust_bench::main(&args[1..]),
        Some("diag") => rust_bench::diag(&args[1..]),
        Some("ablate") => rust_bench::ablate(&args[1..]),
        _ => Err("usage: qiscus-bench serve|seed|rust [options] (see src/main.rs)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qiscus-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Any error, for the harness's plain `Result`s.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
