"""Exports built in the background: asking for one records it and leads to its progress page, the worker
(run here one claim at a time, as the web process's worker loop does) writes the file in batches,
progress reaches the total, and only the workspace that asked can download the file."""

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select, update

from tests.web.ui.helpers import Site
from tests.web.ui.test_pages import add_contact, add_group
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactGroup, ContactURN, Export, Flow, FlowRun, Label, Msg, msg_labels
from web.ui import export_worker


@pytest.fixture(autouse=True)
def exports_dir(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "exports"
    monkeypatch.setenv("EXPORTS_DIR", str(folder))
    reset_settings()
    return folder


async def ask(client: httpx.AsyncClient, url: str) -> str:
    """Ask for an export; the uuid of the export the answer leads to."""
    response = await client.get(url)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/export/")
    return location.split("/")[2]


async def build_all(batch_size: int = export_worker.BATCH_SIZE) -> int:
    built = 0
    while await export_worker.run_one(batch_size=batch_size) is not None:
        built += 1
    return built


async def download(client: httpx.AsyncClient, export_uuid: str) -> httpx.Response:
    status = (await client.get(f"/export/{export_uuid}/status/")).json()
    assert status["status"] == "complete", status
    response = await client.get(status["download_url"])
    assert response.status_code == 200
    return response


async def test_contact_export_lifecycle_csv_and_xlsx(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    ann = await add_contact(site.org_id, "Ann", "+250788000001", farmers)
    await add_contact(site.org_id, "Bob", "+250788000002")

    export_uuid = await ask(admin, "/contact/export/?format=csv")
    page = await admin.get(f"/export/{export_uuid}/")
    assert 'id="export-progress"' in page.text and ">pending<" in page.text
    assert (await admin.get(f"/export/{export_uuid}/status/")).json()["download_url"] is None
    # asking again while it waits leads to the same export, not a second one
    assert await ask(admin, "/contact/export/?format=csv") == export_uuid

    assert await build_all() == 1
    status = (await admin.get(f"/export/{export_uuid}/status/")).json()
    assert status["status"] == "complete" and status["num_records"] == status["total"] == 2
    assert status["percent"] == 100
    response = await download(admin, export_uuid)
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="contacts-' in response.headers["content-disposition"]
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("Contact UUID,Name,Language,Status,URNs") and len(lines) == 3
    assert "Download" in (await admin.get(f"/export/{export_uuid}/")).text

    grouped = await ask(admin, f"/contact/export/?format=xlsx&group={farmers.uuid}")
    listed = (await admin.get("/contact/?search=name%20%3D%20bob")).text
    assert 'href="/contact/export/?format=xlsx&search=name%20%3D%20bob"' in listed
    searched = await ask(admin, "/contact/export/?format=csv&search=name%20%3D%20bob")
    assert await build_all() == 2
    rows = list(
        load_workbook(io.BytesIO((await download(admin, grouped)).content)).active.iter_rows(values_only=True)
    )
    assert rows[0][:5] == ("Contact UUID", "Name", "Language", "Status", "URNs")
    assert rows[1:] == [rows[1]] and rows[1][:5] == (ann.uuid, "Ann", None, "active", "tel:+250788000001")
    found = (await download(admin, searched)).text.strip().splitlines()
    assert len(found) == 2 and ",Bob,," in found[1]

    listing = (await admin.get("/export/")).text
    assert "Contacts in Farmers" in listing and "All contacts matching name = bob" in listing
    assert listing.count("Download</a>") == 3


async def test_message_and_flow_result_exports(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        s.add(
            Msg(
                uuid=str(uuid.uuid4()),
                org_id=site.org_id,
                contact_id=ann.id,
                text="hi there",
                direction="I",
                status="H",
            )
        )
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=site.org_id, flow_id=flow.id, contact_id=ann.id,
                      session_uuid=str(uuid.uuid4()), status="C", exited_on=datetime.now(UTC),
                      results={"name": {"name": "Name", "value": "Ann", "category": "Has Text", "input": "ann"}}))  # fmt: skip
        hello = Msg(
            uuid=str(uuid.uuid4()),
            org_id=site.org_id,
            contact_id=ann.id,
            text="hello",
            direction="I",
            status="H",
        )
        urgent = Label(uuid=str(uuid.uuid4()), org_id=site.org_id, name="Urgent")
        s.add_all([hello, urgent])
        await s.flush()
        await s.execute(insert(msg_labels).values(label_id=urgent.id, msg_id=hello.id))
    folder = (await admin.get(f"/msg/label/?label={urgent.uuid}")).text
    assert f'href="/msg/export/label/?label={urgent.uuid}&format=xlsx"' in folder
    inbox = await ask(admin, "/msg/export/inbox/?format=csv")
    labelled = await ask(admin, f"/msg/export/label/?label={urgent.uuid}&format=csv")
    runs_csv = await ask(admin, f"/flow/export_results/{site.flow_uuid}/?format=csv")
    runs_xlsx = await ask(admin, f"/flow/export_results/{site.flow_uuid}/?format=xlsx")
    assert await build_all() == 4
    lines = (await download(admin, inbox)).text.strip().splitlines()
    assert len(lines) == 3 and lines[1].endswith(f"{ann.uuid},Ann,,in,hello,,handled")  # newest first
    assert lines[2].endswith(f"{ann.uuid},Ann,,in,hi there,,handled")
    lines = (await download(admin, labelled)).text.strip().splitlines()
    assert len(lines) == 2 and lines[1].endswith(",in,hello,,handled")
    lines = (await download(admin, runs_csv)).text.strip().splitlines()
    assert lines[0].startswith("Contact UUID,Contact Name,URN,Started,Modified,Exited,Status,Name (Category)")
    assert len(lines) == 2 and f"{ann.uuid},Ann,tel:+250788000001," in lines[1]
    assert lines[1].endswith("completed,Has Text,Ann,ann")
    sheet = load_workbook(io.BytesIO((await download(admin, runs_xlsx)).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Contact UUID", "Contact Name", "URN") and rows[1][1] == "Ann"
    assert rows[1][-3:] == ("Has Text", "Ann", "ann")


async def test_bad_requests_and_other_workspaces(site: Site, admin: httpx.AsyncClient) -> None:
    await add_contact(site.org_id, "Ann", "+250788000001")
    bad = await admin.get("/contact/export/?format=pdf")
    assert bad.status_code == 400 and "format" in bad.json()["detail"]
    assert (await admin.get("/contact/export/?group=not-a-uuid")).status_code == 404
    assert (await admin.get("/msg/export/nowhere/")).status_code == 404
    assert (await admin.get(f"/flow/export_results/{site.other_flow_uuid}/")).status_code == 404
    export_uuid = await ask(admin, "/contact/export/?format=csv")
    await build_all()
    async with site.client() as other:
        from tests.web.ui.helpers import sign_in

        await sign_in(other, "admin@other.com")
        for path in ("", "status/", "download/"):
            assert (await other.get(f"/export/{export_uuid}/{path}")).status_code == 404
        assert export_uuid not in (await other.get("/export/")).text
    assert (await admin.get("/export/nonsense/")).status_code == 404
    async with site.signed_in("viewer") as viewer:  # same workspace, may read contacts
        assert (await viewer.get(f"/export/{export_uuid}/download/")).status_code == 200


async def test_a_stalled_export_is_claimed_again(
    site: Site, admin: httpx.AsyncClient, exports_dir: Path
) -> None:
    await add_contact(site.org_id, "Ann", "+250788000001")
    export_uuid = await ask(admin, "/contact/export/?format=csv")
    # a worker claims it and dies before finishing: in progress, its heartbeat old, a partial file left
    dead = await export_worker.claim_next()
    assert dead is not None and dead.uuid == export_uuid and dead.path
    (exports_dir / dead.path).parent.mkdir(parents=True, exist_ok=True)
    (exports_dir / dead.path).write_text("Contact UUID\npartial")
    assert await export_worker.claim_next() is None  # fresh heartbeat: not stalled yet
    async with transaction() as s:
        await s.execute(
            update(Export)
            .where(Export.uuid == export_uuid)
            .values(modified_on=datetime.now(UTC) - timedelta(minutes=10))
        )
    rebuilt = await export_worker.run_one()
    assert rebuilt is not None and rebuilt.uuid == export_uuid and rebuilt.path != dead.path
    assert not (exports_dir / dead.path).exists()
    lines = (await download(admin, export_uuid)).text.strip().splitlines()
    assert len(lines) == 2 and ",Ann," in lines[1]
    # the dead worker, were it to wake up, finds its claim gone and writes nothing
    assert not await export_worker._still_ours(dead, {"num_records": 99})


async def test_twenty_thousand_contacts_in_batches(
    site: Site, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 20_000
    async with transaction() as s:
        ids = (
            (
                await s.execute(
                    insert(Contact).returning(Contact.id),
                    [{"uuid": str(uuid.uuid4()), "org_id": site.org_id, "name": f"C{i}"} for i in range(n)],
                )
            )
            .scalars()
            .all()
        )
        await s.execute(
            insert(ContactURN),
            [
                {
                    "org_id": site.org_id,
                    "contact_id": cid,
                    "scheme": "tel",
                    "path": f"+2507{i:08d}",
                    "identity": f"tel:+2507{i:08d}",
                }
                for i, cid in enumerate(ids)
            ],
        )
    export_uuid = await ask(admin, "/contact/export/?format=csv")
    seen: list[int] = []
    original = export_worker._still_ours

    async def watch(export: Export, values: dict[str, object]) -> bool:
        if "num_records" in values and values.get("status") is None:
            seen.append(int(values["num_records"]))  # type: ignore[call-overload]
        return await original(export, values)

    monkeypatch.setattr(export_worker, "_still_ours", watch)
    await build_all(batch_size=5000)
    assert seen == [5000, 10000, 15000, 20000]  # progress recorded batch by batch
    status = (await admin.get(f"/export/{export_uuid}/status/")).json()
    assert status["num_records"] == status["total"] == n
    rows = list(csv.reader(io.StringIO((await download(admin, export_uuid)).text)))
    assert len(rows) == n + 1 and len({r[0] for r in rows[1:]}) == n


async def test_an_export_of_something_deleted_fails_with_a_reason(
    site: Site, admin: httpx.AsyncClient
) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    export_uuid = await ask(admin, f"/contact/export/?format=xlsx&group={farmers.uuid}")
    async with transaction() as s:
        await s.execute(delete(ContactGroup).where(ContactGroup.id == farmers.id))
    await build_all()
    status = (await admin.get(f"/export/{export_uuid}/status/")).json()
    assert status["status"] == "failed" and status["error"] == "The group of this export no longer exists"
    assert status["download_url"] is None
    assert "no longer exists" in (await admin.get(f"/export/{export_uuid}/")).text
    assert (await admin.get(f"/export/{export_uuid}/download/")).status_code == 404


async def test_a_stopping_worker_hands_its_export_back(
    site: Site, admin: httpx.AsyncClient, exports_dir: Path
) -> None:
    async with transaction() as s:
        await s.execute(
            insert(Contact),
            [{"uuid": str(uuid.uuid4()), "org_id": site.org_id, "name": f"C{i}"} for i in range(2000)],
        )
    export_uuid = await ask(admin, "/contact/export/?format=xlsx")
    worker = asyncio.create_task(export_worker.run_one(batch_size=1))
    for _ in range(200):  # until the worker is part-way through
        await asyncio.sleep(0.05)
        async with transaction() as s:
            export = (await s.execute(select(Export).where(Export.uuid == export_uuid))).scalar_one()
        if export.num_records > 0:
            break
    assert export.status == "O" and 0 < export.num_records < 2000
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    async with transaction() as s:
        export = (await s.execute(select(Export).where(Export.uuid == export_uuid))).scalar_one()
    assert export.status == "P" and export.num_records == 0  # the next worker starts it at once
    assert not (exports_dir / str(export.path)).exists()
    assert await build_all(batch_size=1000) == 1
    rows = list(load_workbook(io.BytesIO((await download(admin, export_uuid)).content)).active.iter_rows())
    assert len(rows) == 2001
