#!/usr/bin/env python3
"""Soak: 20,000 calls at concurrency 64 through the Python package (asyncio) against the
emulator, sampling RSS and open file descriptors after warm-up and at the end.

    bindings/python/.venv/bin/python bindings/python/soak.py [--calls 20000] [--concurrency 64]

Prints `soak: calls=N rss_start_mb=X rss_end_mb=Y fds_start=A fds_end=B` and exits non-zero when
memory or descriptors grew after warm-up (RSS by more than 10 MB or 10%, descriptors by more than 8).
Not part of the test run. Needs the emulator binary (target/release or target/debug, or
QISCUS_EMULATOR_BIN).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import qiscus

REPO = Path(__file__).resolve().parents[2]


def emulator_bin() -> str:
    if os.environ.get("QISCUS_EMULATOR_BIN"):
        return os.environ["QISCUS_EMULATOR_BIN"]
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "qiscus-emulator"
        if p.exists():
            return str(p)
    sys.exit("build the emulator first: cargo build --release -p qiscus-emulator")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def run(client: qiscus.Client, room_id: int, sender: str, calls: int, concurrency: int) -> int:
    done = 0
    lock = asyncio.Lock()

    async def worker(start: int) -> None:
        nonlocal done
        for i in range(start, calls, concurrency):
            if i % 2:
                await client.post_comment(
                    qiscus.PostCommentParams(room_id=room_id, sender_email=sender, message=f"soak {i}", payload=qiscus.Payload.TEXT())
                )
            else:
                await client.load_comments(qiscus.LoadCommentsParams(room_id=room_id, limit=20))
            async with lock:
                done += 1

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return done


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()

    proc = subprocess.Popen([emulator_bin(), "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip().removeprefix("listening on ")
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    try:
        with qiscus.Client("emulator", "emulator-secret", base_url=url) as client:
            a, b = "soak-a@example.com", "soak-b@example.com"
            for who in (a, b):
                client.login_or_register_blocking(qiscus.LoginOrRegisterParams(email=who, username=who))
            room = client.create_room_blocking(qiscus.CreateRoomParams(name="soak", participants=[b], creator=a))
            warmup = max(1000, args.calls // 10)
            asyncio.run(run(client, room.room_id, a, warmup, args.concurrency))
            rss_start, fds_start = rss_mb(), fds()
            t = time.perf_counter()
            n = asyncio.run(run(client, room.room_id, a, args.calls, args.concurrency))
            elapsed = time.perf_counter() - t
            rss_end, fds_end = rss_mb(), fds()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"soak: calls={n} rss_start_mb={rss_start:.1f} rss_end_mb={rss_end:.1f} "
        f"fds_start={fds_start} fds_end={fds_end}"
    )
    print(f"({n / elapsed:.0f} calls/s over {elapsed:.1f} s, after {warmup} warm-up calls)", file=sys.stderr)
    grew = rss_end - rss_start > max(10.0, rss_start * 0.10) or fds_end - fds_start > 8
    sys.exit(1 if grew else 0)


if __name__ == "__main__":
    main()
