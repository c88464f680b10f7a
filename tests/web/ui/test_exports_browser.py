"""In headless Chromium against real `upesi web` and `upesi mailroom` processes: ask for an export of the
contacts from the contact list, watch its progress page reach complete (built by the worker inside the
web process) and download the file through its link; then import a file of contacts and see its
progress page turn into the report of refused rows. Screenshots go to artifacts/ui/."""

import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web.editor.browser import browser_page, live_stack, require_chromium, run_async, shot
from tests.web.editor.test_browser import sign_in


def test_export_contacts_and_download(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_chromium()
    monkeypatch.setenv("EXPORTS_DIR", str(tmp_path / "exports"))  # the web process inherits it
    with live_stack(env, tmp_path) as urls:
        run_async(_seed_contacts(2500))  # before the browser: sync Playwright runs its own event loop
        with browser_page() as page:
            _export_and_download(page, urls["web"], tmp_path)
            _import_with_progress(page, urls["web"])


def _export_and_download(page: Any, web: str, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, web)
    page.goto(web + "/contact/")
    total = int(re.match(r"\d+", page.inner_text("#contact-total")).group(0))
    assert total >= 2500
    page.click("#export-contacts")
    page.wait_for_url(re.compile(r".*/export/[0-9a-f-]+/$"))
    page.wait_for_selector("#export-download", state="visible", timeout=30000)
    assert page.inner_text("#export-status") == "complete"
    assert page.inner_text("#export-count") == page.inner_text("#export-total") == str(total)
    assert page.eval_on_selector("#export-progress", "e => e.style.width") == "100%"
    page.wait_for_timeout(700)  # the bar's width animates
    shot(page, "export_complete")

    with page.expect_download() as download:
        page.click("#export-download")
    saved = tmp_path / "downloaded.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("contacts-")
    rows = list(load_workbook(io.BytesIO(saved.read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Contact UUID", "Name") and len(rows) == total + 1

    page.goto(web + "/export/")
    assert "All contacts" in page.inner_text("#exports") and "complete" in page.inner_text("#exports")
    shot(page, "exports_list")
    assert not errors, errors


def _import_with_progress(page: Any, web: str) -> None:
    """Upload a file of 1,500 rows, one of them bad: the progress page reloads into the report."""
    rows = b"".join(b"+2507%08d,Grower %d\n" % (i, i) for i in range(1, 1500))
    page.goto(web + "/contact/import/")
    page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "growers.csv",
                "mimeType": "text/csv",
                "buffer": b"URN:Tel,Name\n" + rows + b"---,Bad\n",
            }
        ],
    )
    page.click("#import-submit")
    page.wait_for_url(re.compile(r".*/contact/import/[0-9a-f-]+/$"))
    assert page.locator("#import-progress").count() == 1
    page.wait_for_selector("#import-report", timeout=60000)
    assert "Created 1499, updated 0." in page.inner_text("#import-report")
    assert page.inner_text("#import-errors tr:nth-child(2) td:nth-child(1)") == "1501"
    assert page.inner_text("#import-errors tr:nth-child(2) td:nth-child(2)") == "URN:Tel"
    page.wait_for_timeout(700)  # the bar's width animates
    shot(page, "contact_import_report")


async def _seed_contacts(n: int) -> None:
    """Enough contacts in the demo workspace for the worker to write them in several batches."""
    from sqlalchemy import insert, select

    from upesi.db.engine import transaction
    from upesi.db.models import Contact, Org

    async with transaction() as s:
        org_id = (await s.execute(select(Org.id).where(Org.name == "Upesi Demo"))).scalar_one()
        await s.execute(
            insert(Contact),
            [{"uuid": str(uuid.uuid4()), "org_id": org_id, "name": f"Farmer {i}"} for i in range(n)],
        )
