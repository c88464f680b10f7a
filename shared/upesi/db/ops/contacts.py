"""Finding contacts by URN, creating those that are new, in batches (courier receives, starts to URNs,
imports all go through here).

Two statements whatever the batch size (one, usually, for courier), written for asyncpg's $n parameters so that courier runs them on its
own asyncpg pool (no SQLAlchemy on its hot path, see NOTES "Receive") and everything else through a session,
in the session's transaction: one implementation, two ways to reach the connection."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.urns import URN

# every URN row exists afterwards, ownerless for now if new
_INSERT_URNS = """
INSERT INTO contact_urns (org_id, scheme, path, identity, display, channel_id, priority, auth_tokens)
SELECT $1, split_part(i, ':', 1), substr(i, length(split_part(i, ':', 1)) + 2), i, d, $2, 1000, '{}'::jsonb
FROM unnest($3::text[], $4::text[]) AS t(i, d)
ON CONFLICT (org_id, identity) DO NOTHING
"""

# ownerless URNs get a new contact each, and every URN's contact is returned, in one statement. The row lock
# on each orphan makes a concurrent caller wait and then skip it; such a URN, owned by a transaction that
# committed after this statement's snapshot, is missing from the answer and looked up again (resolve_contacts)
_RESOLVE = """
WITH orphans AS (
    SELECT id, identity FROM contact_urns
    WHERE org_id = $1 AND identity = ANY($2::text[]) AND contact_id IS NULL
    ORDER BY id
    FOR UPDATE
), new_contacts AS (
    INSERT INTO contacts (uuid, org_id, name, status, fields, is_active)
    SELECT gen_random_uuid(), $1, NULLIF(($3::text::jsonb ->> o.identity), ''), 'A', '{}'::jsonb, true
    FROM orphans o
    RETURNING id, uuid
), numbered_contacts AS (
    SELECT id, uuid, row_number() OVER (ORDER BY id) AS n FROM new_contacts
), numbered_orphans AS (
    SELECT id, identity, row_number() OVER (ORDER BY id) AS n FROM orphans
), owned AS (
    UPDATE contact_urns u SET contact_id = c.id
    FROM numbered_orphans o JOIN numbered_contacts c ON c.n = o.n
    WHERE u.id = o.id
    RETURNING u.identity, u.id AS urn_id, c.id AS contact_id, c.uuid AS contact_uuid
)
SELECT identity, urn_id, contact_id, contact_uuid::text, true FROM owned
UNION ALL
SELECT u.identity, u.id, c.id, c.uuid::text, false
FROM contact_urns u JOIN contacts c ON c.id = u.contact_id
WHERE u.org_id = $1 AND u.identity = ANY($2::text[])
"""

# On a connection of its own (courier's writes) the usual case is one statement: URNs seen before with their
# contacts, new ones inserted with a new contact each. A concurrent caller inserting the same URN makes it fail
# as a whole (unique violation: nothing of it stays) and the two statements above are used instead; URNs
# without a contact (a released contact's) are not answered here and go the same way.
_RESOLVE_ONCE = """
WITH known AS (
    SELECT id, identity, contact_id FROM contact_urns WHERE org_id = $1 AND identity = ANY($2::text[])
), missing AS (
    SELECT t.i AS identity, t.d AS display, row_number() OVER (ORDER BY t.i) AS n
    FROM unnest($2::text[], $3::text[]) AS t(i, d)
    WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.identity = t.i)
), new_contacts AS (
    INSERT INTO contacts (uuid, org_id, name, status, fields, is_active)
    SELECT gen_random_uuid(), $1, NULLIF(($5::text::jsonb ->> m.identity), ''), 'A', '{}'::jsonb, true
    FROM missing m ORDER BY m.n
    RETURNING id, uuid
), numbered AS (
    SELECT id, uuid, row_number() OVER (ORDER BY id) AS n FROM new_contacts
), new_urns AS (
    INSERT INTO contact_urns (org_id, scheme, path, identity, display, channel_id, priority, auth_tokens, contact_id)
    SELECT $1, split_part(m.identity, ':', 1), substr(m.identity, length(split_part(m.identity, ':', 1)) + 2),
           m.identity, m.display, $4, 1000, '{}'::jsonb, c.id
    FROM missing m JOIN numbered c ON c.n = m.n
    RETURNING identity, id, contact_id
)
SELECT u.identity, u.id, u.contact_id, c.uuid::text, true FROM new_urns u JOIN numbered c ON c.id = u.contact_id
UNION ALL
SELECT k.identity, k.id, c.id, c.uuid::text, false FROM known k JOIN contacts c ON c.id = k.contact_id
"""

# Names come as JSON text and are cast in SQL ($n::text::jsonb): a connection with a jsonb codec of its own
# (courier's pool encodes jsonb parameters with json.dumps) would otherwise encode the text once more, and every
# new contact would lose its name.

# a session (its transaction), or an asyncpg connection (each statement commits by itself)
Db: TypeAlias = AsyncSession | asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


@dataclass(frozen=True)
class ResolvedContact:
    contact_id: int
    contact_uuid: str
    urn_id: int
    new_contact: bool


async def _fetch(db: Db, sql: str, *args: Any) -> Sequence[Any]:
    """Rows (indexed by position) of a $n statement, on asyncpg directly or in a session's transaction."""
    if isinstance(db, AsyncSession):
        result = await (await db.connection()).exec_driver_sql(sql, args)
        return result.all() if result.returns_rows else []
    return await db.fetch(sql, *args)


async def resolve_contacts(
    db: Db,
    org_id: int,
    urns: list[URN],
    channel_id: int | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, ResolvedContact]:
    """Map each URN identity to its contact, creating contacts for URNs not seen before. Two statements
    whatever the batch size (usually one on a bare asyncpg connection, see _RESOLVE_ONCE); safe against a
    concurrent caller creating the same URN. On a bare asyncpg connection each statement commits by itself
    (a URN may be ownerless between them, as after a contact is released; the next caller gives it one)."""
    identities = sorted({u.identity for u in urns})
    by_identity = {u.identity: u for u in urns}
    displays = [by_identity[i].display or None for i in identities]
    names_json = json.dumps(names or {})
    found: dict[str, ResolvedContact] = {}
    if not isinstance(db, AsyncSession):  # a failed statement would end a session's transaction
        try:
            for row in await db.fetch(_RESOLVE_ONCE, org_id, identities, displays, channel_id, names_json):
                found[row[0]] = ResolvedContact(row[2], row[3], row[1], row[4])
        except asyncpg.UniqueViolationError:
            pass  # a concurrent caller inserted one of the URNs: nothing of this statement stays
        identities = [i for i in identities if i not in found]
        if not identities:
            return found
        displays = [by_identity[i].display or None for i in identities]
    await _fetch(db, _INSERT_URNS, org_id, channel_id, identities, displays)
    wanted = identities
    for _ in range(3):  # a URN skipped for a concurrent owner is seen at the next statement's snapshot
        for row in await _fetch(db, _RESOLVE, org_id, wanted, names_json):
            found[row[0]] = ResolvedContact(row[2], row[3], row[1], row[4])
        wanted = [i for i in wanted if i not in found]
        if not wanted:
            break
    return found
