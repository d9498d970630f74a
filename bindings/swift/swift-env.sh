# shellcheck shell=bash
# swift-env.sh -- run a Swift toolchain (Debian trixie's `swiftlang`, Swift 6)
# from a cached Debian trixie chroot on a host that has no Swift of its own.
#
# Source this file, then:
#
#   swift_root_ensure                    # create/reuse the cached root (slow once)
#   swift_root_run DIR CMD [ARGS...]     # run CMD in the root, in DIR
#
# Environment:
#   QISCUS_SWIFT_ROOT        root location (default /var/cache/qiscus/swift-root-trixie);
#                            kept OUTSIDE the repository, lock file is "$ROOT.lock".
#   QISCUS_SWIFT_MIRROR      Debian mirror (default http://deb.debian.org/debian).
#   QISCUS_SWIFT_EXTRA_BINDS colon-separated extra host dirs bound at the same
#                            path (e.g. a CARGO_TARGET_DIR outside DIR).
#
# CMD runs with a clean environment (PATH with /usr/libexec/swift/bin first,
# HOME=/root inside the root, LANG=C.UTF-8, TERM).  Pass anything else with
# `env`, e.g.  swift_root_run "$PWD" env LD_LIBRARY_PATH=/abs/lib swift test
#
# Requires root (chroot, mount).  All mounts are made inside a private mount
# namespace (unshare -m) when available, so concurrent runs never disturb each
# other and nothing leaks on SIGKILL; they are also unmounted explicitly (trap)
# and stale mounts from a crashed run are detected and removed.

# Packages installed in the root on top of debootstrap's minbase (apt runs
# with --no-install-recommends).  swiftlang's Depends already bring gcc,
# binutils, libcurl, libxml2, libstdc++6, libpython3.13 ...; libc6-dev is only
# a Recommends of gcc but is required: without it every link (even of
# Package.swift) fails with "cannot find Scrt1.o / crti.o".
QISCUS_SWIFT_PACKAGES=${QISCUS_SWIFT_PACKAGES:-swiftlang libc6-dev}

_SWIFT_ENV_SH=$(readlink -f -- "${BASH_SOURCE[0]}")

_swift_root_path() {
    printf '%s\n' "${QISCUS_SWIFT_ROOT:-/var/cache/qiscus/swift-root-trixie}"
}

_swift_log() { printf 'swift-env: %s\n' "$*" >&2; }

# Unmount every mount point at or below $1, deepest first.  Tries a normal
# umount, then a lazy one.  Returns non-zero if something stays mounted.
_swift_umount_below() {
    local base target rc=0
    local -a targets
    base=$(readlink -f -- "$1") || return 0
    [[ -d $base ]] || return 0
    # /proc/self/mountinfo field 5 is the mount point (octal-escaped).
    mapfile -t targets < <(
        awk -v b="$base" '{ t = $5; gsub(/\\040/, " ", t);
                            if (t == b || index(t, b "/") == 1) print t }' /proc/self/mountinfo |
            awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
    )
    for target in "${targets[@]}"; do
        [[ $target == "$base" ]] && continue   # never unmount the root dir itself
        if mountpoint -q -- "$target"; then
            umount -- "$target" 2>/dev/null || umount -l -- "$target" 2>/dev/null || {
                _swift_log "could not unmount $target"; rc=1; }
        fi
    done
    return "$rc"
}

# Inner part of swift_root_run; runs in its own process (a subshell, or bash
# inside `unshare`).  $1 = root, $2 = DIR (may be empty), rest = command.
_swift_root_exec() {
    local root=$1 dir=$2
    shift 2
    _SWIFT_MOUNTED=()   # global on purpose: the EXIT trap runs after we return
    trap '_swift_cleanup' EXIT
    trap '_swift_cleanup; trap - EXIT; exit 130' INT
    trap '_swift_cleanup; trap - EXIT; exit 143' TERM
    trap '_swift_cleanup; trap - EXIT; exit 129' HUP

    _swift_bind proc "$root/proc" -t proc || return 1
    _swift_bind /dev "$root/dev" --bind || return 1
    _swift_bind /dev/pts "$root/dev/pts" --bind || return 1
    if [[ -d /dev/shm ]]; then _swift_bind /dev/shm "$root/dev/shm" --bind || return 1; fi
    local d
    local -a dirs=() extra=()
    [[ -n $dir ]] && dirs+=("$dir")
    IFS=: read -r -a extra <<<"${QISCUS_SWIFT_EXTRA_BINDS:-}"
    for d in "${extra[@]}"; do
        [[ -n $d ]] || continue
        d=$(readlink -f -- "$d") && [[ -d $d && $d != / ]] || { _swift_log "bad extra bind: $d"; return 1; }
        dirs+=("$d")
    done
    for d in "${dirs[@]}"; do
        _swift_bind "$d" "$root$d" --bind || return 1
    done

    local rc=0
    chroot "$root" /usr/bin/env -i \
        PATH=/usr/libexec/swift/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
        /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "${dir:-/}" "$@" 8>&- 9>&- || rc=$?
    _swift_cleanup
    return "$rc"
}

# Mount SRC on DST (mount options follow) and remember DST for cleanup.
_swift_bind() {
    local src=$1 dst=$2
    shift 2
    mkdir -p -- "$dst" || return 1
    if mountpoint -q -- "$dst"; then   # stale mount left by a crashed run
        umount -R -- "$dst" 2>/dev/null || umount -l -- "$dst" || return 1
    fi
    mount "$@" -- "$src" "$dst" || return 1
    _SWIFT_MOUNTED+=("$dst")
}

# Unmount what _swift_bind mounted, in reverse order.
_swift_cleanup() {
    local i
    for ((i = ${#_SWIFT_MOUNTED[@]} - 1; i >= 0; i--)); do
        if mountpoint -q -- "${_SWIFT_MOUNTED[i]}"; then
            umount -- "${_SWIFT_MOUNTED[i]}" 2>/dev/null || umount -l -- "${_SWIFT_MOUNTED[i]}" 2>/dev/null ||
                _swift_log "could not unmount ${_SWIFT_MOUNTED[i]}"
        fi
    done
    _SWIFT_MOUNTED=()
}

# swift_root_run DIR CMD [ARGS...]
swift_root_run() (
    set -u
    if [[ $# -lt 2 ]]; then
        _swift_log "usage: swift_root_run DIR CMD [ARGS...]"
        exit 2
    fi
    root=$(_swift_root_path)
    dir=$(readlink -f -- "$1") || exit 2
    shift
    if [[ ! -d $dir ]]; then _swift_log "not a directory: $dir"; exit 2; fi
    if [[ $dir == / || $dir == "$root" || $dir == "$root"/* ]]; then
        _swift_log "refusing to bind $dir"; exit 2
    fi
    if [[ ! -f $root/.qiscus-ready ]]; then
        _swift_log "swift root $root is not ready; run swift_root_ensure first"
        exit 2
    fi
    _swift_root_enter "$root" "$dir" "$@"
)

# Run _swift_root_exec ROOT DIR CMD... with the mounts set up.
#
# Preferred: a private mount namespace (unshare -m).  Mounts are invisible to
# the host and to concurrent runs and vanish with the namespace even on
# SIGKILL.  Any mount under ROOT seen in the host namespace is then a leftover
# of a crashed fallback run and is removed first.
#
# Fallback (no unshare; or _SWIFT_NO_UNSHARE=1): mount in the host namespace,
# serialised by an exclusive lock on "$ROOT.run.lock" so that one run's
# cleanup never unmounts /proc under another; mounts found while holding the
# lock are stale and replaced.
_swift_root_enter() {
    local root=$1
    if [[ -z ${_SWIFT_NO_UNSHARE:-} ]] && unshare --mount --propagation private true 2>/dev/null; then
        _swift_umount_below "$root" || return 1
        unshare --mount --propagation private -- bash -c \
            'source "$0" && _swift_root_exec "$@"' "$_SWIFT_ENV_SH" "$@"
    else
        (
            exec 8>"$root.run.lock" || exit 1
            flock 8 || exit 1
            _swift_root_exec "$@"
        )
    fi
}

# swift_root_ensure: create the cached trixie root with swiftlang, once.
swift_root_ensure() (
    set -u -o pipefail
    root=$(_swift_root_path)
    marker=$root/.qiscus-ready
    [[ -f $marker ]] && exit 0
    if [[ $(id -u) -ne 0 ]]; then _swift_log "must run as root"; exit 1; fi
    mkdir -p -- "$(dirname -- "$root")" || exit 1
    exec 9>"$root.lock" || exit 1
    _swift_log "waiting for lock $root.lock"
    flock 9 || exit 1
    [[ -f $marker ]] && exit 0   # another process finished it meanwhile

    start=$SECONDS
    if [[ -e $root ]]; then
        _swift_log "removing incomplete root $root"
        _swift_umount_below "$root" || exit 1
        rm -rf --one-file-system -- "$root" || exit 1
    fi

    if ! command -v debootstrap >/dev/null; then
        _swift_log "installing debootstrap on the host"
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; } >&2 || exit 1
    fi

    _swift_log "debootstrap --variant=minbase trixie $root"
    debootstrap --variant=minbase trixie "$root" "${QISCUS_SWIFT_MIRROR:-http://deb.debian.org/debian}" >&2 || {
        _swift_log "debootstrap failed (see $root/debootstrap/debootstrap.log)"; exit 1; }

    # No daemons in the chroot; keep the image small.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
    cat >"$root/etc/apt/apt.conf.d/90qiscus" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
EOF
    cat >"$root/etc/dpkg/dpkg.cfg.d/90qiscus-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF

    # shellcheck disable=SC2086
    _swift_root_enter "$root" "" /bin/sh -c \
        "apt-get update && apt-get install -y $QISCUS_SWIFT_PACKAGES && apt-get clean && rm -rf /var/lib/apt/lists/*" >&2 ||
        { _swift_log "installing $QISCUS_SWIFT_PACKAGES failed"; exit 1; }

    version=$(_swift_root_enter "$root" "" swift --version 2>&1) || {
        _swift_log "swift does not run in the root: $version"; exit 1; }
    version=$(grep -m1 'Swift version' <<<"$version") || {
        _swift_log "unexpected swift --version output"; exit 1; }
    # Smoke test: compile, link and run a Swift program using Foundation.
    _swift_root_enter "$root" "" /bin/sh -c '
        set -e; d=$(mktemp -d); cd "$d"
        printf "import Foundation\nprint(\"ok \\(ProcessInfo.processInfo.processorCount > 0)\")\n" >smoke.swift
        swiftc -o smoke smoke.swift; ./smoke; cd /; rm -rf "$d"' >&2 ||
        { _swift_log "smoke test (swiftc + link + run) failed"; exit 1; }
    printf '%s\n' "$version" >"$marker.tmp" && mv -f -- "$marker.tmp" "$marker" || exit 1
    _swift_log "swift root ready in $((SECONDS - start))s: $(head -n1 "$marker")"
)
