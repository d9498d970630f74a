"""Concurrency: many coroutines, many threads, cancellation, and a free event loop."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Tuple

import pytest
import qiscus
from conftest import Emulator, eventually, settled_alive_tasks
from qiscus import LoadCommentsParams, LoginOrRegisterParams, Payload, PostCommentParams
from qiscus._native import qiscus as generated

Email = Callable[[str], str]


def make_room(client: qiscus.Client, email: Email) -> Tuple[int, str]:
    a, b = email("a"), email("b")
    client.login_or_register_blocking(LoginOrRegisterParams(email=a, username="A"))
    client.login_or_register_blocking(LoginOrRegisterParams(email=b, username="B"))
    return client.get_or_create_room_with_target_blocking([a, b]).room.id, a


async def test_200_concurrent_async_calls(client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    room_id, sender = make_room(client, email)
    before = emulator.stats()["requests"]
    comments = await asyncio.gather(
        *(
            client.post_comment(
                PostCommentParams(
                    room_id=room_id, sender_email=sender, message=f"message {i}", payload=Payload.TEXT()
                )
            )
            for i in range(200)
        )
    )
    assert len(comments) == 200
    assert sorted(c.message for c in comments) == sorted(f"message {i}" for i in range(200))
    assert len({c.id for c in comments}) == 200
    stored = emulator.room_comments(room_id)
    assert len(stored) == 200
    assert {c["id"] for c in stored} == {c.id for c in comments}
    assert emulator.stats()["requests"] - before == 200


def test_threads_share_one_client(client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    room_id, sender = make_room(client, email)

    def worker(t: int) -> List[int]:
        ids = []
        for i in range(25):
            c = client.post_comment_blocking(
                PostCommentParams(
                    room_id=room_id, sender_email=sender, message=f"thread {t} #{i}", payload=Payload.TEXT()
                )
            )
            assert c.message == f"thread {t} #{i}"
            ids.append(c.id)
        return ids

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    ids = [i for r in results for i in r]
    assert len(ids) == 200 and len(set(ids)) == 200
    stored = emulator.room_comments(room_id)
    assert len(stored) == 200
    # Each thread's comments are stored in its own order.
    for t in range(8):
        mine = [c["message"] for c in stored if c["message"].startswith(f"thread {t} #")]
        assert mine == [f"thread {t} #{i}" for i in range(25)]


def waiting_continuations() -> int:
    """Futures that wait for a Rust future's continuation: the generated handle map's, and those of
    the native wakes (one channel per event loop) where the native module is loaded."""
    wakes = generated._UNIFFI_LOOP_WAKES or {}
    return len(generated._UniffiContinuationHandleMap) + sum(len(w.futures) for w in wakes.values() if w)


async def test_cancel_debug_sleep_aborts_the_task() -> None:
    baseline = await settled_alive_tasks()
    task = asyncio.create_task(qiscus.debug_sleep(5000))
    await asyncio.sleep(0.1)
    assert qiscus.debug_runtime_alive_tasks() >= baseline + 1  # the sleep runs on the runtime
    assert waiting_continuations() >= 1  # Python waits on a continuation
    start = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - start < 1.0

    async def continuation_released() -> bool:
        return waiting_continuations() == 0

    await eventually(continuation_released, timeout=1.0)

    async def back_to_baseline() -> bool:
        return qiscus.debug_runtime_alive_tasks() <= baseline

    await eventually(back_to_baseline, timeout=2.0)


async def test_cancel_in_flight_request(client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    room_id, _ = make_room(client, email)
    await client.load_comments(LoadCommentsParams(room_id=room_id))  # warm: a pooled connection
    baseline = await settled_alive_tasks()
    emulator.set_faults(latency=1.0, latency_ms=3000)
    task = asyncio.create_task(client.load_comments(LoadCommentsParams(room_id=room_id)))
    await asyncio.sleep(0.1)
    assert not task.done()
    start = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - start < 1.0

    async def back_to_baseline() -> bool:
        return qiscus.debug_runtime_alive_tasks() <= baseline

    # Well before the server would answer: the spawned request was aborted, not left running.
    await eventually(back_to_baseline, timeout=1.0)
    emulator.set_faults()
    # The client is still usable.
    assert await client.load_comments(LoadCommentsParams(room_id=room_id)) == []


async def test_timeout_via_wait_for_cancels_too() -> None:
    baseline = await settled_alive_tasks()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(qiscus.debug_sleep(5000), timeout=0.1)

    async def back_to_baseline() -> bool:
        return qiscus.debug_runtime_alive_tasks() <= baseline

    await eventually(back_to_baseline, timeout=2.0)


async def test_event_loop_is_not_blocked(client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    runner = asyncio.create_task(ticker())
    start = time.monotonic()
    await qiscus.debug_sleep(500)
    elapsed = time.monotonic() - start
    during_sleep = ticks
    assert 0.5 <= elapsed < 1.5
    assert during_sleep >= 20, during_sleep  # ~50 expected; a blocked loop gives 0

    # A slow real call, too.
    room_id, _ = make_room(client, email)
    emulator.set_faults(latency=1.0, latency_ms=300)
    ticks = 0
    await client.load_comments(LoadCommentsParams(room_id=room_id))
    assert ticks >= 10, ticks
    stop.set()
    await runner


async def test_sleeps_run_concurrently() -> None:
    start = time.monotonic()
    await asyncio.gather(*(qiscus.debug_sleep(300) for _ in range(50)))
    assert time.monotonic() - start < 1.5  # not 50 x 300 ms


def test_async_calls_from_several_event_loops(client: qiscus.Client, email: Email) -> None:
    # Each thread runs its own event loop (asyncio.run) against the same client.
    address = email("loops")
    client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="Loops"))

    def run_loop(_: int) -> int:
        async def main() -> int:
            users = await asyncio.gather(*(client.user_profile(address) for _ in range(10)))
            return len({u.id for u in users})

        return asyncio.run(main())

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(run_loop, range(4))) == [1, 1, 1, 1]
