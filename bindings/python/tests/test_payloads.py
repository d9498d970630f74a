"""Every payload type: posted, read back as the same `Payload` variant, and stored right."""

from __future__ import annotations

import sys
from typing import Any, Callable, List, Tuple

import pytest
import qiscus
from conftest import Emulator
from qiscus import (
    AccountLinkingPayload,
    Button,
    ButtonAction,
    ButtonPostbackResponsePayload,
    ButtonsPayload,
    CardPayload,
    CarouselCard,
    CarouselPayload,
    ContactPersonPayload,
    CustomPayload,
    FileAttachmentPayload,
    LoadCommentsParams,
    LocationPayload,
    LoginOrRegisterParams,
    Payload,
    PostCommentParams,
    QiscusError,
    ReplyPayload,
    SystemEvent,
    SystemEventParams,
)

LINK = Button(
    label="Open",
    button_type="link",
    payload=ButtonAction(url="https://example.com", method="get", payload=None),
)
POSTBACK = Button(
    label="Yes",
    button_type="postback",
    payload=ButtonAction(url="https://example.com/hook", method="post", payload={"answer": "yes"}),
)


def payloads(replied_id: int) -> List[Tuple[str, Payload, str]]:
    """(wire type, payload, message) for every variant that post_comment accepts."""
    return [
        ("text", Payload.TEXT(), "plain"),
        ("reply", Payload.REPLY(ReplyPayload(text="first!", replied_comment_id=replied_id)), "a reply"),
        (
            "account_linking",
            Payload.ACCOUNT_LINKING(
                AccountLinkingPayload(
                    text="Log in",
                    url="https://example.com/login",
                    redirect_url="https://example.com/done",
                    params={"user_id": 7, "state": "x"},
                )
            ),
            "link your account",
        ),
        ("buttons", Payload.BUTTONS(ButtonsPayload(text="Choose", buttons=[LINK, POSTBACK])), "choose"),
        (
            "card",
            Payload.CARD(
                CardPayload(
                    text="A card",
                    image="https://example.com/i.png",
                    title="Title",
                    description="Desc",
                    url="https://example.com/p",
                    buttons=[LINK],
                )
            ),
            "card",
        ),
        (
            "carousel",
            Payload.CAROUSEL(
                CarouselPayload(
                    cards=[
                        CarouselCard(
                            image="https://example.com/1.png",
                            title="One",
                            description="first",
                            default_action={"url": "https://example.com/1"},
                            buttons=[LINK],
                        ),
                        CarouselCard(
                            image="https://example.com/2.png",
                            title="Two",
                            description="second",
                            default_action=None,
                            buttons=[POSTBACK],
                        ),
                    ]
                )
            ),
            "carousel",
        ),
        (
            "custom",
            Payload.CUSTOM(
                CustomPayload(
                    custom_type="promo", content={"discount": 10, "codes": ["A", "B"], "deep": {"x": None}}
                )
            ),
            "custom",
        ),
        (
            "location",
            Payload.LOCATION(
                LocationPayload(
                    name="Monas",
                    address="Jakarta",
                    latitude=-6.1754,
                    longitude=106.8272,
                    map_url="https://maps.example.com/monas",
                )
            ),
            "",
        ),
        (
            "contact_person",
            Payload.CONTACT_PERSON(
                ContactPersonPayload(name="Ani", value="ani@example.com", contact_type="email")
            ),
            "",
        ),
        (
            "file_attachment",
            Payload.FILE_ATTACHMENT(
                FileAttachmentPayload(
                    url="https://example.com/f.pdf", caption="The file", file_name="f.pdf", size=1234, pages=3
                )
            ),
            "",
        ),
        (
            "button_postback_response",
            Payload.BUTTON_POSTBACK_RESPONSE(
                ButtonPostbackResponsePayload(
                    url="https://example.com/hook", method="post", payload={"answer": "yes"}
                )
            ),
            "yes",
        ),
        (
            "vote_poll",
            Payload.UNKNOWN(
                type_name="vote_poll",
                payload={"question": "Lunch?", "options": ["rice", "noodles"], "n": 2, "open": True},
            ),
            "poll",
        ),
    ]


VARIANTS = {
    "text": Payload.TEXT,
    "reply": Payload.REPLY,
    "account_linking": Payload.ACCOUNT_LINKING,
    "buttons": Payload.BUTTONS,
    "card": Payload.CARD,
    "carousel": Payload.CAROUSEL,
    "custom": Payload.CUSTOM,
    "location": Payload.LOCATION,
    "contact_person": Payload.CONTACT_PERSON,
    "file_attachment": Payload.FILE_ATTACHMENT,
    "button_postback_response": Payload.BUTTON_POSTBACK_RESPONSE,
    "vote_poll": Payload.UNKNOWN,
}


@pytest.fixture
def room(client: qiscus.Client, email: Callable[[str], str]) -> Tuple[int, str]:
    sender = email("sender")
    client.login_or_register_blocking(LoginOrRegisterParams(email=sender, username="Sender"))
    other = email("other")
    client.login_or_register_blocking(LoginOrRegisterParams(email=other, username="Other"))
    return client.get_or_create_room_with_target_blocking([sender, other]).room.id, sender


def test_every_payload_round_trips(client: qiscus.Client, emulator: Emulator, room: Tuple[int, str]) -> None:
    room_id, sender = room
    first = client.post_comment_blocking(
        PostCommentParams(room_id=room_id, sender_email=sender, message="first", payload=Payload.TEXT())
    )
    cases = payloads(first.id)
    assert {wire for wire, _, _ in cases} == set(VARIANTS)
    posted = {}
    for wire, payload, message in cases:
        comment = client.post_comment_blocking(
            PostCommentParams(room_id=room_id, sender_email=sender, message=message, payload=payload)
        )
        assert isinstance(comment.payload, VARIANTS[wire]), (wire, comment.payload)
        assert isinstance(comment.payload, Payload)
        posted[comment.id] = (wire, payload)
        # What was sent comes back equal, field by field.
        assert comment.payload == payload, (wire, str(comment.payload), str(payload))

    loaded = client.load_comments_blocking(LoadCommentsParams(room_id=room_id, limit=50))
    by_id = {c.id: c for c in loaded}
    for cid, (wire, _) in posted.items():
        got = by_id[cid].payload
        assert isinstance(got, VARIANTS[wire]), wire
        assert got.is_unknown() == (wire == "vote_poll")

    # The wire form the server stored: type names and payload objects.
    stored = {c["id"]: c for c in emulator.room_comments(room_id)}
    for cid, (wire, _) in posted.items():
        assert stored[cid]["type"] == wire

    # Field-level checks on a few variants.
    loaded_by_wire = {posted[c.id][0]: c for c in loaded if c.id in posted}
    card = loaded_by_wire["card"].payload
    assert isinstance(card, Payload.CARD)
    assert card[0].title == "Title" and card[0].buttons[0].payload.url == "https://example.com"
    carousel = loaded_by_wire["carousel"].payload
    assert isinstance(carousel, Payload.CAROUSEL)
    assert [c.title for c in carousel[0].cards] == ["One", "Two"]
    assert carousel[0].cards[0].default_action == {"url": "https://example.com/1"}
    custom = loaded_by_wire["custom"].payload
    assert isinstance(custom, Payload.CUSTOM)
    assert custom[0].custom_type == "promo" and custom[0].content == {
        "discount": 10,
        "codes": ["A", "B"],
        "deep": {"x": None},
    }
    location = loaded_by_wire["location"]
    assert isinstance(location.payload, Payload.LOCATION)
    assert location.payload[0].latitude == pytest.approx(-6.1754)
    assert location.message == "Monas Jakarta https://maps.example.com/monas"  # written by the server
    contact = loaded_by_wire["contact_person"]
    assert isinstance(contact.payload, Payload.CONTACT_PERSON)
    assert contact.payload[0].contact_type == "email" and contact.message == "Ani - ani@example.com"
    attachment = loaded_by_wire["file_attachment"]
    assert isinstance(attachment.payload, Payload.FILE_ATTACHMENT)
    assert (
        attachment.payload[0].pages == 3 and attachment.message == "[file] https://example.com/f.pdf [/file]"
    )
    reply = loaded_by_wire["reply"].payload
    assert isinstance(reply, Payload.REPLY) and reply[0].replied_comment_id == first.id
    linking = loaded_by_wire["account_linking"].payload
    assert isinstance(linking, Payload.ACCOUNT_LINKING) and linking[0].params == {"user_id": 7, "state": "x"}
    postback = loaded_by_wire["button_postback_response"].payload
    assert isinstance(postback, Payload.BUTTON_POSTBACK_RESPONSE) and postback[0].payload == {"answer": "yes"}
    unknown = loaded_by_wire["vote_poll"].payload
    assert isinstance(unknown, Payload.UNKNOWN)
    assert unknown.type_name == "vote_poll"
    assert unknown.payload == {"question": "Lunch?", "options": ["rice", "noodles"], "n": 2, "open": True}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_match_statement(client: qiscus.Client, room: Tuple[int, str]) -> None:
    room_id, sender = room
    client.post_comment_blocking(
        PostCommentParams(
            room_id=room_id,
            sender_email=sender,
            message="x",
            payload=Payload.UNKNOWN(type_name="sticker", payload={"id": 5}),
        )
    )
    client.post_comment_blocking(
        PostCommentParams(
            room_id=room_id,
            sender_email=sender,
            message="y",
            payload=Payload.CUSTOM(CustomPayload(custom_type="t", content=[1])),
        )
    )
    namespace: dict[str, Any] = {"Payload": Payload}
    exec(  # `match` is a syntax error before 3.10: keep it out of the module's own code
        "def describe(p):\n"
        "    match p:\n"
        "        case Payload.UNKNOWN(type_name=name, payload=body):\n"
        "            return f'unknown {name} {body}'\n"
        "        case Payload.CUSTOM() as c:\n"
        "            return f'custom {c[0].custom_type}'\n"
        "        case Payload.TEXT():\n"
        "            return 'text'\n"
        "    return 'other'\n",
        namespace,
    )
    described = [
        namespace["describe"](c.payload)
        for c in client.load_comments_blocking(LoadCommentsParams(room_id=room_id))
    ]
    assert described == ["custom t", "unknown sticker {'id': 5}"]


def test_system_events(client: qiscus.Client, room: Tuple[int, str], email: Callable[[str], str]) -> None:
    _, owner = room
    guest = email("guest")
    client.login_or_register_blocking(LoginOrRegisterParams(email=guest, username="Guest"))
    group = client.create_room_blocking(
        qiscus.CreateRoomParams(name="Events", participants=[guest], creator=owner)
    )
    events = [
        (SystemEvent.CREATE_ROOM(room_name="Events"), "create_room"),
        (SystemEvent.ADD_MEMBER(object_emails=[guest]), "add_member"),
        (SystemEvent.JOIN_ROOM(), "join_room"),
        (SystemEvent.REMOVE_MEMBER(object_emails=[guest]), "remove_member"),
        (SystemEvent.LEFT_ROOM(), "left_room"),
        (SystemEvent.CHANGE_ROOM_NAME(room_name="Renamed"), "change_room_name"),
        (SystemEvent.CHANGE_ROOM_AVATAR(), "change_room_avatar"),
        (
            SystemEvent.CUSTOM(payload={"type": "promoted", "level": 2}, message="Owner was promoted"),
            "promoted",
        ),
    ]
    for event, event_type in events:
        comment = client.post_system_event_message_blocking(
            SystemEventParams(room_id=group.room_id, subject_email=owner, event=event)
        )
        assert isinstance(comment.payload, Payload.SYSTEM_EVENT), event
        assert comment.payload[0].event_type == event_type
        assert comment.message
    loaded = client.load_comments_blocking(LoadCommentsParams(room_id=group.room_id, limit=20))
    assert [c.payload[0].event_type for c in reversed(loaded)] == [t for _, t in events]
    assert loaded[0].message == "Owner was promoted"
    assert loaded[0].payload[0].extra is not None and loaded[0].payload[0].extra.get("level") == 2


def test_system_event_payload_cannot_be_posted_as_comment(
    client: qiscus.Client, room: Tuple[int, str]
) -> None:
    room_id, sender = room
    with pytest.raises(QiscusError.InvalidInput) as info:
        client.post_comment_blocking(
            PostCommentParams(
                room_id=room_id,
                sender_email=sender,
                message="x",
                payload=Payload.UNKNOWN(type_name="system_event", payload={}),
            )
        )
    assert info.value.field == "type"
