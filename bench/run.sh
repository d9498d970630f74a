#!/usr/bin/env bash
# The benchmark's one command: ./bench/run.sh
#
# Builds in release mode (the bench crate with its fixed-response server, the emulator, the Python
# package when the venv has none, the Kotlin package and its bench), starts the servers it needs on
# loopback, runs every comparison, prints one table and writes bench/results.json.
#
#   e  ceiling: wrk with the same requests against the fixed-response server (and the emulator)
#   a  Rust core (qiscus::Client) vs bare reqwest + serde_json::Value, concurrency 1 and 64
#   b  Python blocking vs requests.Session, asyncio vs httpx.AsyncClient, concurrency 1 and 64
#   c  Kotlin blocking / coroutines vs java.net.http.HttpClient + Jackson, concurrency 1 and 64
#   d  `import qiscus` time (median of 20 fresh interpreters) and RSS after 10,000 calls
#   f  the floor: raw-socket Python clients (no HTTP library, no JSON), blocking and asyncio, at
#      concurrency 1, alternated with the Rust core: the least any Python client pays per call
#   g  the latency target side by side: the Python package at concurrency 1, alternated with the
#      Rust core and the floor in the same rounds
#
# Every client comparison runs against the fixed-response server (it serves the emulator's own
# answers, captured at its start, so the client's cost dominates and no state grows); ours and
# the peer alternate in slices within a row. About 5 minutes on 2 cores, plus the builds.
# Measure on a quiet machine: the load average is recorded in results.json.
#
# Needs cargo, python3 (>= 3.9) with venv, and for the Kotlin part java + mvn; wrk is installed
# with apt-get when missing.
#
# Environment:
#   QISCUS_BENCH_VENV=DIR         venv to use (default: bindings/python/.venv when it has qiscus,
#                                 else bench/.venv, where `pip install ./bindings/python` runs)
#   QISCUS_BENCH_REINSTALL=1      reinstall the Python package (pip install ./bindings/python)
#   QISCUS_BENCH_SKIP_KOTLIN=1    skip comparison c
#   extra arguments go to bench/run.py (e.g. --secs 3 --rounds 3, --sections a,b)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
cd "$REPO"
SECONDS=0

step() { printf '\n--> %s\n' "$*" >&2; }

step "wrk"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk with apt-get" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null ||
    echo "wrk could not be installed: the ceiling (e) will be skipped" >&2
fi
command -v wrk >/dev/null 2>&1 && wrk --version 2>&1 | head -1 >&2 || true

step "cargo build --release -p qiscus-bench -p qiscus-emulator"
cargo build --release -p qiscus-bench -p qiscus-emulator
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

step "Python venv"
has_qiscus() { [ -x "$1/bin/python" ] && "$1/bin/python" -c 'import qiscus' 2>/dev/null; }
if [ -n "${QISCUS_BENCH_VENV:-}" ]; then
  VENV="$QISCUS_BENCH_VENV"
elif has_qiscus "$REPO/bindings/python/.venv"; then
  VENV="$REPO/bindings/python/.venv"
else
  VENV="$HERE/.venv"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
VPY="$VENV/bin/python"
if [ "${QISCUS_BENCH_REINSTALL:-0}" = "1" ] || ! has_qiscus "$VENV"; then
  echo "pip install ./bindings/python into $VENV (a release build of the Rust library)" >&2
  "$VPY" -m pip install --quiet --disable-pip-version-check --force-reinstall "$REPO/bindings/python"
fi
req_stamp="$VENV/.bench-requirements.sha256"
req_hash="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$req_stamp" 2>/dev/null || true)" != "$req_hash" ]; then
  "$VPY" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$req_hash" >"$req_stamp"
fi
echo "venv: $VENV ($("$VPY" -c 'import qiscus, sys; print("Python", sys.version.split()[0], "qiscus at", qiscus.__file__)'))" >&2

CP_FILE="$HERE/kotlin/target/bench-classpath.txt"
KOTLIN_NOTE=""
rm -f "$CP_FILE"
if [ "${QISCUS_BENCH_SKIP_KOTLIN:-0}" != "1" ]; then
  step "Kotlin: install bindings/kotlin (mvn install, tests skipped), build bench/kotlin"
  if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    installed="$HOME/.m2/repository/com/qiscus/community/qiscus/0.1.0/qiscus-0.1.0.jar"
    if ! mvn -B -ntp -q -f "$REPO/bindings/kotlin/pom.xml" install -Dmaven.test.skip=true >&2; then
      if [ -f "$installed" ]; then
        KOTLIN_NOTE="bindings/kotlin did not build now; measured the package installed in ~/.m2 at $(date -r "$installed" '+%F %T')"
        echo "WARNING: $KOTLIN_NOTE" >&2
      fi
    fi
    if [ -f "$installed" ] && mvn -B -ntp -q -f "$HERE/kotlin/pom.xml" package dependency:build-classpath >&2; then
      echo "$(cat "$HERE/kotlin/target/dependency-classpath.txt"):$HERE/kotlin/target/classes" >"$CP_FILE"
      echo "built" >&2
    else
      echo "the Kotlin package or its bench did not build: comparison c is reported as not done" >&2
    fi
  else
    echo "java/mvn not found: comparison c is reported as not done" >&2
  fi
fi

build_secs=$SECONDS
step "benchmark (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
"$VPY" "$HERE/run.py" --target-dir "$TARGET_DIR" --python "$VPY" --kotlin-classpath "$CP_FILE" --kotlin-note "$KOTLIN_NOTE" "$@"
echo "run.sh: ${SECONDS}s in all (${build_secs}s of builds and installs)" >&2
