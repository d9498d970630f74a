"""The workflows (export_and_download, export_to_file, import_rows) with a Python progress
listener, and the pagers, in both forms."""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import pytest
import qiscus
from conftest import Api, Emulator
from qiscus import (
    BackupProgress,
    BackupProgressListener,
    BackupResource,
    BackupRows,
    BackupStage,
    CommentRow,
    CommentsPagerParams,
    CreateRoomParams,
    ImportBatch,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    RoomRow,
    UserRow,
)

Email = Callable[[str], str]
TODAY = datetime.date.today().isoformat()


class Recorder(BackupProgressListener):
    """A Python implementation of the Rust trait: records every update (from Rust's threads)."""

    def __init__(self) -> None:
        self.updates: List[BackupProgress] = []
        self.threads: set[int] = set()
        self.lock = threading.Lock()

    def on_progress(self, progress: BackupProgress) -> None:
        with self.lock:
            self.updates.append(progress)
            self.threads.add(threading.get_ident())

    def stages(self) -> List[BackupStage]:
        return [u.stage for u in self.updates]


class Exploding(BackupProgressListener):
    def __init__(self) -> None:
        self.calls = 0

    def on_progress(self, progress: BackupProgress) -> None:
        self.calls += 1
        raise RuntimeError("listener bug")


def user_row(address: str, name: str) -> UserRow:
    return UserRow(
        email=address, name=name, avatar_url="", authentication_token="", password="", created_at=""
    )


def batch(email: Email) -> Tuple[ImportBatch, List[str], str]:
    alice, bob = email("alice"), email("bob")
    room_uid = f"room-{alice.split('@')[0]}"
    comments = [
        CommentRow(
            message=f"message {i}",
            disable_link_preview=False,
            comment_type="text",
            unique_id=f"{room_uid}-c{i}",
            creator_email=alice,
            room_unique_id=room_uid,
            created_at="",
            payload=None,
            parent_comment_unique_id="",
        )
        for i in range(3)
    ]
    comments.append(
        CommentRow(
            message="re: message 2",
            disable_link_preview=False,
            comment_type="reply",
            unique_id=f"{room_uid}-r",
            creator_email=bob,
            room_unique_id=room_uid,
            created_at="",
            payload={"text": "message 2"},
            parent_comment_unique_id=f"{room_uid}-c2",
        )
    )
    room = RoomRow(
        name="Imported team",
        room_type="group",
        options="",
        creator_email=alice,
        created_at="",
        avatar_url="",
        unique_id=room_uid,
        participant_emails=[alice, bob],
    )
    return (
        ImportBatch(users=[user_row(alice, "Alice"), user_row(bob, "Bob")], rooms=[room], comments=comments),
        [alice, bob],
        room_uid,
    )


async def test_import_rows(api: Api, email: Email) -> None:
    rows, (alice, bob), _ = batch(email)
    recorder = Recorder()
    report = await api("import_rows", rows, 4194304, 20, 60000, [], [], [], False, recorder)
    assert isinstance(report, qiscus.ImportReport)
    assert (report.users_imported, report.rooms_imported, report.comments_imported) == (2, 1, 4)
    assert report.files_uploaded == len(report.files) >= 3
    assert report.row_errors == []
    assert {f.resource for f in report.files} == {
        BackupResource.USERS,
        BackupResource.ROOMS,
        BackupResource.COMMENTS,
    }
    assert recorder.updates, "the Python listener heard nothing"
    assert BackupStage.UPLOADING in recorder.stages() and recorder.stages()[-1] == BackupStage.FINISHED
    assert all(isinstance(u, BackupProgress) for u in recorder.updates)

    # What was imported is there.
    profile = await api("user_profile", bob)
    assert profile.username == "Bob"
    rooms = await api("get_user_rooms", qiscus.GetUserRoomsParams(user_email=alice))
    (room,) = rooms.rooms_info
    assert room.room_name == "Imported team"
    comments = await api("load_comments", qiscus.LoadCommentsParams(room_id=room.room_id, limit=10))
    assert [c.message for c in comments] == ["re: message 2", "message 2", "message 1", "message 0"]
    assert isinstance(comments[0].payload, Payload.REPLY)
    assert comments[0].payload[0].replied_comment_id == comments[1].id


async def test_import_rows_refuses_bad_batch(api: Api, email: Email, emulator: Emulator) -> None:
    rows, (alice, _), _ = batch(email)
    rows.users.append(user_row(alice.upper(), "Alice again"))  # a duplicate e-mail
    rows.users.append(user_row("not-an-email", "Nobody"))
    before = emulator.stats()["requests"]
    with pytest.raises(QiscusError.InvalidInput) as info:
        await api("import_rows", rows)
    assert info.value.field == "rows"
    assert "nothing was sent" in info.value.reason and "not-an-email" in info.value.reason
    assert emulator.stats()["requests"] == before


async def test_export_and_download(api: Api, client: qiscus.Client, email: Email) -> None:
    addresses = [email(f"e{i}") for i in range(3)]
    for address in addresses:
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username=address[:3]))
    recorder = Recorder()
    rows = await api("export_and_download", BackupResource.USERS, TODAY, TODAY, 50, 60000, recorder)
    assert isinstance(rows, BackupRows.USERS)
    assert sorted(r.email for r in rows.rows) == sorted(addresses)
    assert all(isinstance(r, UserRow) for r in rows.rows)
    stages = recorder.stages()
    assert stages[0] == BackupStage.REQUESTED and stages[-1] == BackupStage.FINISHED
    assert BackupStage.DOWNLOADING in stages
    assert recorder.updates[-1].rows_done == 3
    # Without a listener (the default).
    again = await api("export_and_download", BackupResource.ROOMS, TODAY, TODAY, 50)
    assert isinstance(again, BackupRows.ROOMS) and again.rows == []


async def test_export_to_file(api: Api, client: qiscus.Client, email: Email, tmp_path: Path) -> None:
    a, b = email("a"), email("b")
    for address in (a, b):
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="X"))
    room = client.create_room_blocking(CreateRoomParams(name="Export", participants=[b], creator=a))
    for i in range(5):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=a, message=f"m{i}", payload=Payload.TEXT())
        )
    path = tmp_path / "comments.json"
    written = await api("export_to_file", BackupResource.COMMENTS, TODAY, TODAY, str(path), 50)
    assert isinstance(written, qiscus.ExportedFile)
    assert written.path == str(path) and written.rows == 5
    assert written.bytes == path.stat().st_size
    assert written.export.status == "finished"
    on_disk = json.loads(path.read_text())
    assert [row["Message"] for row in on_disk] == [f"m{i}" for i in range(5)]


def test_listener_exception_does_not_end_the_workflow(client: qiscus.Client, email: Email) -> None:
    address = email("x")
    client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="X"))
    exploding = Exploding()
    rows = client.export_and_download_blocking(BackupResource.USERS, TODAY, TODAY, 50, 60000, exploding)
    assert isinstance(rows, BackupRows.USERS) and [r.email for r in rows.rows] == [address]
    assert exploding.calls >= 3  # it was called at every step, and raised every time
    assert len(client.list_exports_blocking()) == 1


async def test_cancel_workflow_releases_listener(
    client: qiscus.Client, emulator: Emulator, email: Email
) -> None:
    from qiscus._native import qiscus as generated

    client.login_or_register_blocking(LoginOrRegisterParams(email=email("x"), username="X"))
    emulator.set_faults(latency=1.0, latency_ms=3000)
    listener_map = generated._UniffiFfiConverterTypeBackupProgressListener._handle_map
    task = asyncio.create_task(
        client.export_and_download(BackupResource.USERS, TODAY, TODAY, 50, 60000, Recorder())
    )
    await asyncio.sleep(0.2)
    assert len(listener_map) >= 1  # Rust holds the Python listener
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(40):
        if len(listener_map) == 0:
            break
        await asyncio.sleep(0.05)
    assert len(listener_map) == 0, "the cancelled workflow kept the Python listener"


async def next_page(pager: object, mode: str) -> Optional[list]:  # type: ignore[type-arg]
    if mode == "async":
        return await pager.next_page()  # type: ignore[attr-defined,no-any-return]
    return pager.next_page_blocking()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("mode", ["async", "blocking"])
async def test_pagers(mode: str, client: qiscus.Client, email: Email) -> None:
    owner, guest = email("owner"), email("guest")
    for address in (owner, guest):
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username="P"))
    room_ids = [
        client.create_room_blocking(
            CreateRoomParams(name=f"r{i}", participants=[guest], creator=owner)
        ).room_id
        for i in range(23)
    ]

    rooms = client.rooms_pager(owner)
    assert isinstance(rooms, qiscus.RoomsPager)
    sizes, seen = [], []
    while (page := await next_page(rooms, mode)) is not None:
        sizes.append(len(page))
        seen += [r.room_id for r in page]
    assert sizes == [20, 3] and sorted(seen) == sorted(room_ids)
    assert await next_page(rooms, mode) is None  # stays finished

    room_id = room_ids[0]
    posted = [
        client.post_comment_blocking(
            PostCommentParams(room_id=room_id, sender_email=owner, message=f"c{i}", payload=Payload.TEXT())
        ).id
        for i in range(12)
    ]
    comments = client.comments_pager(CommentsPagerParams(room_id=room_id, limit=5))
    got = []
    while (page := await next_page(comments, mode)) is not None:
        assert len(page) <= 5
        got += [c.id for c in page]
    assert got == list(reversed(posted))  # newest first, each once
    limited = client.comments_pager(CommentsPagerParams(room_id=room_id, limit=5, max_count=7))
    first, second = await next_page(limited, mode), await next_page(limited, mode)
    assert first is not None and second is not None and len(first) + len(second) == 7
    assert await next_page(limited, mode) is None

    exports = client.exports_pager()
    assert await next_page(exports, mode) is None  # nothing exported in this (reset) emulator
    client.create_export_blocking(
        qiscus.CreateExportParams(resource=BackupResource.USERS, start_date=TODAY, end_date=TODAY)
    )
    page = await next_page(client.exports_pager(), mode)
    assert page is not None and len(page) == 1
    assert await next_page(client.imports_pager(), mode) is None
