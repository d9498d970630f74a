#!/usr/bin/env python3
"""Backups and imports from Python: the workflows that poll, download and upload for you.

    python examples/python/backup.py [DIR]     # DIR receives comments.json (default: a temp dir)

- `client.export_and_download_blocking(resource, from, to, ...)` requests an export, polls it
  until it finishes, downloads it and returns the typed rows (`BackupRows.USERS/ROOMS/COMMENTS`).
- `await client.export_to_file(resource, from, to, path, ...)` streams the export to a file
  without holding it in memory.
- `client.import_rows_blocking(ImportBatch(...))` validates rows against the import rules (a bad
  batch is refused before anything is sent), splits them into files of at most 4 MB, uploads
  users, then rooms, then comments, waits for each import and reports per-row errors.

Each takes a `BackupProgressListener`; here one prints every step. Without QISCUS_APP_ID and
QISCUS_SECRET it runs against a local emulator (see connect.py).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from qiscus import (
    BackupProgress,
    BackupProgressListener,
    BackupResource,
    BackupRows,
    Client,
    CommentRow,
    CreateRoomParams,
    ImportBatch,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    RoomRow,
    UserRow,
)

from connect import connect


class PrintProgress(BackupProgressListener):
    """Prints each progress update. Called from the library's threads: quick, and locked."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.updates = 0
        self.lock = threading.Lock()

    def on_progress(self, progress: BackupProgress) -> None:
        with self.lock:
            self.updates += 1
            files = f", file {progress.files_done}/{progress.files_total}" if progress.files_total else ""
            print(
                f"  [{self.label}] {progress.stage.name.lower():<11} {progress.percentage:5.1f}%"
                f"  rows {progress.rows_done}{files}"
            )


def seed(client: Client, sfx: str) -> str:
    """Two users, a room and a few comments to export. Returns Alice's address."""
    alice, bob = f"alice-{sfx}@example.com", f"bob-{sfx}@example.com"
    for address, name in ((alice, "Alice"), (bob, "Bob")):
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username=name))
    room = client.create_room_blocking(CreateRoomParams(name=f"Backup {sfx}", participants=[bob], creator=alice))
    for i in range(5):
        client.post_comment_blocking(
            PostCommentParams(room_id=room.room_id, sender_email=alice, message=f"note {i + 1}", payload=Payload.TEXT())
        )
    return alice


def export_users(client: Client, start: str, end: str, sfx: str) -> int:
    """Every user created in the range, as typed rows (blocking form)."""
    print("export_and_download: users")
    rows = client.export_and_download_blocking(
        BackupResource.USERS, start, end, poll_interval_ms=200, listener=PrintProgress("users")
    )
    assert isinstance(rows, BackupRows.USERS)
    ours = [row.email for row in rows.rows if row.email.endswith(f"-{sfx}@example.com")]
    print(f"  {len(rows.rows)} user rows, this run's: {', '.join(ours)}\n")
    return len(ours)


async def export_comments(client: Client, start: str, end: str, path: Path) -> int:
    """Every comment created in the range, streamed to a JSON file (async form)."""
    print(f"export_to_file: comments -> {path}")
    written = await client.export_to_file(
        BackupResource.COMMENTS, start, end, str(path), poll_interval_ms=200, listener=PrintProgress("comments")
    )
    first = json.loads(path.read_text(encoding="utf-8"))[0]
    print(f"  {written.rows} rows, {written.bytes} bytes written; the first: {first['Message']!r}\n")
    return written.rows


def import_history(client: Client, sfx: str) -> int:
    """Users, a room and its conversation from another system (blocking form). Row records need
    only their required fields."""
    carol, dave = f"carol-{sfx}@example.com", f"dave-{sfx}@example.com"
    room_uid = f"legacy-room-{sfx}"
    batch = ImportBatch(
        users=[UserRow(email=carol, name="Carol"), UserRow(email=dave, name="Dave")],
        rooms=[
            RoomRow(
                name="Legacy team",
                room_type="group",
                creator_email=carol,
                unique_id=room_uid,
                participant_emails=[carol, dave],
            )
        ],
        comments=[
            CommentRow(message="the old system said hi", unique_id=f"{room_uid}-1", creator_email=carol, room_unique_id=room_uid),
            CommentRow(
                message="and goodbye",
                comment_type="reply",
                payload={"text": "the old system said hi"},
                parent_comment_unique_id=f"{room_uid}-1",
                unique_id=f"{room_uid}-2",
                creator_email=dave,
                room_unique_id=room_uid,
            ),
        ],
    )

    # A bad batch is refused whole, before anything is sent, naming every problem.
    bad = ImportBatch(users=batch.users + [UserRow(email="not-an-email")])
    try:
        client.import_rows_blocking(bad)
    except QiscusError.InvalidInput as e:
        print(f"import_rows refused a bad batch: {e.reason}")

    print("import_rows: 2 users, 1 room, 2 comments")
    report = client.import_rows_blocking(batch, poll_interval_ms=200, listener=PrintProgress("import"))
    print(
        f"  {report.files_uploaded} file(s): {report.users_imported} users, {report.rooms_imported} room, "
        f"{report.comments_imported} comments imported; {len(report.row_errors)} row error(s)"
    )
    for error in report.row_errors:
        print(f"  ! {error.resource.name.lower()} row {error.index}: {error.error}")
    (room,) = client.rooms(carol)
    conversation = [c.message for c in client.comments(room.room_id)]
    print(f"  {room.room_name!r} now reads (newest first): {conversation}")
    return report.users_imported + report.rooms_imported + report.comments_imported


def main(argv: list[str]) -> int:
    started = time.monotonic()
    sfx = uuid.uuid4().hex[:8]
    today = datetime.date.today()
    start, end = (today - datetime.timedelta(days=1)).isoformat(), (today + datetime.timedelta(days=1)).isoformat()
    with tempfile.TemporaryDirectory() as tmp, connect("Qiscus backups") as client:
        out = Path(argv[0]) if argv else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        try:
            seed(client, sfx)
            users = export_users(client, start, end, sfx)
            comments = asyncio.run(export_comments(client, start, end, out / "comments.json"))
            imported = import_history(client, sfx)
        except QiscusError as e:
            print(f"\n✗ failed: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    if users != 2 or comments < 5 or imported != 5:
        print(f"unexpected counts: {users} users, {comments} comments, {imported} rows imported", file=sys.stderr)
        return 1
    print(f"\nDone in {time.monotonic() - started:.2f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
