"""Contacts changed outside a flow (API, UI, import): schedule_contact_fires re-evaluates smart groups."""

import json
import uuid

from sqlalchemy import text

from mailroom.tasks import schedule_contact_fires
from upesi.db.engine import transaction
from upesi.db.ops.contacts import resolve_contacts
from upesi.db.ops.orgs import create_workspace
from upesi.urns import parse_urn


async def test_smart_groups_follow_changes_made_outside_flows(db: None) -> None:
    field_uuid = str(uuid.uuid4())
    async with transaction() as s:
        ws = await create_workspace(s, "Clinic", "c@example.com", "pw")
        org = ws.org.id
        await s.execute(
            text(
                "INSERT INTO contact_fields (uuid, org_id, key, name, value_type) VALUES (:u, :o, 'age', 'Age', 'N')"
            ),
            {"u": field_uuid, "o": org},
        )
        group_id = (
            await s.execute(
                text(
                    "INSERT INTO contact_groups (uuid, org_id, name, group_type, query) VALUES (gen_random_uuid(), :o, 'Adults', 'Q', 'age > 18') RETURNING id"
                ),
                {"o": org},
            )
        ).scalar_one()
        found = await resolve_contacts(s, org, [parse_urn("tel:+15550000001"), parse_urn("tel:+15550000002")])
    adult, child = found["tel:+15550000001"].contact_id, found["tel:+15550000002"].contact_id

    async def set_age(contact_id: int, age: int) -> None:
        async with transaction() as s:
            await s.execute(
                text("UPDATE contacts SET fields = CAST(:f AS jsonb) WHERE id = :c"),
                {"f": json.dumps({field_uuid: {"text": str(age), "number": age}}), "c": contact_id},
            )

    async def members() -> set[int]:
        async with transaction() as s:
            return set(
                (
                    await s.execute(
                        text("SELECT contact_id FROM contact_group_contacts WHERE group_id = :g"),
                        {"g": group_id},
                    )
                ).scalars()
            )

    await set_age(adult, 30)
    await set_age(child, 9)
    await schedule_contact_fires.handle(org, {"contact_ids": [adult, child]})
    assert await members() == {adult}

    await set_age(adult, 17)
    await set_age(child, 19)
    await schedule_contact_fires.handle(org, {"contact_ids": [adult, child]})
    assert await members() == {child}
