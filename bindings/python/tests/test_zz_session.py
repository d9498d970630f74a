"""Checks of the whole run; marked `last`, so they run after every other test."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, List

import pytest
import qiscus
from conftest import CALLS, SEEN, settled_alive_tasks
from qiscus._native import qiscus as generated_client
from qiscus._native import qiscus_core as generated_core


def handle_maps() -> List[Any]:
    """Every `_UniffiHandleMap` of the generated modules (futures' continuations live in one)."""
    maps = []
    for module in (generated_client, generated_core):
        handle_map_type = getattr(module, "_UniffiHandleMap", None)
        if handle_map_type is None:
            continue
        for name, value in vars(module).items():
            if isinstance(value, handle_map_type):  # futures' continuations
                maps.append((f"{module.__name__}.{name}", value))
            elif isinstance(value, type) or name.startswith("_UniffiFfiConverter"):
                # callback interfaces' objects held by Rust, in their converters
                maps += [
                    (f"{module.__name__}.{name}.{attr}", inner)
                    for attr, inner in vars(value).items()
                    if isinstance(inner, handle_map_type)
                ]
    return maps


@pytest.mark.last
def test_no_leaked_foreign_future_handles() -> None:
    maps = handle_maps()
    names = [name for name, _ in maps]
    assert any("Continuation" in name for name in names), names  # the map we mean to watch exists
    assert any(name.endswith("Listener._handle_map") for name in names), names  # and the listeners'
    gc.collect()
    deadline = time.monotonic() + 2
    while any(len(m) for _, m in maps) and time.monotonic() < deadline:
        time.sleep(0.05)
    leaked = {name: len(m) for name, m in maps if len(m)}
    assert not leaked, f"handles left in generated handle maps: {leaked}"


@pytest.mark.last
def test_no_futures_left_waiting_on_native_wakes() -> None:
    wakes = generated_client._UNIFFI_LOOP_WAKES or {}
    gc.collect()
    left = {id(loop): len(w.futures) for loop, w in wakes.items() if w and w.futures}
    assert not left, left


@pytest.mark.last
def test_runtime_tasks_wind_down() -> None:
    # Every call and every cancelled call of the run has ended: what is left are pooled
    # connections of live clients (few), not hundreds of leaked tasks.
    gc.collect()
    alive = asyncio.run(settled_alive_tasks())
    assert alive < 20, alive


@pytest.mark.last
def test_every_call_ran_in_both_forms(request: pytest.FixtureRequest) -> None:
    selected = {item.nodeid for item in request.session.items}
    if not any("test_calls.py" in nodeid for nodeid in selected) or request.config.getoption("-k"):
        pytest.skip("the call tests were not all selected")
    for mode in ("async", "blocking"):
        missing = sorted(set(CALLS) - SEEN[mode])
        assert not missing, f"{mode} form never called: {missing}"
    # CALLS is every method that has a blocking twin: the 20 REST calls, download_export and
    # the workflows.
    twins = {n[: -len("_blocking")] for n in dir(qiscus.Client) if n.endswith("_blocking")}
    assert set(CALLS) == twins
    assert all(hasattr(qiscus.Client, name) for name in twins)
