#!/usr/bin/env python3
"""A walk through the whole Qiscus SDK REST API (v2) from Python: users, rooms, every comment
type, system events, search, exports and imports.

    pip install ./bindings/python        # or: bindings/python/test.sh, which builds it
    python examples/python/quickstart.py

With neither QISCUS_APP_ID nor QISCUS_SECRET set, it starts the local emulator
(target/debug/qiscus-emulator, or the binary named by QISCUS_EMULATOR_BIN; build it with
`cargo build -p qiscus-emulator`) and talks to it, so it needs no account. With both set, it
talks to https://{QISCUS_APP_ID}.qiscus.com (or QISCUS_BASE_URL when set). (See connect.py.) E-mail addresses get
a random suffix, so it can run against the same app again and again.

Most steps use the blocking form of each call (`client.name_blocking(...)`); the room lists
and the search run as one asyncio section (`await client.name(...)`), concurrently.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import time
import uuid
from typing import List, Tuple

from qiscus import (
    AccountLinkingPayload,
    BackupResource,
    Button,
    ButtonAction,
    ButtonPostbackResponsePayload,
    ButtonsPayload,
    CardPayload,
    CarouselCard,
    CarouselPayload,
    Client,
    ContactPersonPayload,
    CreateExportParams,
    CreateImportParams,
    CreateRoomParams,
    CustomPayload,
    FileAttachmentPayload,
    GetRoomsInfoParams,
    GetUserRoomsParams,
    LoadCommentsParams,
    LocationPayload,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    ReplyPayload,
    SearchMessagesParams,
    SystemEvent,
    SystemEventParams,
    UpdateRoomParams,
)

from connect import connect


class Steps:
    """Prints one step and counts it."""

    def __init__(self) -> None:
        self.count = 0

    def ok(self, call: str, what: object) -> None:
        self.count += 1
        print(f"✓ {call:<32} {what}")


def short(s: str, n: int) -> str:
    return s if len(s) <= n else s[:n] + "…"


def link(label: str, url: str) -> Button:
    return Button(label=label, button_type="link", payload=ButtonAction(url=url, method="get", payload=None))


def postback(label: str, url: str) -> Button:
    return Button(
        label=label,
        button_type="postback",
        payload=ButtonAction(url=url, method="post", payload={"answer": label}),
    )


def every_payload(replied_id: int) -> List[Tuple[str, str, Payload]]:
    """(type, message, payload) of every comment type but text and system_event."""
    return [
        ("reply", "hi Alice!", Payload.REPLY(ReplyPayload(text="hi Alice!", replied_comment_id=replied_id))),
        (
            "account_linking",
            "please log in",
            Payload.ACCOUNT_LINKING(
                AccountLinkingPayload(
                    text="please log in",
                    url="https://example.com/login",
                    redirect_url="https://example.com/done",
                    params={"button_text": "Log in", "view_title": "Login"},
                )
            ),
        ),
        (
            "buttons",
            "pick one",
            Payload.BUTTONS(
                ButtonsPayload(
                    text="pick one",
                    buttons=[
                        postback("Yes", "https://example.com/yes"),
                        link("Docs", "https://example.com/docs"),
                    ],
                )
            ),
        ),
        (
            "card",
            "new arrival",
            Payload.CARD(
                CardPayload(
                    text="new arrival",
                    image="https://example.com/shoe.png",
                    title="Red shoes",
                    description="Light and comfy",
                    url="https://example.com/shoes",
                    buttons=[link("Buy", "https://example.com/buy")],
                )
            ),
        ),
        (
            "carousel",
            "our picks",
            Payload.CAROUSEL(
                CarouselPayload(
                    cards=[
                        CarouselCard(
                            image=f"https://example.com/{t}.png",
                            title=t,
                            description=f"Card {t}",
                            default_action=None,
                            buttons=[link("Open", "https://example.com/")],
                        )
                        for t in ("One", "Two")
                    ]
                )
            ),
        ),
        (
            "custom",
            "a promo",
            Payload.CUSTOM(CustomPayload(custom_type="promo", content={"code": "PY20", "percent": 20})),
        ),
        (
            "location",
            "",
            Payload.LOCATION(
                LocationPayload(
                    name="Monas",
                    address="Jakarta",
                    latitude=-6.175392,
                    longitude=106.827153,
                    map_url="https://maps.google.com/?q=-6.175392,106.827153",
                )
            ),
        ),
        (
            "contact_person",
            "",
            Payload.CONTACT_PERSON(
                ContactPersonPayload(name="Ani", value="+6281234567890", contact_type="phone")
            ),
        ),
        (
            "file_attachment",
            "",
            Payload.FILE_ATTACHMENT(
                FileAttachmentPayload(
                    url="https://example.com/report.pdf",
                    caption="the report",
                    file_name="report.pdf",
                    size=52431,
                    pages=4,
                )
            ),
        ),
        (
            "button_postback_response",
            "Yes",
            Payload.BUTTON_POSTBACK_RESPONSE(
                ButtonPostbackResponsePayload(
                    url="https://example.com/yes", method="post", payload={"answer": "yes"}
                )
            ),
        ),
        # A type this library does not know is kept whole, both ways.
        (
            "vote_poll (unknown)",
            "lunch?",
            Payload.UNKNOWN(
                type_name="vote_poll", payload={"question": "Lunch?", "options": ["rice", "noodles"]}
            ),
        ),
    ]


def type_name(payload: Payload) -> str:
    if isinstance(payload, Payload.UNKNOWN):
        return payload.type_name
    return type(payload).__name__.split(".")[-1].lower()


async def lists_and_search(
    client: Client, s: Steps, alice: str, bob: str, room_id: int, single_id: int
) -> None:
    """The async section: independent reads, run concurrently on one event loop."""
    info, rooms, hits, picks, page = await asyncio.gather(
        client.get_rooms_info(
            GetRoomsInfoParams(user_email=bob, room_ids=[room_id, single_id], show_participants=True)
        ),
        client.get_user_rooms(GetUserRoomsParams(user_email=alice, show_participants=True)),
        client.search_messages(SearchMessagesParams(user_email=alice, query="hello")),
        client.search_messages(SearchMessagesParams(user_email=alice, query="pick", room_id=room_id)),
        client.load_comments(LoadCommentsParams(room_id=room_id, limit=50)),
    )
    s.ok("load_comments", f"{len(page)} comments, newest is a {type_name(page[0].payload) if page else '-'}")
    s.ok("search_messages", f'"hello" in Alice\'s rooms → {len(hits)} hit(s)')
    s.ok("search_messages", f'"pick" in room #{room_id} → {len(picks)} hit(s)')
    for r in info:
        s.ok("get_rooms_info", f"Bob in #{r.room_id} {r.room_name!r}: {r.unread_count} unread")
    s.ok(
        "get_user_rooms",
        f"Alice has {len(rooms.rooms_info)} room(s): "
        + ", ".join(f"#{r.room_id} {r.room_type}" for r in rooms.rooms_info),
    )


def run(c: Client) -> int:
    s = Steps()
    sfx = uuid.uuid4().hex[:8]
    alice, bob, carol = (f"{name}-{sfx}@example.com" for name in ("alice", "bob", "carol"))

    # ---- Users ----
    print("Users")
    for address, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        u = c.login_or_register_blocking(LoginOrRegisterParams(email=address, username=name))
        s.ok("login_or_register", f"{address} → user #{u.id}")
    profile = c.user_profile_blocking(alice)
    s.ok("user_profile", f"{profile.email} is {profile.username!r}")
    reset = c.reset_user_token_blocking(alice)
    s.ok(
        "reset_user_token",
        f"{alice} → {'new token issued' if reset.token != profile.token else 'token unchanged?'}",
    )

    # ---- Rooms ----
    print("\nRooms")
    single = c.get_or_create_room_with_target_blocking([alice, bob])
    s.ok("get_or_create_room_with_target", f"Alice + Bob → single room #{single.room.id}")
    room = c.create_room_blocking(
        CreateRoomParams(name=f"Quickstart {sfx}", participants=[bob], creator=alice)
    )
    room_id = room.room_id
    s.ok(
        "create_room",
        f"{room.room_name!r} → group room #{room_id} with {len(room.participants)} participants",
    )
    updated = c.update_room_blocking(
        UpdateRoomParams(
            user_email=alice,
            room_id=room_id,
            room_name=f"Quickstart {sfx} (renamed)",
            options={"color": "teal", "pinned": True},
        )
    )
    s.ok(
        "update_room",
        f"renamed to {updated.room.room_name!r}, options {json.dumps(updated.room.options)} (changed: {updated.changed})",
    )
    added = c.add_room_participants_blocking(room_id, [carol])
    s.ok("add_room_participants", f"+Carol → {len(added.participants)} participants")
    removed = c.remove_room_participants_blocking(room_id, [carol])
    s.ok("remove_room_participants", f"−Carol → {len(removed.participants)} participants")

    # ---- Comments: every type ----
    print("\nComments")
    text = c.post_comment_blocking(
        PostCommentParams(
            room_id=room_id, sender_email=alice, message="hello from Python", payload=Payload.TEXT()
        )
    )
    s.ok("post_comment", f"{'text':<24} #{text.id} {text.message!r}")
    for kind, message, payload in every_payload(text.id):
        sender = bob if kind == "reply" else alice
        posted = c.post_comment_blocking(
            PostCommentParams(room_id=room_id, sender_email=sender, message=message, payload=payload)
        )
        assert posted.payload == payload, (kind, str(posted.payload))
        s.ok("post_comment", f"{kind:<24} #{posted.id} {short(posted.message, 48)!r}")

    # ---- System events ----
    print("\nSystem events")
    events = [
        SystemEvent.CREATE_ROOM(room_name=f"Quickstart {sfx}"),
        SystemEvent.ADD_MEMBER(object_emails=[bob]),
        SystemEvent.JOIN_ROOM(),
        SystemEvent.REMOVE_MEMBER(object_emails=[bob]),
        SystemEvent.LEFT_ROOM(),
        SystemEvent.CHANGE_ROOM_NAME(room_name=f"Quickstart {sfx} (final)"),
        SystemEvent.CHANGE_ROOM_AVATAR(),
        SystemEvent.CUSTOM(payload={"type": "add_admin", "admin_email": bob}, message="Bob is now an admin"),
    ]
    for event in events:
        posted = c.post_system_event_message_blocking(
            SystemEventParams(room_id=room_id, subject_email=alice, event=event)
        )
        assert isinstance(posted.payload, Payload.SYSTEM_EVENT)
        s.ok("post_system_event_message", f"{posted.payload[0].event_type:<18} {posted.message!r}")

    # ---- Room lists, load and search: async ----
    print("\nRoom lists, load and search (asyncio, concurrently)")
    asyncio.run(lists_and_search(c, s, alice, bob, room_id, single.room.id))

    # ---- Backups and imports ----
    print("\nBackups and imports")
    today = datetime.date.today()
    export = c.create_export_blocking(
        CreateExportParams(
            resource=BackupResource.USERS,
            start_date=(today - datetime.timedelta(days=1)).isoformat(),
            end_date=(today + datetime.timedelta(days=1)).isoformat(),
        )
    )
    s.ok("create_export", f"users → job {short(export.unique_id, 8)} ({export.status})")
    deadline, polls = time.monotonic() + 120, 0
    while True:
        current = c.get_export_blocking(export.unique_id)
        polls += 1
        if current.status == "finished":
            break
        if current.status == "failed":
            raise SystemExit(f"export failed: {current.error_message}")
        if time.monotonic() > deadline:
            raise SystemExit("the export did not finish within 2 minutes")
        time.sleep(0.25)
    s.ok("get_export", f"finished after {polls} poll(s): {current.total_rows} rows, {current.size} bytes")
    rows = c.download_export_blocking(current)
    ours = sum(
        1
        for row in rows
        if isinstance(row, dict) and str(row.get("Email", "")).endswith(f"-{sfx}@example.com")
    )
    s.ok("download_export", f"{len(rows)} rows downloaded, {ours} of them this run's users")
    if ours != 3:
        raise SystemExit(f"expected this run's 3 users in the export, found {ours}")
    exports = c.list_exports_blocking(None)
    s.ok(
        "list_exports",
        f"{len(exports)} export(s), ours listed: {any(e.unique_id == export.unique_id for e in exports)}",
    )

    imported = [f"imported{i}-{sfx}@example.com" for i in (1, 2)]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    file = [
        {
            "Email": address,
            "Name": f"Imported {i + 1}",
            "AvatarUrl": "https://example.com/avatar.png",
            "AuthenticationToken": uuid.uuid4().hex,
            "Password": uuid.uuid4().hex,
            "CreateAt": now,
        }
        for i, address in enumerate(imported)
    ]
    job = c.create_import_blocking(
        CreateImportParams(
            resource=BackupResource.USERS, file_name=f"users-{sfx}.json", contents=json.dumps(file).encode()
        )
    )
    s.ok("create_import", f"{len(file)} users → job {short(job.unique_id, 8)} ({job.status})")
    deadline = time.monotonic() + 30
    listed = None
    while time.monotonic() < deadline:
        listed = next((i for i in c.list_imports_blocking(None) if i.unique_id == job.unique_id), None)
        if listed is not None and listed.status != "started":
            break
        time.sleep(0.1)
    s.ok(
        "list_imports",
        f"ours is {listed.status}: {listed.total_rows} row(s) imported"
        if listed
        else "ours is not listed yet",
    )
    try:
        u = c.user_profile_blocking(imported[0])
        s.ok("user_profile", f"{u.email} exists after the import")
    except QiscusError.NotFound as e:
        print(f"… user_profile {imported[0]}: not there yet ({e})")
    deleted = c.delete_export_blocking(export.unique_id)
    s.ok("delete_export", f"job {short(deleted.unique_id, 8)} deleted")
    return s.count


def main() -> int:
    started = time.monotonic()
    try:
        with connect("Qiscus quickstart") as client:
            calls = run(client)
    except QiscusError as e:
        print(f"\n✗ quickstart failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"\nDone: {calls} calls in {time.monotonic() - started:.2f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
