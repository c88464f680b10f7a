"""Outgoing messages that mailroom writes itself (broadcasts, campaign messages): where each contact is
sent to, translation by language, template evaluation, and the one-statement insert of a batch."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.persist import Outgoing, msg_columns
from mailroom.runner import now_iso
from upesi.db.raw import asyncpg_of
from upesi.excellent import Environment, evaluate_template
from upesi.excellent.types.values import XObject
from upesi.flows.assets import Assets
from upesi.flows.clock import uuid7
from upesi.flows.context import contact_context, fields_context, urns_context
from upesi.quick_replies import for_courier

# one statement for a batch, sent straight to asyncpg with a typed array per column (persist.msg_columns)
_INSERT_MSGS = """
INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, broadcast_id, flow_id, text, attachments,
                  quick_replies, locale, direction, status, failed_reason, high_priority, created_on, modified_on)
SELECT r.uuid, $1, r.channel_id, r.contact_id, r.urn_id, $2, r.flow_id, r.text, r.attachments::text[],
       r.quick_replies::text[], r.locale, 'O', r.status, r.failed_reason, false, r.created_on::timestamptz, now()
FROM unnest($3::uuid[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[],
            $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
     AS r(uuid, channel_id, contact_id, urn_id, flow_id, text, attachments, quick_replies, locale, status, failed_reason,
          created_on)
RETURNING uuid::text, id
"""


@dataclass
class Destination:
    urn_id: int
    urn: str
    channel_id: int | None
    channel_uuid: str | None
    tps: int


@dataclass
class NewMsg:
    contact_id: int
    contact_uuid: str
    text: str
    attachments: list[str] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    locale: str | None = None


# each contact's best URN and channel: the highest-priority URN that some sending channel can reach,
# preferring the URN's own channel affinity, else the workspace's first channel for its scheme. The ids are
# this workspace's contacts (resolved recipients): an org_id match on the URNs as well could send a planner
# without statistics through the workspace's whole URN index.
_DESTINATIONS = """
SELECT DISTINCT ON (u.contact_id) u.contact_id, u.id AS urn_id, u.identity, ch.id AS channel_id,
       ch.uuid::text AS channel_uuid, ch.tps
FROM contact_urns u
LEFT JOIN LATERAL (
    SELECT c.id, c.uuid, c.tps FROM channels c
    WHERE c.org_id = $1 AND c.is_active AND c.role LIKE '%S%'
      AND (c.id = u.channel_id OR u.scheme = ANY(c.schemes))
    ORDER BY (c.id = u.channel_id) DESC, c.id LIMIT 1
) ch ON true
WHERE u.contact_id = ANY($2::bigint[])
ORDER BY u.contact_id, (ch.id IS NULL), u.priority DESC, u.id
"""


async def destinations(db: AsyncSession, org_id: int, contact_ids: list[int]) -> dict[int, Destination]:
    """Each contact's best URN and channel, in one statement (sent straight to asyncpg: a batch's hot path)."""
    rows = await (await asyncpg_of(db)).fetch(_DESTINATIONS, org_id, contact_ids)
    return {
        r["contact_id"]: Destination(
            r["urn_id"], r["identity"], r["channel_id"], r["channel_uuid"], r["tps"] or 10
        )
        for r in rows
    }


class _TemplateScope:
    """What contact_context needs from a session (environment and assets), without running a flow."""

    def __init__(self, env: Environment, assets: Assets) -> None:
        self.env = env
        self.assets = assets


class Templates:
    """Evaluates message templates (@contact.name, @fields.x, @globals.y) for many contacts."""

    def __init__(self, assets: dict[str, Any], env_json: dict[str, Any]) -> None:
        self.scope = _TemplateScope(Environment.from_json(env_json), Assets(assets))

    def evaluate(self, template: str, contact: dict[str, Any]) -> str:
        if "@" not in template:
            return template
        scope: Any = self.scope
        ctx = XObject(
            {
                "contact": contact_context(scope, contact),
                "fields": fields_context(scope, contact),
                "urns": urns_context(scope, contact),
                "globals": XObject({g["key"]: g.get("value") for g in self.scope.assets.globals}),
            }
        )
        rendered, _errors = evaluate_template(template, ctx, self.scope.env)
        return rendered


def translate(
    translations: dict[str, Any], base_language: str, contact: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """(language, translation) for a contact: theirs if there is one, else the base language's."""
    lang = contact.get("language")
    if lang and lang in translations:
        return lang, translations[lang]
    if base_language in translations:
        return base_language, translations[base_language]
    first = next(iter(translations))
    return first, translations[first]


def as_content(value: Any) -> dict[str, Any]:
    """Broadcast translations are {text, attachments, quick_replies}; campaign messages are plain text."""
    return value if isinstance(value, dict) else {"text": str(value or "")}


async def insert_msgs(
    db: AsyncSession, org_id: int, msgs: list[NewMsg], dests: dict[int, Destination],
    broadcast_id: int | None = None, origin: str = "broadcast",
) -> list[Outgoing]:  # fmt: skip
    """Insert the messages (one statement) as Q, or F when the contact has nowhere to send to, and return
    them grouped for courier. Queue them with outbox.queue_outgoing once the transaction has committed."""
    if not msgs:
        return []
    created_on = now_iso()
    rows, outgoing = [], []
    for m in msgs:
        dest = dests.get(m.contact_id)
        sendable = dest is not None and dest.channel_id is not None
        row = {
            "uuid": uuid7(),
            "contact_id": m.contact_id,
            "channel_id": dest.channel_id if dest else None,
            "urn_id": dest.urn_id if dest else None,
            "text": m.text,
            "attachments": m.attachments,
            "quick_replies": m.quick_replies,
            "locale": m.locale,
            "status": "Q" if sendable else "F",  # Q at creation; I only if the push fails (outbox)
            "failed_reason": None if sendable else "N",
            "flow_id": None,
            "created_on": created_on,
        }
        rows.append(row)
        if sendable:
            assert dest is not None and dest.channel_uuid is not None
            outgoing.append(
                Outgoing(
                    dest.channel_uuid,
                    dest.tps,
                    False,
                    [
                        {
                            "uuid": row["uuid"],
                            "org_id": org_id,
                            "channel_uuid": dest.channel_uuid,
                            "contact": {"id": m.contact_id, "uuid": m.contact_uuid},
                            "urn": dest.urn,
                            "urn_id": dest.urn_id,
                            "text": m.text,
                            "attachments": m.attachments,
                            "quick_replies": for_courier(m.quick_replies),
                            "locale": m.locale,
                            "high_priority": False,
                            "origin": origin,
                            "created_on": created_on,
                            "tps_cost": 1,
                        }
                    ],
                )
            )
    pg = await asyncpg_of(db)
    ids = await pg.fetch(_INSERT_MSGS, org_id, broadcast_id, *msg_columns(rows))
    id_by_uuid: dict[str, int] = {r["uuid"]: r["id"] for r in ids}
    for batch in outgoing:
        for msg in batch.msgs:
            msg["id"] = id_by_uuid.get(msg["uuid"])
    return outgoing
