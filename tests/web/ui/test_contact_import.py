"""Contact import in the background: the upload leads to a progress page, rows are written a chunk at a
time, and the finished page lists every refused row with its column and reason."""

import asyncio
import json
import time

import httpx
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from, sign_in
from tests.web.ui.test_pages import add_contact
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactField, ContactGroup, ContactURN, contact_group_contacts
from web.ui import contact_import_jobs


async def upload(
    client: httpx.AsyncClient, data: bytes, group: str = "", name: str = "contacts.csv"
) -> httpx.Response:
    token = csrf_from((await client.get("/contact/import/")).text)
    return await client.post(
        "/contact/import/",
        data={"csrf_token": token, "group_name": group},
        files={"file": (name, data, "text/csv")},
    )


async def imported(client: httpx.AsyncClient, data: bytes, group: str = "") -> tuple[str, str]:
    """Upload, let the background import finish; the import's page and its uuid."""
    response = await upload(client, data, group)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    await contact_import_jobs.wait_for_imports()
    return (await client.get(location)).text, location.split("/")[3]


async def test_numbers_that_are_not_possible_are_refused_by_row(site: Site, admin: httpx.AsyncClient) -> None:
    """Issue #19 item 5: the import once merged eleven bad rows into one contact "tel:notanumber"."""
    csv_file = (
        b"URN:Tel,Name\n"
        b"12ab,Letters\n"
        b"+1202,Too short\n"
        b"notanumber,Word\n"
        b"notanumber,Word again\n"
        b"0788000004,Good\n"
    )
    page, _ = await imported(admin, csv_file)
    errors = page.split('id="import-errors"')[1]
    for row, value, reason in (
        (2, "tel:12ab", "not a phone number"),
        (3, "tel:+1202", "not a possible phone number in RW"),
        (4, "tel:notanumber", "not a phone number"),
        (5, "tel:notanumber", "not a phone number"),
    ):
        assert f"<td>{row}</td><td>URN:Tel</td><td>{value} is not valid: {reason}" in errors, errors[:2000]
    async with transaction() as s:
        identities = list(
            (await s.execute(select(ContactURN.identity).where(ContactURN.org_id == site.org_id))).scalars()
        )
    assert identities == ["tel:+250788000004"]


async def test_import_with_row_errors(site: Site, admin: httpx.AsyncClient) -> None:
    await add_contact(site.org_id, "Existing", "+250788000001")
    csv_file = (
        b"URN:Tel,Name,Field:Age,Language\n"
        b"+250788000001,Existing Renamed,40,\n"
        b"+250788000002,New Person,25,kin\n"
        b",No Number,3,\n"
        b"---,Broken,1,\n"
        b"+250788000003,Bad Language,1,english\n"
        b"+250788000002,New Person Again,26,\n"
    )
    page, import_uuid = await imported(admin, csv_file, "Imported")
    assert "Created 1, updated 2, added to Imported." in page, page.split("<main")[1][:1500]
    errors = page.split('id="import-errors"')[1]
    assert "<td>4</td><td>URN</td><td>No URN in this row</td>" in errors
    assert "<td>5</td><td>URN:Tel</td><td>tel:--- is not valid: invalid phone number" in errors
    assert "<td>6</td><td>Language</td><td>&#39;english&#39; is not a three-letter language code" in errors
    status = (await admin.get(f"/contact/import/{import_uuid}/status/")).json()
    assert (
        status["status"] == "complete" and status["done"] == status["total"] == 6 and status["percent"] == 100
    )
    async with transaction() as s:
        contacts = {
            c.name: c
            for c in (await s.execute(select(Contact).where(Contact.org_id == site.org_id))).scalars()
        }
        age = (await s.execute(select(ContactField).where(ContactField.key == "age"))).scalar_one()
        group = (await s.execute(select(ContactGroup).where(ContactGroup.name == "Imported"))).scalar_one()
        members = (
            await s.execute(
                select(contact_group_contacts.c.contact_id).where(contact_group_contacts.c.group_id == group.id)
            )
        ).scalars().all()  # fmt: skip
    # the second row for +250788000002 updated the contact the first one created
    assert set(contacts) == {"Existing Renamed", "New Person Again"}
    assert contacts["New Person Again"].fields[age.uuid]["text"] == "26"
    assert contacts["New Person Again"].language == "kin"
    assert sorted(members) == sorted(c.id for c in contacts.values())
    # mailroom is asked to recompute campaign fires (and smart groups) for every imported contact
    from upesi.queues.fair import Task
    from upesi.queues.redis import get_redis

    queued = [
        Task.decode(str(site.org_id), p)
        for p in await get_redis().lrange(f"{{tasks:batch}}:o:{site.org_id}/0", 0, -1)
    ]
    changed = [t.task["contact_ids"] for t in queued if t.type == "schedule_contact_fires"]
    assert sorted(changed[-1]) == sorted(c.id for c in contacts.values())


async def test_large_import_in_chunks_with_progress(site: Site, admin: httpx.AsyncClient) -> None:
    rows = b"".join(b"+2507%08d,Person %d\n" % (i, i) for i in range(1, 1201))
    response = await upload(admin, b"Phone,Name\n" + rows)
    status_url = response.headers["location"] + "status/"
    seen = []
    while (status := (await admin.get(status_url)).json())["status"] != "complete":
        seen.append(status["done"])
        await asyncio.sleep(0.05)
    assert status["created"] == 1200 and status["done"] == 1200
    assert set(seen) <= {0, 500, 1000}  # progress moves a chunk at a time
    page = (await admin.get(response.headers["location"])).text
    assert "Created 1200, updated 0." in page and 'id="import-errors"' not in page
    async with transaction() as s:
        urns = (
            (await s.execute(select(ContactURN.identity).where(ContactURN.org_id == site.org_id)))
            .scalars()
            .all()
        )
    assert len(set(urns)) == 1200


async def test_whole_file_refusals_and_other_workspaces(site: Site, admin: httpx.AsyncClient) -> None:
    no_urn = await upload(admin, b"Name,Age\nAnn,3\n")
    assert no_urn.status_code == 400 and "at least one URN column" in no_urn.text
    unreadable = await upload(admin, b"not a workbook", name="contacts.xlsx")
    assert unreadable.status_code == 400 and "could not be read" in unreadable.text
    page, import_uuid = await imported(admin, b"URN:Tel\n+250788000001\n")
    assert "Created 1, updated 0." in page
    async with site.client() as other:
        await sign_in(other, "admin@other.com")
        assert (await other.get(f"/contact/import/{import_uuid}/")).status_code == 404
        assert (await other.get(f"/contact/import/{import_uuid}/status/")).status_code == 404
    async with site.signed_in("viewer") as viewer:
        assert (await viewer.get(f"/contact/import/{import_uuid}/")).status_code == 403


async def test_an_import_whose_process_died_is_reported_stopped(site: Site, admin: httpx.AsyncClient) -> None:
    from upesi.queues.redis import get_redis

    state = contact_import_jobs.ImportState("0b3a8a4e-8f44-4d59-9d5e-1f6f3f0f8a11", site.org_id, "big.csv", "", 5000,
                                            "in progress", 1500, 1500, 0)  # fmt: skip
    state.touched_at = time.time() - contact_import_jobs.STALLED_AFTER - 5
    await get_redis().set(f"contact_import:{state.uuid}", json.dumps(state.__dict__))
    status = (await admin.get(f"/contact/import/{state.uuid}/status/")).json()
    assert status["status"] == "failed" and "stopped after 1500 of 5000 rows" in status["error"]
    page = (await admin.get(f"/contact/import/{state.uuid}/")).text
    assert 'id="import-error"' in page and "Created 1500, updated 0." in page


async def test_field_headers_by_name_then_key_and_refused_when_no_field_can_be_made(
    site: Site, admin: httpx.AsyncClient
) -> None:
    """As RapidPro's import mappings: `Field:Date Of Birth` finds the field named so, then by key; a header that
    no field can be made of refuses the file, naming the header, and creates nothing (it was skipped before)."""
    async with transaction() as s:
        s.add(ContactField(uuid="1b9d8c4e-0000-4000-8000-000000000001", org_id=site.org_id, key="dob",
                           name="Date Of Birth", value_type="T"))  # fmt: skip
    for header in ("Field:Language", "Field:Café", "Field:---"):
        refused = await upload(admin, f"URN:Tel,Field:Shoe Size,{header}\n+250788000009,42,x\n".encode())
        assert refused.status_code == 400, header
        assert f"file: Header &#39;{header}&#39; is not a valid field name." in refused.text, header
    await imported(admin, b"URN:Tel,Field:date of birth,Field:Shoe Size\n+250788000009,1990,42\n")
    async with transaction() as s:
        fields = {f.key: f for f in (await s.execute(select(ContactField).where(
            ContactField.org_id == site.org_id, ContactField.is_system.is_(False)))).scalars()}  # fmt: skip
        contact = (await s.execute(select(Contact).where(Contact.org_id == site.org_id))).scalar_one()
    assert set(fields) == {"dob", "shoe_size"}  # nothing made by the refused files
    assert contact.fields[fields["dob"].uuid]["text"] == "1990"
    assert contact.fields[fields["shoe_size"].uuid]["text"] == "42"
