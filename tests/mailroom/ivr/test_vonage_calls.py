"""Whole Vonage calls through real HTTP: a flow start makes mailroom ask the fake Vonage for a call (POST
/v1/calls with the application's JWT); the fake then plays the callee, requesting our callbacks on courier's
public port with Vonage's JSON bodies and signed-webhook JWTs, and following our NCCO. We assert the calls
record, the session, the results, the recording stored and the channel logs."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mailroom.ivr.outgoing import retry_calls
from tests.mailroom.ivr import support as ivr
from tests.mailroom.ivr.fake_vonage import PRIVATE_KEY, RECORDING, SIGNATURE_SECRET, FakeVonage, VonageCall
from tests.mailroom.test_support_batch import one, scalars

CALLEE = "+16055741111"


@pytest.fixture
async def voice(db: None, env: dict[str, str], tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with ivr.voice_running(
        FakeVonage(), env, tmp_path, {"nexmo_signature_secret": SIGNATURE_SECRET}, channel_type="NX"
    ) as voice:
        yield voice


def says(call: VonageCall) -> list[str]:
    return [a["text"] for a in call.ncco if a["action"] == "talk"]


async def test_answered_call_runs_the_ivr_flow(voice: dict[str, Any]) -> None:
    fake: FakeVonage = voice["fake"]
    status_url = f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/status"
    [contact_id] = await ivr.start_calls(voice, [CALLEE])
    [call] = fake.wait_for_calls(1)
    assert (call.to, call.from_) == (CALLEE.lstrip("+"), ivr.CHANNEL_NUMBER.lstrip("+"))
    assert call.answer_url.startswith(
        f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/handle?action=start&call="
    )
    assert "&sig=" in call.answer_url and call.event_url.startswith(status_url + "?sig=")
    assert (call.body["answer_method"], call.body["event_method"]) == ("POST", "POST")
    row = await ivr.placed_row(contact_id)
    assert (row.status, row.direction, row.external_id) == ("W", "O", call.uuid)
    for event, status in (("started", "W"), ("ringing", "W"), ("answered", "I")):
        r = fake.status(call, event)
        assert r.status_code == 200, r.text
        assert (await ivr.call_row(contact_id)).status == status, event

    r = fake.answer(call)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    assert says(call) == ["Hello there. Please enter one or two."]
    assert call.ncco[0]["bargeIn"] is True
    gather = fake.action(call, "input")
    assert (gather["maxDigits"], gather["timeOut"], gather["submitOnHash"]) == (1, 30, True)

    fake.wait_out(call)  # no digits: the timeout resumes with nothing, which is not one or two
    assert says(call) == ["Sorry, that is not one or two, try again."]
    fake.press(call, "3")
    assert says(call) == ["Sorry, that is not one or two, try again."]
    fake.press(call, "1")
    assert says(call) == ["Great! You said One. Ok, now enter a number 1 to 100 then press pound."]
    assert fake.action(call, "input")["maxDigits"] == 20  # no count: up to 20 digits, then # submits
    fake.press(call, "42")
    assert says(call) == [
        "You picked the number 42, excellent choice. Ok now tell me briefly why you are happy today."
    ]
    assert [a["action"] for a in call.ncco] == ["talk", "record", "input"]
    fake.record(call, "b2c3d4e5-0000-4000-8000-000000000077", polls_first=2)
    # the recording is downloaded with the application's JWT and stored as media, linked from the result
    media = await ivr.stored_recording(RECORDING)
    recording = media.url
    assert says(call) == ["You said", "I hope hearing that makes you feel better. Good day and good bye."]
    assert [a["streamUrl"] for a in call.ncco if a["action"] == "stream"] == [[recording]]
    conversation = fake.action(call, "conversation")
    # the dial: a second call joined to the first in the conversation
    leg = fake.wait_for_calls(2)[1]
    assert leg.to == "12065551212" and leg.body["ncco"] == [
        {"action": "conversation", "name": conversation["name"]}
    ]
    assert (leg.body["ringing_timer"], leg.body["length_timer"]) == (60, 7200)
    assert "ignoring non final" in fake.event(leg, status_url, "ringing").text
    assert "to: answered" in fake.event(leg, status_url, "answered").text
    r = fake.event(leg, status_url, "completed", 20)
    assert f"reconnected call: {call.uuid} to flow with dial status: answered" in r.text, r.text
    fake.follow_transfer(call)
    assert says(call) == ["Great, they answered."]
    assert not [a for a in call.ncco if a["action"] in ("input", "record", "conversation")]  # the NCCO ends
    fake.status(call, "completed", 95)

    await ivr.flow_completed(contact_id, 95, recording)
    # every request to Vonage carried the application's JWT (the fake refuses others); none is logged
    assert all(r["headers"]["Authorization"].startswith("Bearer ") for r in fake.requests)
    dumped = await scalars(
        "SELECT http_logs::text FROM channel_logs WHERE channel_id = :c", c=voice["channel_id"]
    )
    assert dumped and not any(
        PRIVATE_KEY.splitlines()[1] in d or SIGNATURE_SECRET in d or "Bearer ey" in d for d in dumped
    )
    logs = await scalars(
        "SELECT log_type FROM channel_logs WHERE uuid = ANY(SELECT unnest(log_uuids) FROM calls"
        " WHERE contact_id = :c) ORDER BY created_on",
        c=contact_id,
    )
    assert logs[0] == "ivr_start" and logs.count("ivr_status") == 4

    await ivr.refused_call_fails(voice)  # Vonage's answer in the refused call's channel log


OUTCOMES = [
    # (callee, Vonage's final status, our status after it, error reason)
    ("+16055741001", "busy", "E", "B"),
    ("+16055741002", "timeout", "E", "N"),
    ("+16055741003", "unanswered", "E", "N"),
    ("+16055741004", "rejected", "E", "N"),
    ("+16055741006", "failed", "E", "P"),
    ("+16055741007", "machine", "E", "M"),
]


async def test_calls_that_never_connect_are_retried(voice: dict[str, Any]) -> None:
    fake: FakeVonage = voice["fake"]
    contact_ids = await ivr.start_calls(voice, [o[0] for o in OUTCOMES])
    placed = {c.to: c for c in fake.wait_for_calls(len(OUTCOMES))}
    for contact_id, (number, vonage_status, status, reason) in zip(contact_ids, OUTCOMES, strict=True):
        await ivr.placed_row(contact_id)
        fake.status(placed[number.lstrip("+")], "ringing")
        r = fake.status(placed[number.lstrip("+")], vonage_status)
        assert r.status_code == 200 and "status updated: E" in r.text, r.text
        row = await ivr.call_row(contact_id)
        assert (row.status, row.error_reason, row.error_count) == (status, reason, 1), vonage_status
    # the retry cron places each again as a new Vonage call
    await scalars("UPDATE calls SET next_attempt = now() - interval '1 second' RETURNING id")
    assert await retry_calls() == len(OUTCOMES)
    assert len(fake.wait_for_calls(2 * len(OUTCOMES))) == 2 * len(OUTCOMES)
    assert await scalars("SELECT count(*) FROM flow_sessions") == [0]  # no flow ran


async def test_hang_up_mid_flow_and_callbacks_not_vonages(voice: dict[str, Any]) -> None:
    fake: FakeVonage = voice["fake"]
    [contact_id] = await ivr.start_calls(voice, [CALLEE])
    [call] = fake.wait_for_calls(1)
    await ivr.placed_row(contact_id)
    body = {"from": call.from_, "to": call.to, "uuid": call.uuid, "conversation_uuid": call.conversation}
    tampered = call.answer_url.replace("action=start", "action=resume")
    for url, secret in ((call.answer_url, None), (call.answer_url, "another-signature-secret-of-32-bytes"),
                        (tampered, SIGNATURE_SECRET), (call.answer_url.split("&sig=")[0], SIGNATURE_SECRET)):  # fmt: skip
        r = fake.request(call, url, body, secret=secret)
        assert r.status_code == 403, (url, secret, r.text)
    assert (await ivr.call_row(contact_id)).status == "W"
    assert len(await scalars("SELECT id FROM channel_logs WHERE log_type = 'ivr_callback' AND is_error")) == 4

    fake.answer(call)
    fake.press(call, "1")
    gather = fake.action(call, "input")["eventUrl"][0]
    fake.status(call, "completed", 12)  # the callee hangs up at the second question
    await ivr.hung_up_mid_flow(contact_id, 12)
    # a late input for the ended call is answered with an error talk (and Vonage ends the call)
    r = fake.request(call, gather, {"dtmf": "5", "timed_out": False, "uuid": call.uuid})
    assert r.status_code == 200 and "no active IVR session" in r.text


async def test_incoming_calls(voice: dict[str, Any]) -> None:
    fake: FakeVonage = voice["fake"]
    incoming = f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/incoming"
    status_url = f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/status"
    number = ivr.CHANNEL_NUMBER.lstrip("+")

    # no trigger: a missed call, answered with nothing (the NCCO is empty, Vonage hangs up)
    call, r = fake.incoming(incoming, "16055740001", number)
    assert r.status_code == 200 and r.json() == {"_message": "missed call handled"}
    event = await one(
        "SELECT event_type, contact_id FROM channel_events WHERE channel_id = :c", c=voice["channel_id"]
    )
    assert event.event_type == "mo_miss"
    assert await scalars("SELECT identity FROM contact_urns WHERE contact_id = :c", c=event.contact_id) == [
        "tel:+16055740001"
    ]

    # an inbound-call trigger answers with the voice flow
    await ivr.add_trigger(voice["org_id"], "V", voice["flow_id"])
    call, r = fake.incoming(incoming, "16055740003", number)
    assert r.status_code == 200 and says(call) == ["Hello there. Please enter one or two."], r.text
    row = await one("SELECT id, direction, status FROM calls WHERE external_id = :e", e=call.uuid)
    assert (row.direction, row.status) == ("I", "I")
    fake.press(call, "2")
    assert says(call)[0].startswith("Great! You said Two.")
    fake.event(call, status_url, "completed", 40, direction="inbound")
    row = await one("SELECT status, duration FROM calls WHERE id = :i", i=row.id)
    assert (row.status, row.duration) == ("D", 40)
    # Vonage's JWT is required on /incoming too once a signature secret is set
    r = fake.request(
        VonageCall("x", number, "16055740004", incoming, ""), incoming, {"from": "16055740004"}, secret=None
    )
    assert r.status_code == 403 and "signed webhook" in r.text
