"""The package itself: exports, the context manager, the stub, typing."""

from __future__ import annotations

import copy
import gc
import importlib.util
import pickle
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path
from typing import Callable

import pytest
import qiscus
from conftest import APP_ID, SECRET, Emulator, eventually, settled_alive_tasks
from qiscus import LoginOrRegisterParams, QiscusError
from qiscus._native import qiscus as generated_client
from qiscus._native import qiscus_core as generated_core

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent


def test_everything_is_exported_at_top_level() -> None:
    for module in (generated_core, generated_client):
        for name in module.__all__:
            assert hasattr(qiscus, name), name
            assert name in qiscus.__all__, name
    # The flat enums, made when first used.
    assert set(generated_core._UNIFFI_LAZY_NAMES) == {"BackupStage", "BackupResource", "DevicePlatform", "RoomType"}
    for name in generated_core._UNIFFI_LAZY_NAMES:
        assert name in qiscus.__all__ and name in dir(qiscus), name
        assert getattr(qiscus, name) is getattr(generated_core, name), name
    for name in ("Client", "QiscusError", "Payload", "User", "Comment", "debug_sleep", "receive_webhook"):
        assert name in qiscus.__all__
    assert qiscus.QiscusError is generated_core.QiscusError
    assert issubclass(qiscus.Client, generated_client.Client)
    assert issubclass(qiscus.QiscusError.NotFound, qiscus.QiscusError)
    assert issubclass(qiscus.Payload.CARD, qiscus.Payload)


def test_context_manager_closes(emulator: Emulator, email: Callable[[str], str]) -> None:
    address = email("cm")
    with emulator.client() as client:
        assert isinstance(client, qiscus.Client)
        assert client.app_id() == APP_ID
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="CM"))
    with pytest.raises(QiscusError.Config) as info:
        client.user_profile_blocking(address)
    assert info.value.field == "client" and "closed" in info.value.reason
    client.shutdown()  # twice is harmless


def test_client_from_the_environment(
    emulator: Emulator, email: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("QISCUS_APP_ID", "QISCUS_SECRET", "QISCUS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert qiscus.Client.from_environment() is None
    monkeypatch.setenv("QISCUS_APP_ID", APP_ID)
    with pytest.raises(QiscusError.Config) as info:
        qiscus.Client.from_environment()
    assert info.value.field == "QISCUS_SECRET" and "QISCUS_APP_ID" in info.value.reason
    monkeypatch.setenv("QISCUS_SECRET", SECRET)
    monkeypatch.setenv("QISCUS_BASE_URL", emulator.url)
    address = email("env")
    with qiscus.Client.from_environment() as client:  # type: ignore[union-attr]
        assert isinstance(client, qiscus.Client) and client.app_id() == APP_ID
        user = client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="Env"))
        assert user.email == address
    with pytest.raises(QiscusError.Config):
        client.user_profile_blocking(address)
    with qiscus.client_from_environment() as same:  # type: ignore[union-attr]
        assert type(same) is qiscus.Client and same.user_profile_blocking(address).email == address

    class Mine(qiscus.Client):
        pass

    mine = Mine.from_environment()
    assert type(mine) is Mine
    mine.shutdown()  # type: ignore[union-attr]
    monkeypatch.setenv("QISCUS_SECRET", "  ")
    with pytest.raises(QiscusError.Config) as info:
        qiscus.Client.from_environment()
    assert info.value.field == "QISCUS_SECRET"


async def test_async_context_manager_closes(emulator: Emulator, email: Callable[[str], str]) -> None:
    address = email("acm")
    async with emulator.client() as client:
        user = await client.login_or_register(LoginOrRegisterParams(email=address, username="ACM"))
        assert (await client.user_profile(address)).id == user.id
    with pytest.raises(QiscusError.Config):
        await client.user_profile(address)


def test_context_manager_closes_on_error(emulator: Emulator) -> None:
    with pytest.raises(RuntimeError):
        with emulator.client() as client:
            raise RuntimeError("boom")
    with pytest.raises(QiscusError.Config):
        client.app_id()


def test_with_timeout_is_a_client_too(emulator: Emulator, email: Callable[[str], str]) -> None:
    address = email("wt")
    with emulator.client() as client:
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="WT"))
        with client.with_timeout(5000) as other:
            assert isinstance(other, qiscus.Client)
            assert other.user_profile_blocking(address).email == address
        # Closing the derived client leaves the original open, and the other way round.
        assert client.user_profile_blocking(address).email == address
        third = client.with_timeout(1000)
    with pytest.raises(QiscusError.Config):
        client.app_id()
    assert third.user_profile_blocking(address).email == address
    third.shutdown()


async def test_clients_are_released_by_gc(emulator: Emulator) -> None:
    # Clients never shut down explicitly: collecting them releases their pooled connections
    # (tasks on the shared runtime).
    baseline = await settled_alive_tasks()
    for _ in range(20):
        c = emulator.client()
        assert await c.list_exports(None) == []
        del c
    gc.collect()

    async def released() -> bool:
        return qiscus.debug_runtime_alive_tasks() <= baseline

    await eventually(released, timeout=3.0)


def run_python(code: str) -> str:
    """Runs `code` in a fresh interpreter (nothing imported yet) and returns its output."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_import_loads_no_asyncio_and_no_unused_modules() -> None:
    # asyncio (with ssl, socket, concurrent.futures, and weakref for the loops' wakes) is loaded
    # by the first async call, json by the first JSON value, datetime by the first Duration,
    # typing (with re) by nothing the package does at run time; the generated code's unused
    # imports are gone, threading's lock is _thread's, and the native readers are loaded without
    # importlib (uniffi-bindgen's Python patches).
    loaded = run_python(
        """
        import sys
        import qiscus
        heavy = ("asyncio", "ssl", "concurrent.futures", "dataclasses", "platform", "traceback", "json", "typing",
                 "re", "datetime", "threading", "contextlib", "weakref", "importlib", "importlib.util", "warnings",
                 "enum", "functools", "collections")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    assert loaded == "[]"


def test_ffi_functions_get_their_types_on_first_use() -> None:
    # uniffi-bindgen's lazy_ffi patch: `import qiscus` looks up no FFI function beyond the three it
    # calls (the contract version, the listener's vtable, the runtime's worker count), and each is
    # typed before it is seen.
    out = run_python(
        """
        from qiscus._native import qiscus as m
        lib = m._UniffiLib
        print(sorted(n for n in vars(lib) if not n.startswith("_")))
        import qiscus
        qiscus.new_unique_temp_id()
        f = vars(lib)["uniffi_qiscus_ffi_fn_func_new_unique_temp_id"]
        print((tuple(f.argtypes), f.restype) == m._UNIFFI_FFI_DECLARATIONS[f.__name__])
        """
    )
    called = ["ffi_qiscus_ffi_uniffi_contract_version", "uniffi_qiscus_ffi_fn_init_callback_vtable_backupprogresslistener"]
    if generated_client._uniffi_speedups is not None:  # the worker count is chosen with the native wakes only
        called.insert(1, "uniffi_qiscus_ffi_fn_func_set_runtime_worker_threads")
    assert out.splitlines() == [str(called), "True"]
    # every declared function exists in the library, with the declared types once looked up
    for module in (generated_client, generated_core):
        table = module._UNIFFI_FFI_DECLARATIONS
        assert len(table) >= (200 if module is generated_client else 5)
        for name, (argtypes, restype) in table.items():
            func = getattr(module._UniffiLib, name)
            assert (tuple(func.argtypes), func.restype) == (argtypes, restype), name
    with pytest.raises(AttributeError):
        generated_client._UniffiLib.uniffi_qiscus_ffi_fn_no_such_function  # noqa: B018


def test_durations_work_when_qiscus_is_imported_before_datetime() -> None:
    out = run_python(
        """
        import sys
        import qiscus
        from qiscus._native import qiscus_core as core
        assert "datetime" not in sys.modules
        conv = core._UniffiFfiConverterOptionalDuration
        import datetime
        value = datetime.timedelta(seconds=3, microseconds=250)
        back = conv.lift(conv.lower(value))
        assert core.datetime is datetime and core.Duration is datetime.timedelta
        try:
            core.NoSuchName
        except AttributeError as e:
            print(back == value, conv.lift(conv.lower(None)), e)
        """
    )
    assert out == "True None module 'qiscus._native.qiscus_core' has no attribute 'NoSuchName'"


def test_json_values_work_when_qiscus_is_imported_before_json() -> None:
    out = run_python(
        """
        import sys
        import qiscus
        from qiscus._native import qiscus_core as core
        assert "json" not in sys.modules
        payload = qiscus.Payload.CUSTOM(qiscus.CustomPayload(custom_type="t", content={"a": [1, None]}))
        conv = core._UniffiFfiConverterTypePayload
        back = conv.lift(conv.lower(payload))
        assert "json" in sys.modules and core.json is sys.modules["json"]
        print(back == payload, back[0].content)
        """
    )
    assert out == "True {'a': [1, None]}"


def test_the_run_time_stand_ins_of_typing_behave_like_it() -> None:
    out = run_python(
        """
        import sys
        import qiscus
        from qiscus._native import qiscus as client_module

        # generic aliases of the package's own classes, as annotations evaluated at run time need
        alias = qiscus.Paged[qiscus.RoomInfo]
        assert alias.__origin__ is qiscus.Paged and alias.__args__ == (qiscus.RoomInfo,)
        assert qiscus.PagerLike[int].__origin__ is qiscus.PagerLike

        # the generated protocols can be implemented at run time (a fake client in a test)
        class FakePager(client_module.RoomsPagerProtocol):
            def next_page_blocking(self):
                return None

        assert list(qiscus.Paged(FakePager())) == []
        assert "typing" not in sys.modules

        # any other name of typing is typing's own, imported then
        assert client_module.typing.Optional[int] == qiscus._typing.Optional[int]
        import typing
        assert client_module.typing is typing and qiscus._typing.Optional is typing.Optional
        print(repr(qiscus._typing.TypeVar("_T")))
        """
    )
    assert out == "~_T"


def test_async_calls_work_when_qiscus_is_imported_before_asyncio(emulator: Emulator) -> None:
    out = run_python(
        f"""
        import sys
        import qiscus
        assert "asyncio" not in sys.modules
        import asyncio

        async def main():
            client = qiscus.Client({APP_ID!r}, {SECRET!r}, base_url={emulator.url!r})
            user = await client.login_or_register(
                qiscus.LoginOrRegisterParams(email="lazy@example.com", username="Lazy")
            )
            print(user.email, await client.list_exports(None))

        asyncio.run(main())
        """
    )
    assert out == "lazy@example.com []"


def test_records_repr_shows_their_fields() -> None:
    row = qiscus.UserRow(email="repr@example.com", name="Repr")
    assert repr(row) == str(row)
    assert "repr@example.com" in repr(row) and "Repr" in repr(row)
    assert repr([row]) == f"[{row}]"


def test_records_hold_their_fields_in_slots(client: qiscus.Client, email: Callable[[str], str]) -> None:
    # uniffi-bindgen's records patch: every record has `__slots__`, its fields and `__weakref__`.
    # A record: a public class with its own converter, no exception, no enum (a flat one is an
    # enum.Enum once made, a data-carrying one has its variants as subclasses).
    records = [
        value for name, value in vars(generated_core).items()
        if type(value) is type and not name.startswith("_") and hasattr(generated_core, f"_UniffiFfiConverterType{name}")
        and not issubclass(value, BaseException) and not value.__subclasses__()
    ]
    assert len(records) >= 50 and qiscus.Comment in records and qiscus.PostCommentParams in records
    for record in records:
        assert record.__slots__[-1] == "__weakref__", record
    me = email("slots")
    client.login_or_register_blocking(qiscus.LoginOrRegisterParams(email=me, username="Slots", password="pw-123456"))
    other = email("slots-other")
    client.login_or_register_blocking(qiscus.LoginOrRegisterParams(email=other, username="Other", password="pw-123456"))
    room = client.create_room_blocking(qiscus.CreateRoomParams(name="Slots", creator=me, participants=[other]))
    params = qiscus.PostCommentParams(room_id=room.room_id, sender_email=me, message="slotted", payload=qiscus.Payload.TEXT())
    # A misspelt field is refused, not kept as an attribute that no call would send.
    with pytest.raises(AttributeError, match="mesage"):
        params.mesage = "lost"  # type: ignore[attr-defined]
    params.message = "kept"
    posted = client.post_comment_blocking(params)
    (read,) = client.load_comments_blocking(qiscus.LoadCommentsParams(room_id=room.room_id, limit=1))
    assert (posted.id, posted.message, read.message) == (read.id, "kept", "kept") and not hasattr(read, "__dict__")
    assert [getattr(read, f) for f in type(read).__slots__[:3]] == [read.id, read.comment_before_id, "kept"]
    # Records still pickle, copy and take weak references.
    for copied in (pickle.loads(pickle.dumps(read)), copy.copy(read), copy.deepcopy(read)):
        assert copied == read and copied is not read and copied.message == "kept"
    assert weakref.ref(read)() is read
    changed = copy.copy(read)
    changed.message = "changed"
    assert changed != read and read.message == "kept"


def test_a_variant_is_one_class_deriving_from_its_enum() -> None:
    # uniffi-bindgen's variants patch: the nested body becomes the variant's one class.
    card = qiscus.Payload.CARD(qiscus.CardPayload(text="t", image="i", title="T", description="d", url="u", buttons=[]))
    for variant in (qiscus.Payload.TEXT, qiscus.Payload.CARD, qiscus.ConformanceCall.LOGIN_OR_REGISTER):
        enum = variant.__mro__[1]
        assert variant.__mro__ == (variant, enum, object)
        assert variant.__name__ == variant.__qualname__ == f"{enum.__name__}.{variant.__qualname__.split('.')[1]}"
        assert variant.__module__ == "qiscus._native.qiscus_core"
        assert variant.__repr__ is variant.__str__
    # Its docstring is the one written in Rust (UniFFI's second class had none).
    assert "a product card" in (qiscus.Payload.CARD.__doc__ or "")
    text = qiscus.Payload.TEXT()
    assert isinstance(text, qiscus.Payload) and isinstance(card, qiscus.Payload.CARD)
    assert text.is_TEXT() and not text.is_CARD() and card.is_CARD()
    assert repr(text) == "Payload.TEXT()" and repr(card) == str(card) and "CardPayload(" in repr(card)
    assert text == qiscus.Payload.TEXT() and card != text
    assert pickle.loads(pickle.dumps(card)) == card


def test_flat_enums_are_made_once_when_first_used() -> None:
    # uniffi-bindgen's lazy_enums patch: `enum` is imported, and each flat enum made, on first use.
    out = run_python(
        """
        import sys
        import qiscus
        from qiscus._native import qiscus_core
        before = "enum" in sys.modules, "RoomType" in vars(qiscus_core)
        import pickle, threading
        # Eight threads ask for it at once: one class.
        seen = []
        start = threading.Barrier(8)
        def first_use():
            start.wait()
            seen.append(qiscus.RoomType)
        threads = [threading.Thread(target=first_use) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        import enum
        from qiscus import RoomType
        assert all(s is RoomType for s in seen) and RoomType is qiscus_core.RoomType
        assert issubclass(RoomType, enum.Enum) and RoomType.__qualname__ == "RoomType"
        assert RoomType.__module__ == "qiscus._native.qiscus_core" and "room" in (RoomType.__doc__ or "")
        assert pickle.loads(pickle.dumps(RoomType.GROUP)) is RoomType.GROUP
        assert [m.name for m in RoomType] == ["SINGLE", "GROUP"]
        print(before, "BackupStage" in vars(qiscus_core), qiscus.BackupStage.FINISHED.name)
        """
    )
    assert out == "(False, False) False FINISHED"


def test_a_flat_enum_read_before_first_use_is_made_by_the_read() -> None:
    # A value read before anything named the enum: its converter makes the class (and, with the
    # native readers, its plan, which reads the next one).
    out = run_python(
        """
        import qiscus
        from qiscus._native import qiscus_core as module
        converter = module._UniffiFfiConverterTypeRoomType
        made = "RoomType" in vars(module)
        values = []
        for _ in range(2):
            with module._UniffiRustBuffer.alloc_with_builder() as builder:
                builder.write_i32(2)
                rbuf = builder.finalize()
            values.append(converter.lift(rbuf))
        native = module._uniffi_speedups is not None
        print(made, values == [qiscus.RoomType.GROUP] * 2, (converter._plan is not None) == native)
        """
    )
    assert out == "False True True"


def test_import_leaves_the_collector_as_it_found_it() -> None:
    # The collector is paused while the generated modules load, and resumed only if it was on.
    assert run_python("import gc, qiscus; print(gc.isenabled())") == "True"
    assert run_python("import gc; gc.disable(); import qiscus; print(gc.isenabled())") == "False"


def test_buffer_stream_reads_exactly_what_is_there() -> None:
    # The generated helpers' byte stream is replaced by ours (uniffi-bindgen/rust_buffer.py):
    # values big-endian as UniFFI writes them, strings as i32 length + UTF-8, no read past the end.
    import ctypes
    import struct

    data = struct.pack(">bBiqd", -5, 200, -(2**31), 2**63 - 1, 1.5) + struct.pack(">i", 6) + "héllo".encode()
    raw = ctypes.create_string_buffer(data, len(data))
    for module in (generated_core, generated_client):
        stream = module._UniffiRustBufferStream(ctypes.cast(raw, ctypes.POINTER(ctypes.c_char)), len(data))
        assert stream.read_i8() == -5
        assert stream.read_u8() == 200
        assert stream.read_i32() == -(2**31)
        assert stream.read_i64() == 2**63 - 1
        assert stream.read_double() == 1.5
        assert stream.read_str() == "héllo"
        assert stream.remaining() == 0
        with pytest.raises(module.InternalError):
            stream.read_u8()
        short = module._UniffiRustBufferStream(ctypes.cast(raw, ctypes.POINTER(ctypes.c_char)), 3)
        short.read_u8()
        with pytest.raises(module.InternalError):
            short.read_i32()
        assert short.remaining() == 2  # a failed read consumes nothing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads through /proc")
def test_runtime_worker_threads_follow_the_environment() -> None:
    # The package's one worker unless QISCUS_WORKER_THREADS or set_runtime_worker_threads says
    # otherwise (read when the runtime starts, at the first call). The runtime's threads are
    # named qiscus-rt.
    import os

    script = textwrap.dedent(
        """
        import os, time, qiscus
        client = qiscus.Client("app", "secret", base_url="http://127.0.0.1:9", max_retries=0)
        try:
            client.login_or_register_blocking(qiscus.LoginOrRegisterParams(email="a@example.com", username="A"))
        except qiscus.QiscusError:
            pass
        def workers():
            names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
            return names.count("qiscus-rt")
        # The workers name themselves once they run, which may be after a quick first call.
        for _ in range(300):
            if workers() >= int(os.environ["EXPECTED_WORKERS"]):
                break
            time.sleep(0.01)
        time.sleep(0.05)
        print(workers())
        """
    )
    cores = os.cpu_count() or 1
    # The package chooses one worker where the native wakes run (not under QISCUS_PURE_PYTHON=1).
    chosen = 1 if generated_client._uniffi_speedups is not None else cores
    cases = [
        # The environment decides over the package's choice.
        ("1", "", 1), ("3", "", 3), ("", "", chosen), ("none", "", chosen),
        # set_runtime_worker_threads before the first call decides over the package's choice.
        ("", "assert qiscus.set_runtime_worker_threads(2) is True\n", 2),
        ("3", "assert qiscus.set_runtime_worker_threads(2) is True\n", 3),
        # Without the native wakes the package leaves the runtime's default: one per core.
        ("", "PURE", cores),
    ]
    for setting, first, expected in cases:
        env = dict(os.environ, QISCUS_WORKER_THREADS=setting, EXPECTED_WORKERS=str(expected))
        if first == "PURE":
            env["QISCUS_PURE_PYTHON"] = "1"
            first = ""
        code = script.replace("client = qiscus.Client(", first + "client = qiscus.Client(", 1)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        assert int(result.stdout) == expected, (setting, first, result.stdout)
    # Once the runtime runs, a count is refused (False), and 0 never is a count.
    with qiscus.Client(APP_ID, SECRET, base_url="http://127.0.0.1:9", max_retries=0) as client:
        with pytest.raises(qiscus.QiscusError):
            client.user_profile_blocking("a@example.com")
    assert qiscus.set_runtime_worker_threads(4) is False
    with pytest.raises(qiscus.QiscusError.InvalidInput) as info:
        qiscus.set_runtime_worker_threads(0)
    assert info.value.field == "count"


def test_buffer_scopes_free_the_buffer_and_drop_the_builder_on_errors() -> None:
    # The scopes around every lift and lower (uniffi-bindgen patches them into small classes):
    # a consumed buffer is freed whether the read succeeds, leaves bytes over, or fails.
    import ctypes

    data = b"\x00\x00\x00\x02hi"
    raw = ctypes.create_string_buffer(data, len(data))

    class Buffer:
        def __init__(self) -> None:
            self.data = ctypes.cast(raw, ctypes.POINTER(ctypes.c_char))
            self.len = len(data)
            self.freed = 0

        def free(self) -> None:
            self.freed += 1

    for module in (generated_core, generated_client):
        scope = module._UniffiRustBuffer.consume_with_stream
        whole = Buffer()
        with scope(whole) as stream:
            assert stream.read_str() == "hi"
        assert whole.freed == 1
        junk = Buffer()
        with pytest.raises(RuntimeError, match="junk data"):
            with scope(junk) as stream:
                stream.read_u8()
        assert junk.freed == 1
        failed = Buffer()
        with pytest.raises(ValueError):
            with scope(failed) as stream:
                raise ValueError("read failed")
        assert failed.freed == 1

        with module._UniffiRustBuffer.alloc_with_builder() as builder:
            builder.write_i32(7)
        assert bytes(builder.data) == b"\x00\x00\x00\x07"
        with pytest.raises(ValueError):
            with module._UniffiRustBuffer.alloc_with_builder() as builder:
                builder.write_i32(7)
                raise ValueError("write failed")
        assert builder.data is None
        rbuf = module._UniffiFfiConverterString.lower("héllo")
        assert module._UniffiFfiConverterString.lift(rbuf) == "héllo"


def _record_samples() -> list[tuple[str, object]]:
    # Records whose readers cover every field form read inline (uniffi-bindgen/records.rs):
    # fixed-size runs, booleans, strings, optionals of each (set and unset), a custom type that is
    # a string, and fields left to their own converters (enums, nested records, JSON, lists).
    core = generated_core
    full = core.Comment(
        id=2**62, comment_before_id=-1, message="héllo 👋 مرحبا", payload=qiscus.Payload.TEXT(),
        unique_temp_id="t-1", disable_link_preview=True, email="a@example.com", username="",
        user_avatar_url="https://example.com/a.png", user_id=-(2**63), room_id=7, room_name="Room",
        chat_type="group", topic_id=7, timestamp="2026-11-26T21:14:23Z", unix_timestamp=1_800_000_000,
    )
    bare = core.Comment(
        id=1, comment_before_id=0, message="", payload=qiscus.Payload.CUSTOM(
            core.CustomPayload(custom_type="poll", content={"q": ["a", 1, None]})),
        unique_temp_id=None, disable_link_preview=False, email="", username=None,
        user_avatar_url=None, user_id=None, room_id=None, room_name=None, chat_type=None,
        topic_id=None, timestamp=None, unix_timestamp=None,
    )
    progress = core.BackupProgress(
        stage=core.BackupStage.WAITING, resource=core.BackupResource.ROOMS, job_id="job",
        percentage=12.5, bytes_done=2**64 - 1, bytes_total=None, files_done=2**32 - 1,
        files_total=3, rows_done=0,
    )
    observed = core.ObservedError(
        kind="Api", call="get_rooms_info", status=503, field=None, reason="x",
        detailed_messages=["a", "b"], attempts=2**32 - 1, retry_after_ms=2**64 - 1, limit_bytes=None,
    )
    user = core.User(
        id=5, email="u@example.com", username="U", avatar_url=None, token="tok", last_comment_id=9,
        pn_android_configured=True, pn_ios_configured=None, rt_key=None, app=None,
    )
    location = core.LocationPayload(name="n", address="a", latitude=-6.2, longitude=106.8, map_url="m")
    return [("Comment", full), ("Comment", bare), ("BackupProgress", progress),
            ("ObservedError", observed), ("User", user), ("LocationPayload", location)]


def test_record_readers_round_trip_every_field_form() -> None:
    for name, value in _record_samples():
        converter = getattr(generated_core, f"_UniffiFfiConverterType{name}")
        converter.check_lower(value)
        assert converter.lift(converter.lower(value)) == value, name
    comments = [value for name, value in _record_samples() if name == "Comment"] * 3
    listed = generated_core._UniffiFfiConverterSequenceTypeComment
    assert listed.lift(listed.lower(comments)) == comments


def test_record_readers_refuse_short_and_malformed_buffers() -> None:
    # Every truncation of a record's bytes, and a bad optional flag, raise InternalError: never
    # another exception, never a record.
    import ctypes

    core = generated_core
    for name, value in _record_samples():
        converter = getattr(core, f"_UniffiFfiConverterType{name}")
        builder = core._UniffiRustBufferBuilder()
        converter.write(value, builder)
        data = bytes(builder.data)
        raw = ctypes.create_string_buffer(data, len(data))
        pointer = ctypes.cast(raw, ctypes.POINTER(ctypes.c_char))
        whole = core._UniffiRustBufferStream(pointer, len(data))
        assert converter.read(whole) == value and whole.remaining() == 0
        for size in range(len(data)):
            with pytest.raises(core.InternalError):
                converter.read(core._UniffiRustBufferStream(pointer, size))
    # A text comment with an empty message: id and comment_before_id (8 bytes each), the message
    # (its 4-byte length), the payload (its 4-byte variant), then the unique_temp_id flag.
    text = core.Comment(
        id=1, comment_before_id=0, message="", payload=qiscus.Payload.TEXT(), unique_temp_id=None,
        disable_link_preview=False, email="", username=None, user_avatar_url=None, user_id=None,
        room_id=None, room_name=None, chat_type=None, topic_id=None, timestamp=None,
        unix_timestamp=None,
    )
    builder = core._UniffiRustBufferBuilder()
    core._UniffiFfiConverterTypeComment.write(text, builder)
    data = bytearray(builder.data)
    assert data[24] == 0
    data[24] = 2
    raw = ctypes.create_string_buffer(bytes(data), len(data))
    stream = core._UniffiRustBufferStream(ctypes.cast(raw, ctypes.POINTER(ctypes.c_char)), len(data))
    with pytest.raises(core.InternalError, match="flag byte"):
        core._UniffiFfiConverterTypeComment.read(stream)


def test_stub_matches_generated_code() -> None:
    native = Path(generated_core.__file__).parent
    result = subprocess.run(
        [sys.executable, str(PACKAGE_ROOT / "stubgen.py"), "--check", "--native", str(native)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = Path(qiscus.__file__).with_name("__init__.pyi")
    assert installed.is_file(), "the wheel must ship qiscus/__init__.pyi"
    assert Path(qiscus.__file__).with_name("py.typed").is_file()


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_rejects_misuse(tmp_path: Path) -> None:
    """The types are real: wrong uses are errors, not silently Any."""
    bad = tmp_path / "misuse.py"
    bad.write_text(
        textwrap.dedent(
            """
            import qiscus
            from qiscus import Client, Payload, PostCommentParams, QiscusError, CardPayload

            def f(client: Client) -> None:
                user = client.user_profile_blocking("a@example.com")
                n: int = user.email
                client.user_profile_blocking(42)
                PostCommentParams(room_id=1, sender_email="a@example.com", message="m", payload="text")
                card = Payload.CARD(CardPayload(text="t", image="i", title="t", description="d", url="u", buttons=[]))
                s: str = card[0]
                try:
                    pass
                except QiscusError.RateLimited as e:
                    w: int = e.retry_after

            async def g(client: Client) -> None:
                user: qiscus.User = client.user_profile("a@example.com")

            def h(client: Client) -> None:
                for room in client.rooms("a@example.com"):
                    n: int = room
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            str(PACKAGE_ROOT / "pyproject.toml"),
            str(bad),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    expected = [
        ':7: error: Incompatible types in assignment (expression has type "str", variable has type "int")',
        ':8: error: Argument 1 to "user_profile_blocking" of "Client" has incompatible type "int"; expected "str"',
        ':9: error: Argument "payload" to "PostCommentParams" has incompatible type "str"; expected "Payload"',
        ':11: error: Incompatible types in assignment (expression has type "CardPayload", variable has type "str")',
        ':15: error: Incompatible types in assignment (expression has type "timedelta | None", variable has type "int")',
        ':18: error: Incompatible types in assignment (expression has type "Coroutine[Any, Any, User]", variable has type "User")',
        ':22: error: Incompatible types in assignment (expression has type "RoomInfo", variable has type "int")',
    ]
    for line in expected:
        assert line in out, f"missing {line!r} in:\n{out}"
    assert out.count(": error:") == len(expected), out
