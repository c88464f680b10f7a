"""send_msg in a voice flow: spoken words go in the TwiML answer, the message goes out as an SMS through courier's
queue. Mailroom's app in-process (ASGI), a call placed by hand, the callback signed as Twilio signs it."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from mailroom.app import create_app
from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, sign
from tests.mailroom.ivr.support import CHANNEL_NUMBER, add_contacts
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.domain.imports import import_definitions
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from upesi_cli.demo import seed_demo

AUTH = {"Authorization": "Token test-mailroom-token"}
FLOW_UUID = "6a0e8a2c-0000-4000-8000-00000000c001"


def voice_flow() -> dict[str, Any]:
    return {
        "uuid": FLOW_UUID, "name": "Call and text", "spec_version": "14.4.2", "language": "eng", "type": "voice",
        "revision": 1, "expire_after_minutes": 5, "localization": {},
        "nodes": [{
            "uuid": "6a0e8a2c-0000-4000-8000-00000000c002",
            "actions": [
                {"uuid": "6a0e8a2c-0000-4000-8000-00000000c003", "type": "say_msg", "text": "We are texting you the code."},
                {"uuid": "6a0e8a2c-0000-4000-8000-00000000c004", "type": "send_msg", "text": "Your code is 1234",
                 "attachments": [], "quick_replies": []},
            ],
            "exits": [{"uuid": "6a0e8a2c-0000-4000-8000-00000000c005", "destination_uuid": None}],
        }],
    }  # fmt: skip


@pytest.fixture
async def client(db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://mr") as c:
        yield c


async def test_send_msg_during_a_call_goes_out_as_sms(client: httpx.AsyncClient) -> None:
    async with transaction() as db:
        org = await seed_demo(db)
        channel = await add_channel(
            db,
            org.id,
            "T",
            CHANNEL_NUMBER,
            {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN},
            country="US",
        )
        await import_definitions(db, org_id=org.id, export={"version": "13", "flows": [voice_flow()]})
    [contact_id] = await add_contacts(org.id, channel.id, ["+16055741111"])
    call_uuid = str(uuid.uuid4())
    trigger = {"type": "manual", "flow": {"uuid": FLOW_UUID, "name": "Call and text"},
               "triggered_on": "2026-12-07T10:00:00Z"}  # fmt: skip
    async with transaction() as db:
        await db.execute(
            text(
                """INSERT INTO calls (uuid, org_id, channel_id, contact_id, contact_urn_id, direction, status,
                                      external_id, trigger)
                   SELECT CAST(:u AS uuid), :o, :ch, :c, id, 'O', 'W', 'CA1', CAST(:t AS jsonb)
                   FROM contact_urns WHERE contact_id = :c"""
            ),
            {"u": call_uuid, "o": org.id, "ch": channel.id, "c": contact_id, "t": json.dumps(trigger)},
        )
    url = f"http://mr/mr/ivr/c/{channel.uuid}/handle?action=start&call={call_uuid}"
    form = {"CallSid": "CA1", "CallStatus": "in-progress", "From": CHANNEL_NUMBER, "To": "+16055741111"}
    r = await client.post(url, data=form, headers={**AUTH, "X-Twilio-Signature": sign(url, form)})
    assert r.status_code == 200, r.text
    assert "<Say" in r.text and "We are texting you the code." in r.text and "<Hangup></Hangup>" in r.text
    assert "Your code is 1234" not in r.text  # not spoken

    [item] = await get_redis().zrange(queue_name(channel.uuid, channel.tps) + "/1", 0, -1)
    [sms] = json.loads(item)
    assert (sms["text"], sms["urn"]) == ("Your code is 1234", "tel:+16055741111")
    async with transaction() as db:
        msg = (
            await db.execute(text("SELECT msg_type, status, channel_id FROM msgs WHERE direction = 'O'"))
        ).one()
    assert (msg.msg_type, msg.status, msg.channel_id) == ("T", "Q", channel.id)

    # without mailroom's token the route is closed, whatever the signature
    r = await client.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)})
    assert r.status_code == 401
