"""Campaign fires: for each campaign event and each member of the campaign's group, a contact_fires row
of type C, scope "<event id>:<fire version>", due at the contact's date plus the event's offset (at the
delivery hour in the workspace's timezone when one is set and the unit is days or weeks).

Fires are computed in SQL, one statement for a whole event or a whole batch of contacts. Only future
fires are written: a date already past has nothing left to schedule. An event edited through the API
gets a new fire_version, which makes fires of the old version stale (the fire task ignores them).
A fire claimed by the fire cron (see mailroom.fires) is left alone unless its time moves, which unclaims it.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# minutes per offset unit: M minutes, H hours, D days, W weeks
_FIRES = """
WITH ev AS (
    SELECT e.id, e.fire_version, e."offset" AS off, e.unit, e.delivery_hour, e.relative_to_key,
           f.uuid::text AS field_uuid, cp.group_id, COALESCE(o.timezone, 'UTC') AS tz
    FROM campaign_events e
    JOIN campaigns cp ON cp.id = e.campaign_id AND cp.is_active AND NOT cp.is_archived
    JOIN orgs o ON o.id = e.org_id
    LEFT JOIN contact_fields f ON f.id = e.relative_to_id
    WHERE e.is_active AND e.org_id = :org AND {event_filter}
), pairs AS (
    SELECT ev.*, c.id AS contact_id, c.org_id,
           CASE
             WHEN ev.relative_to_key = 'created_on' THEN c.created_on
             WHEN ev.relative_to_key = 'last_seen_on' THEN c.last_seen_on
             WHEN (c.fields -> ev.field_uuid ->> 'datetime') ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}'
               THEN (c.fields -> ev.field_uuid ->> 'datetime')::timestamptz
           END AS base
    FROM ev JOIN contact_group_contacts g ON g.group_id = ev.group_id
    JOIN contacts c ON c.id = g.contact_id AND c.is_active
    WHERE {contact_filter}
), times AS (
    SELECT *, base + make_interval(mins => off * CASE unit WHEN 'M' THEN 1 WHEN 'H' THEN 60 WHEN 'D' THEN 1440
                                                            WHEN 'W' THEN 10080 ELSE 1440 END) AS t
    FROM pairs WHERE base IS NOT NULL
), fires AS (
    SELECT org_id, contact_id, id || ':' || fire_version AS scope,
           CASE WHEN delivery_hour >= 0 AND unit IN ('D', 'W')
                THEN (date_trunc('day', t AT TIME ZONE tz) + make_interval(hours => delivery_hour)) AT TIME ZONE tz
                ELSE t END AS fire_on
    FROM times
)
INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, fire_on)
SELECT org_id, contact_id, 'C', scope, fire_on FROM fires WHERE fire_on > now()
ON CONFLICT (contact_id, fire_type, scope) DO UPDATE SET fire_on = EXCLUDED.fire_on, sprint_uuid = NULL
"""


async def schedule_event(db: AsyncSession, org_id: int, event_id: int) -> tuple[int | None, bool]:
    """(Re)compute every group member's fire for one event. Fires of other versions of the event go, and
    so do future fires of this version (a member who left the group, a date that was cleared). Returns
    (the event's fire_version, whether it is live)."""
    event = (
        await db.execute(
            text(
                """
                SELECT e.fire_version, e.is_active AND c.is_active AND NOT c.is_archived AS live
                FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id WHERE e.id = :e AND e.org_id = :org
                """
            ),
            {"e": event_id, "org": org_id},
        )
    ).first()
    version = event.fire_version if event else None
    await db.execute(
        text(
            """
            DELETE FROM contact_fires WHERE fire_type = 'C' AND scope LIKE :prefix
              AND (scope <> :scope OR (fire_on > now() AND sprint_uuid IS NULL))
            """
        ),
        {"prefix": f"{event_id}:%", "scope": f"{event_id}:{version}"},
    )
    if version is not None:
        await db.execute(
            text(_FIRES.format(event_filter="e.id = :event", contact_filter="true")),
            {"org": org_id, "event": event_id},
        )
        # the fires of this version are written (committed with them): the event can be edited again
        # (web refuses while it is S, upesi.domain.campaigns); a newer version stays S for its own task
        await db.execute(
            text(
                "UPDATE campaign_events SET status = 'R' WHERE id = :e AND fire_version = :v AND status <> 'R'"
            ),
            {"e": event_id, "v": version},
        )
    return version, bool(event and event.live)


async def schedule_contacts(db: AsyncSession, org_id: int, contact_ids: list[int]) -> None:
    """(Re)compute the fires of every active event for these contacts, after their fields or groups
    changed. Fires already due are left for the fire cron."""
    if not contact_ids:
        return
    await db.execute(
        text(
            "DELETE FROM contact_fires WHERE fire_type = 'C' AND contact_id = ANY(:ids) AND fire_on > now()"
            " AND sprint_uuid IS NULL"
        ),
        {"ids": contact_ids},
    )
    await db.execute(
        text(_FIRES.format(event_filter="true", contact_filter="c.id = ANY(:ids)")),
        {"org": org_id, "ids": contact_ids},
    )
