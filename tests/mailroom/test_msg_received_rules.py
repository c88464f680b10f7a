"""Incoming-message rules not covered elsewhere: a flow that ignores triggers keeps its waiting contact, a
catch-all fires only for a contact in no flow, a blocked contact's message runs nothing, and a stopped contact
who writes again is active again."""

import json
import uuid

from sqlalchemy import text

from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from tests.mailroom.test_support_batch import hello_flow
from upesi.db.engine import transaction
from upesi.db.models import Trigger
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, JOIN_FLOW, seed_demo

URN = "tel:+15551234567"


async def replies() -> list[str]:
    items = await get_redis().zrange(queue_name(DEMO_CHANNEL_UUID, 10) + "/1", 0, -1)
    return [m["text"] for item in items for m in json.loads(item)]


async def setup(catch_all: bool = False) -> int:
    """The demo workspace ("join" starts the Join flow, which asks a name) plus a Hello flow on keyword
    "hello" (and on the catch-all if asked)."""
    async with transaction() as s:
        org = await seed_demo(s)
        hello = await save_flow(s, org.id, hello_flow("Hello!"))
        await add_keyword_trigger(s, org.id, hello.id, ["hello"])
        if catch_all:
            s.add(
                Trigger(
                    uuid=str(uuid.uuid4()), org_id=org.id, trigger_type="C", keywords=[], flow_id=hello.id
                )
            )
    return org.id


async def say(org_id: int, msg: str) -> int:
    contact_id, _ = await receive(org_id, DEMO_CHANNEL_UUID, URN, msg)
    await handle(org_id, {"contact_id": contact_id})
    return contact_id


async def test_waiting_flow_that_ignores_triggers_keeps_the_contact(db: None) -> None:
    org_id = await setup()
    async with transaction() as s:
        await s.execute(
            text("UPDATE flows SET ignore_triggers = true WHERE uuid = :u"), {"u": JOIN_FLOW["uuid"]}
        )
    await say(org_id, "join")
    await say(org_id, "hello")  # a keyword, but the Join flow ignores triggers: it is the answer
    assert await replies() == ["What is your name?", "Thanks hello!"]


async def test_catch_all_only_for_a_contact_in_no_flow(db: None) -> None:
    org_id = await setup(catch_all=True)
    await say(org_id, "join")
    await say(org_id, "Ana")  # waiting: the reply resumes the flow, the catch-all does not fire
    await say(org_id, "anything")  # in no flow now: the catch-all fires
    assert await replies() == ["What is your name?", "Thanks Ana!", "Hello!"]


async def test_blocked_contact_runs_nothing(db: None) -> None:
    org_id = await setup(catch_all=True)
    contact_id = await say(org_id, "join")
    async with transaction() as s:
        await s.execute(text("UPDATE contacts SET status = 'B' WHERE id = :c"), {"c": contact_id})
    await say(org_id, "hello")
    assert await replies() == ["What is your name?"]
    async with transaction() as s:
        last = (
            await s.execute(text("SELECT status, flow_id FROM msgs WHERE direction = 'I' ORDER BY id DESC"))
        ).first()
    assert last is not None and last.status == "H" and last.flow_id is None


async def test_stopped_contact_who_writes_is_active_again(db: None) -> None:
    org_id = await setup()
    contact_id = await say(org_id, "hello")
    async with transaction() as s:
        await s.execute(text("UPDATE contacts SET status = 'S' WHERE id = :c"), {"c": contact_id})
    await say(org_id, "hello")
    async with transaction() as s:
        status = (
            await s.execute(text("SELECT status FROM contacts WHERE id = :c"), {"c": contact_id})
        ).scalar()
    assert status == "A"
    assert await replies() == ["Hello!", "Hello!"]
