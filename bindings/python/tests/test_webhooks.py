"""Webhook signatures and parsing, and a real webhook from the emulator to a Python server."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import queue
import threading
import time
from typing import Callable, Dict, Iterator, Tuple

import pytest
import qiscus
from conftest import Emulator
from qiscus import LoginOrRegisterParams, Payload, PostCommentParams, QiscusError

BODY = json.dumps(
    {
        "type": "post_comment_rest",
        "payload": {
            "from": {"id": 1, "email": "user1@example.com", "name": "User1"},
            "room": {
                "id": 42,
                "topic_id": 42,
                "type": "group",
                "name": "ini grup",
                "participants": [
                    {
                        "id": 1,
                        "email": "user1@example.com",
                        "username": "User1",
                        "avatar_url": "http://avatar1.jpg",
                    },
                    {
                        "id": 2,
                        "email": "user2@example.com",
                        "username": "User2",
                        "avatar_url": "http://avatar2.jpg",
                    },
                ],
            },
            "message": {
                "type": "custom",
                "text": "ini pesan",
                "payload": {"type": "promo", "content": {"off": 10}},
            },
        },
    }
).encode()
TOKEN = b"webhook-token"


def test_sign_matches_hmac_sha256() -> None:
    expected = hmac.new(TOKEN, BODY, hashlib.sha256).hexdigest()
    assert qiscus.sign_webhook_body(TOKEN, BODY) == expected


def test_verify_accepts_and_rejects() -> None:
    good = qiscus.sign_webhook_body(TOKEN, BODY)
    assert qiscus.verify_webhook_signature(TOKEN, BODY, good) is None
    assert qiscus.verify_webhook_signature(TOKEN, BODY, good.upper()) is None  # hex in any case
    for bad in (None, "", "00" * 32, good[:-2], qiscus.sign_webhook_body(b"other", BODY)):
        with pytest.raises(QiscusError.InvalidSignature) as info:
            qiscus.verify_webhook_signature(TOKEN, BODY, bad)
        assert info.value.reason
    # One changed byte of the body.
    with pytest.raises(QiscusError.InvalidSignature):
        qiscus.verify_webhook_signature(TOKEN, BODY.replace(b"ini pesan", b"ini pesaN"), good)


def test_parse_event() -> None:
    event = qiscus.parse_webhook_event(BODY)
    assert isinstance(event, qiscus.WebhookEvent)
    assert event.event_type == "post_comment_rest"
    assert event.payload._from.email == "user1@example.com" and event.payload._from.name == "User1"
    assert event.payload.room.id == 42 and event.payload.room.room_type == "group"
    assert [p.email for p in event.payload.room.participants] == ["user1@example.com", "user2@example.com"]
    message = event.payload.message
    assert message.text == "ini pesan"
    assert isinstance(message.payload, Payload.CUSTOM)
    assert message.payload[0].custom_type == "promo" and message.payload[0].content == {"off": 10}
    with pytest.raises(QiscusError.Decode):
        qiscus.parse_webhook_event(b"{not json")


def test_receive_webhook_with_headers() -> None:
    signature = qiscus.sign_webhook_body(TOKEN, BODY)
    for name in ("QISCUS-SDK-SIGNATURE", "qiscus-sdk-signature", "Qiscus-Sdk-Signature"):
        headers = {"Content-Type": "application/json", name: signature}
        event = qiscus.receive_webhook(TOKEN, headers, BODY)
        assert event.payload.message.text == "ini pesan"
    with pytest.raises(QiscusError.InvalidSignature):
        qiscus.receive_webhook(TOKEN, {"Content-Type": "application/json"}, BODY)
    with pytest.raises(QiscusError.InvalidSignature):
        qiscus.receive_webhook(b"wrong", {"QISCUS-SDK-SIGNATURE": signature}, BODY)


Received = Tuple[Dict[str, str], bytes]


@pytest.fixture
def webhook_server() -> Iterator[Tuple[str, "queue.Queue[Received]"]]:
    received: "queue.Queue[Received]" = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.put((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/qiscus-hook", received
    server.shutdown()
    server.server_close()


def test_end_to_end_webhook(
    start_emulator: Callable[..., Emulator],
    webhook_server: Tuple[str, "queue.Queue[Received]"],
    email: Callable[[str], str],
) -> None:
    url, received = webhook_server
    token = "s3cret-webhook-token"
    emu = start_emulator("--webhook-url", url, "--webhook-token", token)
    with emu.client() as client:
        alice, bob = email("alice"), email("bob")
        client.login_or_register_blocking(LoginOrRegisterParams(email=alice, username="Alice"))
        client.login_or_register_blocking(LoginOrRegisterParams(email=bob, username="Bob"))
        room = client.get_or_create_room_with_target_blocking([alice, bob]).room
        posted = client.post_comment_blocking(
            PostCommentParams(
                room_id=room.id, sender_email=alice, message="hi from python", payload=Payload.TEXT()
            )
        )

    headers, body = received.get(timeout=10)
    assert "QISCUS-SDK-SIGNATURE" in {k.upper() for k in headers}
    event = qiscus.receive_webhook(token.encode(), headers, body)
    assert event.event_type == "post_comment_rest"
    assert event.payload._from.email == alice
    assert event.payload.room.id == room.id
    assert {p.email for p in event.payload.room.participants} == {alice, bob}
    assert event.payload.message.text == "hi from python"
    assert event.payload.message.id == posted.id
    assert isinstance(event.payload.message.payload, Payload.TEXT)
    # The same delivery with another token is refused.
    with pytest.raises(QiscusError.InvalidSignature):
        qiscus.receive_webhook(b"not-the-token", headers, body)
    # The emulator counts a delivery once it has read our 200.
    deadline = time.monotonic() + 5
    while emu.stats()["webhooks_delivered"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emu.stats()["webhooks_delivered"] == 1
