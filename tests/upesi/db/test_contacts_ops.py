import asyncio
import json

import asyncpg
import pytest
from sqlalchemy import func, select

from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactURN
from upesi.db.ops.contacts import resolve_contacts
from upesi.db.ops.orgs import create_workspace
from upesi.urns import parse_urn


async def test_resolve_contacts_creates_once_and_finds_after(db: None) -> None:
    async with transaction() as s:
        ws = await create_workspace(s, "Test", "a@example.com", "pw")
    urns = [parse_urn("tel:+250788123123"), parse_urn("telegram:1234")]
    async with transaction() as s:
        first = await resolve_contacts(s, ws.org.id, urns, names={"telegram:1234": "Ana"})
    assert set(first) == {"tel:+250788123123", "telegram:1234"}
    assert all(r.new_contact for r in first.values())
    assert first["tel:+250788123123"].contact_id != first["telegram:1234"].contact_id

    async with transaction() as s:
        again = await resolve_contacts(s, ws.org.id, [*urns, parse_urn("tel:0788123124", "RW")])
        names = dict((await s.execute(select(Contact.id, Contact.name))).all())
        urn_count = (await s.execute(select(func.count()).select_from(ContactURN))).scalar()
    assert again["tel:+250788123123"] == first["tel:+250788123123"].__class__(
        first["tel:+250788123123"].contact_id,
        first["tel:+250788123123"].contact_uuid,
        first["tel:+250788123123"].urn_id,
        False,
    )
    assert again["tel:+250788123124"].new_contact
    assert names[first["telegram:1234"].contact_id] == "Ana"
    assert urn_count == 3


async def test_resolve_on_a_bare_connection_meets_a_concurrent_insert_and_an_ownerless_urn(db: None) -> None:
    """Courier's path (an asyncpg connection, each statement on its own): a URN another transaction inserts
    while we resolve is that transaction's contact (our one-statement attempt fails whole and falls back, no
    stray contact is left), and a URN without a contact gets a new one."""
    async with transaction() as s:
        ws = await create_workspace(s, "Test", "a@example.com", "pw")
    org = ws.org.id
    dsn = get_settings().asyncpg_dsn
    mine, other = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await mine.execute(
            "INSERT INTO contact_urns (org_id, scheme, path, identity, priority, auth_tokens)"
            " VALUES ($1, 'tel', '+250788000009', 'tel:+250788000009', 1000, '{}')",
            org,
        )
        tx = other.transaction()
        await tx.start()
        contact_id = await other.fetchval(
            "INSERT INTO contacts (uuid, org_id, status, fields, is_active)"
            " VALUES (gen_random_uuid(), $1, 'A', '{}', true) RETURNING id",
            org,
        )
        await other.execute(
            "INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, auth_tokens)"
            " VALUES ($1, $2, 'tel', '+250788000001', 'tel:+250788000001', 1000, '{}')",
            org, contact_id,
        )  # fmt: skip
        urns = [parse_urn(f"tel:+25078800000{i}") for i in (1, 2, 9)]
        resolving = asyncio.create_task(resolve_contacts(mine, org, urns))
        await asyncio.sleep(0.5)  # our statement now waits on the other's uncommitted URN
        assert not resolving.done()
        await tx.commit()
        found = await resolving
        contacts = await mine.fetchval("SELECT count(*) FROM contacts WHERE org_id = $1", org)
    finally:
        await mine.close()
        await other.close()
    assert found["tel:+250788000001"].contact_id == contact_id
    assert not found["tel:+250788000001"].new_contact
    assert found["tel:+250788000002"].new_contact and found["tel:+250788000009"].new_contact
    assert len({r.contact_id for r in found.values()}) == 3
    assert contacts == 3  # the other's and two new ones: nothing left over from the failed attempt


@pytest.mark.parametrize("codec", [False, True], ids=["plain", "jsonb codec"])
async def test_new_contacts_take_their_names_on_a_connection_with_a_jsonb_codec(
    db: None, codec: bool
) -> None:
    """Courier's pool encodes jsonb parameters with json.dumps: the names must still reach the new contacts,
    on both of resolve_contacts' paths (one statement, and the two after a URN without a contact)."""
    async with transaction() as s:
        ws = await create_workspace(s, "Test", "a@example.com", "pw")
    org = ws.org.id
    conn = await asyncpg.connect(get_settings().asyncpg_dsn)
    try:
        if codec:
            await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        await conn.execute(
            "INSERT INTO contact_urns (org_id, scheme, path, identity, priority, auth_tokens)"
            " VALUES ($1, 'tel', '+250788000009', 'tel:+250788000009', 1000, '{}')",
            org,
        )
        await resolve_contacts(
            conn, org, [parse_urn("tel:+250788000001")], None, {"tel:+250788000001": "Ann"}
        )
        await resolve_contacts(conn, org, [parse_urn("tel:+250788000009")], None, {"tel:+250788000009": "Bo"})
        names = await conn.fetch(
            "SELECT u.identity, c.name FROM contact_urns u JOIN contacts c ON c.id = u.contact_id"
            " WHERE u.org_id = $1 ORDER BY u.identity",
            org,
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in names] == [("tel:+250788000001", "Ann"), ("tel:+250788000009", "Bo")]
