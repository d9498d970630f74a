"""Where an asyncio call's time goes, at concurrency 1: timestamps at each step of the generated code.

    python bench/timeline_async.py --url URL [--room 1] [--call post_comment] [--calls 4000]

Copies the installed `qiscus` package to a temporary directory, inserts `perf_counter_ns` stamps
into the copy's generated client module (the method's steps, the poll loop, the loop's reader
callback, complete, lift and free; each insertion is checked to match exactly once), runs the
call `--calls` times from one task and prints the median of each step. The package in the venv is
not touched. The stamps cost ~0.3 us each, so the sum of the steps is a little above an
unstamped call's p50. Used for bench/RESULTS.md, "What is still missed".
"""
import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

# (what the generated code reads, what the copy reads instead); `_stamp("name")` appends a stamp.
POLL_LOOP = [
    ("    def drain(self):\n", "    def drain(self):\n        _stamp('loop reader callback')\n"),
    (
        "        eventloop = _uniffi_get_event_loop()\n        wakes = _uniffi_loop_wakes(eventloop)\n",
        "        _stamp('poll loop started')\n        _first = True\n        eventloop = _uniffi_get_event_loop()\n"
        "        wakes = _uniffi_loop_wakes(eventloop)\n",
    ),
    (
        "                ffi_poll(rust_future, _UNIFFI_NATIVE_CONTINUATION, key)\n"
        "                poll_code = channel.take(key)\n",
        "                _stamp('first poll' if _first else 'next poll')\n"
        "                ffi_poll(rust_future, _UNIFFI_NATIVE_CONTINUATION, key)\n"
        "                poll_code = channel.take(key)\n"
        "                _stamp('first polled' if _first else 'next polled')\n                _first = False\n",
    ),
    (
        "                        poll_code = await future\n",
        "                        poll_code = await future\n                        _stamp('task resumed')\n",
    ),
    (
        "        return lift_func(\n"
        "            _uniffi_rust_call_with_error(error_ffi_converter, ffi_complete, rust_future)\n"
        "        )\n    finally:\n        ffi_free(rust_future)\n",
        "        _r = _uniffi_rust_call_with_error(error_ffi_converter, ffi_complete, rust_future)\n"
        "        _stamp('completed')\n        _r = lift_func(_r)\n        _stamp('lifted')\n        return _r\n"
        "    finally:\n        ffi_free(rust_future)\n        _stamp('freed')\n",
    ),
]


def method_steps(call: str, params: str) -> List[Tuple[str, str]]:
    """The async method's own steps: check, clone, lower, the FFI call that makes the future."""
    checks = f"        qiscus_core._UniffiFfiConverterType{params}.check_lower(params)\n"
    lowered = (
        "        _uniffi_lowered_args = (\n            self._uniffi_clone_handle(),\n"
        f"            qiscus_core._UniffiFfiConverterType{params}.lower(params),\n        )\n"
    )
    return [
        (
            checks + lowered,
            "        _stamp('method entered')\n" + checks + "        _stamp('checked')\n"
            "        _h = self._uniffi_clone_handle()\n        _stamp('handle cloned')\n"
            f"        _l = qiscus_core._UniffiFfiConverterType{params}.lower(params)\n"
            "        _stamp('lowered')\n        _uniffi_lowered_args = (_h, _l)\n",
        ),
    ]


def patch(source: str, pairs: List[Tuple[str, str]], once: bool = True) -> str:
    for old, new in pairs:
        n = source.count(old)
        if n == 0 or (once and n > 1):
            sys.exit(f"the generated code changed: {old[:60]!r} found {n} times")
        source = source.replace(old, new, 1)
    return source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--room", type=int, default=1)
    ap.add_argument("--call", default="post_comment", choices=["post_comment", "load_comments_20"])
    ap.add_argument("--calls", type=int, default=4000)
    a = ap.parse_args()

    import qiscus as installed

    tmp = tempfile.mkdtemp(prefix="qiscus-timeline-")
    try:
        shutil.copytree(os.path.dirname(installed.__file__), os.path.join(tmp, "qiscus"))
        path = os.path.join(tmp, "qiscus", "_native", "qiscus.py")
        with open(path) as f:
            source = f.read()
        method, params = {
            "post_comment": ("post_comment", "PostCommentParams"),
            "load_comments_20": ("load_comments", "LoadCommentsParams"),
        }[a.call]
        # the method's steps: patch only inside its async definition in the class (the last one;
        # the protocol's comes first)
        start = source.rindex(f"    async def {method}(self, params: qiscus_core.{params}) -> ")
        end = source.index(f"    def {method}_blocking(", start)
        body = patch(source[start:end], method_steps(method, params))
        source = patch(source[:start] + body + source[end:], POLL_LOOP)
        source = source.replace(
            "\nimport ctypes\n", "\nimport ctypes\nfrom time import perf_counter_ns as _pc\n_STAMPS = []\n"
            "def _stamp(what):\n    _STAMPS.append((what, _pc()))\n", 1
        )
        with open(path, "w") as f:
            f.write(source)
        for name in list(sys.modules):
            if name == "qiscus" or name.startswith("qiscus."):
                del sys.modules[name]
        sys.path.insert(0, tmp)
        sys.path.insert(1, HERE)
        import qiscus
        from qiscus._native import qiscus as generated

        assert qiscus.__file__.startswith(tmp), qiscus.__file__
        import bench_python as b

        client = qiscus.Client(b.APP_ID, b.SECRET, base_url=a.url)
        call = b.ours_async(client, a.room)[a.call]
        stamps: List[Tuple[str, int]] = getattr(generated, "_STAMPS")  # added to the copy above

        async def run() -> Dict[str, List[float]]:
            for _ in range(300):
                await call()
            steps: Dict[str, List[float]] = {}
            for _ in range(a.calls):
                stamps.clear()
                stamps.append(("call", time.perf_counter_ns()))
                await call()
                stamps.append(("returned", time.perf_counter_ns()))
                for (x, tx), (y, ty) in zip(stamps, stamps[1:]):
                    steps.setdefault(f"{x} -> {y}", []).append((ty - tx) / 1000)
            return steps

        steps = asyncio.run(run())
        total = 0.0
        print(f"{a.call}, asyncio, concurrency 1, {a.calls} calls: median of each step (us)")
        for name, values in steps.items():
            median = statistics.median(values)
            total += median * len(values) / a.calls
            print(f"  {name:<40} {median:8.1f}  (x{len(values) / a.calls:.0f})")
        print(f"  {'sum (steps met twice count twice)':<40} {total:8.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
