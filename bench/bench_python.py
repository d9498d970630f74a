"""Comparisons b and d: the `qiscus` Python package against requests / httpx, its import time and RSS;
the Python clients of f (the floor) and g (the package alone at concurrency 1).

Run by bench/run.py with the bench venv's interpreter; each mode prints one JSON document.

    python bench_python.py clients --url URL --room N [--secs 2] [--rounds 2] [--only CALL] [--forms blocking,async]
    python bench_python.py rss --url URL --room N --side qiscus-blocking|qiscus-async|requests|httpx [--calls 10000]
    python bench_python.py import-time [--runs 20]
    python bench_python.py floor --url URL --room N [--secs 1] [--only CALL] [--forms blocking,async]
    python bench_python.py latency --url URL --room N [--secs 1] [--only CALL] [--forms blocking,async]

Fairness rules (the same for every pair):
* the same requests: method, path, query or JSON body (a fresh unique_temp_id per posted comment
  on both sides), and the same QISCUS_SDK_SECRET / QISCUS_SDK_APP_ID / User-Agent headers;
* the same server, in the same run, alternating slices of ours and the peer's;
* the peer does what a user does: checks the status, `resp.json()`, and reads the result out of
  the dicts (the comments list, a comment's message); ours returns records, read likewise;
* connections are reused on both sides: requests gets one Session per thread (a Session's pool
  keeps 10 connections, so one shared by 64 threads would reconnect), httpx a pool that keeps 128.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Sized, Tuple

APP_ID = "emulator"
SECRET = "emulator-secret"
SENDER = "bench-a@example.com"
SENDER_NAME = "Bench A"
PASSWORD = "bench-password-1"
MESSAGE = "hello from the benchmark"
USER_AGENT = "qiscus-rs/0.1.0"
HEADERS = {"QISCUS_SDK_SECRET": SECRET, "QISCUS_SDK_APP_ID": APP_ID, "User-Agent": USER_AGENT}
CALLS = ["post_comment", "load_comments_20", "load_comments_100", "login_or_register"]


# ---------------------------------------------------------------------------------------------
# the calls


def comment_body(room: int) -> Dict[str, Any]:
    """The peers' post_comment body: what the package sends for the same call."""
    return {
        "sender_email": SENDER,
        "room_id": str(room),
        "message": MESSAGE,
        "type": "text",
        "unique_temp_id": f"py-{uuid.uuid4().hex}",
        "disable_link_preview": False,
    }


LOGIN_BODY = {"email": SENDER, "username": SENDER_NAME, "password": PASSWORD}


def checked(comments: Sized, limit: int) -> None:
    """Every load_comments call must return a full page."""
    if len(comments) != limit:
        raise AssertionError(f"{len(comments)} comments")


def ours_blocking(client: Any, room: int) -> Dict[str, Callable[[], None]]:
    import qiscus

    def post_comment() -> None:
        c = client.post_comment_blocking(
            qiscus.PostCommentParams(room_id=room, sender_email=SENDER, message=MESSAGE, payload=qiscus.Payload.TEXT())
        )
        c.id

    def load(limit: int) -> Callable[[], None]:
        def f() -> None:
            cs = client.load_comments_blocking(qiscus.LoadCommentsParams(room_id=room, limit=limit))
            checked(cs, limit)
            cs[0].message

        return f

    def login_or_register() -> None:
        u = client.login_or_register_blocking(
            qiscus.LoginOrRegisterParams(email=SENDER, username=SENDER_NAME, password=PASSWORD)
        )
        u.id

    return {
        "post_comment": post_comment,
        "load_comments_20": load(20),
        "load_comments_100": load(100),
        "login_or_register": login_or_register,
    }


def peer_blocking(session_for: Callable[[], Any], api: str, room: int) -> Dict[str, Callable[[], None]]:
    def post_comment() -> None:
        r = session_for().post(
            api + "post_comment",
            json=comment_body(room),
        )
        r.raise_for_status()
        r.json()["results"]["comment"]["id"]

    def load(limit: int) -> Callable[[], None]:
        def f() -> None:
            r = session_for().get(api + "load_comments", params={"room_id": room, "limit": limit})
            r.raise_for_status()
            cs = r.json()["results"]["comments"]
            checked(cs, limit)
            cs[0]["message"]

        return f

    def login_or_register() -> None:
        r = session_for().post(
            api + "login_or_register", json=LOGIN_BODY
        )
        r.raise_for_status()
        r.json()["results"]["user"]["id"]

    return {
        "post_comment": post_comment,
        "load_comments_20": load(20),
        "load_comments_100": load(100),
        "login_or_register": login_or_register,
    }


def ours_async(client: Any, room: int) -> Dict[str, Callable[[], Awaitable[None]]]:
    import qiscus

    async def post_comment() -> None:
        c = await client.post_comment(
            qiscus.PostCommentParams(room_id=room, sender_email=SENDER, message=MESSAGE, payload=qiscus.Payload.TEXT())
        )
        c.id

    def load(limit: int) -> Callable[[], Awaitable[None]]:
        async def f() -> None:
            cs = await client.load_comments(qiscus.LoadCommentsParams(room_id=room, limit=limit))
            checked(cs, limit)
            cs[0].message

        return f

    async def login_or_register() -> None:
        u = await client.login_or_register(
            qiscus.LoginOrRegisterParams(email=SENDER, username=SENDER_NAME, password=PASSWORD)
        )
        u.id

    return {
        "post_comment": post_comment,
        "load_comments_20": load(20),
        "load_comments_100": load(100),
        "login_or_register": login_or_register,
    }


def peer_async(ac: Any, api: str, room: int) -> Dict[str, Callable[[], Awaitable[None]]]:
    async def post_comment() -> None:
        r = await ac.post(
            api + "post_comment",
            json=comment_body(room),
        )
        r.raise_for_status()
        r.json()["results"]["comment"]["id"]

    def load(limit: int) -> Callable[[], Awaitable[None]]:
        async def f() -> None:
            r = await ac.get(api + "load_comments", params={"room_id": room, "limit": limit})
            r.raise_for_status()
            cs = r.json()["results"]["comments"]
            checked(cs, limit)
            cs[0]["message"]

        return f

    async def login_or_register() -> None:
        r = await ac.post(
            api + "login_or_register", json=LOGIN_BODY
        )
        r.raise_for_status()
        r.json()["results"]["user"]["id"]

    return {
        "post_comment": post_comment,
        "load_comments_20": load(20),
        "load_comments_100": load(100),
        "login_or_register": login_or_register,
    }


# ---------------------------------------------------------------------------------------------
# the runners


class Sample:
    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0
        self.lat: List[float] = []

    def add(self, calls: int, seconds: float, lat: List[float]) -> None:
        self.calls += calls
        self.seconds += seconds
        self.lat.extend(lat)

    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else float("nan")

    def pct_ms(self, p: float) -> float:
        if not self.lat:
            return float("nan")
        s = sorted(self.lat)
        return s[round((len(s) - 1) * p)] * 1000.0


def run_threads(call: Callable[[], None], concurrency: int, duration: float) -> Tuple[int, float, List[float]]:
    if concurrency == 1:
        lat: List[float] = []
        pc = time.perf_counter
        start = pc()
        deadline = start + duration
        while True:
            t = pc()
            if t >= deadline:
                break
            call()
            lat.append(pc() - t)
        return len(lat), pc() - start, lat

    lats: List[List[float]] = [[] for _ in range(concurrency)]
    errors: List[BaseException] = []
    barrier = threading.Barrier(concurrency + 1)
    box: Dict[str, float] = {}

    def worker(mine: List[float]) -> None:
        pc = time.perf_counter
        barrier.wait()
        deadline = box["deadline"]
        try:
            while True:
                t = pc()
                if t >= deadline:
                    break
                call()
                mine.append(pc() - t)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(lats[i],), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    box["deadline"] = start + duration
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    flat = [x for lst in lats for x in lst]
    return len(flat), elapsed, flat


async def run_tasks(
    call: Callable[[], Awaitable[None]], concurrency: int, duration: float
) -> Tuple[int, float, List[float]]:
    pc = time.perf_counter
    start = pc()
    deadline = start + duration

    async def worker() -> List[float]:
        mine: List[float] = []
        while True:
            t = pc()
            if t >= deadline:
                break
            await call()
            mine.append(pc() - t)
        return mine

    results = await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = pc() - start
    flat = [x for lst in results for x in lst]
    return len(flat), elapsed, flat


def row(form: str, call: str, concurrency: int, ours_name: str, peer_name: str, o: Sample, p: Sample) -> Dict[str, Any]:
    r = {
        "name": f"python {form} vs {peer_name}: {call} c={concurrency}",
        "section": "b",
        "form": form,
        "call": call,
        "concurrency": concurrency,
        "ours": ours_name,
        "peer": peer_name,
        "ours_calls_per_s": o.rate(),
        "peer_calls_per_s": p.rate(),
        "ratio": o.rate() / p.rate(),
        "p50_ms": o.pct_ms(0.50),
        "p99_ms": o.pct_ms(0.99),
        "peer_p50_ms": p.pct_ms(0.50),
        "peer_p99_ms": p.pct_ms(0.99),
        "ours_calls": o.calls,
        "peer_calls": p.calls,
    }
    print(
        f"  {r['name']:<62} {o.rate():>8.0f}/s vs {p.rate():>8.0f}/s  ratio {r['ratio']:.2f}",
        file=sys.stderr,
        flush=True,
    )
    return r


def clients(args: argparse.Namespace) -> List[Dict[str, Any]]:
    import httpx
    import requests

    import qiscus

    api = args.url.rstrip("/") + "/api/v2/rest/"
    calls = [c for c in CALLS if not args.only or c == args.only]
    forms = args.forms.split(",")
    slice_s = args.secs / args.rounds
    warm = 0.3
    rows: List[Dict[str, Any]] = []

    client = qiscus.Client(APP_ID, SECRET, base_url=args.url)

    if "blocking" in forms:
        ours = ours_blocking(client, args.room)
        local = threading.local()

        def session() -> Any:
            s = getattr(local, "s", None)
            if s is None:
                s = local.s = requests.Session()
                s.headers.update(HEADERS)
            return s

        peer = peer_blocking(session, api, args.room)
        for conc in (1, 64):
            for call in calls:
                run_threads(ours[call], conc, warm)
                run_threads(peer[call], conc, warm)
                o, p = Sample(), Sample()
                for _ in range(args.rounds):
                    o.add(*run_threads(ours[call], conc, slice_s))
                    p.add(*run_threads(peer[call], conc, slice_s))
                rows.append(row("blocking", call, conc, "qiscus *_blocking", "requests.Session", o, p))

    if "async" in forms:

        async def main() -> None:
            ours_a = ours_async(client, args.room)
            limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
            async with httpx.AsyncClient(headers=HEADERS, limits=limits, timeout=30.0) as ac:
                peer_a = peer_async(ac, api, args.room)
                for conc in (1, 64):
                    for call in calls:
                        await run_tasks(ours_a[call], conc, warm)
                        await run_tasks(peer_a[call], conc, warm)
                        o, p = Sample(), Sample()
                        for _ in range(args.rounds):
                            o.add(*await run_tasks(ours_a[call], conc, slice_s))
                            p.add(*await run_tasks(peer_a[call], conc, slice_s))
                        rows.append(row("asyncio", call, conc, "qiscus async", "httpx.AsyncClient", o, p))

        asyncio.run(main())

    client.shutdown()
    return rows


# ---------------------------------------------------------------------------------------------
# the floor (section f): what any Python client pays per call at concurrency 1, transport alone


class RawHttp:
    """The least a Python client can do for one of the benchmark's calls, for the floor: the
    request's bytes built by string formatting (a fresh unique_temp_id per posted comment, as on
    every side), written to one kept-alive socket, and the response read to its Content-Length.
    No HTTP library, no JSON either way, no objects: only the status is checked."""

    def __init__(self, url: str, room: int) -> None:
        host_port = url.split("://", 1)[1].rstrip("/")
        host, _, port = host_port.rpartition(":")
        self.addr = (host, int(port))
        self.head = (
            f"Host: {host_port}\r\nQISCUS_SDK_SECRET: {SECRET}\r\nQISCUS_SDK_APP_ID: {APP_ID}\r\n"
            f"User-Agent: {USER_AGENT}\r\n"
        )
        self.room = room
        self.counter = 0
        login = json.dumps(LOGIN_BODY)
        self.fixed = {
            f"load_comments_{n}": (
                f"GET /api/v2/rest/load_comments?room_id={room}&limit={n} HTTP/1.1\r\n{self.head}\r\n"
            ).encode()
            for n in (20, 100)
        }
        self.fixed["login_or_register"] = self.post("login_or_register", login)

    def post(self, path: str, body: str) -> bytes:
        return (
            f"POST /api/v2/rest/{path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()

    def request(self, call: str) -> bytes:
        if call != "post_comment":
            return self.fixed[call]
        self.counter += 1
        body = (
            f'{{"sender_email":"{SENDER}","room_id":"{self.room}","message":"{MESSAGE}","type":"text",'
            f'"unique_temp_id":"py-floor-{self.counter}","disable_link_preview":false}}'
        )
        return self.post("post_comment", body)

    def socket(self) -> Any:
        import socket

        s = socket.create_connection(self.addr)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s


class Response:
    """One response's bytes as they arrive: `feed` says when the response is complete, checking
    its status once the head is in."""

    def __init__(self) -> None:
        self.buf = b""
        self.end = -1

    def feed(self, more: bytes) -> bool:
        if not more:
            raise ConnectionError("the server closed the connection")
        self.buf += more
        if self.end < 0:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return False
            head = self.buf[:head_end]
            if not head.startswith(b"HTTP/1.1 200 "):
                raise AssertionError(head[:200])
            lines = head.lower().split(b"\r\n")
            length = next((int(l[15:]) for l in lines if l.startswith(b"content-length:")), None)
            if length is None:
                raise AssertionError(f"no Content-Length: {head[:200]!r}")
            self.end = head_end + 4 + length
        return len(self.buf) >= self.end


def c1_row(form: str, call: str, n: int, secs: float, lat: List[float]) -> Dict[str, Any]:
    """One slice of one client at concurrency 1 (modes floor and latency), for run.py to pool."""
    s = Sample()
    s.add(n, secs, lat)
    return {"form": form, "call": call, "calls_per_s": s.rate(), "p50_ms": s.pct_ms(0.5),
            "p99_ms": s.pct_ms(0.99), "calls": s.calls}


def floor(args: argparse.Namespace) -> List[Dict[str, Any]]:
    raw = RawHttp(args.url, args.room)
    calls = [c for c in CALLS if not args.only or c == args.only]
    forms = args.forms.split(",")
    rows: List[Dict[str, Any]] = []
    if "blocking" in forms:
        sock = raw.socket()

        def call_blocking(call: str) -> Callable[[], None]:
            def f() -> None:
                sock.sendall(raw.request(call))
                response = Response()
                while not response.feed(sock.recv(262144)):
                    pass

            return f

        for call in calls:
            f = call_blocking(call)
            run_threads(f, 1, 0.3)
            rows.append(c1_row("blocking", call, *run_threads(f, 1, args.secs)))
        sock.close()

    if "async" in forms:

        async def main() -> None:
            loop = asyncio.get_running_loop()
            sock = raw.socket()
            sock.setblocking(False)

            def call_async(call: str) -> Callable[[], Awaitable[None]]:
                async def f() -> None:
                    await loop.sock_sendall(sock, raw.request(call))
                    response = Response()
                    while not response.feed(await loop.sock_recv(sock, 262144)):
                        pass

                return f

            for call in calls:
                f = call_async(call)
                await run_tasks(f, 1, 0.3)
                rows.append(c1_row("asyncio", call, *await run_tasks(f, 1, args.secs)))
            sock.close()

        asyncio.run(main())
    return rows


# ---------------------------------------------------------------------------------------------
# the latency target (section g): the package alone at concurrency 1, for run.py to alternate with
# the Rust core in the same window


def latency(args: argparse.Namespace) -> List[Dict[str, Any]]:
    import qiscus

    calls = [c for c in CALLS if not args.only or c == args.only]
    forms = args.forms.split(",")
    rows: List[Dict[str, Any]] = []
    client = qiscus.Client(APP_ID, SECRET, base_url=args.url)
    if "blocking" in forms:
        ours = ours_blocking(client, args.room)
        for call in calls:
            run_threads(ours[call], 1, 0.3)
            rows.append(c1_row("blocking", call, *run_threads(ours[call], 1, args.secs)))
    if "async" in forms:

        async def main() -> None:
            ours_a = ours_async(client, args.room)
            for call in calls:
                await run_tasks(ours_a[call], 1, 0.3)
                rows.append(c1_row("asyncio", call, *await run_tasks(ours_a[call], 1, args.secs)))

        asyncio.run(main())
    client.shutdown()
    return rows


# ---------------------------------------------------------------------------------------------
# RSS after 10,000 calls


def rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def rss(args: argparse.Namespace) -> Dict[str, Any]:
    api = args.url.rstrip("/") + "/api/v2/rest/"
    n = args.calls
    before_import = rss_kib()
    if args.side.startswith("qiscus"):
        import qiscus

        client = qiscus.Client(APP_ID, SECRET, base_url=args.url)
    elif args.side == "requests":
        import requests

        s = requests.Session()
        s.headers.update(HEADERS)
    else:
        import httpx
    after_import = rss_kib()
    t0 = time.perf_counter()
    if args.side == "qiscus-blocking" or args.side == "requests":
        fns = ours_blocking(client, args.room) if args.side == "qiscus-blocking" else peer_blocking(lambda: s, api, args.room)
        seq = [fns[c] for c in CALLS]
        first = rss_kib()
        for i in range(n):
            seq[i % len(seq)]()
            if i == 99:
                first = rss_kib()
    else:

        async def main() -> int:
            if args.side == "qiscus-async":
                fns = ours_async(client, args.room)
                ac = None
            else:
                ac = httpx.AsyncClient(headers=HEADERS)
                fns = peer_async(ac, api, args.room)
            seq = [fns[c] for c in CALLS]
            first = rss_kib()
            for i in range(n):
                await seq[i % len(seq)]()
                if i == 99:
                    first = rss_kib()
            if ac is not None:
                await ac.aclose()
            return first

        first = asyncio.run(main())
    elapsed = time.perf_counter() - t0
    gc.collect()
    return {
        "side": args.side,
        "calls": n,
        "seconds": elapsed,
        "rss_start_kib": before_import,
        "rss_after_import_kib": after_import,
        "rss_after_100_calls_kib": first,
        "rss_after_calls_kib": rss_kib(),
        "rss_peak_kib": rss_kib("VmHWM"),
    }


# ---------------------------------------------------------------------------------------------
# import time


def import_time(args: argparse.Namespace) -> Dict[str, Any]:
    py = sys.executable

    def wall(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([py, "-c", code], check=True)
        return time.perf_counter() - t

    wall("import qiscus")  # writes the .pyc files, if missing
    bare, imp = [], []
    for _ in range(args.runs):  # interleaved, so a change of load hits both
        bare.append(wall("pass"))
        imp.append(wall("import qiscus"))
    # -X importtime: the cumulative microseconds of the top-level `qiscus` import, and its
    # largest parts (median of a few runs).
    cum: List[int] = []
    parts: Dict[str, List[int]] = {}
    for _ in range(5):
        err = subprocess.run([py, "-X", "importtime", "-c", "import qiscus"], capture_output=True, text=True, check=True).stderr
        for line in err.splitlines():
            if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
                continue
            cols = line.split("|")
            cum_us, name = cols[1].strip(), cols[2].strip()
            parts.setdefault(name.strip(), []).append(int(cum_us))
            if name.strip() == "qiscus":
                cum.append(int(cum_us))
    top = sorted(((statistics.median(v), k) for k, v in parts.items()), reverse=True)[:12]
    return {
        "runs": args.runs,
        "python_pass_median_ms": statistics.median(bare) * 1000,
        "python_import_qiscus_median_ms": statistics.median(imp) * 1000,
        "import_ms": (statistics.median(imp) - statistics.median(bare)) * 1000,
        "importtime_cumulative_ms": statistics.median(cum) / 1000 if cum else None,
        "importtime_top": [{"module": k, "cumulative_ms": v / 1000} for v, k in top],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["clients", "rss", "import-time", "floor", "latency"])
    ap.add_argument("--url")
    ap.add_argument("--room", type=int, default=1)
    ap.add_argument("--secs", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only")
    ap.add_argument("--forms", default="blocking,async")
    ap.add_argument("--side", default="qiscus-blocking")
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if args.mode == "clients":
        out: Any = clients(args)
    elif args.mode == "rss":
        out = rss(args)
    elif args.mode == "floor":
        out = floor(args)
    elif args.mode == "latency":
        out = latency(args)
    else:
        out = import_time(args)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
