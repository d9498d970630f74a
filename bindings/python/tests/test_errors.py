"""Every error kind arrives as a `QiscusError` subclass with its fields; panics never crash."""

from __future__ import annotations

import asyncio
import datetime
import http.server
import socket
import threading
import time
from typing import Callable, Iterator

import pytest
import qiscus
from conftest import APP_ID, SECRET, Api, Emulator
from qiscus import (
    CreateRoomParams,
    LoadCommentsParams,
    LoginOrRegisterParams,
    QiscusError,
)

Email = Callable[[str], str]


async def test_api_error_400(api: Api, email: Email) -> None:
    owner = email("owner")
    with pytest.raises(QiscusError.Api) as info:
        await api("create_room", CreateRoomParams(name="x", participants=[email("p")], creator=owner))
    err = info.value
    assert isinstance(err, QiscusError) and isinstance(err, Exception)
    assert err.call == "create_room" and err.status == 400
    assert "not a registered user" in err.reason
    assert err.detailed_messages and any(owner in m for m in err.detailed_messages)
    assert err.attempts == 1  # a 400 is not retried
    assert "status=400" in str(err)


async def test_not_found(api: Api, email: Email) -> None:
    missing = email("missing")
    with pytest.raises(QiscusError.NotFound) as info:
        await api("user_profile", missing)
    assert info.value.call == "user_profile"
    assert info.value.reason and info.value.detailed_messages


async def test_unauthorized(emulator: Emulator, email: Email) -> None:
    with emulator.client(secret="wrong-secret") as bad:
        with pytest.raises(QiscusError.Unauthorized) as info:
            bad.user_profile_blocking(email("x"))
        assert info.value.call == "user_profile" and info.value.reason
        with pytest.raises(QiscusError.Unauthorized):
            await bad.user_profile(email("x"))


async def test_rate_limited(emulator: Emulator, email: Email) -> None:
    emulator.set_faults(rate_limit_429=1.0, retry_after_secs=3)
    with emulator.client(max_retries=0) as c:
        with pytest.raises(QiscusError.RateLimited) as info:
            c.user_profile_blocking(email("x"))
        err = info.value
        assert err.call == "user_profile" and err.attempts == 1
        assert err.retry_after == datetime.timedelta(seconds=3)
        with pytest.raises(QiscusError.RateLimited) as info:
            await c.user_profile(email("x"))
        assert info.value.retry_after == datetime.timedelta(seconds=3)
    assert emulator.stats()["rate_limited"] == 2


async def test_timeout(emulator: Emulator, email: Email) -> None:
    emulator.set_faults(latency=1.0, latency_ms=500)
    with emulator.client(timeout_ms=100, max_retries=0) as c:
        start = time.monotonic()
        with pytest.raises(QiscusError.Timeout) as info:
            c.user_profile_blocking(email("x"))
        assert time.monotonic() - start < 0.45
        assert info.value.call == "user_profile" and info.value.attempts == 1
        start = time.monotonic()
        with pytest.raises(QiscusError.Timeout):
            await c.user_profile(email("x"))
        assert time.monotonic() - start < 0.45
    # with_timeout: the same connections, another per-attempt timeout.
    with emulator.client(timeout_ms=100, max_retries=0) as short, short.with_timeout(2000) as longer:
        assert isinstance(longer, qiscus.Client)
        with pytest.raises(QiscusError.NotFound):  # slow but within 2 s: the server's answer
            longer.user_profile_blocking(email("x"))


async def test_connection_refused(email: Email) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with qiscus.Client(APP_ID, SECRET, base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
        with pytest.raises(QiscusError.Connection) as info:
            c.user_profile_blocking(email("x"))
        assert info.value.call == "user_profile" and info.value.attempts == 1 and info.value.reason
        with pytest.raises(QiscusError.Connection):
            await c.user_profile(email("x"))


async def test_invalid_input_sends_nothing(client: qiscus.Client, emulator: Emulator) -> None:
    before = emulator.stats()["requests"]
    with pytest.raises(QiscusError.InvalidInput) as info:
        client.user_profile_blocking("not an e-mail")
    assert info.value.field == "user_email" and info.value.reason
    with pytest.raises(QiscusError.InvalidInput) as info:
        await client.load_comments(LoadCommentsParams(room_id=1, limit=500))
    assert info.value.field == "limit"
    with pytest.raises(QiscusError.InvalidInput) as info:
        client.login_or_register_blocking(LoginOrRegisterParams(email="a@example.com", username="   "))
    assert info.value.field == "username"
    assert emulator.stats()["requests"] == before


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"<html><body>not json at all</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_decode_error(html_server: str, email: Email) -> None:
    with qiscus.Client(APP_ID, SECRET, base_url=html_server, max_retries=0) as c:
        with pytest.raises(QiscusError.Decode) as info:
            c.user_profile_blocking(email("x"))
        assert info.value.call == "user_profile" and info.value.reason
        assert "not json" in (info.value.body_excerpt or "")
        with pytest.raises(QiscusError.Decode):
            await c.user_profile(email("x"))


class _RedirectHandler(http.server.BaseHTTPRequestHandler):
    """Answers everything with a redirect to an address that must never be asked."""

    target = "http://127.0.0.1:9/elsewhere"
    asked: list[str] = []

    def _redirect(self) -> None:
        _RedirectHandler.asked.append(self.command)
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _redirect

    def log_message(self, *args: object) -> None:
        pass


async def test_a_redirect_is_an_api_error_naming_it(email: Email) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RedirectHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _RedirectHandler.asked.clear()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with qiscus.Client(APP_ID, SECRET, base_url=url) as c:
            params = LoginOrRegisterParams(email=email("r"), username="R")
            with pytest.raises(QiscusError.Api) as blocking:
                c.login_or_register_blocking(params)
            with pytest.raises(QiscusError.Api) as awaited:
                await c.login_or_register(params)
        for err in (blocking.value, awaited.value):
            # Followed, the call would have failed to connect to the target instead.
            assert err.status == 302 and err.call == "login_or_register"
            assert _RedirectHandler.target in err.reason and "base_url" in err.reason
            assert err.attempts == 1
        assert _RedirectHandler.asked == ["POST", "POST"]  # once per form, never followed
    finally:
        server.shutdown()
        server.server_close()


async def test_response_too_large(emulator: Emulator, client: qiscus.Client, email: Email) -> None:
    address = email("big")
    client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="B" * 200))
    with emulator.client(max_response_bytes=64) as small:
        with pytest.raises(QiscusError.ResponseTooLarge) as info:
            small.user_profile_blocking(address)
        assert info.value.call == "user_profile" and info.value.limit_bytes == 64


def test_config_errors() -> None:
    with pytest.raises(QiscusError.Config) as info:
        qiscus.Client("", SECRET)
    assert info.value.field == "app_id"
    with pytest.raises(QiscusError.Config) as info:
        qiscus.Client(APP_ID, SECRET, base_url="http://example.com")
    assert info.value.field == "base_url" and "unencrypted" in info.value.reason
    # Explicitly allowed: no error.
    qiscus.Client(APP_ID, SECRET, base_url="http://example.com", allow_insecure_http=True).shutdown()


async def test_panics_become_internal_errors(client: qiscus.Client, email: Email) -> None:
    # A panic on the calling thread (outside a spawned call) is caught by UniFFI itself and
    # arrives as its generic InternalError; inside a call it is QiscusError.Internal.
    with pytest.raises(qiscus.InternalError, match="debug_panic was called"):
        qiscus.debug_panic(False)
    with pytest.raises(QiscusError.Internal) as info:
        qiscus.debug_panic(True)
    assert "debug_panic was called" in info.value.reason
    with pytest.raises(QiscusError.Internal) as info:
        await qiscus.debug_panic_async()
    assert "debug_panic_async was called" in info.value.reason
    # Several at once, on the shared runtime, and the library still works after.
    results = await asyncio.gather(*(qiscus.debug_panic_async() for _ in range(10)), return_exceptions=True)
    assert all(isinstance(r, QiscusError.Internal) for r in results)
    address = email("after-panic")
    user = await client.login_or_register(LoginOrRegisterParams(email=address, username="Still here"))
    assert user.email == address


def test_python_type_errors_are_not_sent(client: qiscus.Client) -> None:
    # Lowering checks the Python value's type before anything crosses the FFI.
    with pytest.raises(TypeError):
        client.user_profile_blocking(42)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError, OverflowError)):
        client.load_comments_blocking(LoadCommentsParams(room_id=2**70))


def test_json_values_that_are_not_json(client: qiscus.Client, email: Email) -> None:
    owner = email("json")
    client.login_or_register_blocking(LoginOrRegisterParams(email=owner, username="J"))
    room = client.create_room_blocking(CreateRoomParams(name="j", participants=[owner], creator=owner))
    # NaN and infinities pass json.dumps but are not JSON: the library refuses them.
    for bad in (float("nan"), float("inf")):
        with pytest.raises(QiscusError.InvalidInput) as info:
            client.update_room_blocking(
                qiscus.UpdateRoomParams(user_email=owner, room_id=room.room_id, options={"x": bad})
            )
        assert info.value.field == "json" and "not valid JSON" in info.value.reason
    # Values json.dumps cannot write never leave Python.
    with pytest.raises(TypeError):
        client.update_room_blocking(
            qiscus.UpdateRoomParams(user_email=owner, room_id=room.room_id, options={"x": {1, 2}})
        )
    # Unicode and nesting survive the round trip.
    options = {"名前": "ルーム", "emoji": "🎉", "deep": [[[{"a": [1, 2.5, None, True]}]]]}
    updated = client.update_room_blocking(
        qiscus.UpdateRoomParams(user_email=owner, room_id=room.room_id, options=options)
    )
    assert updated.room.options == options
