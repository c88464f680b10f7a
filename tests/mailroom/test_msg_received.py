import json

from sqlalchemy import text

from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from upesi.db.engine import transaction
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo


async def outgoing_texts() -> list[str]:
    redis = get_redis()
    items = await redis.zrange(queue_name(DEMO_CHANNEL_UUID, 10) + "/1", 0, -1)
    return [m["text"] for item in items for m in json.loads(item)]


async def test_keyword_starts_flow_and_reply_resumes_it(db: None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)

    contact_id, first_uuid = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "join")
    await handle(org.id, {"contact_id": contact_id})
    assert await outgoing_texts() == ["What is your name?"]

    async with transaction() as s:
        session = (
            await s.execute(
                text("SELECT uuid, status FROM flow_sessions WHERE contact_id = :c"), {"c": contact_id}
            )
        ).one()
        contact = (
            await s.execute(
                text("SELECT current_session_uuid, current_flow_id FROM contacts WHERE id = :c"),
                {"c": contact_id},
            )
        ).one()
        first = (
            await s.execute(text("SELECT status, flow_id FROM msgs WHERE uuid = :u"), {"u": first_uuid})
        ).one()
        fires = (
            (
                await s.execute(
                    text("SELECT fire_type FROM contact_fires WHERE contact_id = :c"), {"c": contact_id}
                )
            )
            .scalars()
            .all()
        )
    assert session.status == "W" and contact.current_session_uuid == session.uuid and contact.current_flow_id
    assert first.status == "H" and first.flow_id == contact.current_flow_id
    assert fires == ["E"]
    async with transaction() as s:
        output = (
            await s.execute(text("SELECT output FROM flow_sessions WHERE contact_id = :c"), {"c": contact_id})
        ).scalar_one()
    # the trigger carries the message in its msg_received event, which took the stored message's UUID
    assert output["trigger"]["event"]["type"] == "msg_received"
    assert (output["input"]["uuid"], output["input"]["text"]) == (str(first_uuid), "join")

    _, second_uuid = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "Ana")
    await handle(org.id, {"contact_id": contact_id})
    assert await outgoing_texts() == ["What is your name?", "Thanks Ana!"]
    # the resume's msg_received event took the stored message's UUID, so the session's input names it
    async with transaction() as s:
        output = (
            await s.execute(text("SELECT output FROM flow_sessions WHERE contact_id = :c"), {"c": contact_id})
        ).scalar_one()
    assert (output["input"]["uuid"], output["input"]["text"]) == (str(second_uuid), "Ana")

    async with transaction() as s:
        name = (await s.execute(text("SELECT name FROM contacts WHERE id = :c"), {"c": contact_id})).scalar()
        run = (
            await s.execute(
                text("SELECT status, results, responded FROM flow_runs WHERE contact_id = :c"),
                {"c": contact_id},
            )
        ).one()
        status = (
            await s.execute(text("SELECT status FROM flow_sessions WHERE contact_id = :c"), {"c": contact_id})
        ).scalar()
        out = (
            await s.execute(
                text("SELECT text, status, direction FROM msgs WHERE direction = 'O' ORDER BY id")
            )
        ).all()
        fires = (
            await s.execute(
                text("SELECT count(*) FROM contact_fires WHERE contact_id = :c"), {"c": contact_id}
            )
        ).scalar()
    assert name == "Ana"
    assert (
        run.status == "C"
        and run.results["name"]["value"] == "Ana"
        and run.results["name"]["category"] == "Has Text"
    )
    assert run.responded
    assert status == "C"
    assert [(o.text, o.status, o.direction) for o in out] == [
        ("What is your name?", "Q", "O"),
        ("Thanks Ana!", "Q", "O"),
    ]
    assert fires == 0


async def test_message_without_trigger_or_session_goes_to_inbox(db: None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    contact_id, msg_uuid = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15550000001", "hello there")
    await handle(org.id, {"contact_id": contact_id})
    async with transaction() as s:
        msg = (
            await s.execute(
                text("SELECT status, flow_id, visibility FROM msgs WHERE uuid = :u"), {"u": msg_uuid}
            )
        ).one()
        sessions = (await s.execute(text("SELECT count(*) FROM flow_sessions"))).scalar()
    assert (msg.status, msg.flow_id, msg.visibility) == ("H", None, "V")
    assert sessions == 0
    assert await outgoing_texts() == []


async def test_keyword_interrupts_waiting_session(db: None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    contact_id, _ = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15550000002", "join")
    await handle(org.id, {"contact_id": contact_id})
    await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15550000002", "join")
    await handle(org.id, {"contact_id": contact_id})
    async with transaction() as s:
        statuses = (
            (
                await s.execute(
                    text("SELECT status FROM flow_sessions WHERE contact_id = :c ORDER BY id"),
                    {"c": contact_id},
                )
            )
            .scalars()
            .all()
        )
        runs = (
            (
                await s.execute(
                    text("SELECT status FROM flow_runs WHERE contact_id = :c ORDER BY id"), {"c": contact_id}
                )
            )
            .scalars()
            .all()
        )
    assert statuses == ["I", "W"]
    assert runs == ["I", "W"]
