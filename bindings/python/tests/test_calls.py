"""Every REST call, in both forms (the `api` fixture is parametrized: async and blocking)."""

from __future__ import annotations

import datetime
import json
from typing import Callable

import pytest
import qiscus
from conftest import Api, Emulator, eventually
from qiscus import (
    BackupResource,
    CreateExportParams,
    CreateImportParams,
    CreateRoomParams,
    GetRoomsInfoParams,
    GetUserRoomsParams,
    LoadCommentsParams,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    RoomType,
    SearchMessagesParams,
    SystemEvent,
    SystemEventParams,
    UpdateRoomParams,
)

Email = Callable[[str], str]


async def register(api: Api, address: str, name: str = "User") -> qiscus.User:
    user: qiscus.User = await api("login_or_register", LoginOrRegisterParams(email=address, username=name))
    return user


async def test_users(api: Api, email: Email) -> None:
    address = email("alice")
    user = await api(
        "login_or_register",
        LoginOrRegisterParams(
            email=address, username="Alice", password="s3cret", avatar_url="https://example.com/a.png"
        ),
    )
    assert isinstance(user, qiscus.User)
    assert user.email == address and user.username == "Alice" and user.id > 0
    assert user.token

    profile = await api("user_profile", address)
    assert profile.id == user.id and profile.email == address and profile.username == "Alice"
    assert profile.avatar_url == "https://example.com/a.png"

    # Updating an existing user needs its password.
    renamed = await api(
        "login_or_register", LoginOrRegisterParams(email=address, username="Alice B", password="s3cret")
    )
    assert renamed.id == user.id and renamed.username == "Alice B"
    assert (await api("user_profile", address)).username == "Alice B"

    reset = await api("reset_user_token", address)
    assert reset.id == user.id and reset.token and reset.token != user.token


async def test_group_room_lifecycle(api: Api, email: Email) -> None:
    owner = await register(api, email("owner"), "Owner")
    bob = await register(api, email("bob"), "Bob")
    carol = await register(api, email("carol"), "Carol")

    room = await api(
        "create_room", CreateRoomParams(name="Team", participants=[bob.email], creator=owner.email)
    )
    assert isinstance(room, qiscus.RoomSummary)
    assert room.room_name == "Team" and room.room_type == "group" and room.room_id > 0
    members = {p.email for p in room.participants}
    assert members == {owner.email, bob.email}  # the creator is a participant

    options = {"color": "red", "tags": ["a", "b"], "nested": {"n": 1, "f": 1.5, "none": None, "ok": True}}
    updated = await api(
        "update_room",
        UpdateRoomParams(user_email=owner.email, room_id=room.room_id, room_name="Team 2", options=options),
    )
    assert isinstance(updated, qiscus.UpdatedRoom)
    assert updated.changed is True
    assert updated.room.id == room.room_id and updated.room.room_name == "Team 2"
    assert updated.room.options == options  # a dict in, the same dict out

    added = await api("add_room_participants", room.room_id, [carol.email])
    assert {p.email for p in added.participants} == {owner.email, bob.email, carol.email}

    removed = await api("remove_room_participants", room.room_id, [bob.email])
    assert {p.email for p in removed.participants} == {owner.email, carol.email}

    infos = await api(
        "get_rooms_info",
        GetRoomsInfoParams(user_email=owner.email, room_ids=[room.room_id], show_participants=True),
    )
    assert len(infos) == 1
    info = infos[0]
    assert isinstance(info, qiscus.RoomInfo)
    assert info.room_id == room.room_id and info.room_name == "Team 2"
    assert info.participants is not None and {p.email for p in info.participants} == {
        owner.email,
        carol.email,
    }

    rooms = await api("get_user_rooms", GetUserRoomsParams(user_email=carol.email, show_participants=False))
    assert isinstance(rooms, qiscus.UserRooms)
    assert [r.room_id for r in rooms.rooms_info] == [room.room_id]
    groups = await api(
        "get_user_rooms", GetUserRoomsParams(user_email=carol.email, room_type=RoomType.SINGLE)
    )
    assert groups.rooms_info == []


async def test_single_room_comments_and_search(api: Api, email: Email) -> None:
    alice = await register(api, email("alice"), "Alice")
    bob = await register(api, email("bob"), "Bob")

    single = await api("get_or_create_room_with_target", [alice.email, bob.email])
    assert isinstance(single, qiscus.RoomWithComments)
    assert single.room.chat_type == "single"
    assert {p.email for p in single.room.participants} == {alice.email, bob.email}
    again = await api("get_or_create_room_with_target", [alice.email, bob.email])
    assert again.room.id == single.room.id  # created once

    room_id = single.room.id
    temp_id = qiscus.new_unique_temp_id()
    posted = await api(
        "post_comment",
        PostCommentParams(
            room_id=room_id,
            sender_email=alice.email,
            message="hello pineapple",
            payload=Payload.TEXT(),
            unique_temp_id=temp_id,
        ),
    )
    assert isinstance(posted, qiscus.Comment)
    assert posted.message == "hello pineapple" and posted.email == alice.email
    assert posted.unique_temp_id == temp_id and isinstance(posted.payload, Payload.TEXT)
    # Idempotent through unique_temp_id: the same comment comes back.
    repeated = await api(
        "post_comment",
        PostCommentParams(
            room_id=room_id,
            sender_email=alice.email,
            message="hello pineapple",
            payload=Payload.TEXT(),
            unique_temp_id=temp_id,
        ),
    )
    assert repeated.id == posted.id
    second = await api(
        "post_comment",
        PostCommentParams(room_id=room_id, sender_email=bob.email, message="second", payload=Payload.TEXT()),
    )

    page = await api("load_comments", LoadCommentsParams(room_id=room_id, limit=10))
    assert [c.id for c in page] == [second.id, posted.id]  # newest first
    assert page[0].message == "second" and page[1].email == alice.email
    only_one = await api("load_comments", LoadCommentsParams(room_id=room_id, page=1, limit=1))
    assert [c.id for c in only_one] == [second.id]

    event = await api(
        "post_system_event_message",
        SystemEventParams(
            room_id=room_id,
            subject_email=alice.email,
            event=SystemEvent.CUSTOM(
                payload={"type": "add_admin", "k": [1, 2]}, message="something happened"
            ),
        ),
    )
    assert isinstance(event, qiscus.Comment)
    assert isinstance(event.payload, Payload.SYSTEM_EVENT)
    assert event.payload[0].event_type == "add_admin"  # a custom event's own type
    assert event.message == "something happened"

    found = await api("search_messages", SearchMessagesParams(user_email=bob.email, query="pineapple"))
    assert [c.id for c in found] == [posted.id]
    assert found[0].room_id == room_id
    scoped = await api(
        "search_messages", SearchMessagesParams(user_email=bob.email, query="second", room_id=room_id)
    )
    assert [c.id for c in scoped] == [second.id]
    assert await api("search_messages", SearchMessagesParams(user_email=bob.email, query="durian")) == []


async def test_exports(api: Api, email: Email) -> None:
    users = [await register(api, email(f"exp{i}"), f"Exp {i}") for i in range(3)]
    today = datetime.date.today()
    params = CreateExportParams(
        resource=BackupResource.USERS,
        start_date=(today - datetime.timedelta(days=1)).isoformat(),
        end_date=(today + datetime.timedelta(days=1)).isoformat(),
    )
    export = await api("create_export", params)
    assert isinstance(export, qiscus.Export)
    assert export.unique_id and export.resource_name == "users"

    async def finished() -> qiscus.Export | None:
        current = await api("get_export", export.unique_id)
        return current if current.status == "finished" else None

    done: qiscus.Export = await eventually(finished, timeout=10)
    assert done.unique_id == export.unique_id and done.total_rows == 3 and done.percentage == 100

    rows = await api("download_export", done)
    assert isinstance(rows, list) and len(rows) == 3
    assert {row["Email"] for row in rows} == {u.email for u in users}

    listed = await api("list_exports", None)
    assert [e.unique_id for e in listed] == [export.unique_id]
    assert await api("list_exports", 2) == []

    deleted = await api("delete_export", export.unique_id)
    assert deleted.unique_id == export.unique_id
    with pytest.raises(QiscusError.NotFound):
        await api("get_export", export.unique_id)
    assert await api("list_exports", 1) == []


async def test_imports(api: Api, email: Email, emulator: Emulator) -> None:
    rows = [
        {
            "Email": email("imp"),
            "Name": "Imported One",
            "AvatarUrl": "",
            "AuthenticationToken": "",
            "Password": "pw123456",
            "CreateAt": "2024-05-10T11:46:30Z",
        },
        {
            "Email": email("imp"),
            "Name": "Imported Two",
            "AvatarUrl": "",
            "AuthenticationToken": "",
            "Password": "pw123456",
            "CreateAt": "2024-05-10T11:46:30Z",
        },
    ]
    imported = await api(
        "create_import",
        CreateImportParams(
            resource=BackupResource.USERS, file_name="users.json", contents=json.dumps(rows).encode()
        ),
    )
    assert isinstance(imported, qiscus.Import)
    assert imported.unique_id and imported.resource_name == "users"
    assert imported.original_filename == "users.json"
    assert imported.size == len(json.dumps(rows).encode())

    async def present() -> qiscus.User:
        user: qiscus.User = await api("user_profile", rows[1]["Email"])
        return user

    user = await eventually(present)
    assert user.username == "Imported Two"

    listed = await api("list_imports", None)
    assert [i.unique_id for i in listed] == [imported.unique_id]
    assert listed[0].status in ("finished", "started")
    assert await api("list_imports", 2) == []
