"""A voice flow reached from a messaging flow, as goflow and mailroom do it. In-process mailroom, the fake
Twilio over real HTTP.

- enter_flow (a subflow): goflow's EnterFlow refuses a flow of another type than the session's ("Can't enter
  flow[...] of type voice from type messaging"): the run fails with that failure event and no call is placed.
- start_session: goflow emits session_triggered, which mailroom turns into a flow start (type F); a voice
  flow's start places a call for each contact, whose answer starts the voice flow with the flow_action
  trigger (so @parent is the messaging run)."""

import json
from typing import Any

from mailroom import runner
from mailroom.contacts import load_contacts
from mailroom.crons.retry_msgs import queue_pending
from mailroom.scene import load_org_scene
from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.mailroom.ivr.support import CHANNEL_NUMBER, IVR_FLOW
from tests.mailroom.test_support_batch import insert_start, one, run_tasks, scalars, workspace
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.flows import save_flow
from upesi.domain.imports import import_definitions
from upesi.queues.redis import get_redis
from upesi.queues.tasks import StartFlow, queue_task


def messaging_flow(uuid: str, action: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": uuid, "name": f"Reach {action['type']}", "spec_version": "14.4.2", "language": "eng",
        "type": "messaging", "revision": 1, "expire_after_minutes": 10080, "localization": {},
        "nodes": [{"uuid": uuid[:-4] + "0002", "actions": [action],
                   "exits": [{"uuid": uuid[:-4] + "0003", "destination_uuid": None}]}],
        "_ui": {"nodes": {}},
    }  # fmt: skip


IVR_FLOW_UUID = json.loads(IVR_FLOW.read_text())["flows"][0]["uuid"]
VOICE_REF = {"uuid": IVR_FLOW_UUID, "name": "IVR Flow"}
ENTER = messaging_flow(
    "7c0e0000-0000-4000-8000-00000000b001",
    {
        "uuid": "7c0e0000-0000-4000-8000-00000000b00a",
        "type": "enter_flow",
        "flow": VOICE_REF,
        "terminal": False,
    },
)
START = messaging_flow(
    "7c0e0000-0000-4000-8000-00000000c001",
    {"uuid": "7c0e0000-0000-4000-8000-00000000c00a", "type": "start_session", "flow": VOICE_REF,
     "contacts": [], "groups": [], "create_contact": False, "exclusions": {}, "create_new_contact": False,
     "contact_query": "", "urns": [], "legacy_vars": ["@contact.uuid"]},
)  # fmt: skip


async def start_flow(org_id: int, flow_id: int, contact_id: int) -> None:
    start_id = await insert_start(org_id, flow_id, contact_ids=[contact_id])
    await queue_task(get_redis(), org_id, StartFlow(start_id=start_id))
    await run_tasks()


async def test_voice_flow_from_a_messaging_flow(db: None) -> None:
    with FakeTwilio() as fake:
        ws = await workspace(2)
        org_id, (entering, starting) = ws["org_id"], ws["contact_ids"]
        async with transaction() as s:
            await add_channel(s, org_id, "T", CHANNEL_NUMBER,
                              {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "base_url": fake.url})  # fmt: skip
            await import_definitions(s, org_id=org_id, export=json.loads(IVR_FLOW.read_text()))
            enter_id = (await save_flow(s, org_id, ENTER)).id
            start_id = (await save_flow(s, org_id, START)).id

        # enter_flow: the messaging session fails with goflow's error and no call is placed
        await start_flow(org_id, enter_id, entering)
        session = await one(
            "SELECT status, session_type FROM flow_sessions WHERE contact_id = :c", c=entering
        )
        assert (session.status, session.session_type) == ("F", "M")
        # the failure event is not stored (as mailroom's handlers, which write the session's status): it is
        # the engine's, as goflow words it
        async with transaction() as s:
            scene = await load_org_scene(s, org_id)
            contact = (await load_contacts(s, org_id, [entering], scene.field_keys))[entering]
        trigger = {"type": "manual", "flow": {"uuid": ENTER["uuid"], "name": ENTER["name"]},
                   "triggered_on": "2026-12-07T16:00:00Z"}  # fmt: skip
        [sprint] = await runner.start_sessions(
            scene.assets, scene.environment, [(entering, contact, trigger)]
        )
        assert [e["text"] for e in sprint.events if e["type"] == "failure"] == [
            f"Can't enter flow[uuid={IVR_FLOW_UUID},name=IVR Flow] of type voice from type messaging"
        ]
        assert await scalars("SELECT status FROM flow_runs WHERE contact_id = :c", c=entering) == ["F"]
        assert await scalars("SELECT count(*) FROM calls") == [0]

        # start_session: a flow start of type F, which places a call for the contact
        await start_flow(org_id, start_id, starting)
        assert await scalars("SELECT status FROM flow_sessions WHERE contact_id = :c", c=starting) == ["C"]
        child = await one("SELECT start_type, flow_id FROM flow_starts WHERE start_type = 'F'")
        assert child.flow_id == (await one("SELECT id FROM flows WHERE uuid = :u", u=IVR_FLOW_UUID)).id
        await queue_pending()
        await run_tasks()
        [placed] = fake.wait_for_calls(1)
        assert placed.to == "+15553000001"
        call = await one("SELECT contact_id, status, trigger FROM calls")
        assert (call.contact_id, call.status) == (starting, "W")
        assert call.trigger["type"] == "flow_action"
        assert call.trigger["run_summary"]["flow"]["uuid"] == START["uuid"]
        # the voice flow runs only once the call is answered: no voice session yet
        assert await scalars("SELECT count(*) FROM flow_sessions WHERE session_type = 'V'") == [0]
        assert (await one("SELECT count(*) AS n FROM flow_runs WHERE contact_id = :c", c=starting)).n == 1
