"""Fixtures: the emulator (a prebuilt binary, never built here), clients, unique e-mails."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Set

import pytest
import qiscus

REPO = Path(__file__).resolve().parents[3]
APP_ID = "emulator"
SECRET = "emulator-secret"

# The 20 REST calls of the client, download_export and the workflows; each has an async form `name` and a blocking `name_blocking`.
CALLS = [
    "login_or_register",
    "user_profile",
    "reset_user_token",
    "get_user_rooms",
    "create_room",
    "update_room",
    "get_or_create_room_with_target",
    "get_rooms_info",
    "add_room_participants",
    "remove_room_participants",
    "post_comment",
    "load_comments",
    "post_system_event_message",
    "search_messages",
    "create_export",
    "list_exports",
    "get_export",
    "delete_export",
    "download_export",
    "create_import",
    "list_imports",
    # The workflows built on them.
    "export_and_download",
    "export_to_file",
    "import_rows",
]


def emulator_bin() -> Path:
    path = Path(os.environ.get("QISCUS_EMULATOR_BIN") or REPO / "target" / "debug" / "qiscus-emulator")
    if not path.is_file():
        pytest.exit(
            f"emulator binary {path} is missing: run `cargo build -p qiscus-emulator` "
            "(bindings/python/test.sh does) or set QISCUS_EMULATOR_BIN",
            returncode=3,
        )
    return path


class Emulator:
    """A running `qiscus-emulator` process and its admin API."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(emulator_bin()), "--addr", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        prefix = "listening on "
        if not line.startswith(prefix):
            self.proc.kill()
            raise RuntimeError(f"unexpected first line from the emulator: {line!r}")
        self.url = line[len(prefix) :]
        # Keep reading stdout so that the emulator never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def reset(self) -> None:
        self.admin("POST", "reset", {})

    def set_faults(self, **faults: Any) -> None:
        self.admin("POST", "faults", faults)

    def stats(self) -> Dict[str, int]:
        result: Dict[str, int] = self.admin("GET", "stats")
        return result

    def room_comments(self, room_id: int) -> List[Dict[str, Any]]:
        result: List[Dict[str, Any]] = self.admin("GET", f"rooms/{room_id}/comments")["comments"]
        return result

    def client(self, **kwargs: Any) -> qiscus.Client:
        return qiscus.Client(APP_ID, kwargs.pop("secret", SECRET), base_url=self.url, **kwargs)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator for the session (state reset before each test)."""
    emu = Emulator()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _reset_emulator(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        emu: Emulator = request.getfixturevalue("emulator")
        emu.reset()
        emu.set_faults()


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Starts a private emulator (own faults, webhook target...), stopped after the test."""
    started: List[Emulator] = []

    def start(*args: str) -> Emulator:
        emu = Emulator(*args)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[qiscus.Client]:
    with emulator.client() as c:
        yield c


@pytest.fixture
def email() -> Callable[[str], str]:
    """`email("alice")` -> a fresh address, unique across the whole run."""

    def make(name: str = "user") -> str:
        return f"{name}-{uuid.uuid4().hex[:12]}@example.com"

    return make


# Which calls each form has exercised, checked by test_zz_session.py at the end of the run.
SEEN: Dict[str, Set[str]] = {"async": set(), "blocking": set()}


class Api:
    """Calls the client in one form: `await api("user_profile", email)` runs `await
    client.user_profile(email)` or `client.user_profile_blocking(email)`."""

    def __init__(self, client: qiscus.Client, mode: str) -> None:
        self.client = client
        self.mode = mode

    async def __call__(self, name: str, *args: Any) -> Any:
        assert name in CALLS, name
        SEEN[self.mode].add(name)
        if self.mode == "async":
            method: Callable[..., Awaitable[Any]] = getattr(self.client, name)
            return await method(*args)
        return getattr(self.client, f"{name}_blocking")(*args)


@pytest.fixture(params=["async", "blocking"])
def api(request: pytest.FixtureRequest, client: qiscus.Client) -> Api:
    return Api(client, request.param)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """Retries `check` until it returns a truthy value without raising, or fails."""
    deadline = time.monotonic() + timeout
    last: Optional[BaseException] = None
    while time.monotonic() < deadline:
        try:
            result = await check()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 - retried, then re-raised below
            last = e
        await asyncio.sleep(0.05)
    if last is not None:
        raise last
    raise AssertionError("condition not met in time")


async def settled_alive_tasks(timeout: float = 3.0) -> int:
    """The runtime's alive-task count once it stops changing (connections of clients shut down
    by earlier tests wind down in the background)."""
    deadline = time.monotonic() + timeout
    last, stable = qiscus.debug_runtime_alive_tasks(), 0
    while stable < 4 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        now = qiscus.debug_runtime_alive_tasks()
        stable = stable + 1 if now == last else 0
        last = now
    return last


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    # The session checks (no leaked handles, every call covered) run last.
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "last: run after every other test")
