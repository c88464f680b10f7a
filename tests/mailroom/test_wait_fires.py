"""Wait timeouts (T fires, set by courier) and expirations (E fires, set by persist) resume sessions through
the contact's event list; stale fires do nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

from mailroom import fires as fires_mod
from mailroom import starts
from tests.mailroom.test_support_batch import (
    execute,
    fires,
    insert_start,
    one,
    run_tasks,
    scalars,
    sent_msgs,
    workspace,
)
from upesi.db.engine import transaction
from upesi.db.ops.flows import save_flow
from upesi.metrics import UNKNOWN_FIRES

TIMEOUT_FLOW_UUID = "9d1c2b3a-0000-4000-8000-00000000b001"


def timeout_flow() -> dict:
    """Asks a question, waits up to 60 s; on timeout says so."""
    u = "9d1c2b3a-0000-4000-8000-00000000b0"
    return {
        "uuid": TIMEOUT_FLOW_UUID, "name": "Quick", "spec_version": "14.4.2", "language": "eng", "type": "messaging",
        "revision": 1, "expire_after_minutes": 60, "localization": {},
        "nodes": [
            {"uuid": u + "02", "actions": [{"uuid": u + "03", "type": "send_msg", "text": "Quick, your name?"}],
             "exits": [{"uuid": u + "04", "destination_uuid": u + "05"}]},
            {"uuid": u + "05", "actions": [],
             "router": {"type": "switch", "operand": "@input.text", "result_name": "Name",
                        "wait": {"type": "msg", "timeout": {"seconds": 60, "category_uuid": u + "07"}},
                        "cases": [{"uuid": u + "06", "type": "has_text", "arguments": [], "category_uuid": u + "08"}],
                        "categories": [{"uuid": u + "07", "name": "No Response", "exit_uuid": u + "09"},
                                       {"uuid": u + "08", "name": "Has Text", "exit_uuid": u + "10"}],
                        "default_category_uuid": u + "08"},
             "exits": [{"uuid": u + "09", "destination_uuid": u + "11"}, {"uuid": u + "10", "destination_uuid": None}]},
            {"uuid": u + "11", "actions": [{"uuid": u + "12", "type": "send_msg", "text": "Too slow!"}],
             "exits": [{"uuid": u + "13", "destination_uuid": None}]},
        ],
        "_ui": {"nodes": {}},
    }  # fmt: skip


async def start_waiting(ws: dict, flow_id: int, contact_ids: list[int]) -> None:
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], flow_id, contact_ids=contact_ids))
    await run_tasks()


async def set_timeout_fire(org_id: int, contact_id: int, sprint_uuid: str | None = None) -> None:
    """As courier does once the last message of the sprint is sent."""
    await execute(
        """
        INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, session_uuid, sprint_uuid, fire_on)
        SELECT :o, c.id, 'T', '', s.uuid, COALESCE(CAST(:sp AS uuid), s.last_sprint_uuid), now() + interval '60 seconds'
        FROM contacts c JOIN flow_sessions s ON s.uuid = c.current_session_uuid WHERE c.id = :c
        """,
        o=org_id, c=contact_id, sp=sprint_uuid,
    )  # fmt: skip


async def test_wait_timeout_resumes_session(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    async with transaction() as db:
        flow = await save_flow(db, ws["org_id"], timeout_flow())
    await start_waiting(ws, flow.id, [c])
    session = await one(
        "SELECT uuid::text, last_sprint_uuid::text FROM flow_sessions WHERE contact_id = :c", c=c
    )
    assert session.last_sprint_uuid  # sprints are identified, so a fire can tell it is stale
    await set_timeout_fire(ws["org_id"], c)
    [fire] = await fires("T")
    assert (fire.session_uuid, fire.sprint_uuid) == (session.uuid, session.last_sprint_uuid)

    assert await fires_mod.fire_due(now=datetime.now(UTC) + timedelta(seconds=61)) == 1
    await run_tasks()
    assert [m["text"] for m in await sent_msgs()] == ["Quick, your name?", "Too slow!"]
    assert await scalars("SELECT status FROM flow_sessions WHERE contact_id = :c", c=c) == ["C"]
    run = await one("SELECT status, results FROM flow_runs WHERE contact_id = :c", c=c)
    assert run.status == "C" and run.results["name"]["category"] == "No Response"
    assert await fires("T") == []


async def test_stale_timeout_is_ignored(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    async with transaction() as db:
        flow = await save_flow(db, ws["org_id"], timeout_flow())
    await start_waiting(ws, flow.id, [c])
    # a fire from an earlier sprint of the same session
    await set_timeout_fire(ws["org_id"], c, sprint_uuid="00000000-0000-4000-8000-000000000001")
    await fires_mod.fire_due(now=datetime.now(UTC) + timedelta(seconds=61))
    await run_tasks()
    assert [m["text"] for m in await sent_msgs()] == ["Quick, your name?"]
    assert await scalars("SELECT status FROM flow_sessions WHERE contact_id = :c", c=c) == ["W"]
    assert await fires("T") == []


async def test_expiration_expires_session_and_stale_expiration_is_ignored(db: None) -> None:
    ws = await workspace(2)
    c = ws["contact_ids"]
    await start_waiting(ws, ws["join_id"], c)
    expirations = await fires("E")
    assert [f.contact_id for f in expirations] == c  # persist set them, with the session and sprint
    assert all(f.session_uuid and f.sprint_uuid for f in expirations)
    # c1 moves on to a new session before the cron gets to its old fire: that fire is stale
    old = expirations[1]
    await start_waiting(ws, ws["join_id"], [c[1]])
    await execute(
        """
        UPDATE contact_fires SET session_uuid = CAST(:s AS uuid), sprint_uuid = CAST(:sp AS uuid)
        WHERE contact_id = :c AND fire_type = 'E'
        """,
        s=old.session_uuid, sp=old.sprint_uuid, c=c[1],
    )  # fmt: skip

    assert await fires_mod.fire_due(now=datetime.now(UTC) + timedelta(days=8)) == 2
    await run_tasks()
    # c0's session ended (the engine says how: its run expired, and no parent run carries on); c1's first
    # session was interrupted by the second start and its current one still waits: the stale fire did nothing
    statuses = await scalars("SELECT status FROM flow_sessions ORDER BY contact_id, id")
    assert statuses[0] in ("X", "C") and statuses[1:] == ["I", "W"]
    assert await scalars("SELECT status FROM flow_runs WHERE contact_id = :c", c=c[0]) == ["X"]
    contact = await one("SELECT current_session_uuid FROM contacts WHERE id = :c", c=c[0])
    assert contact.current_session_uuid is None


async def test_a_fire_of_unknown_type_is_kept_and_counted(db: None, caplog: Any) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    await execute(
        "INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, fire_on) VALUES (:o, :c, 'X', '', now())",
        o=ws["org_id"], c=c,
    )  # fmt: skip
    before = UNKNOWN_FIRES._value.get()
    assert await fires_mod.fire_due(now=datetime.now(UTC) + timedelta(seconds=1)) == 1
    # the row is still there (claimed for later), the counter and the log say so
    assert await scalars("SELECT fire_type FROM contact_fires WHERE contact_id = :c", c=c) == ["X"]
    assert UNKNOWN_FIRES._value.get() == before + 1
    assert any("unknown type" in r.getMessage() for r in caplog.records)
