#!/usr/bin/env bash
# generate.sh -- build the release cdylib of qiscus-ffi (if needed), run uniffi-bindgen for Swift,
# and lay out the generated (uncommitted, gitignored) parts of the SwiftPM package:
#
#   Sources/Qiscus/Generated/qiscus.swift        Client object + functions   (imports qiscusFFI)
#   Sources/Qiscus/Generated/qiscus_core.swift   records, enums, QiscusError (imports qiscus_coreFFI)
#   Sources/qiscusFFI/{qiscusFFI.h,module.modulemap}            links libqiscus_ffi
#   Sources/qiscus_coreFFI/{qiscus_coreFFI.h,module.modulemap}  same library, no second `link`
#
# Both Swift files are compiled into the one module `Qiscus` (UniFFI's Swift bindings need the
# files of external types in the same module). Files are only replaced when their contents
# change, so that a warm `swift build` recompiles nothing.
#
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (default <repo>/target; Package.swift
# reads the same variable, or QISCUS_FFI_LIB_DIR), QISCUS_SKIP_CARGO_BUILD=1 to use the library
# as it is.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
cargo=${CARGO:-cargo}
target_dir=${CARGO_TARGET_DIR:-$repo/target}
lib=$target_dir/release/libqiscus_ffi.so

log() { printf 'generate.sh: %s\n' "$*" >&2; }

cd "$repo"
if [[ -z ${QISCUS_SKIP_CARGO_BUILD:-} ]]; then
    log "cargo build -p qiscus-ffi --release"
    "$cargo" build -p qiscus-ffi --release
fi
[[ -f $lib ]] || { log "missing $lib (cargo build -p qiscus-ffi --release)"; exit 1; }

out=$(mktemp -d)
trap 'rm -rf -- "$out"' EXIT
log "uniffi-bindgen generate --library $lib --language swift"
"$cargo" run -q -p qiscus-ffi --features bindgen --bin uniffi-bindgen -- \
    generate --no-format --library "$lib" --language swift --config uniffi.toml --out-dir "$out" >&2

for f in qiscus.swift qiscus_core.swift qiscusFFI.h qiscus_coreFFI.h; do
    [[ -f $out/$f ]] || { log "uniffi-bindgen did not write $f"; exit 1; }
done

# Task cancellation. UniFFI 0.32's Swift template never cancels a Rust future: a cancelled Task
# keeps waiting until the call ends on its own, and a CALL_CANCELLED status is a fatalError
# (upstream: mozilla/uniffi-rs#2771, draft PR #2887). Kotlin and Python do cancel. Patch the
# generated qiscus.swift so that Swift behaves the same:
#  1. every async call passes the rust_future_cancel function matching its free function;
#  2. uniffiRustCallAsync polls inside withTaskCancellationHandler, whose handler calls it
#     (the Rust future is then dropped by the existing `defer { freeFunc }`, which aborts the
#     request on the shared tokio runtime);
#  3. CALL_CANCELLED (the future was cancelled before it finished) throws CancellationError.
#     A call that finished before the cancellation still returns its result.
# Every async function of this crate already `throws` (QiscusError), so no signature changes.
# Each substitution is counted: a template change upstream fails here instead of silently.
patch_cancellation() {
    local file=$1 out
    out=$(perl -0pi -e '
        my $calls = s{^(\s*)freeFunc: ffi_(\w+)_rust_future_free_(\w+),\n}{$1freeFunc: ffi_$2_rust_future_free_$3,\n$1cancelFunc: ffi_$2_rust_future_cancel_$3,\n}mg;
        my $sig = s{(\n    freeFunc: \(UInt64\) -> \(\),\n)}{$1    cancelFunc: \@escaping (UInt64) -> (),\n};
        my $box = s{\n(fileprivate func uniffiRustCallAsync<)}{\n// The cancel function, to call from a (\@Sendable) cancellation handler: C functions are not\n// Sendable for Swift, but these are thread-safe.\nfileprivate struct UniffiCancelFunc: \@unchecked Sendable {\n    let call: (UInt64) -> ()\n}\n\n$1};
        my $let = s{(\n    let rustFuture = rustFutureFunc\(\)\n)}{$1    let uniffiCancel = UniffiCancelFunc(call: cancelFunc)\n};
        my $poll = s~\n        pollResult = await withUnsafeContinuation \{\n(.*?)\n        \}\n    \} while~\n        pollResult = await withTaskCancellationHandler {\n            await withUnsafeContinuation {\n$1\n            }\n        } onCancel: {\n            uniffiCancel.call(rustFuture)\n        }\n    } while~s;
        my $status = s{fatalError\("Cancellation not supported yet"\)}{throw CancellationError()};
        print STDERR "calls=$calls sig=$sig box=$box let=$let poll=$poll status=$status\n";
    ' "$file" 2>&1) || { log "patching $file failed: $out"; exit 1; }
    printf '%s\n' "$out"
}
counts=$(patch_cancellation "$out/qiscus.swift")
n_async=$(grep -c 'try  *await uniffiRustCallAsync(' "$out/qiscus.swift" || true)
if [[ $counts != "calls=$n_async sig=1 box=1 let=1 poll=1 status=1" || $n_async -eq 0 ]]; then
    log "the cancellation patch of qiscus.swift did not apply as expected ($counts, $n_async async calls)"
    exit 1
fi
log "qiscus.swift patched for Task cancellation ($n_async async calls)"

# The generated module maps `use "Darwin"`; write our own for SwiftPM systemLibrary targets.
# Only one of the two C modules links the library (both would link the same libqiscus_ffi).
cat >"$out/qiscusFFI.modulemap" <<'EOF'
module qiscusFFI {
    header "qiscusFFI.h"
    link "qiscus_ffi"
    export *
}
EOF
cat >"$out/qiscus_coreFFI.modulemap" <<'EOF'
module qiscus_coreFFI {
    header "qiscus_coreFFI.h"
    export *
}
EOF

# install SRC DST: copy only when the contents differ (keeps mtimes, hence warm builds).
changed=0
install_file() {
    mkdir -p -- "$(dirname -- "$2")"
    if ! cmp -s -- "$1" "$2"; then
        cp -- "$1" "$2.tmp" && mv -f -- "$2.tmp" "$2"
        changed=$((changed + 1))
    fi
}
install_file "$out/qiscus.swift" "$here/Sources/Qiscus/Generated/qiscus.swift"
install_file "$out/qiscus_core.swift" "$here/Sources/Qiscus/Generated/qiscus_core.swift"
install_file "$out/qiscusFFI.h" "$here/Sources/qiscusFFI/qiscusFFI.h"
install_file "$out/qiscusFFI.modulemap" "$here/Sources/qiscusFFI/module.modulemap"
install_file "$out/qiscus_coreFFI.h" "$here/Sources/qiscus_coreFFI/qiscus_coreFFI.h"
install_file "$out/qiscus_coreFFI.modulemap" "$here/Sources/qiscus_coreFFI/module.modulemap"
log "bindings up to date in $here/Sources ($changed file(s) changed)"
