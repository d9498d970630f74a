"""Never lose or duplicate a message: 1,000 post_comment calls from 16 concurrent asyncio tasks
through one client against an emulator failing 20% of requests (500, 503, 429 with Retry-After,
connections dropped before handling and after commit). Prints one line:
`faults: calls=N ok=N errors=N stored=N duplicates=N`."""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Callable, Dict, List, Tuple

import qiscus

from conftest import Emulator

CALLS = 1000
TASKS = 16
FAULTS: Dict[str, Any] = {
    "error_500": 0.04,
    "error_503": 0.04,
    "rate_limit_429": 0.04,
    "retry_after_secs": 1,
    "drop_before": 0.04,
    "drop_after": 0.04,
}


def _setup(emu: Emulator, email: Callable[[str], str]) -> Tuple[str, int]:
    with emu.client() as c:
        alice = email("alice")
        bob = email("bob")
        for who in (alice, bob):
            c.login_or_register_blocking(qiscus.LoginOrRegisterParams(email=who, username=who))
        room = c.create_room_blocking(
            qiscus.CreateRoomParams(name="faults", participants=[bob], creator=alice)
        )
        return alice, room.room_id


async def _post_all(client: qiscus.Client, sender: str, room_id: int) -> Tuple[int, List[BaseException]]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(CALLS):
        queue.put_nowait(i)
    ok = 0
    errors: List[BaseException] = []

    async def worker() -> None:
        nonlocal ok
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                comment = await client.post_comment(
                    qiscus.PostCommentParams(room_id=room_id, sender_email=sender, message=f"m{i}", payload=qiscus.Payload.TEXT())
                )
                assert comment.message == f"m{i}"
                ok += 1
            except qiscus.QiscusError as e:
                errors.append(e)

    await asyncio.gather(*(worker() for _ in range(TASKS)))
    return ok, errors


def _run(emu: Emulator, email: Callable[[str], str], **client_args: Any) -> Tuple[int, List[BaseException], int, int]:
    sender, room_id = _setup(emu, email)
    emu.set_faults(**FAULTS)
    with emu.client(**client_args) as client:
        ok, errors = asyncio.run(_post_all(client, sender, room_id))
    emu.set_faults()
    stored = emu.room_comments(room_id)
    keys = collections.Counter(c["unique_temp_id"] for c in stored)
    texts = collections.Counter(c["message"] for c in stored)
    duplicates = sum(n - 1 for n in keys.values() if n > 1) + sum(n - 1 for n in texts.values() if n > 1)
    return ok, errors, len(stored), duplicates


def test_thousand_posts_through_faults_are_stored_exactly_once(
    start_emulator: Callable[..., Emulator], email: Callable[[str], str]
) -> None:
    emu = start_emulator("--seed", "7")
    ok, errors, stored, duplicates = _run(
        emu, email, max_retries=10, retry_base_delay_ms=20, retry_max_delay_ms=500, max_retry_after_ms=2000
    )
    print(f"faults: calls={CALLS} ok={ok} errors={len(errors)} stored={stored} duplicates={duplicates}")
    assert emu.stats()["faults_injected"] > 100, "the faults really fired"
    assert ok + len(errors) == CALLS
    assert duplicates == 0
    assert (ok, stored) == (CALLS, CALLS), errors[:3]


def test_without_retries_errors_surface_and_nothing_is_duplicated(
    start_emulator: Callable[..., Emulator], email: Callable[[str], str]
) -> None:
    emu = start_emulator("--seed", "7")
    ok, errors, stored, duplicates = _run(emu, email, max_retries=0)
    print(f"no retries: faults: calls={CALLS} ok={ok} errors={len(errors)} stored={stored} duplicates={duplicates}")
    assert errors, "with retries off, the faults surface as errors"
    assert ok + len(errors) == CALLS
    assert duplicates == 0
    # A connection dropped after commit stores the comment without an answer: those are the
    # only errors whose comment exists.
    dropped_after = emu.stats()["dropped_after"]
    assert stored == ok + dropped_after
    kinds = collections.Counter(type(e).__name__ for e in errors)
    assert set(kinds) <= {"Api", "RateLimited", "Connection", "Timeout"}, kinds


def test_the_retry_budget_is_settable_and_stops_retries(
    start_emulator: Callable[..., Emulator], email: Callable[[str], str]
) -> None:
    emu = start_emulator("--seed", "7")
    sender, _room = _setup(emu, email)
    emu.set_faults(error_503=1.0)
    before = emu.stats()["requests"]
    calls = 50

    async def go(client: qiscus.Client) -> List[BaseException]:
        results = await asyncio.gather(
            *(client.user_profile(sender) for _ in range(calls)), return_exceptions=True
        )
        return [r for r in results if isinstance(r, BaseException)]

    with emu.client(max_retries=3, retry_base_delay_ms=1, retry_max_delay_ms=5, retry_budget_tokens=10) as client:
        errors = asyncio.run(go(client))
    requests = emu.stats()["requests"] - before
    emu.set_faults()
    assert len(errors) == calls and all(isinstance(e, qiscus.QiscusError.Api) for e in errors)
    # 10 tokens allow about 5 retries in all, instead of 3 per call.
    assert calls <= requests <= calls + 10, requests
