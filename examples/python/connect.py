"""What the Python examples share: a client for the real service or for a local emulator.

With neither QISCUS_APP_ID nor QISCUS_SECRET set, `connect()` starts the local emulator
(target/debug/qiscus-emulator, or the binary named by QISCUS_EMULATOR_BIN; build it with
`cargo build -p qiscus-emulator`) and talks to it, so the examples need no account. With both
set, it talks to https://{QISCUS_APP_ID}.qiscus.com (or QISCUS_BASE_URL when set).
"""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from qiscus import Client

REPO = Path(__file__).resolve().parents[2]


def env(name: str) -> Optional[str]:
    """An environment variable, `None` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


@contextmanager
def connect(title: str) -> Iterator[Client]:
    """The client, and the emulator it talks to when no credentials are set (stopped on exit).

    Prints one line saying which server `title` runs against.
    """
    # QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set raises
    # QiscusError.Config naming the other.
    client = Client.from_environment()
    if client is not None:
        with client:
            print(f"{title} against {env('QISCUS_BASE_URL') or f'https://{client.app_id()}.qiscus.com'}\n")
            yield client
        return
    binary = Path(env("QISCUS_EMULATOR_BIN") or REPO / "target" / "debug" / "qiscus-emulator")
    if not binary.is_file():
        raise SystemExit(
            f"no emulator at {binary}: run `cargo build -p qiscus-emulator` or set QISCUS_EMULATOR_BIN"
        )
    emulator = subprocess.Popen([str(binary), "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        line = emulator.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"the emulator did not start: {line!r}")
        base_url = line[len("listening on ") :]
        print(
            f"{title} against a local emulator at {base_url} (set QISCUS_APP_ID and QISCUS_SECRET to use the real service)\n"
        )
        with Client("emulator", "emulator-secret", base_url=base_url) as client:
            yield client
    finally:
        emulator.send_signal(signal.SIGTERM)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
