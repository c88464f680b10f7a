"""Every query in the table against real Postgres and in memory: both must give exactly the expected
contacts. Queries are templates so they can name seeded ids and UUIDs."""

from sqlalchemy import select

from tests.upesi.contactql.seed import Seeded, seed
from upesi.contactql import load_contacts, load_resolver, matches, parse_query, to_sql
from upesi.db.engine import transaction
from upesi.db.models import Contact

ALIVE = {"ann", "bob", "jc", "noname", "annabelle", "zoe"}  # "deleted" never matches


def but(*labels: str) -> set[str]:
    return ALIVE - set(labels)


CASES: list[tuple[str, set[str]]] = [
    ("", ALIVE),
    # names: word-prefix contains, case-insensitive equality, set checks
    ("ann", {"ann", "annabelle"}),
    ('name ~ "smi"', {"ann"}),
    ('name ~ "leary"', {"bob"}),
    ('name ~ "claude"', {"jc"}),
    ('name ~ "zoë"', {"zoe"}),
    ('name ~ "ÄMB"', {"zoe"}),
    ('name ~ "bob ng"', {"bob", "annabelle"}),  # any word, as RapidPro
    ('name ~ "nn"', set()),  # prefixes only
    ('name ~ "annabellexyz"', {"annabelle"}),  # query words are cut to 8 characters
    ('name = "ann smith"', {"ann"}),
    ('name = " ANN SMITH "', {"ann"}),
    ('name != "ann smith"', but("ann")),
    ('name = ""', {"noname"}),
    ('name != ""', but("noname")),
    # language, status, uuid, id
    ("language = eng", {"ann", "noname", "annabelle"}),
    ("language = ENG", {"ann", "noname", "annabelle"}),
    ('language = ""', {"jc"}),
    ("language != eng", {"bob", "jc", "zoe"}),
    ("status = active", {"ann", "bob", "jc"}),
    ("status != Active", {"noname", "annabelle", "zoe"}),
    ("status = blocked", {"noname"}),
    ("status = stopped", {"annabelle"}),
    ("status = archived", {"zoe"}),
    ("uuid = {uuid_ann}", {"ann"}),
    ("uuid = {UUID_ANN}", {"ann"}),
    ("uuid != {uuid_ann}", but("ann")),
    ("uuid = not-a-uuid", set()),
    ("id = {id_bob}", {"bob"}),
    ("id = 0{id_bob}", {"bob"}),
    ("id != {id_bob}", but("bob")),
    ("id = abc", set()),
    # number field: numeric comparison, strings that hold numbers count, junk is "not set"
    ("age > 18", {"ann", "annabelle"}),
    ("age >= 17.5", {"ann", "jc", "annabelle"}),
    ("age < 17.5", {"bob", "zoe"}),
    ("age = 17", {"bob"}),
    ("age = 17.50", {"jc"}),
    ("age <= 0", {"zoe"}),
    ("age > -1", {"ann", "bob", "jc", "annabelle", "zoe"}),
    ("age != 17", but("bob")),
    ('age = ""', {"noname"}),
    ('age != ""', but("noname")),
    ("age > 9", {"ann", "bob", "jc", "annabelle"}),  # numeric, not text, ordering
    # text field
    ("gender = male", {"bob", "jc"}),
    ("gender = FEMALE", {"ann"}),
    ("gender != male", but("bob", "jc")),
    ('gender = ""', {"noname", "annabelle", "zoe"}),
    # location fields compare by the name at their level
    ('state = "kigali city"', {"ann", "annabelle"}),
    ("state = rwanda", set()),
    ('state != "Kigali City"', but("ann", "annabelle")),
    ("district = gasabo", {"ann"}),
    ('district = ""', but("ann")),
    # datetime field: by day in the workspace timezone (ann's dob is 22:00 UTC on the 9th)
    ("dob = 10-03-1999", {"ann"}),
    ("dob = 09-03-1999", set()),
    ("dob < 1999-03-10", set()),
    ("dob <= 10/03/1999", {"ann"}),
    ("dob > 1999-03-10", {"annabelle"}),
    ("dob >= 2001-01-01", {"annabelle"}),
    ("dob != 10-03-1999", but("ann")),
    ('dob = ""', {"bob", "jc", "noname", "zoe"}),  # noname's stored value is junk
    # created_on / last_seen_on (jc was created at 23:30 UTC on the 27th, the 28th in Kigali)
    ("created_on = 27-01-2020", {"ann"}),
    ("created_on = 28-01-2020", {"jc"}),
    ("created_on > 27-01-2020", {"jc", "noname", "annabelle", "zoe"}),
    ("created_on < 27-01-2020", {"bob"}),
    ("created_on <= 27-01-2020", {"bob", "ann"}),
    ("created_on >= 2022-02-02", {"annabelle", "zoe"}),
    ("created_on != 27-01-2020", but("ann")),
    ("last_seen_on = 01-05-2024", {"ann"}),
    ("last_seen_on > 01-05-2024", set()),
    ('last_seen_on = ""', but("ann")),
    ('last_seen_on != ""', {"ann"}),
    ("last_seen_on != 01-05-2024", but("ann")),
    # URNs: any URN of the scheme for = and ~, none of them for !=
    ("tel = +250788000002", {"bob"}),
    ('tel = "+250788000002"', {"bob"}),
    ("tel ~ 0000", {"ann", "bob", "noname", "annabelle"}),
    ("tel ~ 788000005", {"annabelle"}),
    ('tel = ""', {"jc", "zoe"}),
    ('tel != ""', {"ann", "bob", "noname", "annabelle"}),
    ("tel != +250788000001", but("ann")),
    ("whatsapp = 250788000001", {"ann"}),
    ("telegram ~ 999", {"zoe"}),
    ("mailto = ZED@example.com", {"noname"}),
    ("urn ~ 12345", {"bob"}),
    ('urn = ""', {"jc"}),
    ('urn != ""', but("jc")),
    ("urn = 250788000001", {"ann"}),
    ("tel:+250788000001", {"ann"}),
    ("0788000002", {"bob"}),  # the whole query is a phone number in the workspace's country
    ("ann 0788000", {"ann", "annabelle"}),  # bare digits search tel paths
    # groups and flows
    ("group = testers", {"ann", "annabelle"}),
    ("group != Testers", but("ann", "annabelle")),
    ("flow = registration", {"ann"}),
    ('flow = ""', but("ann", "annabelle")),
    ('flow != ""', {"ann", "annabelle"}),
    ("flow != survey", but("annabelle")),
    ("history = survey", {"bob", "annabelle"}),
    ("history != registration", but("ann", "annabelle")),
    # combinations
    ('age > 18 AND name ~ "ann"', {"ann", "annabelle"}),
    ("age > 18 and status = active", {"ann"}),
    ("gender = male or group = testers", {"bob", "jc", "ann", "annabelle"}),
    ("ann or bob and age < 18", {"ann", "annabelle", "bob"}),
    ("(ann or bob) and age < 18", {"bob"}),
    ("name ~ ann age > 30", {"annabelle"}),
    ('(tel = "" OR age = "") AND status != archived', {"jc", "noname"}),
]


def _render(query: str, seeded: Seeded) -> str:
    return query.format(
        uuid_ann=seeded.uuids["ann"], UUID_ANN=seeded.uuids["ann"].upper(), id_bob=seeded.ids["bob"]
    )


async def test_sql_and_matches_agree_with_expected_sets(db: None) -> None:
    seeded = await seed()
    mismatches = []
    async with transaction() as s:
        resolver = await load_resolver(s, seeded.org_id)
        contacts = await load_contacts(s, seeded.org_id, list(seeded.ids.values()))
        for template, expected in CASES:
            query = _render(template, seeded)
            parsed = parse_query(query, resolver)
            rows = await s.execute(select(Contact.id).where(to_sql(parsed, seeded.org_id)))
            by_sql = seeded.labels(set(rows.scalars()))
            by_python = seeded.labels({cid for cid, c in contacts.items() if matches(parsed, c)})
            if by_sql != expected or by_python != expected:
                mismatches.append(
                    f"{query!r} ({parsed.normalized}): sql={by_sql} python={by_python} want={expected}"
                )
    assert not mismatches, "\n".join(mismatches)


async def test_queries_are_scoped_to_the_workspace(db: None) -> None:
    seeded = await seed()
    async with transaction() as s:
        other = await seed_other_workspace_contact(s)
        parsed = parse_query("", await load_resolver(s, seeded.org_id))
        ids = set((await s.execute(select(Contact.id).where(to_sql(parsed, seeded.org_id)))).scalars())
    assert other not in ids
    assert seeded.labels(ids) == ALIVE


async def seed_other_workspace_contact(s) -> int:  # type: ignore[no-untyped-def]
    import uuid

    from upesi.db.ops.orgs import create_workspace

    ws = await create_workspace(s, "Other", "other@example.com", "pw")
    contact = Contact(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Ann Other", fields={})
    s.add(contact)
    await s.flush()
    return contact.id


async def test_sql_reads_odd_stored_values_like_python(db: None) -> None:
    """The same odd values as test_matches, stored in Postgres: the SQL guards must agree."""
    import uuid

    from tests.upesi.contactql.test_matches import ODD_VALUES

    seeded = await seed()
    wrong = []
    async with transaction() as s:
        resolver = await load_resolver(s, seeded.org_id)
        for stored, query, expected in ODD_VALUES:
            contact = Contact(uuid=str(uuid.uuid4()), org_id=seeded.org_id, name="Odd", fields=stored)
            s.add(contact)
            await s.flush()
            parsed = parse_query(query, resolver)
            hit = await s.scalar(
                select(Contact.id).where(to_sql(parsed, seeded.org_id), Contact.id == contact.id)
            )
            loaded = (await load_contacts(s, seeded.org_id, [contact.id]))[contact.id]
            if (hit is not None) is not expected or matches(parsed, loaded) is not expected:
                wrong.append(f"{stored} {query}: sql={hit is not None} python={matches(parsed, loaded)}")
    assert not wrong, "\n".join(wrong)
