"""The conformance suite's Python runner (tests/conformance/README.md).

Replays every tests/conformance/scenarios/*.json, in file-name order, against the session's
emulator (reset before each file) with the core's engine (`qiscus.ConformanceScenario`): for each
step it builds the client, calls the matching ASYNC method of the binding (pagers collected
page by page), and records the outcome or the `QiscusError`. It mirrors the Rust reference
runner (tests/conformance/src/runner.rs) and writes `{"language": "python", "scenarios": [...]}`
to $QISCUS_CONFORMANCE_DIR/python.json (default <repo>/target/conformance/), for
`cargo run -p qiscus-conformance -- compare` to compare with the other languages.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

import qiscus
from conftest import APP_ID, REPO, SECRET, Emulator
from qiscus import (
    ClientOptions,
    ConformanceCall as C,
    ConformanceOutcome as O,
    ConformanceScenario,
    ConformanceStep,
    ObservedError,
    QiscusError,
)

SCENARIOS = REPO / "tests" / "conformance" / "scenarios"
T = TypeVar("T")


def transcript_dir() -> Path:
    return Path(os.environ.get("QISCUS_CONFORMANCE_DIR") or REPO / "target" / "conformance")


def make_client(base_url: str, options: Optional[ClientOptions]) -> qiscus.Client:
    """The step's client: the emulator's URL and secret and no retries, unless the step says
    otherwise (every other argument at the constructor's default)."""
    o = options or ClientOptions(
        secret=None, base_url=None, max_retries=None, timeout_ms=None, max_response_bytes=None, retry_base_delay_ms=None
    )
    overrides: Dict[str, Any] = {}
    if o.timeout_ms is not None:
        overrides["timeout_ms"] = o.timeout_ms
    if o.max_response_bytes is not None:
        overrides["max_response_bytes"] = o.max_response_bytes
    if o.retry_base_delay_ms is not None:
        overrides["retry_base_delay_ms"] = o.retry_base_delay_ms
    return qiscus.Client(
        APP_ID,
        o.secret if o.secret is not None else SECRET,
        base_url=o.base_url if o.base_url is not None else base_url,
        max_retries=o.max_retries if o.max_retries is not None else 0,
        **overrides,
    )


async def all_pages(next_page: Callable[[], Awaitable[Optional[List[T]]]]) -> List[List[T]]:
    """Every page of a pager, fetched one after the other."""
    pages: List[List[T]] = []
    while (page := await next_page()) is not None:
        pages.append(page)
    return pages


def http(method: str, url: str, body_json: Optional[str]) -> O:
    """An admin request (POST when asked, else GET; the body as JSON when given). A transport
    failure is status 0 with the reason as body."""
    data = None if body_json is None else body_json.encode()
    request = urllib.request.Request(url, data=data, method="POST" if method == "POST" else "GET")
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return O.OF_EMULATOR_ANSWER(status=r.status, body=r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return O.OF_EMULATOR_ANSWER(status=e.code, body=e.read().decode("utf-8", "replace"))
    except OSError as e:
        return O.OF_EMULATOR_ANSWER(status=0, body=str(e))


async def run_step(base_url: str, step: ConformanceStep) -> O:
    """Runs one step; a `QiscusError` propagates."""
    call = step.call
    # Calls that need no client.
    if isinstance(call, C.SIGN_WEBHOOK_BODY):
        return O.OF_TEXT(qiscus.sign_webhook_body(call.token, call.body))
    if isinstance(call, C.VERIFY_WEBHOOK_SIGNATURE):
        qiscus.verify_webhook_signature(call.token, call.body, call.signature)
        return O.DONE()
    if isinstance(call, C.PARSE_WEBHOOK_EVENT):
        return O.OF_WEBHOOK_EVENT(qiscus.parse_webhook_event(call.body))
    if isinstance(call, C.RECEIVE_WEBHOOK):
        return O.OF_WEBHOOK_EVENT(qiscus.receive_webhook(call.token, call.headers, call.body))
    if isinstance(call, C.TIMESTAMP_TO_UNIX_MILLIS):
        return O.OF_MILLIS(qiscus.timestamp_to_unix_millis(call.timestamp))
    if isinstance(call, C.EMULATOR):
        return await asyncio.to_thread(http, call.method, base_url + call.path, call.body_json)

    async with make_client(base_url, step.client) as c:
        if isinstance(call, C.LOGIN_OR_REGISTER):
            return O.OF_USER(await c.login_or_register(call.params))
        if isinstance(call, C.USER_PROFILE):
            return O.OF_USER(await c.user_profile(call.user_email))
        if isinstance(call, C.RESET_USER_TOKEN):
            return O.OF_USER(await c.reset_user_token(call.user_email))
        if isinstance(call, C.GET_USER_ROOMS):
            return O.OF_USER_ROOMS(await c.get_user_rooms(call.params))
        if isinstance(call, C.CREATE_ROOM):
            return O.OF_ROOM_SUMMARY(await c.create_room(call.params))
        if isinstance(call, C.UPDATE_ROOM):
            return O.OF_UPDATED_ROOM(await c.update_room(call.params))
        if isinstance(call, C.GET_OR_CREATE_ROOM_WITH_TARGET):
            return O.OF_ROOM_WITH_COMMENTS(await c.get_or_create_room_with_target(call.emails))
        if isinstance(call, C.GET_ROOMS_INFO):
            return O.OF_ROOM_INFOS(await c.get_rooms_info(call.params))
        if isinstance(call, C.ADD_ROOM_PARTICIPANTS):
            return O.OF_ROOM_SUMMARY(await c.add_room_participants(call.room_id, call.emails))
        if isinstance(call, C.REMOVE_ROOM_PARTICIPANTS):
            return O.OF_ROOM_SUMMARY(await c.remove_room_participants(call.room_id, call.emails))
        if isinstance(call, C.POST_COMMENT):
            return O.OF_COMMENT(await c.post_comment(call.params))
        if isinstance(call, C.LOAD_COMMENTS):
            return O.OF_COMMENTS(await c.load_comments(call.params))
        if isinstance(call, C.POST_SYSTEM_EVENT_MESSAGE):
            return O.OF_COMMENT(await c.post_system_event_message(call.params))
        if isinstance(call, C.SEARCH_MESSAGES):
            return O.OF_COMMENTS(await c.search_messages(call.params))
        if isinstance(call, C.CREATE_EXPORT):
            return O.OF_EXPORT(await c.create_export(call.params))
        if isinstance(call, C.LIST_EXPORTS):
            return O.OF_EXPORTS(await c.list_exports(call.page))
        if isinstance(call, C.GET_EXPORT):
            return O.OF_EXPORT(await c.get_export(call.unique_id))
        if isinstance(call, C.DELETE_EXPORT):
            return O.OF_EXPORT(await c.delete_export(call.unique_id))
        if isinstance(call, C.DOWNLOAD_EXPORT):
            return O.OF_ROWS(await c.download_export(call.export))
        if isinstance(call, C.CREATE_IMPORT):
            return O.OF_IMPORT(await c.create_import(call.params))
        if isinstance(call, C.LIST_IMPORTS):
            return O.OF_IMPORTS(await c.list_imports(call.page))
        if isinstance(call, C.EXPORT_AND_DOWNLOAD):
            return O.OF_BACKUP_ROWS(
                await c.export_and_download(
                    call.resource, call.start_date, call.end_date, call.poll_interval_ms, call.timeout_ms
                )
            )
        if isinstance(call, C.IMPORT_ROWS):
            return O.OF_IMPORT_REPORT(
                await c.import_rows(call.batch, call.max_file_bytes, call.poll_interval_ms, call.timeout_ms)
            )
        if isinstance(call, C.ROOMS_PAGER):
            return O.OF_ROOM_PAGES(await all_pages(c.rooms_pager(call.user_email).next_page))
        if isinstance(call, C.COMMENTS_PAGER):
            return O.OF_COMMENT_PAGES(await all_pages(c.comments_pager(call.params).next_page))
        if isinstance(call, C.EXPORTS_PAGER):
            return O.OF_EXPORT_PAGES(await all_pages(c.exports_pager().next_page))
        if isinstance(call, C.IMPORTS_PAGER):
            return O.OF_IMPORT_PAGES(await all_pages(c.imports_pager().next_page))
    raise AssertionError(f"step {step.index}: the runner does not know {type(call).__name__}")


def observed(e: QiscusError) -> ObservedError:
    """The error as the engine wants it: the variant's name and those of its fields that
    ObservedError has (`retry_after` in whole milliseconds)."""
    retry_after: Optional[datetime.timedelta] = getattr(e, "retry_after", None)
    return ObservedError(
        kind=type(e).__name__,
        call=getattr(e, "call", None),
        status=getattr(e, "status", None),
        field=getattr(e, "field", None),
        reason=getattr(e, "reason", None),
        detailed_messages=list(getattr(e, "detailed_messages", [])),
        attempts=getattr(e, "attempts", None),
        retry_after_ms=None if retry_after is None else retry_after // datetime.timedelta(milliseconds=1),
        limit_bytes=getattr(e, "limit_bytes", None),
    )


async def run_scenario(emulator: Emulator, text: str) -> ConformanceScenario:
    emulator.admin("POST", "reset")
    scenario = ConformanceScenario(text, emulator.url)
    while (step := scenario.next_step()) is not None:
        try:
            outcome = await run_step(emulator.url, step)
        except QiscusError as e:
            scenario.record_error(observed(e))
        else:
            scenario.record_ok(outcome)
    return scenario


async def test_conformance(emulator: Emulator) -> None:
    files = sorted(SCENARIOS.glob("*.json"))
    assert files, f"no scenarios in {SCENARIOS}"
    transcripts: List[Any] = []
    failed: List[str] = []
    for file in files:
        scenario = await run_scenario(emulator, file.read_text(encoding="utf-8"))
        transcripts.append(json.loads(scenario.transcript_json()))
        failures = scenario.failures()
        if failures:
            failed.append(f"FAILED {file.name} ({scenario.name()}):\n  " + "\n  ".join(failures))
    out = transcript_dir() / "python.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"language": "python", "scenarios": transcripts}, indent=2), encoding="utf-8")
    print(f"conformance (python): scenarios={len(files)} failed={len(failed)} -> {out}")
    assert not failed, "\n".join(failed)
