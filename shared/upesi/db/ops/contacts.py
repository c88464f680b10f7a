"""Finding contacts by URN, creating those that are new, in batches (courier receives, starts to URNs,
imports all go through here)."""

import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.urns import URN


@dataclass(frozen=True)
class ResolvedContact:
    contact_id: int
    contact_uuid: str
    urn_id: int
    new_contact: bool


async def resolve_contacts(
    session: AsyncSession,
    org_id: int,
    urns: list[URN],
    channel_id: int | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, ResolvedContact]:
    """Map each URN identity to its contact, creating contacts for URNs not seen before. Three statements
    whatever the batch size; safe against a concurrent caller creating the same URN."""
    identities = sorted({u.identity for u in urns})
    by_identity = {u.identity: u for u in urns}
    names = names or {}

    # make sure every URN row exists (ownerless for now if new)
    await session.execute(
        text(
            """
            INSERT INTO contact_urns (org_id, scheme, path, identity, display, channel_id, priority, auth_tokens)
            SELECT :org_id, split_part(i, ':', 1), substr(i, length(split_part(i, ':', 1)) + 2), i, d, :channel_id,
                   1000, '{}'::jsonb
            FROM unnest(CAST(:identities AS text[]), CAST(:displays AS text[])) AS t(i, d)
            ON CONFLICT (org_id, identity) DO NOTHING
            """
        ),
        {
            "org_id": org_id,
            "identities": identities,
            "displays": [by_identity[i].display or None for i in identities],
            "channel_id": channel_id,
        },
    )
    # give ownerless URNs a new contact each, in one statement; the row lock on each URN makes a concurrent
    # caller wait and then see the owner we set
    created = await session.execute(
        text(
            """
            WITH orphans AS (
                SELECT id, identity FROM contact_urns
                WHERE org_id = :org_id AND identity = ANY(:identities) AND contact_id IS NULL
                FOR UPDATE
            ), new_contacts AS (
                INSERT INTO contacts (uuid, org_id, name, status, fields, is_active)
                SELECT gen_random_uuid(), :org_id,
                       NULLIF((CAST(:names AS jsonb) ->> o.identity), ''), 'A', '{}'::jsonb, true
                FROM orphans o
                RETURNING id, uuid, name
            ), numbered_contacts AS (
                SELECT id, uuid, row_number() OVER (ORDER BY id) AS n FROM new_contacts
            ), numbered_orphans AS (
                SELECT id, identity, row_number() OVER (ORDER BY id) AS n FROM orphans
            )
            UPDATE contact_urns u SET contact_id = c.id
            FROM numbered_orphans o JOIN numbered_contacts c ON c.n = o.n
            WHERE u.id = o.id
            RETURNING u.identity
            """
        ),
        {"org_id": org_id, "identities": identities, "names": json.dumps(names)},
    )
    new_identities = {row.identity for row in created}
    rows = await session.execute(
        text(
            """
            SELECT u.identity, u.id AS urn_id, c.id AS contact_id, c.uuid AS contact_uuid
            FROM contact_urns u JOIN contacts c ON c.id = u.contact_id
            WHERE u.org_id = :org_id AND u.identity = ANY(:identities)
            """
        ),
        {"org_id": org_id, "identities": identities},
    )
    return {
        row.identity: ResolvedContact(
            row.contact_id, str(row.contact_uuid), row.urn_id, row.identity in new_identities
        )
        for row in rows
    }
