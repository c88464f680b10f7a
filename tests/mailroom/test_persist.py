"""The sprint statement reaches rows by index whatever plan Postgres caches for it: a generic plan made
while a table was small (no statistics yet) must not scan the table on every sprint as it grows."""

from mailroom import runner
from mailroom.contacts import load_contacts
from mailroom.persist import commit_sprints
from mailroom.scene import load_org_scene
from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from upesi.db.engine import transaction
from upesi.db.raw import asyncpg_of
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo


async def test_a_resume_scans_no_table_on_a_generic_plan(db: None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    contact_id, _ = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "join")
    await handle(org.id, {"contact_id": contact_id})  # the demo flow now waits for a name

    async with transaction() as s:
        pg = await asyncpg_of(s)
        await pg.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        scene = await load_org_scene(s, org.id)
        contact = (await load_contacts(s, org.id, [contact_id], scene.field_keys))[contact_id]
        output = await pg.fetchval(
            "SELECT output FROM flow_sessions WHERE contact_id = $1 AND status = 'W'", contact_id
        )
        msg = {"uuid": "0199f3a2-0000-7000-8000-000000000001", "urn": "tel:+15551234567", "text": "Ana"}
        sprint = await runner.resume_session(
            scene.engine_assets, scene.environment, contact_id, dict(output, contact=contact),
            runner.msg_resume(msg),
        )  # fmt: skip
        outgoing = await commit_sprints(s, org.id, [sprint])
        scans = await pg.fetchrow(
            "SELECT pg_stat_get_xact_numscans('flow_runs'::regclass) AS runs,"
            " pg_stat_get_xact_numscans('flow_sessions'::regclass) AS sessions,"
            " pg_stat_get_xact_numscans('contact_fires'::regclass) AS fires,"
            # a contact's wait fires by the unique index that starts with contact_id, never by another
            " (SELECT sum(pg_stat_get_xact_numscans(indexrelid)) FROM pg_index WHERE indrelid = 'contact_fires'::regclass"
            "  AND indexrelid <> 'uq_contact_fires_contact_id_fire_type_scope'::regclass) AS fires_other_index"
        )
    assert [m["text"] for batch in outgoing for m in batch.msgs] == ["Thanks Ana!"]
    assert dict(scans) == {"runs": 0, "sessions": 0, "fires": 0, "fires_other_index": 0}
