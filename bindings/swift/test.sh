#!/usr/bin/env bash
# test.sh -- the one command for the Swift package: prepares the Swift root, builds the emulator
# and the release library, generates the bindings, starts an emulator on the host, runs
# `swift test -Xswiftc -warnings-as-errors` inside the root against it, then runs the examples
# (examples/swift/{Quickstart,Paging,Backup}.swift) once each so that they cannot rot.
#
#   bindings/swift/test.sh [extra swift test args, e.g. --filter ErrorsTests]
#
# Needs root (the Swift toolchain runs in a chroot; see swift-env.sh). Exits non-zero on failure.
# Environment: CARGO, CARGO_TARGET_DIR (bound into the root when outside the repository),
# QISCUS_SKIP_CARGO_BUILD=1 (use the built emulator and library as they are),
# QISCUS_CONFORMANCE_DIR (where ConformanceTests writes swift.json; default <repo>/target/conformance).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
cargo=${CARGO:-cargo}
target_dir=$(readlink -m -- "${CARGO_TARGET_DIR:-$repo/target}")
pkg=${here#"$repo"/}   # bindings/swift

log() { printf 'test.sh: %s\n' "$*" >&2; }
t0=$SECONDS

# shellcheck source=swift-env.sh
source "$here/swift-env.sh"
swift_root_ensure

cd "$repo"
if [[ -z ${QISCUS_SKIP_CARGO_BUILD:-} ]]; then
    log "cargo build -p qiscus-emulator"
    "$cargo" build -p qiscus-emulator
fi
"$here/generate.sh"   # builds the release library unless QISCUS_SKIP_CARGO_BUILD is set

# A CARGO_TARGET_DIR outside the repository must be visible inside the root too.
if [[ $target_dir != "$repo" && $target_dir != "$repo"/* ]]; then
    export QISCUS_SWIFT_EXTRA_BINDS=${QISCUS_SWIFT_EXTRA_BINDS:+$QISCUS_SWIFT_EXTRA_BINDS:}$target_dir
fi

# The conformance runner (ConformanceTests) writes swift.json to QISCUS_CONFORMANCE_DIR, default
# <repo>/target/conformance; a directory outside the repository is bound into the root too.
conformance_dir=$(readlink -m -- "${QISCUS_CONFORMANCE_DIR:-$repo/target/conformance}")
mkdir -p -- "$conformance_dir"
if [[ $conformance_dir != "$repo" && $conformance_dir != "$repo"/* ]]; then
    export QISCUS_SWIFT_EXTRA_BINDS=${QISCUS_SWIFT_EXTRA_BINDS:+$QISCUS_SWIFT_EXTRA_BINDS:}$conformance_dir
fi

# The emulator, on the host (the root shares the host's network: loopback is the same).
emulator_bin=$target_dir/debug/qiscus-emulator
[[ -x $emulator_bin ]] || { log "missing $emulator_bin"; exit 1; }
emu_out=$(mktemp)
emu_pid=
cleanup() {
    if [[ -n $emu_pid ]] && kill -0 "$emu_pid" 2>/dev/null; then
        kill -TERM "$emu_pid" 2>/dev/null || true
        wait "$emu_pid" 2>/dev/null || true
    fi
    rm -f -- "$emu_out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$emulator_bin" --addr 127.0.0.1:0 --export-delay-ms 100 >"$emu_out" 2>/dev/null &
emu_pid=$!
url=
for _ in $(seq 1 300); do
    line=$(head -n1 -- "$emu_out" 2>/dev/null || true)
    if [[ $line == "listening on http://"* ]]; then url=${line#listening on }; break; fi
    kill -0 "$emu_pid" 2>/dev/null || { log "the emulator exited"; exit 1; }
    sleep 0.1
done
[[ -n $url ]] || { log "the emulator did not start"; exit 1; }
log "emulator at $url (pid $emu_pid)"

flags=(-Xswiftc -warnings-as-errors)
log "swift test --package-path $pkg ${flags[*]} $*"
swift_root_run "$repo" env \
    QISCUS_EMULATOR_URL="$url" QISCUS_EMULATOR_BIN="$emulator_bin" CARGO_TARGET_DIR="$target_dir" \
    QISCUS_CONFORMANCE_DIR="$conformance_dir" \
    swift test --package-path "$pkg" "${flags[@]}" "$@"

# The examples (the quickstart tour, paging, backups), against the same emulator: each works
# with its own users and rooms and checks only its own rows.
for example in QiscusQuickstart QiscusPaging QiscusBackup; do
    log "swift run $example"
    swift_root_run "$repo" env \
        QISCUS_BASE_URL="$url" QISCUS_APP_ID=emulator QISCUS_SECRET=emulator-secret CARGO_TARGET_DIR="$target_dir" \
        swift run --package-path "$pkg" "${flags[@]}" "$example"
done

log "all passed in $((SECONDS - t0)) s"
