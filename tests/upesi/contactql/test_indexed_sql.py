"""The SQL that indexes serve (migration 0021: field equality as containment in contacts.fields_search) finds
exactly the contacts the comparison it replaces finds, for every query of the main table and for stored values
chosen to trip the normalisation (case, spaces, numbers written as strings or with trailing zeros, location
paths, values that are not objects), read both by sequential scan and through the indexes."""

import json
import uuid

import pytest
from sqlalchemy import select, text

from tests.upesi.contactql.seed import FIELDS, seed
from tests.upesi.contactql.test_sql_and_matches import CASES, _render
from upesi.contactql import QueryError, load_resolver, parse_query, to_sql
from upesi.db.engine import transaction
from upesi.db.models import Contact

AGE, GENDER, STATE, DISTRICT = (FIELDS[k][1] for k in ("age", "gender", "state", "district"))

# label: stored fields
ODD: dict[str, object] = {
    "spaces": {GENDER: {"text": "\t Male  "}, AGE: {"text": "17", "number": " 17 "}},
    "tabbed number": {AGE: {"number": "\t17.0\n"}},
    "zeros": {AGE: {"number": "0017.500"}},
    "negative zero": {AGE: {"number": "-0"}, GENDER: {"text": ""}},
    "json number": {AGE: {"number": 1e2}},
    "bool number": {AGE: {"number": True}, GENDER: {"text": True}},
    "object text": {GENDER: {"text": {"nested": "male"}}},
    "number text": {GENDER: {"text": 17}},
    "scalar value": {AGE: 17, GENDER: "male"},
    "array value": {AGE: [17], STATE: ["Kigali City"]},
    "null value": {AGE: None},
    "path": {
        STATE: {"state": " Rwanda > KIGALI City "},
        DISTRICT: {"district": "Rwanda > Kigali City > Gasabo"},
    },
    "arrows": {STATE: {"state": "a > b > c"}, GENDER: {"text": "a > b"}},
    "unicode": {GENDER: {"text": "ÉLODIE"}},
    "array fields": [1, 2],
    "scalar fields": "x",
}

QUERIES = [template for template, _ in CASES] + [
    "gender = male", 'gender = " MALE "', "gender = 17", 'gender = "a > b"', "gender = b", "gender = élodie",
    "gender = ÉLODIE", 'gender = "{{\\"nested\\": \\"male\\"}}"', "gender = true",
    "age = 17", "age = 17.0", "age = 17.5", "age = 017.50", "age = 0", "age = -0", "age = +0", "age = 100",
    "age = 1", "age = 100.000",
    'state = "kigali city"', "state = c", 'state = "b > c"', "district = gasabo", "district = GASABO",
    "gender = male AND age = 17", "gender = male OR state = c", "NOT_A_FIELD_QUERY",
]  # fmt: skip


async def _ids(s, where) -> set[int]:  # type: ignore[no-untyped-def]
    return set((await s.execute(select(Contact.id).where(where))).scalars())


@pytest.mark.parametrize("seqscan", ["on", "off"])
async def test_indexed_shape_finds_what_the_comparison_finds(db: None, seqscan: str) -> None:
    seeded = await seed()
    async with transaction() as s:
        for label, fields in ODD.items():
            contact = Contact(uuid=str(uuid.uuid4()), org_id=seeded.org_id, name=label, fields=fields)
            s.add(contact)
            await s.flush()
            seeded.ids[label] = contact.id
    differ, refused, hits = [], [], 0
    async with transaction() as s:
        await s.execute(text(f"SET LOCAL enable_seqscan = {seqscan}"))
        resolver = await load_resolver(s, seeded.org_id)
        for template in QUERIES:
            query = _render(template, seeded)
            try:
                parsed = parse_query(query, resolver)
            except QueryError:  # a query the parser refuses is not this test's
                refused.append(query)
                continue
            old = await _ids(s, to_sql(parsed, seeded.org_id, indexed=False))
            new = await _ids(s, to_sql(parsed, seeded.org_id))
            hits += len(old)
            if old != new:
                differ.append(f"{query!r}: comparison {seeded.labels(old)} indexed {seeded.labels(new)}")
    assert not differ, "\n".join(differ)
    assert hits > 50  # the table does find contacts
    assert refused == []


async def test_field_equality_uses_the_index(db: None) -> None:
    seeded = await seed()
    async with transaction() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        parsed = parse_query("gender = male", await load_resolver(s, seeded.org_id))
        # the field's condition alone: on a table this small the workspace's own index wins otherwise
        condition = to_sql(parsed, seeded.org_id).clauses[-1]  # type: ignore[attr-defined]
        stmt = select(Contact.id).where(condition)
        compiled = stmt.compile(compile_kwargs={"literal_binds": True})
        plan = (await s.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}"))).scalar_one()
    assert "ix_contacts_fields_search" in json.dumps(plan)


async def test_writing_any_fields_never_fails(db: None) -> None:
    """contact_fields_search runs on every write of contacts.fields: odd and oversized values are left out of
    fields_search (a number of 20,000 digits would overflow numeric), never refused."""
    seeded = await seed()
    huge = {AGE: {"number": "9" * 20_000, "text": "big"}, GENDER: {"number": "0." + "1" * 17_000}}
    async with transaction() as s:
        contact = Contact(uuid=str(uuid.uuid4()), org_id=seeded.org_id, name="Huge", fields=huge)
        s.add(contact)
        await s.flush()
        stored = (await s.execute(select(Contact.fields_search).where(Contact.id == contact.id))).scalar_one()
    assert stored == {AGE: {"text": "big"}}
