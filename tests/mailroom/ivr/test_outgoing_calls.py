"""Whole outgoing calls through real HTTP: a flow start makes mailroom ask the fake Twilio for a call
(Calls.json); the fake then plays the callee, requesting our callbacks on courier's public port with
Twilio's signatures, and we assert the calls record, the session, the results and the channel logs."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mailroom.ivr.outgoing import retry_calls
from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, RECORDING, FakeTwilio, PlacedCall
from tests.mailroom.ivr.support import (
    CHANNEL_NUMBER,
    call_row,
    flow_completed,
    hung_up_mid_flow,
    placed_row,
    refused_call_fails,
    start_calls,
    stored_recording,
    voice_running,
)
from tests.mailroom.test_support_batch import one, scalars

CALLEE = "+16055741111"


@pytest.fixture
async def voice(db: None, env: dict[str, str], tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with voice_running(FakeTwilio(), env, tmp_path) as voice:
        yield voice


def says(call: PlacedCall) -> list[str]:
    assert call.twiml is not None
    return [el.text or "" for el in call.twiml.iter("Say")]


async def test_answered_call_runs_the_ivr_flow(voice: dict[str, Any]) -> None:
    fake: FakeTwilio = voice["fake"]
    [contact_id] = await start_calls(voice, [CALLEE])
    [call] = fake.wait_for_calls(1)
    assert (call.to, call.from_) == (CALLEE, CHANNEL_NUMBER)
    assert call.url.startswith(
        f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/handle?action=start&call="
    )
    assert call.status_callback == f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/status"
    row = await placed_row(contact_id)
    assert (row.status, row.direction, row.external_id) == ("W", "O", call.sid)

    r = fake.answer(call)
    assert r.status_code == 200, r.text
    gather = call.twiml.find("Gather")  # type: ignore[union-attr]
    assert gather is not None and gather.get("numDigits") == "1" and gather.get("timeout") == "30"
    assert says(call) == ["Hello there. Please enter one or two."]
    assert gather.find("Say").get("language") == "en-US"  # type: ignore[union-attr]
    assert (await call_row(contact_id)).status == "I"

    fake.wait_out(call)  # no digits: the timeout resumes with nothing, which is not one or two
    assert says(call) == ["Sorry, that is not one or two, try again."]
    fake.press(call, "3")
    assert says(call) == ["Sorry, that is not one or two, try again."]
    fake.press(call, "1")
    assert says(call) == ["Great! You said One. Ok, now enter a number 1 to 100 then press pound."]
    assert call.twiml.find("Gather").get("numDigits") is None  # type: ignore[union-attr]
    fake.press(call, "42")
    assert says(call) == [
        "You picked the number 42, excellent choice. Ok now tell me briefly why you are happy today."
    ]
    fake.record(call, f"{fake.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE77")
    # the recording is downloaded with the account's credentials and stored as media, linked from the result
    media = await stored_recording(RECORDING)
    recording = media.url
    assert recording.endswith(f"/api/v2/media/{media.uuid}/RE77.mp3")
    assert says(call) == ["You said", "I hope hearing that makes you feel better. Good day and good bye."]
    assert [p.text for p in call.twiml.iter("Play")] == [recording]  # type: ignore[union-attr]
    dial = call.twiml.find("Dial")  # type: ignore[union-attr]
    assert dial is not None and dial.text == "+12065551212"
    assert (dial.get("timeout"), dial.get("timeLimit")) == ("60", "7200")
    fake.dial_ends(call, "completed", 20)
    assert says(call) == ["Great, they answered."]
    assert call.twiml.find("Hangup") is not None  # type: ignore[union-attr]
    fake.status(call, "completed", 95)

    results = await flow_completed(contact_id, 95, recording)
    assert "redirect" not in results  # the dial router has no result name in this flow
    attachments = await scalars(
        "SELECT attachments FROM msgs WHERE contact_id = :c AND text = ''", c=contact_id
    )
    assert attachments == [[f"audio/mp3:{recording}"]]
    # one channel log per exchange with the provider, attached to the call, the auth token nowhere
    logs = await scalars(
        "SELECT log_type FROM channel_logs WHERE uuid = ANY(SELECT unnest(log_uuids) FROM calls"
        " WHERE contact_id = :c) ORDER BY created_on",
        c=contact_id,
    )
    assert logs == ["ivr_start"] + ["ivr_callback"] * 7 + ["ivr_status"]
    dumped = await scalars(
        "SELECT http_logs::text FROM channel_logs WHERE channel_id = :c", c=voice["channel_id"]
    )
    assert dumped and not any(AUTH_TOKEN in d for d in dumped)
    assert any("**********" in d for d in dumped)  # the basic auth of the Calls.json request


OUTCOMES = [
    # (callee, Twilio's final CallStatus, our status after it, error reason)
    ("+16055741001", "busy", "E", "B"),
    ("+16055741002", "no-answer", "E", "N"),
    ("+16055741003", "failed", "E", "P"),
    ("+16055741004", "canceled", "E", "P"),
]


async def test_calls_that_never_connect_are_retried_then_fail(voice: dict[str, Any]) -> None:
    fake: FakeTwilio = voice["fake"]
    contact_ids = await start_calls(voice, [o[0] for o in OUTCOMES])
    placed = {c.to: c for c in fake.wait_for_calls(len(OUTCOMES))}
    for contact_id, (number, twilio_status, status, reason) in zip(contact_ids, OUTCOMES, strict=True):
        await placed_row(contact_id)
        fake.status(placed[number], "ringing")
        assert (await call_row(contact_id)).status == "W"
        r = fake.status(placed[number], twilio_status)
        assert r.status_code == 200 and "status updated: E" in r.text
        row = await call_row(contact_id)
        assert (row.status, row.error_reason, row.error_count) == (status, reason, 1), twilio_status
        wait = await one("SELECT next_attempt - now() AS wait FROM calls WHERE contact_id = :c", c=contact_id)
        assert 59 * 60 < wait.wait.total_seconds() <= 60 * 60  # mailroom's retry wait: an hour

    # the retry cron places the calls again once their time has come, up to 3 retries, then they fail
    for attempt in range(2, 5):
        await scalars("UPDATE calls SET next_attempt = now() - interval '1 second' RETURNING id")
        assert await retry_calls() == len(OUTCOMES)
        again = {c.to: c for c in fake.wait_for_calls(len(OUTCOMES) * attempt)[-len(OUTCOMES) :]}
        for contact_id, (number, twilio_status, _, _) in zip(contact_ids, OUTCOMES, strict=True):
            assert (await placed_row(contact_id)).status == "W"
            fake.status(again[number], twilio_status)
    for contact_id, (_, _, _, reason) in zip(contact_ids, OUTCOMES, strict=True):
        row = await call_row(contact_id)
        assert (row.status, row.error_reason, row.error_count, row.next_attempt) == ("F", reason, 3, None)
    assert await scalars("SELECT count(*) FROM flow_sessions") == [0]  # no flow ran

    await refused_call_fails(voice)


async def test_hang_up_mid_flow_ends_the_session_and_callbacks_are_signed(voice: dict[str, Any]) -> None:
    fake: FakeTwilio = voice["fake"]
    [contact_id] = await start_calls(voice, [CALLEE])
    [call] = fake.wait_for_calls(1)
    await placed_row(contact_id)
    # a request that is not Twilio's (unsigned, or signed with another token) changes nothing
    for kwargs in ({"signed": False}, {"token": "not-the-token"}):
        r = fake.request(call, call.url, {"CallStatus": "in-progress"}, **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 403 and "signature" in r.text
    assert (await call_row(contact_id)).status == "W"
    errors = await scalars(
        "SELECT errors::text FROM channel_logs WHERE log_type = 'ivr_callback' AND is_error"
    )
    assert len(errors) == 2

    fake.answer(call)
    fake.press(call, "1")
    gather = call.twiml.find("Gather").get("action")  # type: ignore[union-attr]
    fake.status(call, "completed", 12)  # the callee hangs up at the second question
    await hung_up_mid_flow(contact_id, 12)
    assert await scalars("SELECT current_session_uuid FROM contacts WHERE id = :c", c=contact_id) == [None]
    # a late callback for the ended call is answered with a hang-up, not an error
    r = fake.request(call, gather, {"CallStatus": "in-progress", "Digits": "5"})
    assert r.status_code == 200 and "<Hangup></Hangup>" in r.text and "no active IVR session" in r.text


async def test_max_concurrent_calls_queues_the_rest(db: None, env: dict[str, str], tmp_path: Path) -> None:
    async with voice_running(FakeTwilio(), env, tmp_path, {"max_concurrent_calls": "1"}) as voice:
        fake: FakeTwilio = voice["fake"]
        contact_ids = await start_calls(voice, [CALLEE, "+16055742222"])
        [first] = fake.wait_for_calls(1)
        for _ in range(100):
            statuses = await scalars("SELECT status FROM calls ORDER BY id")
            if len(statuses) == 2 and "P" not in statuses:
                break
            await asyncio.sleep(0.1)
        assert sorted(statuses) == ["Q", "W"]
        queued = await one("SELECT contact_id, next_attempt - now() AS wait FROM calls WHERE status = 'Q'")
        assert 100 < queued.wait.total_seconds() <= 120  # mailroom's throttle wait: two minutes
        assert queued.contact_id in contact_ids
        # still busy: the retry puts it back in the queue; once the line is free it is placed
        await one(
            "UPDATE calls SET next_attempt = now() - interval '1 second' WHERE status = 'Q' RETURNING id"
        )
        assert await retry_calls() == 1
        assert await scalars("SELECT status FROM calls ORDER BY status") == ["Q", "W"]
        fake.status(first, "completed", 30)
        await one(
            "UPDATE calls SET next_attempt = now() - interval '1 second' WHERE status = 'Q' RETURNING id"
        )
        assert await retry_calls() == 1
        assert len(fake.wait_for_calls(2)) == 2
        assert await scalars("SELECT status FROM calls ORDER BY status") == ["D", "W"]
