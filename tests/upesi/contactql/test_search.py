"""Search pages and query-based recipient lists over the seeded workspace."""

import pytest

from tests.upesi.contactql.seed import seed
from upesi.contactql import QueryError, contact_ids_for_query, search_contacts
from upesi.db.engine import transaction


async def test_search_pages_counts_and_sorts(db: None) -> None:
    seeded = await seed()
    async with transaction() as s:
        first = await search_contacts(s, seeded.org_id, "AGE >= 0", sort="-created_on", limit=2)
        second = await search_contacts(s, seeded.org_id, "age >= 0", sort="-created_on", offset=2, limit=2)
        by_name = await search_contacts(s, seeded.org_id, "age >= 0", sort="name")
        in_group = await search_contacts(s, seeded.org_id, "", group_id=seeded.group_ids["Testers"])
        excluded = await search_contacts(s, seeded.org_id, "ann", exclude_ids=[seeded.ids["ann"]])
    ordered = ["zoe", "annabelle", "jc", "ann", "bob"]  # newest first
    assert first.query == "age >= 0"
    assert first.total == 5
    assert [seeded.labels({i}).pop() for i in first.contact_ids + second.contact_ids] == ordered[:4]
    assert first.metadata["fields"] == [{"key": "age", "name": "Age"}]
    assert [seeded.labels({i}).pop() for i in by_name.contact_ids] == ["ann", "annabelle", "bob", "jc", "zoe"]
    assert seeded.labels(set(in_group.contact_ids)) == {"ann", "annabelle"}  # the deleted member is left out
    assert seeded.labels(set(excluded.contact_ids)) == {"annabelle"}


async def test_search_rejects_bad_queries_and_sorts(db: None) -> None:
    seeded = await seed()
    async with transaction() as s:
        with pytest.raises(QueryError) as info:
            await search_contacts(s, seeded.org_id, "nope = 1")
        assert info.value.as_dict()["code"] == "query:unknown_property"
        with pytest.raises(ValueError, match="can't sort by 'shoe_size'"):
            await search_contacts(s, seeded.org_id, "", sort="-shoe_size")


async def test_recipients_are_active_contacts_only_by_default(db: None) -> None:
    seeded = await seed()
    async with transaction() as s:
        active = await contact_ids_for_query(s, seeded.org_id, 'tel != ""')
        everyone = await contact_ids_for_query(s, seeded.org_id, 'tel != ""', active_only=False)
    assert seeded.labels(set(active)) == {"ann", "bob"}
    assert seeded.labels(set(everyone)) == {"ann", "bob", "noname", "annabelle"}
    assert active == sorted(active)
