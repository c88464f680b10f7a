"""Whole USSD sessions through real HTTP: a fake Africa's Talking (this test) POSTs to courier's
/c/at/{uuid}/ussd as Africa's Talking does (form sessionId, serviceCode, phoneNumber, networkCode, text with the
session's inputs joined by "*"), mailroom runs the flow, and the answer comes back in the same request as
"CON <screen>" or "END <screen>". Then what is stored: the inputs, the answers, the flow session."""

import asyncio
import http.server
import os
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.courier.ussd.flows import LONG_TEXT, SERVICE_CODE, SLOW_CODE, menu_flow, slow_flow
from tests.support import processes
from upesi.db.engine import transaction
from upesi.db.models import Trigger
from upesi.db.ops.channels import add_channel
from upesi.db.ops.flows import save_flow
from upesi.ussd.screen import CUT_MARKER, MAX_SCREEN
from upesi_cli.demo import seed_demo

PHONE = "+254711000111"


@contextmanager
def service(name: str, port: int, env: dict[str, str], log: Path) -> Iterator[None]:
    """As processes.service, with a longer start-up allowance: on a machine shared by many test runs a
    service can take more than the usual minute to answer its health check."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [processes.UPESI, name, "--host", "127.0.0.1", "--port", str(port)],
            env=dict(os.environ, **env), stdout=out, stderr=subprocess.STDOUT, cwd=processes.ROOT,
        )  # fmt: skip
        try:
            processes.wait_for_http(f"http://127.0.0.1:{port}/health", timeout=240, proc=proc)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def slow_server(seconds: float) -> Iterator[str]:
    """A webhook target that takes `seconds` to answer, so the flow cannot answer courier in time."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(seconds)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/lookup"
    finally:
        server.shutdown()


async def _seed(slow_url: str) -> dict[str, Any]:
    async with transaction() as s:
        org = await seed_demo(s)
        # a patient courier: a machine shared by many test runs can be slow to start a flow
        atu = await add_channel(s, org.id, "ATU", SERVICE_CODE, {"answer_seconds": "20"}, country="KE")
        exu = await add_channel(
            s, org.id, "EXU", "*500#",
            {"session_id_field": "session", "from_field": "msisdn", "text_field": "input",
             "service_code_field": "code", "text_mode": "last", "answer_seconds": "20"},
            country="KE",
        )  # fmt: skip
        slow = await add_channel(s, org.id, "ATU", SLOW_CODE, {"answer_seconds": "0.5"}, country="KE")
        menu = await save_flow(s, org.id, menu_flow())
        slow_f = await save_flow(s, org.id, slow_flow(slow_url))
        for code, flow_id in ((SERVICE_CODE, menu.id), ("*500#", menu.id), (SLOW_CODE, slow_f.id)):
            s.add(
                Trigger(
                    uuid=str(uuid.uuid4()), org_id=org.id, trigger_type="U", keywords=[code], flow_id=flow_id
                )
            )
        return {"org_id": org.id, "atu": atu.uuid, "exu": exu.uuid, "slow": slow.uuid}


@pytest.fixture
async def stack(db: None, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    with slow_server(3.0) as slow_url:
        seeded = await _seed(slow_url)
        ports = {name: processes.free_port() for name in ("mailroom", "courier")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        service_env = {"COURIER_URL": urls["courier"], "MAILROOM_URL": urls["mailroom"]}
        with (
            service("courier", ports["courier"], service_env, tmp_path / "courier.log"),
            service("mailroom", ports["mailroom"], service_env, tmp_path / "mailroom.log"),
        ):
            yield {**seeded, **urls}


def at_request(
    stack: dict[str, Any], session: str, inputs: list[str], code: str = SERVICE_CODE, channel: str = "atu",
    phone: str = PHONE,
) -> httpx.Response:  # fmt: skip
    form = {"sessionId": session, "serviceCode": code, "phoneNumber": phone, "networkCode": "63902",
            "text": "*".join(inputs)}  # fmt: skip
    return post(f"{stack['courier']}/c/at/{stack[channel]}/ussd", form)


def post(url: str, form: dict[str, str]) -> httpx.Response:
    return httpx.post(url, data=form, timeout=15)


async def rows(sql: str, **params: Any) -> list[Any]:
    async with transaction() as s:
        return list((await s.execute(text(sql), params)).all())


# each case: the requests of one session (the inputs so far, as Africa's Talking sends them) and the answers
SESSIONS = [
    pytest.param(
        [([], "CON Welcome\n1. Register\n2. My status"),
         (["1"], "CON What is your name?"),
         (["1", "Ana"], "CON Thanks Ana. Register?\n1. Yes\n2. No"),
         (["1", "Ana", "1"], "END Registered Ana")],
        id="menu, free text and a numbered quick reply",
    ),
    pytest.param(
        [([], "CON Welcome\n1. Register\n2. My status"),
         (["1"], "CON What is your name?"),
         (["1", "Bo"], "CON Thanks Bo. Register?\n1. Yes\n2. No"),
         (["1", "Bo", "No"], "END Not registered")],
        id="quick reply typed as its text",
    ),
    pytest.param(
        [([], "CON Welcome\n1. Register\n2. My status"),
         (["7"], "CON Welcome\n1. Register\n2. My status"),
         (["7", "1"], "CON What is your name?")],
        id="an option not on the menu shows the menu again",
    ),
    pytest.param(
        [([], "CON Welcome\n1. Register\n2. My status"),
         (["1"], "CON What is your name?"),
         (["1"], "CON What is your name?"),
         (["1", "Cy"], "CON Thanks Cy. Register?\n1. Yes\n2. No")],
        id="a repeated request gets the same answer and resumes nothing",
    ),
]  # fmt: skip


@pytest.mark.parametrize("steps", SESSIONS)
async def test_session(stack: dict[str, Any], steps: list[tuple[list[str], str]]) -> None:
    for inputs, expected in steps:
        resp = at_request(stack, "ATUid_1", inputs)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/plain")
        assert resp.text == expected, inputs
    incoming = await rows("SELECT text, status, metadata FROM msgs WHERE direction = 'I' ORDER BY id")
    # every request is stored once (a repeated one is the same message), handled
    distinct = list(dict.fromkeys(tuple(i) for i, _ in steps))
    assert [r.text for r in incoming] == [i[-1] if i else "" for i in distinct]
    assert {r.status for r in incoming} == {"H"}
    assert incoming[0].metadata["payload"]["ussd"]["session_id"] == "ATUid_1"
    # each answer handed over in-request (written Q at creation, W once courier has taken it)
    await _eventually(
        lambda: rows("SELECT id FROM msgs WHERE direction = 'O' AND status IN ('I', 'Q')"), want_none=True
    )
    outgoing = await rows("SELECT status FROM msgs WHERE direction = 'O'")
    assert {r.status for r in outgoing} == {"W"}
    [session] = await rows("SELECT status FROM flow_sessions")
    assert session.status == ("C" if steps[-1][1].startswith("END") else "W")


async def test_long_message_is_cut_with_a_marker(stack: dict[str, Any]) -> None:
    at_request(stack, "ATUid_2", [])
    resp = at_request(stack, "ATUid_2", ["2"])
    assert resp.text.startswith("END Your status: ")
    shown = resp.text.removeprefix("END ")
    assert len(shown) == MAX_SCREEN and shown.endswith(CUT_MARKER)
    [stored] = await rows("SELECT text FROM msgs WHERE direction = 'O' AND text LIKE 'Your status%'")
    assert stored.text == LONG_TEXT.strip() or stored.text == LONG_TEXT  # the message keeps its whole text
    errors = await _log_errors()
    assert "ussd_text_cut" in errors


async def test_unknown_service_code_ends_with_a_clear_message(stack: dict[str, Any]) -> None:
    resp = at_request(stack, "ATUid_3", [], code="*384*99#")
    assert resp.text == "END Sorry, *384*99# is not in use."
    [stored] = await rows("SELECT text, status, metadata FROM msgs WHERE direction = 'I'")
    assert stored.status == "H" and stored.metadata["payload"]["ussd"]["service_code"] == "*384*99#"
    assert await rows("SELECT id FROM flow_sessions") == []
    assert "ussd_unknown_code" in await _log_errors()


async def test_code_dialled_with_an_input(stack: dict[str, Any]) -> None:
    resp = at_request(stack, "ATUid_4", [], code="*384*12*1#")
    assert resp.text == "CON What is your name?"
    resp = at_request(stack, "ATUid_4", ["Di"], code="*384*12*1#")
    assert resp.text == "CON Thanks Di. Register?\n1. Yes\n2. No"


async def test_cancel_ends_the_flow_session(stack: dict[str, Any]) -> None:
    assert at_request(stack, "ATUid_5", []).text.startswith("CON Welcome")
    end = {"sessionId": "ATUid_5", "serviceCode": SERVICE_CODE, "phoneNumber": PHONE, "networkCode": "63902",
           "status": "Incomplete", "input": "", "durationInMillis": "5000", "hopsCount": "1",
           "lastAppResponse": "CON Welcome", "errorMessage": "", "cost": "KES 0.0000", "date": "2026-12-07 13:00:00"}  # fmt: skip
    resp = post(f"{stack['courier']}/c/at/{stack['atu']}/ussd_end", end)
    assert resp.status_code == 200 and resp.text == "OK"
    await _eventually(lambda: rows("SELECT status FROM flow_sessions WHERE status <> 'W'"))
    # an input after the end (a stale session) is not taken as a new dial
    assert at_request(stack, "ATUid_5", ["1"]).text == "END Sorry, this session has ended. Please dial again."


async def test_new_session_replaces_a_waiting_one(stack: dict[str, Any]) -> None:
    at_request(stack, "ATUid_6", [])
    at_request(stack, "ATUid_6", ["1"])
    assert at_request(stack, "ATUid_7", []).text.startswith("CON Welcome")  # the network timed out the first
    statuses = sorted(r.status for r in await rows("SELECT status FROM flow_sessions"))
    assert statuses == ["I", "W"]
    assert at_request(stack, "ATUid_6", ["1", "Ed"]).text.startswith("END Sorry, this session has ended")


async def test_flow_too_slow_answers_end_and_records_the_failure(stack: dict[str, Any]) -> None:
    resp = at_request(stack, "ATUid_8", [], code=SLOW_CODE, channel="slow")
    assert resp.text == "END Sorry, we could not answer in time. Please dial again."
    [incoming] = await rows("SELECT text, log_uuids FROM msgs WHERE direction = 'I'")
    assert incoming.text == ""  # the input is stored whatever happened
    assert "ussd_no_answer" in await _log_errors()
    # once the flow is done, its answer is failed (nobody saw it) and the flow session is ended
    [answer] = await _eventually(lambda: rows("SELECT status, failed_reason FROM msgs WHERE direction = 'O'"))
    assert (answer.status, answer.failed_reason) == ("F", "E")
    [session] = await rows("SELECT status FROM flow_sessions")
    assert session.status == "I"


async def test_external_ussd_with_configured_fields(stack: dict[str, Any]) -> None:
    def ex(session: str, value: str) -> httpx.Response:
        form = {"session": session, "msisdn": "254711000222", "input": value, "code": "*500#"}
        return post(f"{stack['courier']}/c/exu/{stack['exu']}/ussd", form)

    assert ex("S1", "").text == "CON Welcome\n1. Register\n2. My status"
    assert ex("S1", "1").text == "CON What is your name?"
    assert ex("S1", "Fi").text == "CON Thanks Fi. Register?\n1. Yes\n2. No"
    assert ex("S1", "1").text == "END Registered Fi"
    resp = post(f"{stack['courier']}/c/exu/{stack['exu']}/ussd", {"input": "1"})
    assert resp.status_code == 400 and resp.text.startswith("END ")


async def _log_errors() -> set[str]:
    found = await _eventually(lambda: rows("SELECT errors FROM channel_logs WHERE is_error"))
    return {e["code"] for r in found for e in r.errors}


async def _eventually(query: Any, within: float = 15.0, want_none: bool = False) -> list[Any]:
    deadline = time.monotonic() + within
    while True:
        found = await query()
        if bool(found) != want_none or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)
