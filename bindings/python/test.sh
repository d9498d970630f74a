#!/usr/bin/env bash
# The Python package's one test command: builds and installs the `qiscus` wheel into
# bindings/python/.venv with the pinned test tools, builds the emulator, then runs
# `mypy --strict` (the package, the typed tests, the examples) and pytest. Exits non-zero on any failure.
#
# Needs python3 (>= 3.9) with venv + pip, cargo, and PyPI. Nothing else is pre-installed.
#
# The wheel is built with `maturin build --release` (the same backend and configuration that
# `pip install ./bindings/python` uses) into the cargo target dir and installed with
# `pip install --force-reinstall --no-deps`; this avoids pip's throw-away isolated build
# environment on every run. When none of the wheel's inputs changed since the last install (a
# content hash of core/, bindings/ffi/, this package's sources and native readers (speedups/),
# the workspace manifests and the rustc version), the build is skipped altogether.
#
# Environment:
#   PYTHON=python3.X          interpreter for the venv (default python3)
#   QISCUS_PY_REBUILD=1       rebuild and reinstall the wheel even if nothing changed
#   QISCUS_PY_PIP_INSTALL=1   install with a plain `pip install ./bindings/python` instead
#                             (the path users take; slower: a fresh isolated build env each run)
#   QISCUS_EMULATOR_BIN=PATH  emulator binary for the tests (default: built here)
#   QISCUS_PY_VENV=DIR        the venv to use (default bindings/python/.venv)
#   extra arguments are passed to pytest (e.g. -k webhook -x)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${QISCUS_PY_VENV:-$HERE/.venv}"
PY="${PYTHON:-python3}"

step() { printf '\n--> %s\n' "$*"; }

cd "$REPO"

step "venv at $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
"$VPY" - <<'EOF'
import sys
if sys.version_info < (3, 9):
    sys.exit(f"qiscus needs Python >= 3.9, the venv has {sys.version.split()[0]}")
print(f"Python {sys.version.split()[0]} at {sys.executable}")
EOF

step "test tools (requirements-test.txt)"
req_stamp="$VENV/.requirements-test.sha256"
req_hash="$(sha256sum "$HERE/requirements-test.txt" | cut -d' ' -f1)"
if [ "$(cat "$req_stamp" 2>/dev/null || true)" != "$req_hash" ]; then
  "$VPY" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements-test.txt"
  echo "$req_hash" >"$req_stamp"
else
  echo "up to date"
fi

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps --manifest-path "$REPO/Cargo.toml" |
  "$VPY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

step "emulator (cargo build -p qiscus-emulator)"
if [ -z "${QISCUS_EMULATOR_BIN:-}" ]; then
  cargo build -p qiscus-emulator
  export QISCUS_EMULATOR_BIN="$TARGET_DIR/debug/qiscus-emulator"
fi
echo "emulator: $QISCUS_EMULATOR_BIN"

step "qiscus wheel (maturin, release)"
fingerprint="$("$VPY" - "$REPO" "$(rustc -V)" <<'EOF'
import hashlib, os, sys
repo, rustc = sys.argv[1], sys.argv[2]
inputs = ["Cargo.toml", "Cargo.lock", "uniffi.toml", "core", "bindings/ffi",
          "bindings/python/python", "bindings/python/speedups", "bindings/python/pyproject.toml"]
skip_dirs = {"target", "__pycache__", ".git", ".venv", "_native"}
h = hashlib.sha256(rustc.encode())
for top in inputs:
    path = os.path.join(repo, top)
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(d, f) for d, dirs, fs in os.walk(path)
        if not dirs.__setitem__(slice(None), [x for x in dirs if x not in skip_dirs]) for f in fs)
    for f in files:
        h.update(os.path.relpath(f, repo).encode() + b"\0")
        with open(f, "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
print(h.hexdigest())
EOF
)"
build_stamp="$VENV/.qiscus-wheel.fingerprint"
if [ "${QISCUS_PY_REBUILD:-0}" != "1" ] &&
  [ "$(cat "$build_stamp" 2>/dev/null || true)" = "$fingerprint" ] &&
  "$VPY" -c 'import qiscus' 2>/dev/null; then
  echo "inputs unchanged since the installed build: skipped (QISCUS_PY_REBUILD=1 forces it)"
else
  rm -f "$build_stamp"
  if [ "${QISCUS_PY_PIP_INSTALL:-0}" = "1" ]; then
    "$VPY" -m pip install --disable-pip-version-check --force-reinstall --no-deps "$HERE"
  else
    wheels="$TARGET_DIR/wheels/python"
    rm -rf "$wheels"
    (cd "$HERE" && "$VENV/bin/maturin" build --release --out "$wheels")
    wheel="$(ls "$wheels"/qiscus-*.whl)"
    "$VPY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  fi
  echo "$fingerprint" >"$build_stamp"
fi
"$VPY" -c 'import qiscus, sys; print("import qiscus:", qiscus.__file__)'

cd "$HERE"

step "mypy --strict: the package, the typed tests, the examples"
"$VPY" -m mypy --strict --config-file pyproject.toml python/qiscus/__init__.py
"$VPY" -m mypy --strict --config-file pyproject.toml tests/typed_usage.py tests/test_iterators.py \
  tests/test_examples.py tests/test_conformance.py "$REPO"/examples/python/*.py

step "pytest"
"$VPY" -m pytest -p no:cacheprovider "$@"

# The same calls through the generated pure-Python readers, which run wherever the native ones
# (bindings/python/speedups) cannot load. test_speedups.py compares the two directly.
step "pytest, pure-Python readers (QISCUS_PURE_PYTHON=1)"
QISCUS_PURE_PYTHON=1 "$VPY" -m pytest -p no:cacheprovider --ignore=tests/test_speedups.py "$@"
