"""Helpers for the tests of mailroom's bulk work (starts, broadcasts, campaigns, fires): a workspace with
contacts and a group, flows to start, and running queued tasks in-process the way the foremen would."""

import json
import uuid
from typing import Any

from sqlalchemy import text

from mailroom.tasks import TASKS
from upesi.db.engine import transaction
from upesi.db.ops.contacts import resolve_contacts
from upesi.db.ops.flows import save_flow
from upesi.queues.fair import QUEUE_BATCH, QUEUE_REALTIME, QUEUE_THROTTLED, FairQueue, Task
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from upesi.urns import parse_urn
from upesi_cli.demo import DEMO_CHANNEL_UUID, JOIN_FLOW, seed_demo

QUEUES = (QUEUE_REALTIME, QUEUE_BATCH, QUEUE_THROTTLED)
HELLO_FLOW_UUID = "9d1c2b3a-0000-4000-8000-00000000a001"


def hello_flow(text_: str = "Hello @contact.name, code @trigger.params.code") -> dict[str, Any]:
    """A one-message flow (no wait)."""
    return {
        "uuid": HELLO_FLOW_UUID, "name": "Hello", "spec_version": "14.4.2", "language": "eng", "type": "messaging",
        "revision": 1, "expire_after_minutes": 10080, "localization": {},
        "nodes": [{
            "uuid": "9d1c2b3a-0000-4000-8000-00000000a002",
            "actions": [{"uuid": "9d1c2b3a-0000-4000-8000-00000000a003", "type": "send_msg", "text": text_,
                         "attachments": [], "quick_replies": []}],
            "exits": [{"uuid": "9d1c2b3a-0000-4000-8000-00000000a004", "destination_uuid": None}],
        }],
        "_ui": {"nodes": {}},
    }  # fmt: skip


async def workspace(n_contacts: int = 5) -> dict[str, Any]:
    """The demo workspace (its Join flow waits for a reply), the Hello flow, n contacts named C0.. with
    tel URNs, all in group "Crew". Returns ids."""
    async with transaction() as db:
        org = await seed_demo(db)
        hello = await save_flow(db, org.id, hello_flow())
        join_id = (
            await db.execute(text("SELECT id FROM flows WHERE uuid = :u"), {"u": JOIN_FLOW["uuid"]})
        ).scalar()
        channel_id = (
            await db.execute(text("SELECT id FROM channels WHERE uuid = :u"), {"u": DEMO_CHANNEL_UUID})
        ).scalar()
        urns = [parse_urn(f"tel:+1555300{i:04d}") for i in range(n_contacts)]
        resolved = await resolve_contacts(
            db, org.id, urns, channel_id, names={u.identity: f"C{i}" for i, u in enumerate(urns)}
        )
        contact_ids = [resolved[u.identity].contact_id for u in urns]
        group_id = (
            await db.execute(
                text(
                    "INSERT INTO contact_groups (uuid, org_id, name, group_type, status, is_active)"
                    " VALUES (gen_random_uuid(), :o, 'Crew', 'M', 'R', true) RETURNING id"
                ),
                {"o": org.id},
            )
        ).scalar_one()
        await db.execute(
            text(
                "INSERT INTO contact_group_contacts (group_id, contact_id) SELECT :g, unnest(CAST(:c AS bigint[]))"
            ),
            {"g": group_id, "c": contact_ids},
        )
    return {"org_id": org.id, "hello_id": hello.id, "join_id": join_id, "contact_ids": contact_ids,
            "group_id": group_id, "channel_id": channel_id}  # fmt: skip


async def queued_tasks(queue: str) -> list[Task]:
    """Every task waiting on a queue, oldest first, without taking them."""
    redis = get_redis()
    base = "{" + queue + "}"
    tasks = []
    for owner in await redis.zrange(f"{base}:queued", 0, -1):
        for prio in ("1", "0"):
            for payload in await redis.lrange(f"{base}:o:{owner}/{prio}", 0, -1):
                tasks.append(Task.decode(owner, payload))
    return tasks


async def run_tasks(max_tasks: int = 10_000) -> list[Task]:
    """Pop and perform queued tasks on every queue until none are left; returns what ran."""
    redis = get_redis()
    queues = [FairQueue(redis, q) for q in QUEUES]
    ran: list[Task] = []
    while len(ran) < max_tasks:
        popped = None
        for q in queues:
            if (popped := await q.pop()) is not None:
                break
        if popped is None:
            return ran
        owner, payload = popped
        task = Task.decode(owner, payload)
        await TASKS[task.type](int(owner), task.task)
        await q.done(owner, payload)
        ran.append(task)
    return ran


async def sent_texts(priority: str = "0") -> list[str]:
    """Texts queued to courier on the demo channel, in queue order."""
    items = await get_redis().zrange(queue_name(DEMO_CHANNEL_UUID, 10) + "/" + priority, 0, -1)
    return [m["text"] for item in items for m in json.loads(item)]


async def sent_msgs(priority: str = "0") -> list[dict[str, Any]]:
    items = await get_redis().zrange(queue_name(DEMO_CHANNEL_UUID, 10) + "/" + priority, 0, -1)
    return [m for item in items for m in json.loads(item)]


async def insert_start(
    org_id: int, flow_id: int, *, contact_ids: list[int] = (), group_ids: list[int] = (),  # type: ignore[assignment]
    urns: list[str] = (), query: str | None = None, restart: bool = True, exclude_active: bool = False,  # type: ignore[assignment]
    params: dict[str, Any] | None = None,
) -> int:  # fmt: skip
    """A flow_starts row as the API writes it."""
    async with transaction() as db:
        start_id = (
            await db.execute(
                text(
                    """
                    INSERT INTO flow_starts (uuid, org_id, flow_id, start_type, status, urns, query,
                        restart_participants, exclude_active, params)
                    VALUES (:u, :o, :f, 'A', 'P', :urns, :q, :r, :x, CAST(:p AS jsonb)) RETURNING id
                    """
                ),
                {"u": str(uuid.uuid4()), "o": org_id, "f": flow_id, "urns": list(urns), "q": query, "r": restart,
                 "x": exclude_active, "p": json.dumps(params or {})},
            )
        ).scalar_one()  # fmt: skip
        for cid in contact_ids:
            await db.execute(
                text("INSERT INTO flow_start_contacts VALUES (:s, :c)"), {"s": start_id, "c": cid}
            )
        for gid in group_ids:
            await db.execute(text("INSERT INTO flow_start_groups VALUES (:s, :g)"), {"s": start_id, "g": gid})
    return start_id


async def one(sql: str, **params: Any) -> Any:
    async with transaction() as db:
        return (await db.execute(text(sql), params)).one()


async def scalars(sql: str, **params: Any) -> list[Any]:
    async with transaction() as db:
        return list((await db.execute(text(sql), params)).scalars())


async def insert_broadcast(
    org_id: int, translations: dict[str, Any], base_language: str = "eng", *,
    contact_ids: list[int] = (), group_ids: list[int] = (), urns: list[str] = (),  # type: ignore[assignment]
    query: str | None = None, schedule: dict[str, Any] | None = None,
) -> int:  # fmt: skip
    """A broadcasts row as the API writes it."""
    async with transaction() as db:
        bcast_id = (
            await db.execute(
                text(
                    """
                    INSERT INTO broadcasts (uuid, org_id, translations, base_language, status, urns, query, schedule)
                    VALUES (:u, :o, CAST(:t AS jsonb), :b, 'P', :urns, :q, CAST(:s AS jsonb)) RETURNING id
                    """
                ),
                {"u": str(uuid.uuid4()), "o": org_id, "t": json.dumps(translations), "b": base_language,
                 "urns": list(urns), "q": query, "s": json.dumps(schedule) if schedule else None},
            )
        ).scalar_one()  # fmt: skip
        for cid in contact_ids:
            await db.execute(
                text("INSERT INTO broadcast_contacts VALUES (:b, :c)"), {"b": bcast_id, "c": cid}
            )
        for gid in group_ids:
            await db.execute(text("INSERT INTO broadcast_groups VALUES (:b, :g)"), {"b": bcast_id, "g": gid})
    return bcast_id


async def execute(sql: str, **params: Any) -> None:
    async with transaction() as db:
        await db.execute(text(sql), params)


async def add_date_field(org_id: int, key: str = "appointment") -> str:
    """A datetime contact field; returns its uuid."""
    async with transaction() as db:
        return str(
            (
                await db.execute(
                    text(
                        "INSERT INTO contact_fields (uuid, org_id, key, name, value_type) VALUES"
                        " (gen_random_uuid(), :o, :k, :k, 'D') RETURNING uuid"
                    ),
                    {"o": org_id, "k": key},
                )
            ).scalar_one()
        )


async def set_date(contact_id: int, field_uuid: str, value: str | None) -> None:
    async with transaction() as db:
        if value is None:
            await db.execute(
                text("UPDATE contacts SET fields = fields - CAST(:f AS text) WHERE id = :c"),
                {"f": field_uuid, "c": contact_id},
            )
        else:
            await db.execute(
                text(
                    "UPDATE contacts SET fields = fields || jsonb_build_object(CAST(:f AS text), jsonb_build_object('text', CAST(:v AS text), 'datetime', CAST(:v AS text))) WHERE id = :c"
                ),
                {"f": field_uuid, "v": value, "c": contact_id},
            )


async def add_campaign_event(
    org_id: int, group_id: int, field_uuid: str, *, offset: int, unit: str, delivery_hour: int = -1,
    message: dict[str, str] | None = None, flow_id: int | None = None, start_mode: str = "I",
) -> int:  # fmt: skip
    """A campaign on the group with one event relative to the field; returns the event id."""
    async with transaction() as db:
        campaign_id = (
            await db.execute(
                text(
                    "INSERT INTO campaigns (uuid, org_id, name, group_id) VALUES (gen_random_uuid(), :o, 'Reminders', :g) RETURNING id"
                ),
                {"o": org_id, "g": group_id},
            )
        ).scalar_one()
        field_id = (
            await db.execute(text("SELECT id, key FROM contact_fields WHERE uuid = :u"), {"u": field_uuid})
        ).one()
        return (
            await db.execute(
                text(
                    """
                    INSERT INTO campaign_events (uuid, org_id, campaign_id, relative_to_id, relative_to_key, "offset",
                        unit, delivery_hour, event_type, flow_id, translations, base_language, start_mode)
                    VALUES (gen_random_uuid(), :o, :c, :fid, :key, :off, :unit, :dh, :et, :flow, CAST(:tr AS jsonb),
                        :base, :sm) RETURNING id
                    """
                ),
                {"o": org_id, "c": campaign_id, "fid": field_id.id, "key": field_id.key, "off": offset, "unit": unit,
                 "dh": delivery_hour, "et": "M" if message else "F", "flow": flow_id,
                 "tr": json.dumps(message) if message else None, "base": next(iter(message)) if message else None,
                 "sm": start_mode},
            )
        ).scalar_one()  # fmt: skip


async def fires(fire_type: str = "C") -> list[Any]:
    async with transaction() as db:
        return list(
            (
                await db.execute(
                    text("SELECT contact_id, scope, fire_on, session_uuid::text, sprint_uuid::text FROM contact_fires"
                         " WHERE fire_type = :t ORDER BY contact_id"),
                    {"t": fire_type},
                )
            ).all()
        )  # fmt: skip
