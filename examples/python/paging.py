#!/usr/bin/env python3
"""Paging from Python: every room of a user and every comment of a room, with `for` (blocking)
and `async for` (asyncio), item by item or page by page.

    python examples/python/paging.py

`client.rooms(email)`, `client.comments(room_id, ...)`, `client.exports()` and
`client.imports()` return a `qiscus.Paged`: a plain iterator and an async iterator at once,
which fetches the next page only when the loop needs it. Without QISCUS_APP_ID and
QISCUS_SECRET it runs against a local emulator (see connect.py); it first creates a user with
45 rooms and a room with 120 comments to page through (e-mails get a random suffix).
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from typing import List

from qiscus import Client, CreateRoomParams, LoginOrRegisterParams, Payload, PostCommentParams

from connect import connect

ROOMS = 45
COMMENTS = 120


def seed(client: Client, alice: str, bob: str) -> int:
    """Alice with ROOMS rooms; the last one holds COMMENTS comments. Returns that room's id."""
    for address, name in ((alice, "Alice"), (bob, "Bob")):
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username=name))
    room_id = 0
    for i in range(ROOMS):
        room_id = client.create_room_blocking(
            CreateRoomParams(name=f"Room {i + 1}", participants=[bob], creator=alice)
        ).room_id

    for i in range(COMMENTS):
        client.post_comment_blocking(
            PostCommentParams(room_id=room_id, sender_email=alice, message=f"message {i + 1}", payload=Payload.TEXT())
        )
    print(f"seeded: {alice} with {ROOMS} rooms, room #{room_id} with {COMMENTS} comments\n")
    return room_id


def blocking(client: Client, alice: str, room_id: int) -> int:
    """The blocking form: a plain `for` loop fetches pages on this thread as it goes."""
    print("Blocking (for ... in ...)")
    names = [room.room_name for room in client.rooms(alice)]  # every page, 20 rooms each
    print(f"  rooms of {alice}: {len(names)}, most recent first: {', '.join(names[:3])}, ...")

    newest = None
    for comment in client.comments(room_id):  # newest first
        newest = comment
        break  # stops here: only the first page was fetched
    assert newest is not None
    print(f"  newest comment: #{newest.id} {newest.message!r}")

    sizes = [len(page) for page in client.comments(room_id, limit=50).pages()]
    print(f"  comments page by page (limit 50): {sizes}")

    # Only what is newer than a comment already known (exclusive), e.g. since the last run.
    known = next(client.comments(room_id).pages())[5]
    recent = [c.message for c in client.comments(room_id, stop_at_id=known.id)]
    print(f"  newer than #{known.id} ({known.message!r}): {recent}")
    # At most 30, whatever the page size.
    capped = list(client.comments(room_id, limit=100, max_count=30))
    print(f"  the newest 30: {capped[0].message!r} .. {capped[-1].message!r}")
    return len(names)


async def concurrent(client: Client, alice: str, room_id: int) -> int:
    """The async form: `async for` awaits each page without holding the event loop, so two
    lists are read at once."""
    print("Async (async for ... in ...)")

    async def count_rooms() -> int:
        return len([room async for room in client.rooms(alice)])

    async def messages() -> List[str]:
        return [comment.message async for comment in client.comments(room_id, limit=100)]

    rooms, texts = await asyncio.gather(count_rooms(), messages())
    print(f"  rooms: {rooms}; comments: {len(texts)} ({texts[0]!r} ... {texts[-1]!r})")
    pages = 0
    async for page in client.comments(room_id, limit=25).async_pages():
        pages += 1
        print(f"  page {pages}: {len(page)} comments, #{page[0].id} .. #{page[-1].id}")
    exports = [e.unique_id async for e in client.exports()]
    print(f"  export records: {len(exports)}")
    return len(texts)


def main() -> int:
    started = time.monotonic()
    sfx = uuid.uuid4().hex[:8]
    alice, bob = f"alice-{sfx}@example.com", f"bob-{sfx}@example.com"
    with connect("Qiscus paging") as client:
        room_id = seed(client, alice, bob)
        rooms = blocking(client, alice, room_id)
        print()
        comments = asyncio.run(concurrent(client, alice, room_id))
    if (rooms, comments) != (ROOMS, COMMENTS):
        print(f"expected {ROOMS} rooms and {COMMENTS} comments, read {rooms} and {comments}", file=sys.stderr)
        return 1
    print(f"\nDone in {time.monotonic() - started:.2f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
