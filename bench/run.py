"""Runs every comparison of the benchmark and writes bench/results.json (see bench/run.sh).

Starts the servers it needs on loopback (the fixed-response server `qiscus-bench serve` for every
client comparison, and a seeded `qiscus-emulator` to show the emulator's own capacity), runs:

  e  the ceiling: wrk against the fixed server (and the emulator) with the same requests
  a  Rust core vs bare reqwest + serde_json::Value         (target/release/qiscus-bench rust)
  b  Python blocking vs requests, asyncio vs httpx         (bench_python.py clients)
  c  Kotlin blocking/coroutines vs java.net.http + Jackson (bench/kotlin, when built)
  d  `import qiscus` time and RSS after 10,000 calls        (bench_python.py import-time / rss)
  f  the floor: the least any Python client pays per call at concurrency 1 (raw sockets, no HTTP
     library, no JSON; blocking and asyncio), alternated with the Rust core (bench_python.py floor)
  g  the latency target side by side: the package at concurrency 1, blocking and asyncio,
     alternated with the Rust core and the floor in the same window (bench_python.py latency)

then prints one table and writes results.json. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CALLS = ["post_comment", "load_comments_20", "load_comments_100", "login_or_register"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def loadavg() -> List[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Server:
    """A child process that prints `listening on http://HOST:PORT` first."""

    def __init__(self, argv: List[str], until: str) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        self.lines: List[str] = []
        assert self.proc.stdout is not None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{argv[0]} exited: {self.lines}")
            self.lines.append(line.strip())
            if line.startswith(until):
                break
        self.url = next(l for l in self.lines if l.startswith("listening on ")).split(" ", 2)[2]
        room = [l for l in self.lines if l.startswith("room_id ")]
        self.room = int(room[0].split()[1]) if room else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ---------------------------------------------------------------------------------------------
# e: the ceiling


def parse_ms(v: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        return float("nan")
    x, unit = float(m.group(1)), m.group(2)
    return {"us": x / 1000, "ms": x, "s": x * 1000, "m": x * 60000}[unit]


def wrk(url: str, call: str, room: int, conns: int, secs: float) -> Dict[str, Any]:
    threads = 1 if conns == 1 else 2
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{max(1, round(secs))}s", "--latency",
            "-s", os.path.join(HERE, "wrk.lua"), url, "--", call, str(room)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk printed no Requests/sec: {out[-500:]!r}")
    rate = float(found.group(1))
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:.*", out)
    if bad:
        raise RuntimeError(f"wrk {call} against {url}: {bad.group(0)}")
    return {
        "calls_per_s": rate,
        "p50_ms": parse_ms(pct.get("50", "")),
        "p99_ms": parse_ms(pct.get("99", "")),
        "socket_errors": sock.group(0) if sock else None,
    }


def ceiling(fixed: Server, emulator: Optional[Server], secs: float) -> List[Dict[str, Any]]:
    rows = []
    for conc in (1, 64):
        for call in CALLS:
            f = wrk(fixed.url, call, fixed.room or 1, conc, secs)
            e = wrk(emulator.url, call, emulator.room or 1, conc, secs) if emulator else None
            r = {
                "name": f"ceiling (wrk): fixed server vs emulator: {call} c={conc}",
                "section": "e",
                "call": call,
                "concurrency": conc,
                "ours": "fixed-response server (wrk)",
                "peer": "qiscus-emulator (wrk)",
                "ours_calls_per_s": f["calls_per_s"],
                "peer_calls_per_s": e["calls_per_s"] if e else None,
                "ratio": f["calls_per_s"] / e["calls_per_s"] if e else None,
                "p50_ms": f["p50_ms"],
                "p99_ms": f["p99_ms"],
                "peer_p50_ms": e["p50_ms"] if e else None,
                "peer_p99_ms": e["p99_ms"] if e else None,
            }
            log(f"  {r['name']:<62} {f['calls_per_s']:>8.0f}/s vs {e['calls_per_s'] if e else float('nan'):>8.0f}/s")
            rows.append(r)
    return rows


# ---------------------------------------------------------------------------------------------
# f and g: the floor and the package, each alternated with the Rust core at concurrency 1


# What sections f and g alternate with the Rust core: the bench_python.py mode, the row's name
# and its "ours" for each form.
C1_CLIENTS = {
    "f": ("floor", "floor: python raw socket ({form}) vs rust core", "Python raw socket, {form} (transport only)"),
    "g": ("latency", "latency: python {form} vs rust core", "qiscus ({form})"),
}


def concurrency_1(bench_bin: str, python: str, fixed: Server, secs: float, rounds: int,
                  sections: List[str]) -> List[Dict[str, Any]]:
    """Sections f and g in one window: per call, `rounds` alternations of the Rust core alone, the
    raw-socket Python clients (f, bench_python.py floor) and the package itself (g, bench_python.py
    latency), each in its own process, `secs` split between the rounds. One row per section and
    form, the Python client as "ours" and the core as the peer; p50s are the median of the rounds'
    p50s, so g's ratio of p50s is the latency target measured side by side."""
    rows = []
    slice_s = secs / rounds
    for call in CALLS:
        core: List[Dict[str, Any]] = []
        clients: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
        for _ in range(rounds):
            core += run_json([bench_bin, "rust", "--url", fixed.url, "--room", str(fixed.room), "--secs", str(slice_s),
                              "--rounds", "1", "--only", call, "--side", "ours", "--concurrency", "1"])
            for section in sections:
                for r in run_json([python, os.path.join(HERE, "bench_python.py"), C1_CLIENTS[section][0],
                                   "--url", fixed.url, "--room", str(fixed.room), "--secs", str(slice_s),
                                   "--only", call]):
                    clients.setdefault((section, r["form"]), []).append(r)

        def rate(samples: List[Dict[str, Any]], calls: str, per_s: str) -> float:
            return float(sum(x[calls] for x in samples) / sum(x[calls] / x[per_s] for x in samples))

        def median(samples: List[Dict[str, Any]], key: str) -> float:
            return float(sorted(x[key] for x in samples)[len(samples) // 2])

        core_rate = rate(core, "ours_calls", "ours_calls_per_s")
        for (section, form), samples in clients.items():
            _, name, ours = C1_CLIENTS[section]
            r = {
                "name": f"{name.format(form=form)}: {call} c=1",
                "section": section,
                "form": form,
                "call": call,
                "concurrency": 1,
                "ours": ours.format(form=form),
                "peer": "qiscus::Client (Rust core)",
                "ours_calls_per_s": rate(samples, "calls", "calls_per_s"),
                "peer_calls_per_s": core_rate,
                "p50_ms": median(samples, "p50_ms"),
                "p99_ms": median(samples, "p99_ms"),
                "peer_p50_ms": median(core, "p50_ms"),
                "peer_p99_ms": median(core, "p99_ms"),
            }
            r["ratio"] = r["ours_calls_per_s"] / core_rate
            log(f"  {r['name']:<62} p50 {r['p50_ms']:.3f} ms vs {r['peer_p50_ms']:.3f} ms")
            rows.append(r)
    return rows


# ---------------------------------------------------------------------------------------------
# the table and the targets


def fmt(x: Any, spec: str = ".0f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return format(x, spec)


def find(rows: List[Dict[str, Any]], **kw: Any) -> List[Dict[str, Any]]:
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def targets(rows: List[Dict[str, Any]], imp: Optional[Dict[str, Any]], kotlin_done: bool) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []

    def check(name: str, bound: str, items: List[Tuple[str, float]], ok: Any) -> None:
        if not items:
            out.append({"target": name, "bound": bound, "met": None, "detail": "not measured"})
            return
        misses = [(n, v) for n, v in items if not ok(v)]
        out.append({
            "target": name,
            "bound": bound,
            "met": not misses,
            "values": {n: round(v, 3) for n, v in items},
            "missed_by": {n: round(v, 3) for n, v in misses},
        })

    check("Rust core >= 0.9x bare reqwest", "ratio >= 0.9",
          [(r["name"], r["ratio"]) for r in find(rows, section="a")], lambda v: v >= 0.9)
    check("Python blocking >= 2x requests", "ratio >= 2",
          [(r["name"], r["ratio"]) for r in find(rows, section="b", form="blocking")], lambda v: v >= 2)
    check("Python asyncio >= 2x httpx at concurrency 64", "ratio >= 2",
          [(r["name"], r["ratio"]) for r in find(rows, section="b", form="asyncio", concurrency=64)], lambda v: v >= 2)
    # Section g measures the package and the core side by side; without it, sections b and a
    # (minutes apart, so a change of load between them moves the ratio).
    lat = [(f"python {r['form']} {r['call']} c=1 p50 / rust core p50 (same window)", r["p50_ms"] / r["peer_p50_ms"])
           for r in find(rows, section="g")]
    if not lat:
        for form in ("blocking", "asyncio"):
            for call in CALLS:
                py = find(rows, section="b", form=form, call=call, concurrency=1)
                rs = find(rows, section="a", call=call, concurrency=1)
                if py and rs:
                    lat.append((f"python {form} {call} c=1 p50 / rust core p50", py[0]["p50_ms"] / rs[0]["p50_ms"]))
    check("Python per-call latency at c=1 <= 1.3x the Rust core's", "p50 ratio <= 1.3", lat, lambda v: v <= 1.3)
    floors = {f"python raw socket {r['form']} {r['call']} c=1 p50 / rust core p50": round(r["p50_ms"] / r["peer_p50_ms"], 3)
              for r in find(rows, section="f")}
    if floors and out[-1].get("met") is not None:
        # What any Python client of each form pays (section f): the part of the bound that is left.
        out[-1]["floor"] = floors
    if kotlin_done:
        check("Kotlin >= 1x java.net.http", "ratio >= 1",
              [(r["name"], r["ratio"]) for r in find(rows, section="c")], lambda v: v >= 1)
    else:
        out.append({"target": "Kotlin >= 1x java.net.http", "bound": "ratio >= 1", "met": None,
                    "detail": "not done: the Kotlin bench was not built/run"})
    if imp:
        check("import qiscus <= 50 ms", "ms <= 50", [("import qiscus (median wall - python -c pass)", imp["import_ms"])],
              lambda v: v <= 50)
    return out


def table(rows: List[Dict[str, Any]]) -> str:
    head = ["comparison", "ours/s", "peer/s", "ratio", "p50 ms", "p99 ms", "peer p50", "peer p99", "ceiling/s", "ours %ceil"]
    lines = []
    widths = [70, 9, 9, 6, 8, 8, 8, 8, 9, 10]

    def line(cells: List[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    lines.append(line(head))
    lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    section = None
    titles = {
        "e": "e. ceiling: wrk with the same requests (ours = fixed-response server, peer = emulator)",
        "a": "a. Rust core (qiscus::Client) vs bare reqwest + serde_json::Value   [fixed server]",
        "b": "b. Python package vs requests.Session / httpx.AsyncClient            [fixed server]",
        "c": "c. Kotlin package vs java.net.http.HttpClient + Jackson               [fixed server]",
        "f": "f. floor: Python raw sockets (transport only) vs the Rust core, c=1   [fixed server]",
        "g": "g. latency: the Python package vs the Rust core, c=1, alternated   [fixed server]",
    }
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            lines.append(titles[section])
        ceil = r.get("ceiling_calls_per_s")
        lines.append(line([
            "  " + r["name"],
            fmt(r["ours_calls_per_s"]),
            fmt(r["peer_calls_per_s"]),
            fmt(r["ratio"], ".2f") + "x" if r["ratio"] is not None else "-",
            fmt(r["p50_ms"], ".3f"),
            fmt(r["p99_ms"], ".3f"),
            fmt(r.get("peer_p50_ms"), ".3f"),
            fmt(r.get("peer_p99_ms"), ".3f"),
            fmt(ceil),
            fmt(100 * r["ours_calls_per_s"] / ceil, ".1f") + "%" if ceil else "-",
        ]))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def run_json(argv: List[str], env: Optional[Dict[str, str]] = None) -> Any:
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} ... failed with exit code {p.returncode}")
    return json.loads(p.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-dir", default=os.path.join(REPO, "target"))
    ap.add_argument("--python", default=sys.executable, help="interpreter with qiscus, requests, httpx")
    ap.add_argument("--secs", type=float, default=2.0, help="measured seconds per side and row")
    ap.add_argument("--rounds", type=int, default=2, help="alternating slices per side and row")
    ap.add_argument("--c1-secs", type=float, default=3.5,
                    help="sections f and g: measured seconds per side and row, split between the rounds")
    ap.add_argument("--c1-rounds", type=int, default=7,
                    help="sections f and g: alternations per row (their p50s are the rounds' medians)")
    ap.add_argument("--ceiling-secs", type=float, default=2.0)
    ap.add_argument("--rss-calls", type=int, default=10000)
    ap.add_argument("--import-runs", type=int, default=20)
    ap.add_argument("--kotlin-classpath", default=os.path.join(HERE, "kotlin", "target", "bench-classpath.txt"),
                    help="file holding the Kotlin bench's classpath (written by run.sh)")
    ap.add_argument("--kotlin-note", default="", help="said about the Kotlin package's build (run.sh)")
    ap.add_argument("--sections", default="e,a,b,c,d,f,g")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    bench_bin = os.path.join(args.target_dir, "release", "qiscus-bench")
    emu_bin = os.path.join(args.target_dir, "release", "qiscus-emulator")

    started = time.time()
    load_start = loadavg()
    log(f"load average at start: {load_start}")
    rows: List[Dict[str, Any]] = []
    extra: Dict[str, Any] = {}
    timings: Dict[str, float] = {}
    section_load: Dict[str, List[float]] = {}
    kotlin_done = False
    kotlin_note = "not run (section c not selected)"

    fixed = Server([bench_bin, "serve"], until="ready")
    servers: List[Server] = [fixed]
    errors: Dict[str, str] = {}

    def section_e() -> None:
        emulator = Server([emu_bin, "--addr", "127.0.0.1:0"], until="listening on ")
        servers.append(emulator)
        seeded = subprocess.run([bench_bin, "seed", "--url", emulator.url], capture_output=True, text=True, check=True)
        emulator.room = int(seeded.stdout.split()[1])
        log(f"e. ceiling (wrk); emulator: {emulator.url} (room {emulator.room})")
        if not shutil.which("wrk"):
            raise RuntimeError("wrk not found: ceiling skipped")
        rows.extend(ceiling(fixed, emulator, args.ceiling_secs))
        emulator.stop()

    def section_a() -> None:
        log("a. Rust core vs reqwest + serde_json::Value")
        out = os.path.join(HERE, "out", "rust.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run([bench_bin, "rust", "--url", fixed.url, "--room", str(fixed.room),
                        "--secs", str(args.secs), "--rounds", str(args.rounds), "--out", out], check=True)
        with open(out) as f:
            rows.extend(json.load(f))

    def section_b() -> None:
        log("b. Python: blocking vs requests, asyncio vs httpx")
        rows.extend(run_json([args.python, os.path.join(HERE, "bench_python.py"), "clients", "--url", fixed.url,
                              "--room", str(fixed.room), "--secs", str(args.secs), "--rounds", str(args.rounds)]))

    def section_c() -> None:
        nonlocal kotlin_done, kotlin_note
        cp_file = args.kotlin_classpath
        java = shutil.which("java")
        if not (java and os.path.exists(cp_file)):
            kotlin_note = f"not done: {'java not found' if not java else cp_file + ' missing (Kotlin bench not built)'}"
            log(f"c. Kotlin: {kotlin_note}")
            return
        log("c. Kotlin: blocking and coroutines vs java.net.http + Jackson")
        with open(cp_file) as f:
            cp = f.read().strip()
        rows.extend(run_json([java, "-cp", cp, "qiscus.bench.BenchKt", "clients", "--url", fixed.url,
                              "--room", str(fixed.room), "--secs", str(args.secs), "--rounds", str(args.rounds)]))
        kotlin_done = True

    def section_fg() -> None:
        chosen = sorted(sections & set(C1_CLIENTS))
        log(f"{'+'.join(chosen)}. concurrency 1: {' and '.join(C1_CLIENTS[c][0] for c in chosen)} vs the Rust core, "
            "alternated")
        rows.extend(concurrency_1(bench_bin, args.python, fixed, args.c1_secs, args.c1_rounds, chosen))

    def section_d() -> None:
        log("d. Python: import time and RSS after 10,000 calls")
        py = os.path.join(HERE, "bench_python.py")
        extra["python_import"] = run_json([args.python, py, "import-time", "--runs", str(args.import_runs)])
        log(f"   import qiscus: {extra['python_import']['import_ms']:.1f} ms")
        extra["python_rss"] = []
        for side in ("qiscus-blocking", "qiscus-async", "requests", "httpx"):
            r = run_json([args.python, py, "rss", "--url", fixed.url, "--room", str(fixed.room),
                          "--side", side, "--calls", str(args.rss_calls)])
            extra["python_rss"].append(r)
            log(f"   RSS {side:<16} after {r['calls']} calls: {r['rss_after_calls_kib'] / 1024:.1f} MiB "
                f"(after import {r['rss_after_import_kib'] / 1024:.1f} MiB, after 100 calls "
                f"{r['rss_after_100_calls_kib'] / 1024:.1f} MiB)")

    try:
        log(f"fixed-response server: {fixed.url} (room {fixed.room})")
        for name, fn in (("e", section_e), ("a", section_a), ("b", section_b), ("c", section_c), ("d", section_d),
                         ("fg", section_fg)):
            if not sections & set(name):
                continue
            section_load[name] = loadavg()
            t = time.time()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - one failed section must not lose the others
                errors[name] = f"{type(e).__name__}: {e}"
                log(f"   section {name} FAILED: {errors[name]}")
            timings[name] = time.time() - t
    finally:
        for server in servers:
            server.stop()

    # Each client row as a fraction of what the server and loopback allow for the same call.
    for r in rows:
        if r["section"] in ("a", "b", "c"):
            c = find(rows, section="e", call=r["call"], concurrency=r["concurrency"])
            if c:
                r["ceiling_calls_per_s"] = c[0]["ours_calls_per_s"]
                r["ours_fraction_of_ceiling"] = r["ours_calls_per_s"] / c[0]["ours_calls_per_s"]
                r["peer_fraction_of_ceiling"] = r["peer_calls_per_s"] / c[0]["ours_calls_per_s"]
    order = {"e": 0, "a": 1, "b": 2, "c": 3, "f": 4, "g": 5}
    rows.sort(key=lambda r: order[r["section"]])

    load_end = loadavg()
    tg = targets(rows, extra.get("python_import"), kotlin_done)
    result = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_average_start": load_start,
        "load_average_end": load_end,
        "settings": {"secs_per_side": args.secs, "rounds": args.rounds, "c1_secs_per_side": args.c1_secs,
                     "c1_rounds": args.c1_rounds, "ceiling_secs": args.ceiling_secs,
                     "rss_calls": args.rss_calls, "import_runs": args.import_runs},
        "comparisons": rows,
        **extra,
        "kotlin": ("done" + (f" ({args.kotlin_note})" if args.kotlin_note else "")) if kotlin_done else kotlin_note,
        "targets": tg,
        "load_average_at_section_start": section_load,
        "load_average_note": "the 1-minute load average counts the benchmark's own runnable threads (two server "
                             "threads, wrk, and up to 64 client threads in the c=64 rows), so it climbs during a "
                             "run even on an idle machine; load_average_start is the machine's load before it",
        "errors": errors,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.time() - started, 1),
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    print()
    print(table(rows))
    print()
    if "python_import" in extra:
        imp = extra["python_import"]
        print(f"d. import qiscus: {imp['import_ms']:.1f} ms (median of {imp['runs']} fresh interpreters, "
              f"minus `python -c pass` {imp['python_pass_median_ms']:.1f} ms; -X importtime cumulative "
              f"{fmt(imp['importtime_cumulative_ms'], '.1f')} ms)")
    for r in extra.get("python_rss", []):
        print(f"d. RSS {r['side']:<16} after {r['calls']} calls: {r['rss_after_calls_kib'] / 1024:6.1f} MiB "
              f"(after import {r['rss_after_import_kib'] / 1024:.1f}, after 100 calls {r['rss_after_100_calls_kib'] / 1024:.1f},"
              f" peak {r['rss_peak_kib'] / 1024:.1f})")
    print(f"c. Kotlin: {result['kotlin']}")
    print()
    print("targets:")
    for tgt in tg:
        state = {True: "MET   ", False: "MISSED", None: "n/a   "}[tgt["met"]]
        detail = tgt.get("detail") or (", ".join(f"{k}: {v}" for k, v in tgt.get("missed_by", {}).items()) or "all rows")
        print(f"  {state} {tgt['target']}  ({detail})")
        if tgt.get("floor"):
            print("         the floor, what any Python client pays (section f): "
                  + ", ".join(f"{k.replace(' c=1 p50 / rust core p50', '')}: {v}x" for k, v in tgt["floor"].items()))
    print()
    for k, v in errors.items():
        print(f"section {k} FAILED: {v}")
    print("load average (1, 5, 15 min) at the start of each section: "
          + ", ".join(f"{k} {v}" for k, v in section_load.items()))
    print(f"load average: start {load_start}, end {load_end}; total {result['total_seconds']} s; wrote {args.out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
