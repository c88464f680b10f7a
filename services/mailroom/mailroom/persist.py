"""Writing what sprints produced: sessions, runs, contact changes, messages and fires, in one statement for
a whole batch of contacts, sent straight to asyncpg (this is the hot path of every inbound message and
every flow start, and a round trip costs more client CPU than most of what it carries). The caller owns
the transaction; outgoing messages are returned to be queued to courier only after it commits. Flow, channel and field ids come from the workspace's scene."""

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.effects import contact_row, write_effects, write_urns
from mailroom.followups import apply_followups
from mailroom.handlers import collect
from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint
from mailroom.scene import OrgScene, load_org_scene
from upesi.db.raw import asyncpg_of
from upesi.flows.clock import uuid7

SESSION_STATUS = {
    "waiting": "W",
    "completed": "C",
    "interrupted": "I",
    "expired": "X",
    "failed": "F",
    "active": "W",
}
RUN_STATUS = {
    "active": "A",
    "waiting": "W",
    "completed": "C",
    "interrupted": "I",
    "expired": "X",
    "failed": "F",
}
SESSION_TYPES = {"messaging": "M", "voice": "V"}
RESPONSE_EVENTS = frozenset(
    {"msg_received"}
)  # in a run's events (goflow-shaped sessions): the contact answered
ENDED = {"C", "I", "X", "F"}


@dataclass
class Outgoing:
    """One contact's messages on one channel, queued to courier as one item so they go out in order."""

    channel_uuid: str
    tps: int
    high_priority: bool
    msgs: list[dict[str, Any]] = field(default_factory=list)


def _json(value: Any) -> str:
    """Rows as JSON text for the jsonb parameter; orjson, since whole sessions go through here."""
    return orjson.dumps(value, default=str).decode()


async def commit_sprints(
    db: AsyncSession, org_id: int, sprints: list[Sprint], high_priority: bool = False,
    response_to_external_id: str | None = None, handled: tuple[str, int | None] | None = None,
    scene: OrgScene | None = None,
) -> list[Outgoing]:  # fmt: skip
    """Write the sprints in one statement, plus one per kind of rarer change their events made (URNs,
    group memberships, labels, tickets, HTTP logs, resthook events, airtime, follow-ups): every event has
    its handler (mailroom.handlers), which only gathers, so the number of statements does not grow with
    the number of events. handled is (incoming message uuid, flow id): the message the sprints answered,
    marked handled by the same statement. scene: the caller's, if it already has the workspace's."""
    if not sprints:
        return []
    pg = await asyncpg_of(db)
    if scene is None:
        scene = await load_org_scene(db, org_id)
    batch = collect(Batch(org_id, scene), sprints)
    flow_ids = await _flow_ids(pg, org_id, scene, sprints)
    await write_urns(pg, batch)
    msg_columns, outgoing = await _message_rows(
        pg, org_id, scene, batch, flow_ids, high_priority, response_to_external_id
    )
    interrupting = [s for s in sprints if s.interrupts_waiting]
    ids = await pg.fetch(
        _WRITE_SPRINTS,
        org_id,
        [s.contact_id for s in interrupting],
        [s.session["uuid"] for s in interrupting],
        _json(_contact_rows(batch, sprints, flow_ids)),
        [s.contact_id for s in sprints],
        _json(_fire_rows(batch, sprints)),
        handled[0] if handled else None,
        handled[1] if handled else None,
        high_priority,
        *_session_columns(sprints, flow_ids),
        *_run_columns(sprints, flow_ids),
        *msg_columns,
    )
    await write_effects(pg, batch, flow_ids)
    await apply_followups(db, org_id, batch)  # campaign fires of changed contacts, flow-action starts
    id_by_uuid = {r["uuid"]: r["id"] for r in ids}
    _mark_timeouts(batch, outgoing)
    for out in outgoing.values():
        for m in out.msgs:
            m["id"] = id_by_uuid.get(m["uuid"])
    return list(outgoing.values())


# Every table a sprint writes, in one round trip: data-modifying CTEs see the same snapshot and never touch
# the same row (the interruption spares the new sessions; the fire delete spares the expirations that the
# insert replaces; the handled message is an incoming one, the inserted are outgoing).
# - a contact has one waiting session: starting a new one interrupts the old, with its runs, found
#   through an array of the ended sessions (as a join, a planner without statistics scans every run);
#   both are gated by conditions without columns, which the executor checks once before any scan: a
#   generic plan made while flow_runs was small seq-scans it, which every resume and almost every start
#   (nothing to interrupt) would otherwise pay, growing with the table;
# - contacts take what their events changed (only those columns and field keys: a value the sprint did
#   not touch is never written back from the possibly older copy the engine ran with) and point at their
#   waiting session; they are found by the id array (joined to the JSON alone, or matched on org_id as well, a
#   planner without statistics reads every contact of the workspace); a contact the sprint leaves as it was
#   (no change, and already pointing at the same session, as most contacts of a start whose flow ends at
#   once) is not written at all: a new row version and its WAL for nothing;
# - old wait fires go and a waiting session gets its expiration fire (timeouts are set by courier once
#   the last message of the sprint is sent, so they count from delivery); wait fires have the empty
#   scope, and naming all three columns keeps the delete on their unique index.
_WRITE_SPRINTS = """
WITH ended AS (
    UPDATE flow_sessions SET status = 'I', ended_on = now()
    WHERE contact_id = ANY($2::bigint[]) AND status = 'W' AND uuid <> ALL($3::uuid[])
      AND cardinality($2::bigint[]) > 0
    RETURNING uuid
), ended_runs AS (
    UPDATE flow_runs SET status = 'I', exited_on = now(), modified_on = now()
    WHERE session_uuid = ANY(ARRAY(SELECT uuid FROM ended)) AND status IN ('A', 'W')
      AND EXISTS (SELECT 1 FROM ended)
), sessions AS (
    INSERT INTO flow_sessions (uuid, org_id, contact_id, session_type, status, current_flow_id, output, ended_on,
                               last_sprint_uuid)
    SELECT r.uuid, $1, r.contact_id, r.session_type, r.status, r.current_flow_id, r.output::jsonb,
           CASE WHEN r.ended THEN now() END, r.sprint
    FROM unnest($10::uuid[], $11::bigint[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::boolean[],
                $17::uuid[]) AS r(uuid, contact_id, session_type, status, current_flow_id, output, ended, sprint)
    ON CONFLICT (uuid) DO UPDATE SET status = EXCLUDED.status, current_flow_id = EXCLUDED.current_flow_id,
        output = EXCLUDED.output, ended_on = EXCLUDED.ended_on, last_sprint_uuid = EXCLUDED.last_sprint_uuid
), runs AS (
    INSERT INTO flow_runs (uuid, org_id, flow_id, contact_id, session_uuid, start_id, status, responded, results,
                           path_nodes, path_times, current_node_uuid, created_on, modified_on, exited_on)
    SELECT r.uuid, $1, r.flow_id, r.contact_id, r.session_uuid, r.start_id, r.status, r.responded, r.results::jsonb,
           r.path_nodes::uuid[], r.path_times::timestamptz[], r.current_node_uuid,
           COALESCE(r.created_on::timestamptz, now()), now(), r.exited_on::timestamptz
    FROM unnest($18::uuid[], $19::bigint[], $20::bigint[], $21::uuid[], $22::bigint[], $23::text[], $24::boolean[],
                $25::text[], $26::text[], $27::text[], $28::uuid[], $29::text[], $30::text[])
         AS r(uuid, flow_id, contact_id, session_uuid, start_id, status, responded, results, path_nodes, path_times,
              current_node_uuid, created_on, exited_on)
    ON CONFLICT (uuid) DO UPDATE SET status = EXCLUDED.status, responded = flow_runs.responded OR EXCLUDED.responded,
        results = EXCLUDED.results, path_nodes = EXCLUDED.path_nodes, path_times = EXCLUDED.path_times,
        current_node_uuid = EXCLUDED.current_node_uuid, modified_on = now(), exited_on = EXCLUDED.exited_on
), contacts AS (
    UPDATE contacts c SET
        name = CASE WHEN r->'set' ? 'name' THEN r->'set'->>'name' ELSE c.name END,
        language = CASE WHEN r->'set' ? 'language' THEN r->'set'->>'language' ELSE c.language END,
        timezone = CASE WHEN r->'set' ? 'timezone' THEN r->'set'->>'timezone' ELSE c.timezone END,
        status = CASE WHEN r->'set' ? 'status' THEN r->'set'->>'status' ELSE c.status END,
        last_seen_on = CASE WHEN r->'set' ? 'last_seen_on' THEN (r->'set'->>'last_seen_on')::timestamptz
                            ELSE c.last_seen_on END,
        fields = CASE WHEN r ? 'fields_set'
                      THEN (c.fields - ARRAY(SELECT jsonb_array_elements_text(r->'fields_del'))) || (r->'fields_set')
                      ELSE c.fields END,
        current_session_uuid = CAST(r->>'session_uuid' AS uuid), current_flow_id = (r->>'flow_id')::bigint,
        modified_on = CASE WHEN r ? 'changed' THEN now() ELSE c.modified_on END
    FROM jsonb_array_elements($4::jsonb) AS r
    WHERE c.id = ANY($5::bigint[]) AND c.id = (r->>'id')::bigint
      AND (r ? 'set' OR r ? 'fields_set' OR r ? 'changed'
           OR c.current_session_uuid IS DISTINCT FROM CAST(r->>'session_uuid' AS uuid)
           OR c.current_flow_id IS DISTINCT FROM (r->>'flow_id')::bigint)
), new_fires AS (
    SELECT (f->>'contact_id')::bigint AS contact_id, CAST(f->>'session' AS uuid) AS session_uuid,
           CAST(f->>'sprint' AS uuid) AS sprint_uuid, (f->>'on')::timestamptz AS fire_on
    FROM jsonb_array_elements($6::jsonb) AS f
), gone_fires AS (
    DELETE FROM contact_fires WHERE contact_id = ANY($5::bigint[]) AND fire_type IN ('T', 'E') AND scope = ''
      AND NOT (fire_type = 'E' AND contact_id IN (SELECT contact_id FROM new_fires))
), fires AS (
    INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, session_uuid, sprint_uuid, fire_on)
    SELECT $1, contact_id, 'E', '', session_uuid, sprint_uuid, fire_on FROM new_fires
    ON CONFLICT (contact_id, fire_type, scope) DO UPDATE SET session_uuid = EXCLUDED.session_uuid,
        sprint_uuid = EXCLUDED.sprint_uuid, fire_on = EXCLUDED.fire_on
), handled AS (
    UPDATE msgs SET status = 'H', modified_on = now(), flow_id = $8 WHERE uuid = $7::uuid
)
INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, flow_id, text, attachments, quick_replies,
                  locale, direction, status, failed_reason, high_priority, created_on, modified_on)
SELECT r.uuid, $1, r.channel_id, r.contact_id, r.urn_id, r.flow_id, r.text, r.attachments::text[],
       r.quick_replies::text[], r.locale, 'O', r.status, r.failed_reason, $9, COALESCE(r.created_on::timestamptz, now()),
       now()
FROM unnest($31::uuid[], $32::bigint[], $33::bigint[], $34::bigint[], $35::bigint[], $36::text[], $37::text[],
            $38::text[], $39::text[], $40::text[], $41::text[], $42::text[])
     AS r(uuid, channel_id, contact_id, urn_id, flow_id, text, attachments, quick_replies, locale, status, failed_reason,
          created_on)
RETURNING uuid::text, id
"""


async def _flow_ids(
    pg: asyncpg.Connection, org_id: int, scene: OrgScene, sprints: list[Sprint]
) -> dict[str, int]:
    uuids = {run["flow"]["uuid"] for s in sprints for run in s.session.get("runs", [])}
    ids = {u: scene.flow_ids[u] for u in uuids if u in scene.flow_ids}
    if missing := uuids - ids.keys():  # a flow created since the scene was loaded
        rows = await pg.fetch(
            "SELECT uuid::text, id FROM flows WHERE org_id = $1 AND uuid = ANY($2::uuid[])",
            org_id,
            list(missing),
        )
        ids.update((r["uuid"], r["id"]) for r in rows)
    return ids


def _current_run(session: dict[str, Any]) -> dict[str, Any] | None:
    runs = session.get("runs") or []
    for run in reversed(runs):
        if run.get("status") in ("active", "waiting"):
            return run
    return runs[-1] if runs else None


def _session_status(sprint: Sprint) -> str:
    """The engine ends an expired session as completed with expired runs; RapidPro records it as X."""
    status = SESSION_STATUS.get(sprint.status, "F")
    runs = sprint.session.get("runs") or []
    if status == "C" and runs and runs[0].get("status") == "expired":
        return "X"
    return status


def _session_columns(sprints: list[Sprint], flow_ids: dict[str, int]) -> tuple[list[Any], ...]:
    """The sessions as columns (uuid, contact, type, status, current flow, output, ended, sprint) for unnest:
    typed arrays cost Postgres far less than extracting each field from a JSON document of the batch."""
    uuids, contact_ids, types, statuses, flows, outputs, ended, sprint_uuids = ([] for _ in range(8))
    for s in sprints:
        status = _session_status(s)
        run = _current_run(s.session) if status == "W" else None
        uuids.append(s.session["uuid"])
        contact_ids.append(s.contact_id)
        types.append(SESSION_TYPES.get(s.session.get("type") or "", "M"))
        statuses.append(status)
        flows.append(flow_ids.get(run["flow"]["uuid"]) if run else None)
        outputs.append(_json(s.session))
        ended.append(status in ENDED)
        sprint_uuids.append(s.sprint_uuid or None)
    return uuids, contact_ids, types, statuses, flows, outputs, ended, sprint_uuids


def _array(values: list[str]) -> str:
    """A Postgres array literal of strings, for a column whose rows hold arrays of different lengths."""
    if not values:
        return "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _run_columns(sprints: list[Sprint], flow_ids: dict[str, int]) -> tuple[list[Any], ...]:
    """The runs as columns for unnest; paths as array literals (uuids and ISO times need no quoting)."""
    cols: tuple[list[Any], ...] = tuple([] for _ in range(13))
    (uuids, flows, contact_ids, session_uuids, start_ids, statuses, responded, results, path_nodes, path_times,
     current_nodes, created, exited) = cols  # fmt: skip
    for s in sprints:
        for run in s.session.get("runs", []):
            flow_id = flow_ids.get(run["flow"]["uuid"])
            if flow_id is None:
                continue  # a flow missing from the workspace (e.g. simulator assets) has nothing to attach to
            path = run.get("path") or []
            status = RUN_STATUS.get(run.get("status", "completed"), "C")
            run_results = run.get("results") or {}
            uuids.append(run["uuid"])
            flows.append(flow_id)
            contact_ids.append(s.contact_id)
            session_uuids.append(s.session["uuid"])
            start_ids.append(s.start_id)
            statuses.append(status)
            responded.append(
                any(e.get("type") in RESPONSE_EVENTS for e in run.get("events", []))
                or any(r.get("input") for r in run_results.values())
            )
            results.append(_json(run_results))
            path_nodes.append("{" + ",".join(step["node_uuid"] for step in path) + "}")
            path_times.append("{" + ",".join(step.get("arrived_on") or "NULL" for step in path) + "}")
            current_nodes.append(path[-1]["node_uuid"] if path and status in ("A", "W") else None)
            created.append(run.get("created_on"))
            exited.append(run.get("exited_on"))
    return cols


def _contact_rows(batch: Batch, sprints: list[Sprint], flow_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Each contact's changes (see effects.contact_row) and its waiting session, if any."""
    rows = []
    for s in sprints:
        waiting = SESSION_STATUS.get(s.status) == "W"
        run = _current_run(s.session) if waiting else None
        rows.append(
            {
                "id": s.contact_id,
                **contact_row(batch, s),
                "session_uuid": s.session["uuid"] if waiting else None,
                "flow_id": flow_ids.get(run["flow"]["uuid"]) if run else None,
            }
        )
    return rows


def _fire_rows(batch: Batch, sprints: list[Sprint]) -> list[dict[str, Any]]:
    """The expiration fire of each waiting session."""
    fires = []
    for s in sprints:
        if SESSION_STATUS.get(s.status) != "W":
            continue
        expires = batch.expirations.get(s.contact_id) or (s.session.get("wait") or {}).get("expires_on")
        if expires:
            fires.append(
                {
                    "contact_id": s.contact_id,
                    "session": s.session["uuid"],
                    "sprint": s.sprint_uuid or None,
                    "on": expires,
                }
            )
    return fires


async def _message_rows(
    pg: asyncpg.Connection, org_id: int, scene: OrgScene, batch: Batch, flow_ids: dict[str, int],
    high_priority: bool, response_to_external_id: str | None,
) -> tuple[list[list[Any]], dict[tuple[int, int], Outgoing]]:  # fmt: skip
    """The messages the sprints created (as msg_columns), and what goes to courier (per contact and channel)
    once they are stored; a channel or URN new since the scene or the contact was loaded is looked up."""
    created = batch.msgs
    if not created:
        return msg_columns([]), {}
    channel_uuids = {e["msg"]["channel"]["uuid"] for _, e in created if e["msg"].get("channel")}
    channels = {u: scene.channels[u] for u in channel_uuids if u in scene.channels}
    if missing := channel_uuids - channels.keys():  # a channel added since the scene was loaded
        found = await pg.fetch(
            "SELECT uuid::text, id, tps FROM channels WHERE org_id = $1 AND uuid = ANY($2::uuid[]) AND is_active",
            org_id,
            list(missing),
        )
        channels.update((r["uuid"], (r["id"], r["tps"])) for r in found)
    urn_ids = _known_urn_ids([s for s, _ in created])
    unknown = {e["msg"]["urn"].split("?")[0] for _, e in created if e["msg"].get("urn")} - urn_ids.keys()
    if unknown:  # a URN added during the sprint has no id in the contact JSON yet
        found = await pg.fetch(
            "SELECT identity, id FROM contact_urns WHERE org_id = $1 AND identity = ANY($2::text[])",
            org_id,
            list(unknown),
        )
        urn_ids.update((r["identity"], r["id"]) for r in found)
    rows: list[dict[str, Any]] = []
    outgoing: dict[tuple[int, int], Outgoing] = {}
    for s, e in created:
        msg = e["msg"]
        run = _current_run(s.session)
        channel_uuid = (msg.get("channel") or {}).get("uuid", "")
        channel = channels.get(channel_uuid)
        urn = (msg.get("urn") or "").split("?")[0]
        sendable = channel is not None and urn in urn_ids
        attachments = msg.get("attachments") or []
        quick_replies = [
            q if isinstance(q, str) else q.get("text", "") for q in msg.get("quick_replies") or []
        ]
        row = {
            "uuid": msg.get("uuid") or uuid7(),
            "channel_id": channel[0] if channel else None,
            "contact_id": s.contact_id,
            "urn_id": urn_ids.get(urn),
            "flow_id": flow_ids.get(run["flow"]["uuid"]) if run else None,
            "text": msg.get("text", ""),
            "attachments": attachments,
            "quick_replies": quick_replies,
            "locale": msg.get("locale"),
            # Q at creation; I only if the push to courier fails (see outbox)
            "status": "Q" if sendable else "F",
            "failed_reason": None if sendable else "N",
            "high_priority": high_priority,
            "created_on": e.get("created_on"),
        }
        rows.append(row)
        if sendable:
            assert channel is not None
            out = outgoing.setdefault(
                (s.contact_id, row["channel_id"]), Outgoing(channel_uuid, channel[1], high_priority)
            )
            out.msgs.append(
                {
                    "uuid": row["uuid"],
                    "org_id": org_id,
                    "channel_uuid": channel_uuid,
                    "contact": {"id": s.contact_id, "uuid": s.contact["uuid"]},
                    "urn": urn,
                    "urn_id": row["urn_id"],
                    "text": row["text"],
                    "attachments": attachments,
                    "quick_replies": quick_replies,
                    "locale": row["locale"],
                    "high_priority": high_priority,
                    "origin": "flow",
                    "flow": run["flow"] if run else None,
                    "created_on": row["created_on"],
                    "response_to_external_id": response_to_external_id,
                    "session": {
                        "uuid": s.session["uuid"],
                        "status": SESSION_STATUS.get(s.status, "C"),
                        "sprint_uuid": s.sprint_uuid or None,
                    },
                    "tps_cost": 1,
                }
            )
    return msg_columns(rows), outgoing


MSG_COLUMNS = (
    "uuid", "channel_id", "contact_id", "urn_id", "flow_id", "text", "attachments", "quick_replies", "locale",
    "status", "failed_reason", "created_on",
)  # fmt: skip


def msg_columns(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Outgoing message rows as the columns of INSERT_MSGS (the attachments and quick replies of each as an
    array literal: unnest takes no arrays of arrays of different lengths)."""
    columns = [[row[key] for row in rows] for key in MSG_COLUMNS]
    columns[6] = [_array(v) for v in columns[6]]
    columns[7] = [_array(v) for v in columns[7]]
    return columns


def _known_urn_ids(sprints: list[Sprint]) -> dict[str, int]:
    """identity -> URN id, from the ?id= param the contact JSON carries on each stored URN."""
    ids: dict[str, int] = {}
    for s in sprints:
        for urn in s.contact.get("urns") or []:
            identity, _, query = urn.partition("?")
            for param in query.split("&"):
                if param.startswith("id="):
                    ids[identity] = int(param[3:])
    return ids


def _mark_timeouts(batch: Batch, outgoing: dict[tuple[int, int], Outgoing]) -> None:
    """The last message of a sprint that waits with a timeout carries it, so courier can start the clock
    when the message is actually sent."""
    timeouts = batch.timeouts
    for (contact_id, _), out in outgoing.items():
        if contact_id in timeouts and out.msgs:
            out.msgs[-1]["session"]["timeout"] = timeouts[contact_id]
