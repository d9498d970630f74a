"""Typed use of the package, checked by `mypy --strict` (not collected by pytest: no test_ prefix).

Shows that the re-exported names carry real types: a call's result is the record class, the
async form is a coroutine of it, errors are matched by variant class, and Client is a context
manager in both forms.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
from typing import Any, Dict, List, Optional

if sys.version_info >= (3, 11):
    from typing import assert_type
else:  # pragma: no cover - only read by mypy
    from typing_extensions import assert_type

import qiscus
from qiscus import (
    CardPayload,
    Client,
    Comment,
    CreateRoomParams,
    CustomPayload,
    LoadCommentsParams,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    ReplyPayload,
    RoomSummary,
    User,
    WebhookEvent,
)


def blocking_tour(base_url: str) -> User:
    with Client("emulator", "emulator-secret", base_url=base_url, max_retries=0) as client:
        user = client.login_or_register_blocking(
            LoginOrRegisterParams(email="typed@example.com", username="Typed")
        )
        assert_type(user, User)
        same: User = client.user_profile_blocking(user.email)
        user_id: int = same.id
        name: Optional[str] = same.username
        assert user_id == user.id and name is not None
        room: RoomSummary = client.create_room_blocking(
            CreateRoomParams(name="typed", participants=[user.email], creator=user.email)
        )
        comment: Comment = client.post_comment_blocking(
            PostCommentParams(
                room_id=room.room_id,
                sender_email=user.email,
                message="hello",
                payload=Payload.TEXT(),
            )
        )
        assert isinstance(comment.payload, Payload.TEXT)
        return same


async def async_tour(base_url: str) -> List[Comment]:
    async with Client("emulator", "emulator-secret", base_url=base_url) as client:
        user = await client.login_or_register(
            LoginOrRegisterParams(email="typed-async@example.com", username="Typed")
        )
        profile = await client.user_profile(user.email)
        assert_type(profile, User)
        rooms = await client.get_or_create_room_with_target([user.email, "other@example.com"])
        comments = await client.load_comments(LoadCommentsParams(room_id=rooms.room.id, limit=20))
        assert_type(comments, List[Comment])
        await qiscus.debug_sleep(1)
        return comments


def from_environment() -> Optional[str]:
    client = Client.from_environment()
    assert_type(client, Optional[Client])
    assert_type(qiscus.client_from_environment(), Optional[Client])
    if client is None:
        return None
    with client:
        return client.app_id()


def error_handling(client: Client) -> str:
    try:
        client.user_profile_blocking("nobody@example.com")
    except QiscusError.NotFound as e:
        return f"not found: {e.call}"
    except QiscusError.RateLimited as e:
        wait: Optional[datetime.timedelta] = e.retry_after
        return f"retry after {wait}"
    except QiscusError.InvalidInput as e:
        return f"bad field {e.field}"
    except QiscusError as e:
        return f"other: {e}"
    return "found"


def webhook(token: bytes, body: bytes, signature: str) -> WebhookEvent:
    sig: str = qiscus.sign_webhook_body(token, body)
    qiscus.verify_webhook_signature(token, body, sig)
    event = qiscus.receive_webhook(token, {"QISCUS-SDK-SIGNATURE": signature}, body)
    assert_type(event, WebhookEvent)
    kind: str = event.event_type
    assert kind
    return event


def describe(payload: Payload) -> str:
    if isinstance(payload, Payload.UNKNOWN):
        body: Optional[Any] = payload.payload
        return f"unknown {payload.type_name} {body}"
    if isinstance(payload, Payload.CARD):
        card = payload[0]
        assert_type(card, CardPayload)
        return f"card {card.title} with {len(card.buttons)} button(s)"
    if payload.is_text():
        return "text"
    return str(payload)


def build_payloads(replied: Comment) -> List[Payload]:
    return [
        Payload.TEXT(),
        Payload.REPLY(ReplyPayload(text="re", replied_comment_id=replied.id)),
        Payload.CUSTOM(CustomPayload(custom_type="promo", content={"off": 10})),
        Payload.UNKNOWN(type_name="poll", payload={"q": "?"}),
    ]


def error_fields(e: QiscusError) -> Dict[str, Any]:
    if isinstance(e, QiscusError.Api):
        status: int = e.status
        messages: List[str] = e.detailed_messages
        return {"status": status, "messages": messages}
    return {}


class PrintProgress(qiscus.BackupProgressListener):
    def on_progress(self, progress: qiscus.BackupProgress) -> None:
        stage: qiscus.BackupStage = progress.stage
        print(stage, progress.rows_done)


async def workflows(client: Client) -> int:
    rows = await client.export_and_download(
        qiscus.BackupResource.USERS, "2024-01-01", "2024-01-31", listener=PrintProgress()
    )
    emails: List[str] = []
    if isinstance(rows, qiscus.BackupRows.USERS):
        emails = [row.email for row in rows.rows]
    pager = client.rooms_pager("a@example.com")
    total = 0
    while (page := await pager.next_page()) is not None:
        assert_type(page, List[qiscus.RoomInfo])
        total += len(page)
    first = client.comments_pager(qiscus.CommentsPagerParams(room_id=1, limit=20)).next_page_blocking()
    assert_type(first, Optional[List[Comment]])
    return total + len(emails)


def iterate(client: Client) -> int:
    """The paging idiom: items and pages are typed, in both forms."""
    rooms = client.rooms("a@example.com")
    assert_type(rooms, qiscus.Paged[qiscus.RoomInfo])
    names = [room.room_name for room in rooms]
    assert_type(names, List[str])
    for comment in client.comments(1, limit=50, stop_at_id=10, max_count=100):
        assert_type(comment, Comment)
    for page in client.exports().pages():
        assert_type(page, List[qiscus.Export])
    first: Optional[qiscus.Import] = next(iter(client.imports()), None)
    # Any pager (or anything with its two methods) can be wrapped.
    wrapped: qiscus.Paged[qiscus.RoomInfo] = qiscus.Paged(client.rooms_pager("a@example.com"))
    return len(names) + (first is not None) + len(list(wrapped))


async def iterate_async(client: Client) -> int:
    total = 0
    async for room in client.rooms("a@example.com"):
        assert_type(room, qiscus.RoomInfo)
        total += 1
    async for page in client.comments(1).async_pages():
        assert_type(page, List[Comment])
        total += len(page)
    return total


def user_rows() -> List[qiscus.UserRow]:
    """Row records need only their required fields."""
    return [qiscus.UserRow(email="a@example.com")]


def shorter(client: Client) -> Client:
    return client.with_timeout(1000)


if __name__ == "__main__":
    asyncio.run(async_tour("http://127.0.0.1:1"))
