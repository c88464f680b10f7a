from sqlalchemy import func, select

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
