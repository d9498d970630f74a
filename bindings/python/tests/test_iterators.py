"""The paging idiom: `client.rooms()`, `comments()`, `exports()`, `imports()` as plain and async
iterators (`qiscus.Paged`), against the emulator; and the row records' field defaults."""

from __future__ import annotations

import asyncio
import datetime
from typing import Callable, List, TypeVar

import pytest
import qiscus
from conftest import Emulator
from qiscus import (
    BackupResource,
    CommentRow,
    CreateExportParams,
    CreateRoomParams,
    ImportBatch,
    LoginOrRegisterParams,
    Paged,
    Payload,
    PostCommentParams,
    QiscusError,
    RoomRow,
    UserRow,
)

Email = Callable[[str], str]
T = TypeVar("T")
MODES = ["blocking", "async"]
TODAY = datetime.date.today().isoformat()


async def items(paged: Paged[T], mode: str) -> List[T]:
    """Every item, with `for` or `async for`."""
    if mode == "blocking":
        return [item for item in paged]
    return [item async for item in paged]


async def pages(paged: Paged[T], mode: str) -> List[List[T]]:
    """Every page, with `pages()` or `async_pages()`."""
    if mode == "blocking":
        return list(paged.pages())
    return [page async for page in paged.async_pages()]


async def take(paged: Paged[T], mode: str, n: int) -> List[T]:
    """The next `n` items, breaking out of the loop after them."""
    taken: List[T] = []
    if n == 0:
        return taken
    if mode == "blocking":
        for item in paged:
            taken.append(item)
            if len(taken) == n:
                break
    else:
        async for item in paged:
            taken.append(item)
            if len(taken) == n:
                break
    return taken


def users(client: qiscus.Client, *addresses: str) -> None:
    for address in addresses:
        client.login_or_register_blocking(LoginOrRegisterParams(email=address, username=address[:6]))


def make_rooms(client: qiscus.Client, owner: str, other: str, n: int) -> List[int]:
    """`n` group rooms of `owner`, created one after the other: ids in creation order."""
    return [
        client.create_room_blocking(CreateRoomParams(name=f"room {i}", participants=[other], creator=owner)).room_id
        for i in range(n)
    ]


async def make_comments(client: qiscus.Client, room_id: int, sender: str, n: int) -> List[int]:
    """`n` text comments in a room (posted 50 at a time): their ids."""
    ids: List[int] = []
    for start in range(0, n, 50):
        posted = await asyncio.gather(
            *(
                client.post_comment(
                    PostCommentParams(room_id=room_id, sender_email=sender, message=f"m{i}", payload=Payload.TEXT())
                )
                for i in range(start, min(n, start + 50))
            )
        )
        ids += [c.id for c in posted]
    return ids


def requests(emulator: Emulator) -> int:
    return emulator.stats()["requests"]


@pytest.mark.parametrize("mode", MODES)
async def test_every_room_in_order(mode: str, client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    owner, other = email("owner"), email("other")
    users(client, owner, other)
    created = make_rooms(client, owner, other, 250)
    before = requests(emulator)
    rooms = await items(client.rooms(owner), mode)
    ids = [r.room_id for r in rooms]
    # Most recent activity first: the reverse of creation; each room once, none lost.
    assert ids == created[::-1]
    assert len(set(ids)) == 250
    assert [r.room_name for r in rooms[:2]] == ["room 249", "room 248"]
    # 12 full pages of 20 and a short one (10) that ends the list: 13 requests, no more.
    assert requests(emulator) - before == 13


@pytest.mark.parametrize("mode", MODES)
async def test_every_room_by_page(mode: str, client: qiscus.Client, email: Email) -> None:
    owner, other = email("owner"), email("other")
    users(client, owner, other)
    created = make_rooms(client, owner, other, 45)
    got = await pages(client.rooms(owner), mode)
    assert [len(p) for p in got] == [20, 20, 5]
    assert [r.room_id for p in got for r in p] == created[::-1]


@pytest.mark.parametrize("mode", MODES)
async def test_every_comment_in_order(
    mode: str, client: qiscus.Client, emulator: Emulator, email: Email
) -> None:
    a, b = email("a"), email("b")
    users(client, a, b)
    room_id = client.create_room_blocking(CreateRoomParams(name="busy", participants=[b], creator=a)).room_id
    posted = await make_comments(client, room_id, a, 1000)
    assert len(set(posted)) == 1000
    before = requests(emulator)
    comments = await items(client.comments(room_id), mode)
    ids = [c.id for c in comments]
    # Newest first, each once, none lost.
    assert ids == sorted(posted, reverse=True)
    assert {c.message for c in comments} == {f"m{i}" for i in range(1000)}
    # 50 full pages of 20, then an empty page that ends the list.
    assert requests(emulator) - before == 51

    # The same list in pages of 100, page by page.
    by_page = await pages(client.comments(room_id, limit=100), mode)
    assert [len(p) for p in by_page] == [100] * 10
    assert [c.id for p in by_page for c in p] == ids


@pytest.mark.parametrize("mode", MODES)
async def test_comments_stop_at_id_and_max_count(mode: str, client: qiscus.Client, email: Email) -> None:
    a, b = email("a"), email("b")
    users(client, a, b)
    room_id = client.create_room_blocking(CreateRoomParams(name="r", participants=[b], creator=a)).room_id
    posted = sorted(await make_comments(client, room_id, a, 30), reverse=True)
    # Only what is newer than a known comment (exclusive).
    newer = await items(client.comments(room_id, limit=7, stop_at_id=posted[12]), mode)
    assert [c.id for c in newer] == posted[:12]
    # At most 9, across pages of 4.
    capped = await items(client.comments(room_id, limit=4, max_count=9), mode)
    assert [c.id for c in capped] == posted[:9]


@pytest.mark.parametrize("mode", MODES)
async def test_pages_are_fetched_only_when_needed(
    mode: str, client: qiscus.Client, emulator: Emulator, email: Email
) -> None:
    owner, other = email("owner"), email("other")
    users(client, owner, other)
    created = make_rooms(client, owner, other, 30)[::-1]
    before = requests(emulator)
    paged = client.rooms(owner)
    assert requests(emulator) == before, "making the iterator fetched something"
    first = await take(paged, mode, 5)
    assert [r.room_id for r in first] == created[:5]
    assert requests(emulator) - before == 1, "5 items need only the first page"
    # The rest of the first page is already here.
    more = await take(paged, mode, 15)
    assert [r.room_id for r in more] == created[5:20]
    assert requests(emulator) - before == 1
    # The 21st needs the second page.
    (twenty_first,) = await take(paged, mode, 1)
    assert twenty_first.room_id == created[20]
    assert requests(emulator) - before == 2


@pytest.mark.parametrize("mode", MODES)
async def test_breaking_out_early_and_resuming(
    mode: str, client: qiscus.Client, emulator: Emulator, email: Email
) -> None:
    owner, other = email("owner"), email("other")
    users(client, owner, other)
    created = make_rooms(client, owner, other, 25)[::-1]
    paged = client.rooms(owner)
    before = requests(emulator)
    assert [r.room_id for r in await take(paged, mode, 3)] == created[:3]
    # Breaking out of a loop fetches nothing more, and a fresh iterator starts again.
    assert requests(emulator) - before == 1
    assert [r.room_id for r in await take(client.rooms(owner), mode, 1)] == created[:1]
    # The same iterator is one pass: it resumes after the last item it gave, in either form,
    # and pages() starts with what is left of the current page.
    assert [r.room_id for r in await take(paged, "async" if mode == "blocking" else "blocking", 2)] == created[3:5]
    assert [[r.room_id for r in p] for p in await pages(paged, mode)] == [created[5:20], created[20:]]
    # Exhausted: empty from then on, without asking the server again.
    done = requests(emulator)
    assert await items(paged, mode) == [] and await items(paged, "async") == []
    assert list(paged.pages()) == []
    assert requests(emulator) == done


@pytest.mark.parametrize("mode", MODES)
async def test_empty_lists(mode: str, client: qiscus.Client, emulator: Emulator, email: Email) -> None:
    a, b = email("a"), email("b")
    users(client, a, b)
    room_id = client.create_room_blocking(CreateRoomParams(name="quiet", participants=[b], creator=a)).room_id
    lonely = email("lonely")
    users(client, lonely)
    before = requests(emulator)
    assert await items(client.rooms(lonely), mode) == []
    assert await items(client.comments(room_id), mode) == []
    assert await items(client.exports(), mode) == []
    assert await items(client.imports(), mode) == []
    assert await pages(client.comments(room_id), mode) == []
    # One request each: an empty first page ends the list.
    assert requests(emulator) - before == 5


@pytest.mark.parametrize("mode", MODES)
async def test_errors_are_raised_where_the_page_is_needed(
    mode: str, client: qiscus.Client, emulator: Emulator, email: Email
) -> None:
    paged = client.rooms(email("nobody"))  # no request yet, so no error yet
    with pytest.raises(QiscusError.NotFound):
        await take(paged, mode, 1)
    before = requests(emulator)
    with pytest.raises(QiscusError.InvalidInput) as info:
        await items(client.comments(1, limit=0), mode)
    assert info.value.field == "limit"
    assert requests(emulator) == before, "an invalid limit was sent"


def test_calls_on_a_closed_client_fail_at_once(emulator: Emulator) -> None:
    client = emulator.client()
    client.shutdown()
    with pytest.raises(QiscusError.Config):
        client.rooms("a@example.com")


@pytest.mark.parametrize("mode", MODES)
async def test_exports_and_imports(mode: str, client: qiscus.Client, email: Email) -> None:
    users(client, email("u"))
    created = [
        client.create_export_blocking(
            CreateExportParams(resource=BackupResource.USERS, start_date=TODAY, end_date=TODAY)
        ).unique_id
        for _ in range(23)
    ]
    exports = await items(client.exports(), mode)
    assert sorted(e.unique_id for e in exports) == sorted(created)
    assert len({e.unique_id for e in exports}) == 23
    assert [len(p) for p in await pages(client.exports(), mode)] == [20, 3]

    report = client.import_rows_blocking(ImportBatch(users=[UserRow(email=email("imported"))]), poll_interval_ms=20)
    imports = await items(client.imports(), mode)
    assert [i.unique_id for i in imports] == [f.unique_id for f in report.files]


def test_row_records_need_only_their_required_fields(client: qiscus.Client, email: Email) -> None:
    alice, bob = email("alice"), email("bob")
    user = UserRow(email=alice)
    assert (user.name, user.avatar_url, user.authentication_token, user.password, user.created_at) == ("",) * 5
    # (A group room's name is required by the import rules; the record still defaults it.)
    assert RoomRow(room_type="single", creator_email=alice, unique_id="r", participant_emails=[]).name == ""
    room = RoomRow(
        name="Imported", room_type="group", creator_email=alice, unique_id="room-1", participant_emails=[alice, bob]
    )
    assert (room.options, room.created_at, room.avatar_url) == ("",) * 3
    comment = CommentRow(message="hello", unique_id="c-1", creator_email=alice, room_unique_id="room-1")
    assert comment.disable_link_preview is False
    assert (comment.comment_type, comment.created_at, comment.parent_comment_unique_id) == ("",) * 3
    assert comment.payload is None
    assert comment == CommentRow(
        message="hello",
        disable_link_preview=False,
        comment_type="",
        unique_id="c-1",
        creator_email=alice,
        room_unique_id="room-1",
        created_at="",
        payload=None,
        parent_comment_unique_id="",
    )
    # The server accepts them as they are and fills in the rest.
    report = client.import_rows_blocking(
        ImportBatch(users=[user, UserRow(email=bob)], rooms=[room], comments=[comment]), poll_interval_ms=20
    )
    assert (report.users_imported, report.rooms_imported, report.comments_imported) == (2, 1, 1)
    assert report.row_errors == []
    assert client.user_profile_blocking(bob).username  # a name was filled in
    (imported,) = list(client.rooms(alice))
    assert [c.message for c in client.comments(imported.room_id)] == ["hello"]
