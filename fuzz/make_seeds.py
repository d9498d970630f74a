#!/usr/bin/env python3
"""Regenerates fuzz/seeds/<target>/ from the JSON fixtures in core/tests/fixtures/{spec,live}.

Seeds are small, committed, and never grown by fuzzing (run.sh fuzzes into a scratch corpus).
Run from anywhere: python3 fuzz/make_seeds.py
"""
import hashlib
import hmac
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "core" / "tests" / "fixtures"
SEEDS = FUZZ / "seeds"


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def walk(v):
    yield v
    if isinstance(v, dict):
        for c in v.values():
            yield from walk(c)
    elif isinstance(v, list):
        for c in v:
            yield from walk(c)


def compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    fixtures = sorted(FIXTURES.glob("spec/*.json")) + sorted(FIXTURES.glob("live/*.json"))
    webhooks = []
    for f in fixtures:
        raw = f.read_bytes()
        doc = json.loads(raw)
        stem = f"{f.parent.name}_{f.stem}"
        if f.stem.startswith("payload_"):
            write("decode_payload", stem + ".json", raw)
            continue
        if f.stem.startswith("webhook_"):
            write("webhook_parse", stem + ".json", raw)
            webhooks.append((stem, raw))
        else:
            write("decode_response", stem + ".json", raw)
        # Comments (and webhook messages) found anywhere in the fixture: the whole object, its
        # payload alone, and the payload as the JSON string the request form embeds.
        n = 0
        for v in walk(doc):
            if not isinstance(v, dict) or not ("message" in v or "text" in v):
                continue
            if not ("comment_before_id" in v or ("type" in v and "payload" in v)):
                continue
            write("decode_payload", f"{stem}_{n}_comment.json", compact(v))
            if v.get("payload") is not None:
                write("decode_payload", f"{stem}_{n}_payload.json", compact(v["payload"]))
                write("decode_payload", f"{stem}_{n}_payload_str.json", compact(compact(v["payload"])))
            n += 1

    # Error bodies and odd envelopes (no fixture has them).
    for name, body in {
        "error_object": '{"error":{"message":"room not found","detailed_messages":["room_id 9"]},"status":404}',
        "error_string": '{"error":"unauthorized","status":401}',
        "error_html": "<html><body>502 Bad Gateway</body></html>",
        "results_null": '{"results":null,"status":200}',
        "export_percentage_nan": '{"results":{"backup_history":{"unique_id":"b1","status":"started","percentage":"NaN","size":"12"}},"status":200}',
        "ids_as_strings": '{"results":{"room":{"id":"12","room_name":null,"options":"","last_comment_id":"","participants":null},"comments":null,"changed":"true"},"status":200}',
    }.items():
        write("decode_response", name + ".json", body)

    # signature_check reads [token_len][sig_len][at_hi][at_lo][token][signature][body].
    token = b"webhook-token"
    for stem, body in webhooks[:2]:
        sig = hmac.new(token, body, hashlib.sha256).hexdigest().encode()
        head = bytes([len(token), len(sig), 0, 7]) + token
        write("signature_check", stem + "_good", head + sig + body)
        bad = sig[:-1] + (b"0" if sig[-1:] != b"0" else b"1")
        write("signature_check", stem + "_bad", head + bad + body)
    write("signature_check", "empty_everything", b"\x00\x00\x00\x00")
    write("signature_check", "short_sig", b"\x03\x05\x00\x01key12345{}")

    for t in sorted(p.name for p in SEEDS.iterdir()):
        files = list((SEEDS / t).iterdir())
        print(f"{t}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
