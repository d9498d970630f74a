#!/usr/bin/env bash
# Runs every fuzz target for DURATION seconds (default 30) and fails if any of them crashes.
#
#   fuzz/run.sh [DURATION]
#
# Each target starts from the committed seeds (fuzz/seeds/<target>/, read only) plus whatever an
# earlier run grew in the scratch corpus fuzz/corpus/<target>/ (git-ignored). Crashes land in
# fuzz/artifacts/<target>/, full logs in fuzz/logs/<target>.log. Needs a nightly toolchain or, on
# stable, RUSTC_BOOTSTRAP=1 (set here).
set -euo pipefail

DURATION="${1:-30}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
export RUSTC_BOOTSTRAP=1
TARGETS=(decode_response decode_payload webhook_parse signature_check)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz..."
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
echo "building ${#TARGETS[@]} targets..."
mkdir -p logs
cargo fuzz build >logs/build.log 2>&1 || { cat logs/build.log; exit 1; }

failed=0
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="logs/$t.log"
    set +e
    cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$DURATION" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        result="CRASH (exit $rc): $(grep -o 'Test unit written to .*' "$log" | tail -1 || true)"
        failed=1
    fi
    printf '%-16s execs=%-10s exec/s=%-7s %-20s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-}" "$result"
done
echo "total $(( $(date +%s) - start ))s"
if [ "$failed" -ne 0 ]; then
    echo "some target crashed: see fuzz/logs/ and fuzz/artifacts/" >&2
    exit 1
fi
