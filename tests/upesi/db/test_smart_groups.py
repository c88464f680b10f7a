"""Smart groups: populating from scratch in batches, refreshing for changed contacts in a fixed number of
statements, and the in-memory rule agreeing with the database."""

import uuid

import pytest
from sqlalchemy import event, insert, select, update

from tests.upesi.contactql.seed import FIELDS, Seeded, seed
from upesi.contactql import QueryError, load_contacts, load_resolver
from upesi.db.engine import get_engine, transaction
from upesi.db.models import Contact, ContactGroup, contact_group_contacts
from upesi.db.ops.smart_groups import populate_group, qualifying_groups, refresh_contacts_groups, smart_groups

QUERIES = {"Adults": "age >= 18", "Males": "gender = male", "Kigali": 'state = "kigali city"'}


async def _add_group(org_id: int, name: str, query: str | None) -> int:
    async with transaction() as s:
        group = ContactGroup(
            uuid=str(uuid.uuid4()),
            org_id=org_id,
            name=name,
            group_type="Q" if query else "M",
            query=query,
            status="I",
        )
        s.add(group)
        await s.flush()
        return group.id


async def _members(group_id: int) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(contact_group_contacts.c.contact_id).where(contact_group_contacts.c.group_id == group_id)
        )
        return set(rows.scalars())


async def test_populate_group_in_batches_replaces_members(db: None) -> None:
    seeded = await seed()
    group_id = await _add_group(seeded.org_id, "Any age", "age >= 0")
    async with transaction() as s:  # a stale member that no longer qualifies (stopped) must go
        await s.execute(
            insert(contact_group_contacts).values(group_id=group_id, contact_id=seeded.ids["annabelle"])
        )

    async with transaction() as s:
        count = await populate_group(s, group_id, batch_size=2)  # 3 members: two batches
        status = (await s.execute(select(ContactGroup.status).where(ContactGroup.id == group_id))).scalar()

    # active contacts only: zoe (archived, age 0) and annabelle (stopped) are left out, so is the deleted one
    assert seeded.labels(await _members(group_id)) == {"ann", "bob", "jc"}
    assert count == 3
    assert status == "R"


async def test_populate_group_rejects_bad_queries_and_manual_groups(db: None) -> None:
    seeded = await seed()
    broken = await _add_group(seeded.org_id, "Broken", "xyz = 1")
    manual = await _add_group(seeded.org_id, "Manual", None)
    async with transaction() as s:
        with pytest.raises(QueryError) as info:
            await populate_group(s, broken)
        assert info.value.code == "unknown_property"
        with pytest.raises(ValueError, match="not a smart group"):
            await populate_group(s, manual)


async def _setup_groups(seeded: Seeded) -> dict[str, int]:
    groups = {name: await _add_group(seeded.org_id, name, query) for name, query in QUERIES.items()}
    for group_id in groups.values():
        async with transaction() as s:
            await populate_group(s, group_id)
    return groups


async def test_refresh_contacts_groups_adds_and_removes(db: None) -> None:
    seeded = await seed()
    groups = await _setup_groups(seeded)
    broken = await _add_group(seeded.org_id, "Broken", "xyz = 1")
    testers = seeded.group_ids["Testers"]
    ann, bob, jc = seeded.ids["ann"], seeded.ids["bob"], seeded.ids["jc"]
    async with transaction() as s:
        await s.execute(insert(contact_group_contacts).values(group_id=broken, contact_id=ann))
    assert seeded.labels(await _members(groups["Adults"])) == {"ann"}
    assert seeded.labels(await _members(groups["Males"])) == {"bob", "jc"}
    assert seeded.labels(await _members(groups["Kigali"])) == {"ann"}

    age, gender, state = FIELDS["age"][1], FIELDS["gender"][1], FIELDS["state"][1]
    async with transaction() as s:
        ann_fields = (await s.get(Contact, ann)).fields  # type: ignore[union-attr]
        bob_fields = (await s.get(Contact, bob)).fields  # type: ignore[union-attr]
        ann_fields = {k: v for k, v in ann_fields.items() if k != state} | {gender: {"text": "Male"}}
        await s.execute(update(Contact).where(Contact.id == ann).values(fields=ann_fields))
        await s.execute(
            update(Contact).where(Contact.id == bob).values(fields=bob_fields | {age: {"number": 20}})
        )
        await s.execute(update(Contact).where(Contact.id == jc).values(status="B"))

    async with transaction() as s:
        changes = await refresh_contacts_groups(s, seeded.org_id, [ann, bob, jc])

    assert changes.added == sorted([(groups["Adults"], bob), (groups["Males"], ann)])
    assert changes.removed == sorted([(groups["Males"], jc), (groups["Kigali"], ann)])
    assert seeded.labels(await _members(groups["Adults"])) == {"ann", "bob"}
    assert seeded.labels(await _members(groups["Males"])) == {"ann", "bob"}
    assert await _members(groups["Kigali"]) == set()
    # manual groups and groups whose query no longer parses are left as they were
    assert seeded.labels(await _members(testers)) == {"ann", "annabelle", "deleted"}
    assert await _members(broken) == {ann}

    # a second refresh finds nothing to do
    async with transaction() as s:
        again = await refresh_contacts_groups(s, seeded.org_id, [ann, bob, jc])
    assert again.added == [] and again.removed == []


async def test_refresh_uses_a_fixed_number_of_statements(db: None) -> None:
    seeded = await seed()
    await _setup_groups(seeded)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with transaction() as s:
            await refresh_contacts_groups(s, seeded.org_id, [seeded.ids["ann"]])
        one = len(statements)
        statements.clear()
        async with transaction() as s:
            await refresh_contacts_groups(s, seeded.org_id, list(seeded.ids.values()))
        everyone = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert one == everyone
    assert everyone <= 9  # resolver (4 reads) + groups + select + delete + insert + the Open Tickets sync


async def test_in_memory_membership_agrees_with_database(db: None) -> None:
    seeded = await seed()
    groups = await _setup_groups(seeded)
    async with transaction() as s:
        parsed_groups = await smart_groups(s, seeded.org_id, await load_resolver(s, seeded.org_id))
        contacts = await load_contacts(s, seeded.org_id, list(seeded.ids.values()))
    assert {g for g, _ in parsed_groups} == set(groups.values())
    by_db: dict[int, set[int]] = {cid: set() for cid in contacts}
    for group_id in groups.values():
        for contact_id in await _members(group_id):
            by_db[contact_id].add(group_id)
    by_python = {cid: qualifying_groups(parsed_groups, contact) for cid, contact in contacts.items()}
    assert by_python == by_db
    assert by_python[seeded.ids["ann"]] == {groups["Adults"], groups["Kigali"]}
