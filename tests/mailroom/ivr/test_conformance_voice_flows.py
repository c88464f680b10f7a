"""Every voice flow of the conformance exports answers a call: imported as a workspace would, started by an
answered call (mailroom's app in-process, the callback signed as Twilio signs it), it answers TwiML that speaks
or plays and then waits or hangs up, never the error answer."""

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from mailroom.app import create_app
from mailroom.ivr.twiml import ERROR_MESSAGE
from mailroom.ivr.vonage import signed
from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, sign
from tests.mailroom.ivr.fake_vonage import APP_ID as VONAGE_APP_ID
from tests.mailroom.ivr.fake_vonage import PRIVATE_KEY as VONAGE_PRIVATE_KEY
from tests.mailroom.ivr.fake_vonage import FakeVonage
from tests.mailroom.ivr.support import CHANNEL_NUMBER, add_contacts
from tests.support.shared import CONFORMANCE
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.domain.imports import import_definitions
from upesi_cli.demo import seed_demo

AUTH = {"Authorization": "Token test-mailroom-token"}


def _has_voice_flow(path: Path) -> bool:
    try:
        export = json.loads(path.read_text())
    except ValueError:
        return False  # some files are deliberately broken (import refusal cases)
    flows = export.get("flows", []) if isinstance(export, dict) else []
    return any(isinstance(f, dict) and f.get("type") == "voice" for f in flows)


EXPORTS = sorted(
    str(p.relative_to(CONFORMANCE))
    for p in (CONFORMANCE / "rapidpro_exports").rglob("*.json")
    if _has_voice_flow(p)
)


@pytest.fixture
async def client(db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://mr") as c:
        yield c


def test_the_conformance_data_has_voice_flows() -> None:
    assert len(EXPORTS) >= 3, EXPORTS


@pytest.mark.parametrize("export", EXPORTS)
async def test_voice_flow_answers_a_call(client: httpx.AsyncClient, export: str) -> None:
    async with transaction() as db:
        org = await seed_demo(db)
        await db.execute(text("UPDATE orgs SET country = 'US' WHERE id = :o"), {"o": org.id})
        channel = await add_channel(
            db,
            org.id,
            "T",
            CHANNEL_NUMBER,
            {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN},
            country="US",
        )
        await import_definitions(db, org_id=org.id, export=json.loads((CONFORMANCE / export).read_text()))
        flows = (await db.execute(text("SELECT uuid::text, name FROM flows WHERE flow_type = 'V'"))).all()
    [contact_id] = await add_contacts(org.id, channel.id, ["+16055741111"])
    for n, (flow_uuid, name) in enumerate(flows):
        call_uuid = str(uuid.uuid4())
        trigger = {
            "type": "manual",
            "flow": {"uuid": flow_uuid, "name": name},
            "triggered_on": "2026-12-07T10:00:00Z",
        }
        async with transaction() as db:
            await db.execute(
                text(
                    """INSERT INTO calls (uuid, org_id, channel_id, contact_id, contact_urn_id, direction, status,
                                          external_id, trigger)
                       SELECT CAST(:u AS uuid), :o, :ch, :c, id, 'O', 'W', :e, CAST(:t AS jsonb)
                       FROM contact_urns WHERE contact_id = :c"""
                ),
                {"u": call_uuid, "o": org.id, "ch": channel.id, "c": contact_id, "e": f"CA{n}",
                 "t": json.dumps(trigger)},
            )  # fmt: skip
        url = f"http://mr/mr/ivr/c/{channel.uuid}/handle?action=start&call={call_uuid}"
        form = {
            "CallSid": f"CA{n}",
            "CallStatus": "in-progress",
            "From": CHANNEL_NUMBER,
            "To": "+16055741111",
        }
        r = await client.post(url, data=form, headers={**AUTH, "X-Twilio-Signature": sign(url, form)})
        assert r.status_code == 200, r.text
        assert ERROR_MESSAGE not in r.text, (name, r.text)
        root = ET.fromstring(r.text.split("?>", 1)[1])
        verbs = [el.tag for el in root.iter()]
        assert {"Say", "Play"} & set(verbs), (name, r.text)
        assert {"Gather", "Record", "Dial", "Hangup"} & set(verbs), (name, r.text)


@pytest.mark.parametrize("export", EXPORTS)
async def test_voice_flow_answers_a_vonage_call(client: httpx.AsyncClient, export: str) -> None:
    """The same on a Vonage channel: the answer URL signed as mailroom signs it, NCCO that talks or streams."""
    with FakeVonage() as fake:  # a dial places its second call through the Voice API
        async with transaction() as db:
            org = await seed_demo(db)
            await db.execute(text("UPDATE orgs SET country = 'US' WHERE id = :o"), {"o": org.id})
            channel = await add_channel(
                db, org.id, "NX", CHANNEL_NUMBER,
                {"nexmo_app_id": VONAGE_APP_ID, "nexmo_app_private_key": VONAGE_PRIVATE_KEY, "base_url": fake.url},
                country="US",
            )  # fmt: skip
            await import_definitions(db, org_id=org.id, export=json.loads((CONFORMANCE / export).read_text()))
            flows = (await db.execute(text("SELECT uuid::text, name FROM flows WHERE flow_type = 'V'"))).all()
        [contact_id] = await add_contacts(org.id, channel.id, ["+16055741111"])
        for n, (flow_uuid, name) in enumerate(flows):
            call_uuid = str(uuid.uuid4())
            trigger = {"type": "manual", "flow": {"uuid": flow_uuid, "name": name},
                       "triggered_on": "2026-12-07T10:00:00Z"}  # fmt: skip
            async with transaction() as db:
                await db.execute(
                    text(
                        """INSERT INTO calls (uuid, org_id, channel_id, contact_id, contact_urn_id, direction,
                                              status, external_id, trigger)
                           SELECT CAST(:u AS uuid), :o, :ch, :c, id, 'O', 'W', :e, CAST(:t AS jsonb)
                           FROM contact_urns WHERE contact_id = :c"""
                    ),
                    {"u": call_uuid, "o": org.id, "ch": channel.id, "c": contact_id, "e": f"vn-{n}",
                     "t": json.dumps(trigger)},
                )  # fmt: skip
            url = signed(
                f"http://mr/mr/ivr/c/{channel.uuid}/handle?action=start&call={call_uuid}", VONAGE_APP_ID
            )
            body = {"from": CHANNEL_NUMBER.lstrip("+"), "to": "16055741111", "uuid": f"vn-{n}"}
            r = await client.post(url, json=body, headers=AUTH)
            assert r.status_code == 200, r.text
            assert ERROR_MESSAGE not in r.text, (name, r.text)
            actions = [a["action"] for a in r.json()]
            assert {"talk", "stream"} & set(actions), (name, r.text)
