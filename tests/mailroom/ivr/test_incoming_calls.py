"""Incoming calls through real HTTP: the fake Twilio rings our /incoming URL on courier's public port. An
inbound-call trigger (V) starts the voice flow; without one the call is missed: a mo_miss channel event,
which a missed-call trigger (M) turns into a messaging flow."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mailroom.ivr.fake_twilio import FakeTwilio
from tests.mailroom.ivr.support import CHANNEL_NUMBER, add_trigger, voice_running
from tests.mailroom.test_support_batch import one, scalars
from upesi_cli.demo import JOIN_FLOW


@pytest.fixture
async def voice(db: None, env: dict[str, str], tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with voice_running(FakeTwilio(), env, tmp_path) as voice:
        yield voice


async def until(sql: str, expected: list[Any], **params: Any) -> list[Any]:
    for _ in range(200):
        if (found := await scalars(sql, **params)) == expected:
            return found
        await asyncio.sleep(0.05)
    return found


async def test_incoming_calls(voice: dict[str, Any]) -> None:
    fake: FakeTwilio = voice["fake"]
    incoming = f"{voice['courier']}/mr/ivr/c/{voice['channel_uuid']}/incoming"

    # no trigger: a missed call, answered with nothing (Twilio hangs up), stored as a channel event
    call, r = fake.incoming(incoming, "+16055740001", CHANNEL_NUMBER, "CAin0001")
    assert r.status_code == 200 and "missed call handled" in r.text and "<Gather" not in r.text
    event = await one(
        "SELECT event_type, contact_id FROM channel_events WHERE channel_id = :c", c=voice["channel_id"]
    )
    assert event.event_type == "mo_miss"
    row = await one(
        "SELECT direction, status, external_id FROM calls WHERE contact_id = :c", c=event.contact_id
    )
    assert (row.direction, row.status, row.external_id) == ("I", "D", "CAin0001")
    assert await until(
        "SELECT status FROM channel_events WHERE contact_id = :c", ["H"], c=event.contact_id
    ) == ["H"]

    # a missed-call trigger starts its messaging flow for the caller
    join_id = (await one("SELECT id FROM flows WHERE uuid = :u", u=JOIN_FLOW["uuid"])).id
    await add_trigger(voice["org_id"], "M", join_id)
    call, r = fake.incoming(incoming, "+16055740002", CHANNEL_NUMBER, "CAin0002")
    assert "missed call handled" in r.text
    contact_id = (await one("SELECT contact_id FROM calls WHERE external_id = 'CAin0002'")).contact_id
    runs = await until("SELECT flow_id FROM flow_runs WHERE contact_id = :c", [join_id], c=contact_id)
    assert runs == [join_id]

    # an inbound-call trigger answers with the voice flow, which runs as for an outgoing call
    await add_trigger(voice["org_id"], "V", voice["flow_id"])
    call, r = fake.incoming(incoming, "+16055740003", CHANNEL_NUMBER, "CAin0003")
    assert r.status_code == 200 and "<Gather" in r.text and "Hello there. Please enter one or two." in r.text
    row = await one("SELECT id, direction, status, session_uuid FROM calls WHERE external_id = 'CAin0003'")
    assert (row.direction, row.status) == ("I", "I") and row.session_uuid is not None
    fake.press(call, "2")
    assert "Great! You said Two." in call.answers[-1]
    fake.request(
        call, call.url.replace("/incoming", "/status"), {"CallStatus": "completed", "CallDuration": "40"}
    )
    row = await one("SELECT status, duration FROM calls WHERE id = :i", i=row.id)
    assert (row.status, row.duration) == ("D", 40)
    assert await scalars("SELECT count(*) FROM channel_events WHERE event_type = 'mo_miss'") == [2]

    # a callback for a channel we do not have is refused naming it
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{voice['courier']}/mr/ivr/c/00000000-0000-4000-8000-000000000000/incoming")
    assert r.status_code == 400 and "no active channel" in r.text
