#!/usr/bin/env bash
# The Kotlin package's one test command: builds the Rust library (release) and the emulator,
# generates the Kotlin sources with uniffi-bindgen, compiles them and the tests (warnings are
# errors), and runs the JUnit 5 suite, the quickstart example included. Maven downloads what it
# needs into ~/.m2. Extra arguments go to Maven (e.g. -Dtest=ErrorsTest).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v mvn >/dev/null 2>&1; then
  echo "mvn not found: installing Maven (and a JDK) with apt-get" >&2
  apt-get update -qq && apt-get install -y -qq maven default-jdk-headless >/dev/null
fi

# -ntp keeps download progress out of the log; no -q, so that Surefire's
# "Tests run: N, Failures: 0, ..." summary lines stay in the output.
exec mvn -B -ntp -Dstyle.color=never test "$@"
