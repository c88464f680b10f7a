"""Contacts as the engine sees them (goflow contact JSON), loaded for many contacts at once."""

from datetime import datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.scene import load_org_scene
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.db.raw import asyncpg_of

# URNs (highest priority first, with the ?id= and &channel= params the engine expects), groups ([uuid, name]
# pairs, one lookup) and open tickets are gathered per contact by index lookups inside one statement, sent
# straight to asyncpg. The workspace is checked on the rows, not in the WHERE: given `org_id = $1` as well, a
# planner without fresh statistics (a just-imported group) reads every contact of the workspace through the
# org index instead of the ids.
URNS = """ARRAY(SELECT u.identity || '?id=' || u.id || COALESCE('&channel=' || ch.uuid::text, '')
                 FROM contact_urns u LEFT JOIN channels ch ON ch.id = u.channel_id
                 WHERE u.contact_id = c.id ORDER BY u.priority DESC, u.id)"""


def contact_columns(urns: str = URNS) -> str:
    """The columns contact_json reads, of a contacts row aliased c; `urns` is the expression of its URN list
    (msg_received's state statement gives its own, which sees the URN update it makes)."""
    return f"""
    c.id, c.org_id, c.uuid::text AS uuid, c.name, c.language, c.timezone, c.status, c.created_on, c.last_seen_on,
    c.fields, {urns} AS urns,
    ARRAY(SELECT ARRAY[g.uuid::text, g.name] FROM contact_group_contacts m
          JOIN contact_groups g ON g.id = m.group_id
          WHERE m.contact_id = c.id AND g.is_active ORDER BY g.id) AS groups,
    (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'uuid', t.uuid, 'status', 'open', 'topic', jsonb_build_object('uuid', tp.uuid, 'name', tp.name),
                'assignee', CASE WHEN u.id IS NOT NULL THEN jsonb_build_object('uuid', u.uuid, 'email', u.email,
                    'name', trim(u.first_name || ' ' || u.last_name)) END)) ORDER BY t.id)
       FROM tickets t JOIN topics tp ON tp.id = t.topic_id LEFT JOIN users u ON u.id = t.assignee_id
      WHERE t.contact_id = c.id AND t.status = 'O') AS open_tickets"""


_CONTACTS = f"SELECT {contact_columns()} FROM contacts c WHERE c.id = ANY($1::bigint[]) AND c.is_active"
# One contact (every contact event): `c.id = $1` rather than an array of one, since Postgres plans the array
# form afresh on every execution (its generic plan, costed for an array of unknown length, never looks as
# cheap as a custom plan for one id), and planning this statement costs several times running it.
_CONTACT = f"SELECT {contact_columns()} FROM contacts c WHERE c.id = $1 AND c.is_active"


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


async def load_contacts(
    session: AsyncSession, org_id: int, contact_ids: list[int], field_keys: dict[str, str] | None = None
) -> dict[int, dict[str, Any]]:
    """Engine contact JSON by contact id, in one statement whatever the number of contacts. field_keys
    (field uuid -> key) are the workspace scene's, read when not given."""
    if not contact_ids:
        return {}
    pg = await asyncpg_of(session)
    if len(contact_ids) == 1:
        rows = [row] if (row := await pg.fetchrow(_CONTACT, contact_ids[0])) is not None else []
    else:
        rows = await pg.fetch(_CONTACTS, list(contact_ids))
    if field_keys is None:
        field_keys = (await load_org_scene(session, org_id)).field_keys
    return {c["id"]: contact_json(c, field_keys) for c in rows if c["org_id"] == org_id}


def contact_json(c: asyncpg.Record, field_keys: dict[str, str]) -> dict[str, Any]:
    """The engine's contact JSON from a row with contact_columns(); field_keys: field uuid -> key."""
    contact: dict[str, Any] = {
        "uuid": c["uuid"],
        "id": c["id"],
        "status": CONTACT_STATUSES.get(c["status"], "active"),
        "created_on": iso(c["created_on"]),
        "urns": list(c["urns"]),
        "groups": [{"uuid": uuid, "name": name} for uuid, name in c["groups"]],
        "fields": {field_keys[k]: v for k, v in (c["fields"] or {}).items() if k in field_keys},
    }
    if c["name"]:
        contact["name"] = c["name"]
    if c["language"]:
        contact["language"] = c["language"]
    if c["timezone"]:
        contact["timezone"] = c["timezone"]
    if c["last_seen_on"]:
        contact["last_seen_on"] = iso(c["last_seen_on"])
    if c["open_tickets"]:  # the engine opens no second ticket while one is open
        tickets = c["open_tickets"]
        contact["tickets"] = orjson.loads(tickets) if isinstance(tickets, str) else tickets
    return contact
