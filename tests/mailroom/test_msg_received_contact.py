"""msg_received runs the engine with the contact as the message leaves it: the URN the message came on first
(with affinity to its channel) and active again if it was stopped. msg_received reads the contact
in the same statement that makes those changes, so this pins that the engine does not get the rows as they
were before it."""

from sqlalchemy import text

from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from tests.mailroom.test_support_batch import hello_flow
from upesi.db.engine import transaction
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo

FIRST, SECOND = "tel:+15551230001", "tel:+15551230002"


async def test_the_engine_gets_the_contact_as_the_message_leaves_it(db: None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
        hello = await save_flow(s, org.id, hello_flow("Hello @contact.urn"))
        await add_keyword_trigger(s, org.id, hello.id, ["hello"])
    contact_id, _ = await receive(org.id, DEMO_CHANNEL_UUID, FIRST, "hi")
    await handle(org.id, {"contact_id": contact_id})
    async with transaction() as s:  # a second URN, below the first and without a channel; a stopped contact
        second_id = (
            await s.execute(
                text(
                    "INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, auth_tokens)"
                    " VALUES (:o, :c, 'tel', '+15551230002', :i, 50, '{}') RETURNING id"
                ),
                {"o": org.id, "c": contact_id, "i": SECOND},
            )
        ).scalar_one()
        await s.execute(text("UPDATE contacts SET status = 'S' WHERE id = :c"), {"c": contact_id})

    await receive(org.id, DEMO_CHANNEL_UUID, SECOND, "hello")
    await handle(org.id, {"contact_id": contact_id})

    async with transaction() as s:
        output = (
            await s.execute(
                text("SELECT output FROM flow_sessions WHERE contact_id = :c ORDER BY id DESC LIMIT 1"),
                {"c": contact_id},
            )
        ).scalar_one()
        row = (await s.execute(text("SELECT status FROM contacts WHERE id = :c"), {"c": contact_id})).one()
        reply = (
            await s.execute(
                text("SELECT text, contact_urn_id FROM msgs WHERE direction = 'O' ORDER BY id DESC LIMIT 1")
            )
        ).one()
    contact = output["contact"]
    assert contact["urns"][0] == f"{SECOND}?id={second_id}&channel={DEMO_CHANNEL_UUID}"
    assert contact["urns"][1].startswith(f"{FIRST}?id=")
    assert contact["status"] == "active" and row.status == "A"
    assert (reply.text, reply.contact_urn_id) == ("Hello tel:+15551230002", second_id)
