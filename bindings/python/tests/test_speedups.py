"""The native readers (bindings/python/speedups) against the generated pure-Python ones.

The wheel's library carries `qiscus._native._speedups`, and the generated modules read records,
enums, lists and optionals through it. These tests check that it is loaded, and that for real
values, for every truncation and for corrupted bytes, both readers give the same objects (same
types, same attributes in the same order, the same memory for their attributes) or the same
error. The same module wakes asyncio loops natively: its channel is tested directly, and a script
of async calls must exit cleanly on both paths. test.sh runs the rest of the suite a second time
under QISCUS_PURE_PYTHON=1 (not this file: it is about the native module), so every call is also
tested through the pure readers.
"""

from __future__ import annotations

import asyncio
import ctypes
import enum
import gc
import os
import re
import select
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import qiscus
from qiscus import CreateRoomParams, LoadCommentsParams, LoginOrRegisterParams, PostCommentParams
from qiscus._native import qiscus as ffi_module
from qiscus._native import qiscus_core as core
from conftest import APP_ID, SECRET, settled_alive_tasks
from test_payloads import payloads

MODULES = (core, ffi_module)


def converters() -> Dict[str, Any]:
    return {
        f"{m.__name__}.{name}": value
        for m in MODULES
        for name, value in vars(m).items()
        if name.startswith("_UniffiFfiConverter")
    }


@contextmanager
def pure_readers() -> Iterator[None]:
    """Every converter reads in Python while inside."""
    saved = {name: conv._plan for name, conv in converters().items()}
    try:
        for conv in converters().values():
            conv._plan = None
        yield
    finally:
        for name, conv in converters().items():
            conv._plan = saved[name]


def stream(data: bytes) -> Any:
    buf = ctypes.create_string_buffer(data, len(data))
    return core._UniffiRustBufferStream(buf, len(data))


def attempt(call: Callable[[], Any]) -> Tuple[str, Any]:
    """("value", what `call` returned), or the error's type and message."""
    try:
        value = call()
    except UnicodeDecodeError:
        return ("UnicodeDecodeError", None)  # the reason's wording differs (Rust's or Python's)
    except Exception as e:  # the converters read in Python raise their own (JSONDecodeError, ...)
        return (type(e).__name__, str(e))
    return ("value", value)


def outcome(converter: Any, data: bytes) -> Tuple[str, Any]:
    s = stream(data)
    kind, value = attempt(lambda: converter.read(s))
    return (kind, (value, s.offset)) if kind == "value" else (kind, value)


def same(a: Any, b: Any, path: str = "value") -> None:
    """Same type, same attributes in the same order, same memory for them, recursively."""
    assert type(a) is type(b), f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, enum.Enum):
        assert a is b, path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif hasattr(type(a), "__slots__"):  # a record: every field set, none other possible
        assert not hasattr(a, "__dict__") and not hasattr(b, "__dict__"), path
        for k in type(a).__slots__:
            if k != "__weakref__":
                same(getattr(a, k), getattr(b, k), f"{path}.{k}")
    elif hasattr(a, "__dict__"):
        assert list(vars(a)) == list(vars(b)), path
        assert sys.getsizeof(vars(a)) == sys.getsizeof(vars(b)), path
        for k in vars(a):
            same(getattr(a, k), getattr(b, k), f"{path}.{k}")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.fixture
def values(client: qiscus.Client, email: Callable[[str], str]) -> List[Tuple[Any, Any]]:
    """(converter, value) pairs of real responses: comments of every payload type, a user, rooms."""
    me = email("speedups")
    other = email("other")
    user = client.login_or_register_blocking(LoginOrRegisterParams(email=me, username="Speedy", password="pw-123456"))
    client.login_or_register_blocking(LoginOrRegisterParams(email=other, username="Other", password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Speedups", creator=me, participants=[other]))
    first = client.post_comment_blocking(
        PostCommentParams(room_id=room.room_id, sender_email=me, message="first", payload=qiscus.Payload.TEXT())
    )
    for _, payload, message in payloads(first.id):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=me, message=message, payload=payload)
        )
    comments = client.load_comments_blocking(LoadCommentsParams(room_id=room.room_id, limit=100))
    assert len(comments) == len(payloads(first.id)) + 1
    rooms = client.get_user_rooms_blocking(qiscus.GetUserRoomsParams(user_email=me, show_participants=True))
    return [
        (core._UniffiFfiConverterSequenceTypeComment, comments),
        (core._UniffiFfiConverterTypeUser, user),
        (core._UniffiFfiConverterTypeRoomSummary, room),
        (core._UniffiFfiConverterTypeUserRooms, rooms),
    ]


def encode(converter: Any, value: Any) -> bytes:
    builder = core._UniffiRustBufferBuilder()
    converter.write(value, builder)
    return bytes(builder.data)


def test_the_native_readers_are_loaded() -> None:
    assert core._uniffi_speedups is not None, "the wheel's library should carry qiscus._native._speedups"
    assert core._uniffi_speedups is ffi_module._uniffi_speedups
    core.DevicePlatform  # a flat enum's plan is made with the enum, on first use
    planned = {name for name, conv in converters().items() if conv._plan is not None}
    records = [
        name
        for name, value in vars(core).items()
        if isinstance(value, type) and f"qiscus._native.qiscus_core._UniffiFfiConverterType{name}" in converters()
        and hasattr(value, "__eq__") and "__init__" in vars(value) and not issubclass(value, BaseException)
    ]
    assert len(records) > 40
    for name in records + ["Payload", "DevicePlatform"]:
        assert f"qiscus._native.qiscus_core._UniffiFfiConverterType{name}" in planned, name
    for name in ["SequenceTypeComment", "OptionalTypeUserApp", "OptionalString"]:
        assert f"qiscus._native.qiscus_core._UniffiFfiConverter{name}" in planned, name
    # Every list and optional of both modules, those of the FFI module whose items are the core's
    # records (what `load_comments` returns) included.
    wrappers = {name for name in converters() if re.search(r"\._UniffiFfiConverter(Sequence|Optional)", name)}
    assert "qiscus._native.qiscus._UniffiFfiConverterSequenceTypeComment" in wrappers
    assert sorted(wrappers - planned) == []


def test_real_values_read_alike(values: List[Tuple[Any, Any]]) -> None:
    for converter, value in values:
        data = encode(converter, value)
        native = outcome(converter, data)
        with pure_readers():
            pure = outcome(converter, data)
        assert native[0] == "value" and pure[0] == "value"
        same(native[1], pure[1])
        assert native[1][0] == value
        assert native[1][1] == len(data)


def test_every_payload_type_is_read_natively(values: List[Tuple[Any, Any]]) -> None:
    comments = values[0][1]
    kinds = {type(c.payload).__name__ for c in comments}
    assert len(kinds) == len(payloads(1))  # TEXT twice: the first comment and the text payload


def test_a_page_shares_the_strings_its_records_repeat(values: List[Tuple[Any, Any]]) -> None:
    # Every comment of the fixture's page is from one sender in one room: natively, their
    # sender's address and name and the room's name are one `str` each, the rest as sent.
    converter, comments = values[0]
    kind, (page, _) = outcome(converter, encode(converter, comments))
    assert kind == "value" and page == comments
    for field in ("email", "username", "room_name"):
        assert len({getattr(c, field) for c in page}) == 1, field
        assert len({id(getattr(c, field)) for c in page}) == 1, field
    messages = [c.message for c in page]
    assert messages == [c.message for c in comments] and len(set(messages)) > 1
    with pure_readers():
        kind, (pure, _) = outcome(converter, encode(converter, comments))
    assert len({id(c.email) for c in pure}) == len(pure)  # what the generated readers do


def test_two_senders_taking_turns_share_their_strings(
    client: qiscus.Client, email: Callable[[str], str]
) -> None:
    # A conversation: two people answer each other. Each field keeps its last two strings, so
    # the page holds one `str` per sender for the address and the name, as it reads them.
    a, b = email("turns-a"), email("turns-b")
    for who, name in ((a, "Ann"), (b, "Ben")):
        client.login_or_register_blocking(LoginOrRegisterParams(email=who, username=name, password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Turns", creator=a, participants=[b]))
    for i in range(12):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=(a, b)[i % 2], message=f"turn {i}", payload=qiscus.Payload.TEXT())
        )
    comments = client.load_comments_blocking(LoadCommentsParams(room_id=room.room_id, limit=100))
    assert [c.email for c in comments] == [(b, a)[i % 2] for i in range(12)]
    for field in ("email", "username"):
        assert len({id(getattr(c, field)) for c in comments}) == 2, field
    # A third sender between them: each is still read as sent.
    c = email("turns-c")
    client.login_or_register_blocking(LoginOrRegisterParams(email=c, username="Cyd", password="pw-123456"))
    client.add_room_participants_blocking(room.room_id, [c])
    for i, who in enumerate((a, c, b, a, c, b)):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=who, message=f"three {i}", payload=qiscus.Payload.TEXT())
        )
    newest = client.load_comments_blocking(LoadCommentsParams(room_id=room.room_id, limit=6))
    assert [x.email for x in newest] == [b, c, a, b, c, a]
    assert [x.username for x in newest] == ["Ben", "Cyd", "Ann", "Ben", "Cyd", "Ann"]


def test_a_run_of_repeats_after_many_distinct_strings_is_shared_again(values: List[Tuple[Any, Any]]) -> None:
    # After 8 strings in a row that repeat neither of the two kept, a field compares only one
    # string in 8: 12 senders one after the other, then 20 comments of one sender. Within 16 of
    # that sender's comments the field compares again, and keeps giving the same `str`.
    converter, comments = values[0]
    first = comments[0]
    fields = [k for k in type(first).__slots__ if k != "__weakref__"]

    def comment(i: int, sender: str) -> Any:
        made = type(first)(**{k: getattr(first, k) for k in fields})
        made.id, made.email = i, "".join(sender)  # a new `str` of each address
        return made

    page = [comment(i, f"sender-{i}@example.com") for i in range(12)]
    page += [comment(12 + i, "same@example.com") for i in range(20)]
    kind, (read, _) = outcome(converter, encode(converter, page))
    assert kind == "value" and read == page
    assert [c.email for c in read] == [c.email for c in page]
    assert len({id(c.email) for c in read[24:]}) == 1
    assert len({id(c.email) for c in read}) > 12  # the rest as read, before the field compares again


def test_records_read_natively_keep_nothing_once_gone(values: List[Tuple[Any, Any]]) -> None:
    # Each field is stored in its record's slot with the one reference the reader made: reading
    # a page 3,000 times and dropping it leaves no string, number or record behind.
    import tracemalloc

    converter, comments = values[0]
    data = encode(converter, comments)

    def read() -> Any:
        kind, (page, _) = outcome(converter, data)
        assert kind == "value"
        return page

    read()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            page = read()
        assert page == comments
        del page
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # One page of these records takes ~10 KiB: a reference kept per page would keep ~30 MiB.
    assert left < 256 * 1024, left


def test_truncated_buffers_fail_alike(values: List[Tuple[Any, Any]]) -> None:
    for converter, value in values:
        data = encode(converter, value)
        for cut in range(len(data)):
            native = outcome(converter, data[:cut])
            with pure_readers():
                pure = outcome(converter, data[:cut])
            assert native[0] == pure[0] == "InternalError", (converter, cut, native, pure)
            assert native[1] == pure[1], (converter, cut)


def test_corrupted_buffers_read_or_fail_alike(values: List[Tuple[Any, Any]]) -> None:
    failures: Dict[str, int] = {}
    for converter, value in values:
        data = encode(converter, value)
        for at in range(len(data)):
            for byte in (0x00, 0x80, 0xFF):
                if data[at] == byte:
                    continue
                bad = data[:at] + bytes([byte]) + data[at + 1 :]
                native = outcome(converter, bad)
                with pure_readers():
                    pure = outcome(converter, bad)
                assert native[0] == pure[0], (converter, at, byte, native, pure)
                if native[0] == "value":
                    same(native[1], pure[1])
                else:
                    assert native[1] == pure[1], (converter, at, byte)
                    failures[native[0]] = failures.get(native[0], 0) + 1
    # the corruptions did reach the error paths, the native ones among them
    assert failures.get("InternalError", 0) > 1000, failures
    assert failures.get("UnicodeDecodeError", 0) > 0, failures


def arguments() -> List[Tuple[Any, Any]]:
    """(converter, value) pairs of arguments: every record of parameters, every payload and system
    event, optionals set and not, lists, enums with and without fields, JSON values and bytes (the
    last two written by their generated converters inside the native writers)."""
    post = core._UniffiFfiConverterTypePostCommentParams
    cases: List[Tuple[Any, Any]] = [
        (post, PostCommentParams(room_id=7, sender_email="a@example.com", message=message, payload=payload))
        for _, payload, message in payloads(41)
    ]
    cases += [
        (post, PostCommentParams(room_id=-(2**63), sender_email="ü@example.com", message="é\u2603\U0001f600",
                                 payload=qiscus.Payload.TEXT(), unique_temp_id="tmp-1", disable_link_preview=True)),
        (core._UniffiFfiConverterTypeLoginOrRegisterParams,
         LoginOrRegisterParams(email="a@example.com", username="A", password=None)),
        (core._UniffiFfiConverterTypeLoginOrRegisterParams,
         LoginOrRegisterParams(email="a@example.com", username="A", password="pw", avatar_url="https://x/a.png",
                               device_token="tok", device_platform=qiscus.DevicePlatform.IOS)),
        (core._UniffiFfiConverterTypeCreateRoomParams,
         CreateRoomParams(name="R", creator="a@example.com", participants=["b@example.com", "c@example.com"])),
        (core._UniffiFfiConverterTypeCreateRoomParams,
         CreateRoomParams(name="", creator="a@example.com", participants=[], avatar_url="")),
        (core._UniffiFfiConverterTypeGetRoomsInfoParams,
         qiscus.GetRoomsInfoParams(user_email="a@example.com", room_ids=[1, 2, 2**62], show_participants=True)),
        (core._UniffiFfiConverterTypeUpdateRoomParams,
         qiscus.UpdateRoomParams(user_email="a@example.com", room_id=3, options={"color": "red", "n": [1, None]})),
        (core._UniffiFfiConverterTypeLoadCommentsParams, LoadCommentsParams(room_id=1, page=2, limit=100)),
        (core._UniffiFfiConverterTypeSearchMessagesParams,
         qiscus.SearchMessagesParams(user_email="a@example.com", query="q", room_id=None)),
        (core._UniffiFfiConverterTypeCreateImportParams,
         qiscus.CreateImportParams(resource=qiscus.BackupResource.ROOMS, file_name="r.json", contents=b"\x00[]\xff")),
        (core._UniffiFfiConverterSequenceString, ["x", "", "y"]),
        (core._UniffiFfiConverterOptionalString, None),
        (core._UniffiFfiConverterOptionalString, "set"),
    ]
    events = [
        qiscus.SystemEvent.CREATE_ROOM(room_name="Events"),
        qiscus.SystemEvent.ADD_MEMBER(object_emails=["b@example.com", "c@example.com"]),
        qiscus.SystemEvent.JOIN_ROOM(),
        qiscus.SystemEvent.CUSTOM(payload={"type": "promoted"}, message=None),
        qiscus.SystemEvent.CUSTOM(payload=[1, 2], message="m"),
    ]
    cases += [
        (core._UniffiFfiConverterTypeSystemEventParams,
         qiscus.SystemEventParams(room_id=9, subject_email="a@example.com", event=event))
        for event in events
    ]
    cases.append((core._UniffiFfiConverterTypePayload,
                  qiscus.Payload.UNKNOWN(type_name="future_type", payload={"k": "v"})))
    return cases


def taken(rbuf: Any) -> bytes:
    """The bytes of a buffer lowered for Rust, the buffer freed."""
    try:
        return bytes(rbuf.data[0 : rbuf.len])
    finally:
        rbuf.free()


def lowered(converter: Any, value: Any) -> bytes:
    return taken(converter.lower(value))


def owned(data: bytes) -> Any:
    """A buffer allocated by the library holding `data`, as a call returns one."""
    builder = core._UniffiRustBufferBuilder()
    builder.write(data)
    return builder.finalize()


def lift_outcome(converter: Any, data: bytes) -> Tuple[str, Any]:
    return attempt(lambda: converter.lift(owned(data)))


def test_returned_buffers_are_lifted_natively_and_alike(values: List[Tuple[Any, Any]]) -> None:
    for converter, value in values + [(c, v) for c, v in arguments() if c._plan is not None]:
        data = encode(converter, value)
        for case in (data, data[: len(data) // 2], data[:-1], data + b"\x00", b""):
            native = lift_outcome(converter, case)
            with pure_readers():
                pure = lift_outcome(converter, case)
            assert native[0] == pure[0], (converter, len(case), native, pure)
            if native[0] == "value":
                same(native[1], pure[1])
            else:
                assert native[1] == pure[1], (converter, len(case))
        assert lift_outcome(converter, data) == ("value", value)
        assert lift_outcome(converter, data + b"\x00")[0] == "RuntimeError"  # junk left over


def rss_kib() -> int:
    with open(f"/proc/{os.getpid()}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_lifting_frees_every_buffer() -> None:
    # 20,000 buffers of 16 KiB: 312 MiB if the native lift left them allocated, or the error paths.
    conv = core._UniffiFfiConverterSequenceString
    good = encode(conv, ["x" * 4000] * 4)
    bad = good[:-1]
    conv.lift(owned(good))
    lift_outcome(conv, bad)
    before = rss_kib()
    for i in range(20_000):
        if i % 2:
            assert len(conv.lift(owned(good))) == 4
        else:
            assert lift_outcome(conv, bad)[0] == "InternalError"
    assert rss_kib() - before < 64 * 1024


def test_arguments_are_lowered_natively_and_alike(values: List[Tuple[Any, Any]]) -> None:
    for converter, value in arguments() + values:
        converter.check_lower(value)
        expected = encode(converter, value)  # the generated writers
        native = converter._plan.lower(value, core._UniffiRustBuffer, core._UniffiRustBufferBuilder)
        assert native is not None, (converter, value)  # this plan writes it
        assert taken(native) == expected, (converter, value)
        assert lowered(converter, value) == expected
        with pure_readers():
            assert lowered(converter, value) == expected  # the generated lowering
        # and what is lowered reads back as the value
        assert outcome(converter, expected)[1] == (value, len(expected))


def test_every_plan_writes_natively() -> None:
    # An enum whose generated writer had another shape would still be read natively, but written
    # by its generated converter: the bindgen patch would have left out where its fields are.
    planned = [(name, conv._plan) for name, conv in converters().items() if conv._plan is not None]
    assert len(planned) > 100
    assert [name for name, plan in planned if not plan.writes] == []


def test_arguments_of_the_wrong_type_fail_natively_without_a_buffer() -> None:
    post = core._UniffiFfiConverterTypePostCommentParams
    good = dict(room_id=1, sender_email="a@example.com", message="m", payload=qiscus.Payload.TEXT())
    for field, bad, error in [
        ("room_id", "1", TypeError),
        ("room_id", 2**63, OverflowError),
        ("sender_email", b"a@example.com", TypeError),
        ("message", "\ud800", UnicodeEncodeError),
        ("payload", "text", ValueError),
        ("payload", qiscus.Payload.REPLY("not a reply payload"), AttributeError),
    ]:
        params = PostCommentParams(**dict(good, **{field: bad}))
        with pytest.raises(error):
            post.lower(params)
    # the generated check, which runs first in every call, names the problem before any of this
    with pytest.raises(TypeError):
        post.check_lower(PostCommentParams(**dict(good, room_id="1")))


async def test_async_calls_wake_the_loop_natively(client: qiscus.Client, email: Callable[[str], str]) -> None:
    loop = asyncio.get_running_loop()
    user = await client.login_or_register(LoginOrRegisterParams(email=email("w"), username="W", password="pw-123456"))
    wakes = ffi_module._UNIFFI_LOOP_WAKES.get(loop)
    assert wakes, "the running loop should have a native wake channel"
    before = ffi_module._UniffiContinuationHandleMap._counter
    results = await asyncio.gather(*(client.user_profile(user.email) for _ in range(50)))
    assert all(r.email == user.email for r in results)
    assert not wakes.futures
    # the generated continuation (a ctypes callback, through its handle map) was not used
    assert ffi_module._UniffiContinuationHandleMap._counter == before


async def test_async_calls_do_their_io_on_the_loops_thread(client: qiscus.Client, emulator: Any, email: Callable[[str], str]) -> None:
    # The loop's reactor (the channel's) holds the connections of its calls: they are made,
    # read and kept by this thread, not by the runtime's workers.
    loop = asyncio.get_running_loop()
    user = await client.login_or_register(LoginOrRegisterParams(email=email("io"), username="IO", password="pw-123456"))
    channel = ffi_module._UNIFFI_LOOP_WAKES[loop].channel
    assert channel.idle_connections() == 1
    before = emulator.stats()["requests"]
    for _ in range(20):
        assert (await client.user_profile(user.email)).id == user.id
    assert emulator.stats()["requests"] - before == 20
    assert channel.idle_connections() == 1, "one connection, kept alive between the calls"
    # With a call of the loop's own in flight, the others are handed to the runtime (whose
    # worker decodes beside the loop): the loop's pool still holds its one connection.
    profiles = await asyncio.gather(*(client.user_profile(user.email) for _ in range(8)))
    assert {p.id for p in profiles} == {user.id}
    assert channel.idle_connections() == 1
    # A blocking call keeps to its own pool.
    client.user_profile_blocking(user.email)
    assert channel.idle_connections() == 1


async def test_only_a_lone_async_call_takes_the_loops_io(silent: "Silent") -> None:
    baseline = await settled_alive_tasks()
    with qiscus.Client(APP_ID, SECRET, base_url=silent.url) as c:
        first = asyncio.create_task(c.user_profile("a@example.com"))
        await asyncio.sleep(0.2)
        assert qiscus.debug_runtime_alive_tasks() == baseline, "the lone call runs on the loop"
        second = asyncio.create_task(c.user_profile("a@example.com"))
        await asyncio.sleep(0.2)
        # (its task, and the task of its connection, on the runtime)
        assert qiscus.debug_runtime_alive_tasks() > baseline, "the next is spawned"
        first.cancel()
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        # The loop's call is no longer in flight: the next lone call takes the loop again.
        baseline = await settled_alive_tasks()
        third = asyncio.create_task(c.user_profile("a@example.com"))
        await asyncio.sleep(0.2)
        assert qiscus.debug_runtime_alive_tasks() == baseline
        third.cancel()
        await asyncio.gather(third, return_exceptions=True)


class Silent:
    """A server that reads requests and never answers; counts the connections that ended."""

    def __init__(self) -> None:
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.asked = threading.Event()
        self.ended = threading.Semaphore(0)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.hold, args=(conn,), daemon=True).start()

    def hold(self, conn: Any) -> None:
        with conn:
            while conn.recv(65536):
                self.asked.set()
        self.ended.release()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    yield server
    server.close()


async def test_a_cancelled_async_call_closes_its_connection(silent: Silent) -> None:
    loop = asyncio.get_running_loop()
    with qiscus.Client(APP_ID, SECRET, base_url=silent.url) as c:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.user_profile("a@example.com"), timeout=0.3)
        assert silent.asked.is_set(), "the request was sent"
        ended = await loop.run_in_executor(None, silent.ended.acquire, True, 5.0)
        assert ended, "the cancelled call's connection was closed"
        assert ffi_module._UNIFFI_LOOP_WAKES[loop].channel.idle_connections() == 0


async def test_the_clients_timeout_ends_an_async_call_on_the_loop(silent: Silent) -> None:
    # The timer runs on the runtime; its expiry wakes this loop through the channel.
    with qiscus.Client(APP_ID, SECRET, base_url=silent.url, timeout_ms=200, max_retries=0) as c:
        started = time.monotonic()
        with pytest.raises(qiscus.QiscusError.Timeout):
            await c.user_profile("a@example.com")
        assert 0.2 <= time.monotonic() - started < 2.0


def test_a_loop_closed_with_calls_in_flight(client: qiscus.Client, silent: Silent, email: Callable[[str], str]) -> None:
    # Calls left pending when their loop is closed are dropped with the loop once another loop
    # makes its first call (which lets the closed loop's wakes go), and close their connections.
    loop = asyncio.new_event_loop()
    with qiscus.Client(APP_ID, SECRET, base_url=silent.url) as c:
        tasks = [loop.create_task(c.user_profile("a@example.com")) for _ in range(3)]
        loop.run_until_complete(asyncio.sleep(0.3))
        assert not any(t.done() for t in tasks)
        loop.close()
        del tasks, loop
        user = asyncio.run(client.login_or_register(LoginOrRegisterParams(email=email("after"), username="After")))
        assert user.username == "After"
        gc.collect()
        for _ in range(3):
            assert silent.ended.acquire(timeout=5.0), "a dropped call's connection was closed"
    assert not [w for w in ffi_module._UNIFFI_LOOP_WAKES.values() if w and w.futures]


def test_each_event_loop_has_its_own_connections(client: qiscus.Client, email: Callable[[str], str]) -> None:
    address = email("own")
    client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="Own"))
    start = threading.Barrier(2)

    def run_loop() -> Tuple[int, int]:
        async def main() -> Tuple[int, int]:
            start.wait(5.0)
            ids = {(await client.user_profile(address)).id for _ in range(10)}
            channel = ffi_module._UNIFFI_LOOP_WAKES[asyncio.get_running_loop()].channel
            return len(ids), channel.idle_connections()

        return asyncio.run(main())

    results: List[Tuple[int, int]] = []
    threads = [threading.Thread(target=lambda: results.append(run_loop())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30.0)
    assert results == [(1, 1), (1, 1)]


def test_two_loops_taking_turns_on_one_thread_each_keep_their_own(
    client: qiscus.Client, email: Callable[[str], str]
) -> None:
    # The loop looked up last is remembered: the other loop's calls must not take its wakes.
    address = email("turns")
    client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="Turns"))
    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]
    try:
        for _ in range(3):
            for loop in loops:
                user = loop.run_until_complete(asyncio.wait_for(client.user_profile(address), 10.0))
                assert user.email == address
        channels = [ffi_module._UNIFFI_LOOP_WAKES[loop].channel for loop in loops]
        assert channels[0] is not channels[1]
        assert [c.idle_connections() for c in channels] == [1, 1]
    finally:
        for loop in loops:
            loop.close()


def test_a_loop_without_add_reader_takes_the_generated_path(client: qiscus.Client, email: Callable[[str], str]) -> None:
    # Windows' proactor loop has no add_reader: the calls go through the generated ctypes callback.
    class NoReaderLoop(asyncio.SelectorEventLoop):
        def add_reader(self, *args: Any) -> None:
            raise NotImplementedError

    loop = NoReaderLoop()
    try:
        before = ffi_module._UniffiContinuationHandleMap._counter
        user = loop.run_until_complete(
            client.login_or_register(LoginOrRegisterParams(email=email("nr"), username="NR", password="pw-123456"))
        )
        assert user.username == "NR"
        assert ffi_module._UNIFFI_LOOP_WAKES.get(loop) is False
        assert ffi_module._UniffiContinuationHandleMap._counter > before
    finally:
        loop.close()


def test_a_loop_that_cannot_be_weakly_referenced_takes_the_generated_path() -> None:
    # Every asyncio and uvloop loop can be; the lookup must not fail for one that could not.
    class Slotted:
        __slots__ = ()

    assert ffi_module._uniffi_loop_wakes(Slotted()) is None


def readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def native_wake() -> Any:
    """The native continuation as ctypes calls it: what a runtime worker (or a ready poll) calls."""
    return ffi_module._UNIFFI_RUST_FUTURE_CONTINUATION_CALLBACK(core._uniffi_speedups.continuation_address())


def test_the_wake_channel_holds_one_byte_while_wakes_wait() -> None:
    speedups = core._uniffi_speedups
    wake = native_wake()
    a, b = speedups.Channel(), speedups.Channel()
    other = b.key()
    keys = [a.key() for _ in range(3)]
    assert len(set(keys + [other])) == 4
    # no wake yet; taking the key made last also ends its poll on this thread (see the next test)
    assert a.take(keys[2]) is None
    assert not readable(a.fileno()) and a.drain() == [] and a.take(keys[0]) is None
    wake(keys[0], 1)  # what a runtime worker calls, here on this thread
    wake(keys[1], 0)
    wake(other, 0)
    assert readable(a.fileno()) and readable(b.fileno())
    assert a.take(keys[1]) == 0
    assert readable(a.fileno())  # keys[0] still waits
    assert a.take(keys[0]) == 1
    # the byte went with the last wake; the reactor's event for it goes with the next drain
    assert a.drain() == [] and not readable(a.fileno())
    wake(keys[2], 0)
    wake(keys[0], 1)
    assert a.drain() == [(keys[2], 0), (keys[0], 1)]
    assert not readable(a.fileno()) and a.drain() == []
    assert b.drain() == [(other, 0)] and not readable(b.fileno())
    # a wake for a channel that is gone is dropped, and a channel made later never sees it
    stale = b.key()
    del b
    wake(stale, 0)
    c = speedups.Channel()
    assert c.take(stale) is None and c.drain() == [] and not readable(c.fileno())


def test_a_wake_inside_the_poll_on_this_thread_skips_the_socket() -> None:
    speedups = core._uniffi_speedups
    wake = native_wake()
    a = speedups.Channel()
    # a ready future's poll calls its continuation on the polling thread: kept for take()
    key = a.key()
    wake(key, 0)
    assert not readable(a.fileno()) and a.drain() == []
    assert a.take(key) == 0
    assert a.take(key) is None and not readable(a.fileno())
    # the same key woken from another thread (a runtime worker) goes through the socket
    key = a.key()
    worker = threading.Thread(target=wake, args=(key, 1))
    worker.start()
    worker.join()
    assert readable(a.fileno())
    assert a.take(key) == 1 and a.drain() == [] and not readable(a.fileno())
    # only the key polled last is kept inline; an earlier one's wake is queued
    first, second = a.key(), a.key()
    wake(first, 1)
    assert readable(a.fileno())
    wake(second, 0)
    assert a.take(second) == 0 and readable(a.fileno())
    assert a.take(first) == 1 and a.drain() == [] and not readable(a.fileno())
    # once taken, a late wake of the key on this thread is queued, never lost
    key = a.key()
    assert a.take(key) is None
    wake(key, 0)
    assert readable(a.fileno()) and a.drain() == [(key, 0)] and not readable(a.fileno())


EXIT_SCRIPT = """
import asyncio, sys, time
import qiscus
client = qiscus.Client(sys.argv[1], sys.argv[2], base_url=sys.argv[3])
params = qiscus.PostCommentParams(
    room_id=int(sys.argv[4]), sender_email=sys.argv[5], message="exit", payload=qiscus.Payload.TEXT()
)
async def main():
    end = time.monotonic() + 0.3
    n = 0
    while time.monotonic() < end:
        await client.post_comment(params)
        n += 1
    return n
print(asyncio.run(main()))
"""


@pytest.mark.parametrize("readers", ["native", "pure"])
def test_a_script_of_async_calls_exits_cleanly(
    emulator: Any, client: qiscus.Client, email: Callable[[str], str], readers: str
) -> None:
    # Through the generated ctypes continuation callback, a runtime worker could ask for the GIL
    # back (after `call_soon_threadsafe`'s write) while the interpreter finalized: CPython ended the
    # thread with pthread_exit and the process aborted ("FATAL: exception not rethrown"), 5 runs
    # of this script in 30. Native wakes take no GIL on the worker; the pure path's exit waits for
    # the callbacks in flight.
    me, other = email("exit"), email("other")
    for address in (me, other):
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="Exit", password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Exit", creator=me, participants=[other]))
    env = dict(os.environ, QISCUS_PURE_PYTHON="1" if readers == "pure" else "")
    for _ in range(12):
        out = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, APP_ID, SECRET, emulator.url, str(room.room_id), me],
            capture_output=True, text=True, timeout=60, env=env,
        )
        assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
        assert int(out.stdout) > 10


def test_pure_python_when_asked(emulator: Any) -> None:
    code = (
        "import qiscus\n"
        "from qiscus._native import qiscus_core as core\n"
        "assert core._uniffi_speedups is None\n"
        "assert core._UniffiFfiConverterTypeComment._plan is None\n"
        f"c = qiscus.Client({APP_ID!r}, {SECRET!r}, base_url={emulator.url!r})\n"
        "u = c.login_or_register_blocking(qiscus.LoginOrRegisterParams(email='pure@example.com', username='Pure', password='pw-123456'))\n"
        "assert u.email == 'pure@example.com'\n"
        "print('pure ok')\n"
    )
    env = dict(os.environ, QISCUS_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "pure ok"


@contextmanager
def generated_calls() -> Iterator[None]:
    """Blocking methods take the generated ctypes path while inside."""
    saved = ffi_module._UNIFFI_CALLER
    ffi_module._UNIFFI_CALLER = None
    try:
        yield
    finally:
        ffi_module._UNIFFI_CALLER = saved


@contextmanager
def native_calls_only() -> Iterator[None]:
    """Any call through the generated ctypes path (the handle's clone included) fails inside."""
    saved = ffi_module._uniffi_rust_call_with_error

    def refuse(*args: Any) -> Any:
        raise AssertionError("the generated call path was taken")

    ffi_module._uniffi_rust_call_with_error = refuse
    try:
        yield
    finally:
        ffi_module._uniffi_rust_call_with_error = saved


def same_outcomes(native: List[Tuple[str, Any]], generated: List[Tuple[str, Any]]) -> None:
    """The same values (by `same`), or the same errors, call by call."""
    assert len(native) == len(generated)
    for (kind, value), (kind2, value2) in zip(native, generated):
        assert kind == kind2, (kind, value, kind2, value2)
        if kind == "value":
            same(value, value2)
        else:
            assert value == value2


def test_blocking_methods_are_called_natively_and_alike(
    client: qiscus.Client, emulator: Any, email: Callable[[str], str]
) -> None:
    assert type(ffi_module._UNIFFI_CALLER).__name__ == "Caller"
    me, other = email("native-calls"), email("native-other")
    for who in (me, other):
        client.login_or_register_blocking(LoginOrRegisterParams(email=who, username="Native", password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Native", creator=me, participants=[other]))
    for text in ("one", "two"):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=me, message=text, payload=qiscus.Payload.TEXT())
        )

    nobody = email("nobody")

    def reads() -> List[Tuple[str, Any]]:
        return [
            attempt(client.app_id),  # no argument; a str, lifted by its generated converter
            attempt(lambda: client.user_profile_blocking(me)),  # a str argument, lowered by its converter
            attempt(lambda: client.load_comments_blocking(LoadCommentsParams(room_id=room.room_id, limit=10))),
            attempt(lambda: client.get_user_rooms_blocking(qiscus.GetUserRoomsParams(user_email=me))),
            attempt(lambda: client.list_exports_blocking(None)),  # an optional, by its plan
            attempt(lambda: client.user_profile_blocking(nobody)),  # the error path
            attempt(lambda: client.load_comments_blocking(LoadCommentsParams(room_id=room.room_id + 10**6))),
        ]

    with native_calls_only():
        native = reads()
    with generated_calls():
        generated = reads()
    assert [kind for kind, _ in native[:5]] == ["value"] * 5, native
    assert native[5][0] != "value"
    assert native[0] == ("value", APP_ID)
    assert len(native[2][1]) == 2 and native[2][1][0].message == "two"
    same_outcomes(native, generated)

    # A method returning nothing: the client's shutdown, after which calls fail as they should.
    other_client = qiscus.Client(APP_ID, SECRET, base_url=emulator.url)
    with native_calls_only():
        assert other_client.user_profile_blocking(me).email == me
        assert other_client.shutdown() is None
        with pytest.raises(qiscus.QiscusError):
            other_client.user_profile_blocking(me)


def big_answers(client: qiscus.Client, email: Callable[[str], str], name: str) -> Tuple[Any, Any, str]:
    """(a page whose one comment holds 100 KB, a post of 100 KB to a room that does not exist, the text)."""
    me, other = email(name), email(f"{name}-other")
    big = "x" * 100_000
    for who in (me, other):
        client.login_or_register_blocking(LoginOrRegisterParams(email=who, username="Free", password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Free", creator=me, participants=[other]))
    client.post_comment_blocking(
        PostCommentParams(room_id=room.room_id, sender_email=me, message=big, payload=qiscus.Payload.TEXT())
    )
    page = LoadCommentsParams(room_id=room.room_id, limit=1)
    lost = PostCommentParams(room_id=room.room_id + 10**6, sender_email=me, message=big, payload=qiscus.Payload.TEXT())
    return page, lost, big


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_native_blocking_calls_free_their_buffers(client: qiscus.Client, email: Callable[[str], str]) -> None:
    # 400 calls: half read a 100 KB answer, half lower a 100 KB argument and fail. 20 MB more if
    # the native path kept either kind of buffer.
    page, lost, big = big_answers(client, email, "native-free")
    for _ in range(50):
        client.load_comments_blocking(page)
    before = rss_kib()
    for i in range(400):
        if i % 2:
            assert client.load_comments_blocking(page)[0].message == big
        else:
            with pytest.raises(qiscus.QiscusError.NotFound):
                client.post_comment_blocking(lost)
    assert rss_kib() - before < 12 * 1024


def test_a_blocking_call_lets_other_threads_run() -> None:
    # The server runs on a Python thread of this process: if a blocking call held the GIL while
    # it waits, the server could not answer it, and the call would time out.
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"results":{"user":{"id":7,"email":"gil@example.com"}},"status":200}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with qiscus.Client(APP_ID, SECRET, base_url=url, max_retries=0, timeout_ms=5_000) as c:
            with native_calls_only():
                for _ in range(3):
                    assert c.user_profile_blocking("gil@example.com").id == 7
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def native_async_only() -> Iterator[None]:
    """Inside, async calls fail if they reach the generated coroutine or a generated FFI call."""
    saved = ffi_module._uniffi_rust_call_async

    async def refuse(*args: Any) -> Any:
        raise AssertionError("the generated coroutine was taken")

    ffi_module._uniffi_rust_call_async = refuse
    try:
        with native_calls_only():
            yield
    finally:
        ffi_module._uniffi_rust_call_async = saved


def test_async_methods_are_called_natively_and_alike(client: qiscus.Client, email: Callable[[str], str]) -> None:
    me, other, nobody = email("native-async"), email("native-async-other"), email("nobody")
    for who in (me, other):
        client.login_or_register_blocking(LoginOrRegisterParams(email=who, username="Async", password="pw-123456"))
    room = client.create_room_blocking(CreateRoomParams(name="Async", creator=me, participants=[other]))

    async def reads() -> List[Tuple[str, Any]]:
        async def attempt_async(call: Callable[[], Any]) -> Tuple[str, Any]:
            try:
                return ("value", await call())
            except Exception as e:
                return (type(e).__name__, str(e))

        return [
            await attempt_async(lambda: client.user_profile(me)),  # a str argument
            await attempt_async(lambda: client.load_comments(LoadCommentsParams(room_id=room.room_id, limit=10))),
            await attempt_async(lambda: client.get_user_rooms(qiscus.GetUserRoomsParams(user_email=me))),
            await attempt_async(lambda: client.list_exports(None)),
            await attempt_async(lambda: client.user_profile(nobody)),  # the error path
        ]

    async def post_then_read() -> List[Tuple[str, Any]]:
        posted = await client.post_comment(
            PostCommentParams(room_id=room.room_id, sender_email=me, message="async", payload=qiscus.Payload.TEXT())
        )
        assert posted.message == "async"
        return await reads()

    with native_async_only():
        native = asyncio.run(post_then_read())
    with generated_calls():
        generated = asyncio.run(reads())
    assert [kind for kind, _ in native[:4]] == ["value"] * 4, native
    assert native[4][0] != "value"
    assert native[1][1][0].message == "async"
    same_outcomes(native, generated)


def test_the_native_coroutine_awaits_futures_of_nothing_and_their_errors() -> None:
    # No method returns nothing asynchronously; the module's debug functions do, and their futures
    # go through the same coroutine and `Caller.complete`.
    lib = ffi_module._UniffiLib
    kind = "ffi_qiscus_ffi_rust_future_{}_void"
    steps = [kind.format(step) for step in ("poll", "complete", "free")]

    async def run() -> Tuple[Any, Any]:
        slept = await ffi_module._uniffi_rust_call_async_native(
            lib.uniffi_qiscus_ffi_fn_func_debug_sleep(20), *steps, None, core._UniffiFfiConverterTypeQiscusError
        )
        with pytest.raises(qiscus.QiscusError.Internal) as info:
            await ffi_module._uniffi_rust_call_async_native(
                lib.uniffi_qiscus_ffi_fn_func_debug_panic_async(), *steps, None, core._UniffiFfiConverterTypeQiscusError
            )
        return slept, info.value.reason

    with native_async_only():
        slept, reason = asyncio.run(run())
    assert slept is None
    assert "debug_panic_async was called" in reason


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_native_async_calls_free_their_buffers(client: qiscus.Client, email: Callable[[str], str]) -> None:
    # As the blocking test above, through `Caller.start` and `Caller.complete`: 20 MB more if
    # either kind of buffer were kept.
    page, lost, big = big_answers(client, email, "async-free")

    async def calls(n: int) -> None:
        for i in range(n):
            if i % 2:
                assert (await client.load_comments(page))[0].message == big
            else:
                with pytest.raises(qiscus.QiscusError.NotFound):
                    await client.post_comment(lost)

    asyncio.run(calls(50))
    before = rss_kib()
    asyncio.run(calls(400))
    assert rss_kib() - before < 12 * 1024
