"""Loops one call of bench_python.py for a while, for a profiler (py-spy, perf) to watch.

    python bench/profile_python.py --url URL --room N --call load_comments_100 --form blocking|async|requests|httpx --secs 10 [--concurrency 1]
"""
import argparse
import asyncio
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_python as b  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--room", type=int, default=1)
ap.add_argument("--call", default="load_comments_20")
ap.add_argument("--form", default="blocking")
ap.add_argument("--secs", type=float, default=10)
ap.add_argument("--concurrency", type=int, default=1)
a = ap.parse_args()
api = a.url.rstrip("/") + "/api/v2/rest/"

if a.form in ("blocking", "requests"):
    if a.form == "blocking":
        import qiscus
        client = qiscus.Client(b.APP_ID, b.SECRET, base_url=a.url)
        fn = b.ours_blocking(client, a.room)[a.call]
    else:
        import requests
        local = threading.local()
        def session():
            s = getattr(local, "s", None)
            if s is None:
                s = local.s = requests.Session()
                s.headers.update(b.HEADERS)
            return s
        fn = b.peer_blocking(session, api, a.room)[a.call]
    n, secs, _ = b.run_threads(fn, a.concurrency, a.secs)
else:
    async def main():
        if a.form == "async":
            import qiscus
            client = qiscus.Client(b.APP_ID, b.SECRET, base_url=a.url)
            fn = b.ours_async(client, a.room)[a.call]
            return await b.run_tasks(fn, a.concurrency, a.secs)
        import httpx
        async with httpx.AsyncClient(headers=b.HEADERS, limits=httpx.Limits(max_connections=128, max_keepalive_connections=128)) as ac:
            fn = b.peer_async(ac, api, a.room)[a.call]
            return await b.run_tasks(fn, a.concurrency, a.secs)
    n, secs, _ = asyncio.run(main())
print(f"{a.form} {a.call} c={a.concurrency}: {n / secs:.0f} calls/s", file=sys.stderr)
