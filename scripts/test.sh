#!/usr/bin/env bash
# Installs what is missing and runs every test in every language:
#   Rust (fmt, clippy, unit + emulator integration tests), the fuzz targets for a bounded time,
#   Python (pytest + mypy), Kotlin (Maven + JUnit 5), Swift (XCTest in a cached Debian trixie root),
#   and the conformance suite (tests/conformance: every scenario in all four languages, the
#   transcripts compared at the end).
# This is the README's test command; .ci/run calls exactly this. Each stage can be skipped with
# QISCUS_SKIP="fuzz swift ..." for local iteration (CI skips nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
skipped() { case " ${QISCUS_SKIP:-} " in *" $1 "*) echo "(skipped: $1 in QISCUS_SKIP)"; return 0;; esac; return 1; }

step "Rust toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
# The binding generator (with its patches of the generated Python and Kotlin) is behind the
# `bindgen` feature.
cargo clippy -p qiscus-ffi --features bindgen --bin uniffi-bindgen --tests -- -D warnings

step "cargo test (core, emulator, ffi, cross-crate)"
cargo test --workspace
cargo test -p qiscus-ffi --features bindgen --bin uniffi-bindgen

# Every language's runner writes its transcript here; start from none so that a stale one never
# passes for a language that did not run.
export QISCUS_CONFORMANCE_DIR="${QISCUS_CONFORMANCE_DIR:-$PWD/target/conformance}"
rm -rf "$QISCUS_CONFORMANCE_DIR"
languages=rust
step "conformance suite: the Rust runner"
cargo run -q -p qiscus-conformance -- run

if ! skipped fuzz; then
  step "fuzz targets, ${QISCUS_FUZZ_SECONDS:-30} s each"
  ./fuzz/run.sh "${QISCUS_FUZZ_SECONDS:-30}"
fi

if ! skipped python; then
  languages="$languages,python"
  step "Python package: build, mypy --strict, pytest"
  ./bindings/python/test.sh
fi

if ! skipped kotlin; then
  languages="$languages,kotlin"
  step "Kotlin package: Maven build, JUnit 5"
  ./bindings/kotlin/test.sh
fi

if ! skipped swift; then
  languages="$languages,swift"
  step "Swift package: swift test in the cached trixie root"
  ./bindings/swift/test.sh
fi

step "conformance suite: the four languages' transcripts compared"
cargo run -q -p qiscus-conformance -- compare --languages "$languages"

step "all test stages passed"
