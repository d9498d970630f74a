//! The conformance suite (see `tests/conformance/README.md`).
//!
//! `qiscus-conformance run [--out FILE]` — the Rust runner: replays every scenario against a
//! fresh in-process emulator with the core's `Client` and writes the Rust transcript (default
//! `<dir>/rust.json`).
//!
//! `qiscus-conformance compare [--languages rust,python,kotlin,swift]` — reads the transcripts
//! in `<dir>`, prints one line per problem and the summary
//! `conformance: scenarios=N languages=4 failed=N mismatches=N`, and exits non-zero unless every
//! scenario passed in every language with identical transcripts.
//!
//! `<dir>` is `$QISCUS_CONFORMANCE_DIR`, else `<repo>/target/conformance`.
#![forbid(unsafe_code)]
// The core's error crosses this runner by value, as in the bindings.
#![allow(clippy::result_large_err)]

mod compare;
mod runner;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The scenario files, sorted by name.
pub fn scenario_files() -> std::io::Result<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    Ok(files)
}

/// Where the transcripts are written.
pub fn transcript_dir() -> PathBuf {
    match std::env::var_os("QISCUS_CONFORMANCE_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/conformance"),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let result = match args.first().map(String::as_str) {
        Some("run") => {
            let out = option("--out")
                .map(PathBuf::from)
                .unwrap_or_else(|| transcript_dir().join("rust.json"));
            runner::run_all(&out)
        }
        Some("compare") => {
            let languages = option("--languages")
                .unwrap_or_else(|| "rust,python,kotlin,swift".into())
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>();
            compare::compare(&transcript_dir(), &languages)
        }
        _ => Err("usage: qiscus-conformance run [--out FILE] | compare [--languages a,b]".into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("qiscus-conformance: {e}");
            ExitCode::from(2)
        }
    }
}
