"""Scheduling in headless Chromium against real `upesi web` and `upesi mailroom` processes: schedule a
broadcast from the Send dialog (to a group and a contact picked by name) and find it in the scheduled list,
edit its schedule, and create a schedule trigger. Screenshots go to artifacts/ui/."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.web.editor.browser import browser_page, live_stack, require_chromium, run_async, shot
from tests.web.editor.test_browser import sign_in


def test_schedule_a_broadcast_and_a_trigger(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls:
        run_async(_seed_group())
        with browser_page() as page:
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, urls["web"])
            start = date.today() + timedelta(days=2)  # the demo workspace is on UTC
            _schedule_broadcast(page, urls["web"], start)
            _create_schedule_trigger(page, urls["web"], start)
            assert not errors, errors


def _schedule_broadcast(page: Any, web: str, start: date) -> None:
    page.goto(web + "/msg/inbox/")
    page.click("#send-message")
    assert page.locator("#send-later-box").is_hidden()  # "now" is the default
    page.select_option("#send-groups", label="Testers")
    page.fill("#send-contact-search", "ann")  # the picker searches contacts as one types
    page.click("#send-contact-results button:has-text('Ann Tester')")
    assert page.inner_text("#send-contacts").startswith("Ann Tester")
    page.fill("#send-text", "Market opens at 10")
    page.check("#send-later")
    assert page.inner_text("#send-submit") == "Schedule"
    page.fill("#send-start-date", start.isoformat())
    page.fill("#send-start-time", "09:00")
    page.select_option("#send-repeat", "W")
    # no day chosen: refused, the dialog opens again with the field named and the message kept
    page.click("#send-submit")
    page.wait_for_selector("#send-form-error")
    assert page.inner_text("#send-form-error").startswith("Repeat days:")
    assert page.input_value("#send-text") == "Market opens at 10"
    shot(page, "scheduled_message_error")
    page.check("#send-day-M")
    page.check("#send-day-R")
    shot(page, "scheduled_message_dialog")
    page.click("#send-submit")
    page.wait_for_url("**/broadcast/scheduled/?created=*")
    row = page.locator("#scheduled tr", has_text="Market opens at 10")
    assert "Every week on Mon, Thu at 09:00" in row.inner_text()
    assert "Testers" in row.inner_text() and "Ann Tester" in row.inner_text()
    shot(page, "scheduled_messages")

    # view it and move it to 10:00
    row.get_by_role("link").click()
    page.wait_for_selector("#scheduled-edit")
    assert page.input_value("#edit-start-time") == "09:00"
    page.fill("#edit-start-time", "10:00")
    page.click("#save-scheduled")
    page.wait_for_selector("#schedule-saved")
    assert "Every week on Mon, Thu at 10:00" in page.inner_text("#summary-repeat")
    shot(page, "scheduled_message_read")


def _create_schedule_trigger(page: Any, web: str, start: date) -> None:
    page.goto(web + "/trigger/")
    page.click("#new-trigger")
    page.select_option("#trigger-type", "S")
    assert page.locator("#trigger-keyword").is_hidden()
    page.select_option("#trigger-flow", label="Join")
    page.select_option("#trigger-groups", label="Testers")
    page.fill("#trigger-start-date", start.isoformat())
    page.fill("#trigger-start-time", "07:30")
    page.select_option("#trigger-repeat", "D")
    shot(page, "trigger_schedule_dialog")
    page.click("#create-trigger-submit")
    page.wait_for_url("**/trigger/")
    row = page.locator("#triggers tr", has_text="Every day at 07:30")
    assert "Schedule" in row.inner_text() and "Join" in row.inner_text() and "Testers" in row.inner_text()
    assert f"{start.isoformat()} 07:30" in row.locator(".next-fire").inner_text()
    shot(page, "triggers_schedule")

    # its page: make it weekly on Saturdays
    row.locator("a.repeat").click()
    page.wait_for_selector("#trigger-edit")
    assert page.locator("#edit-days").is_hidden()
    page.select_option("#edit-repeat", "W")
    page.check("#edit-day-S")
    page.click("#save-trigger")
    page.wait_for_selector("#trigger-saved")
    assert page.inner_text("#summary-repeat") == "Every week on Sat at 07:30"
    shot(page, "trigger_schedule_update")


async def _seed_group() -> None:
    import uuid

    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Contact, ContactGroup, Org

    async with transaction() as s:
        org = (await s.execute(select(Org).where(Org.name == "Upesi Demo"))).scalar_one()
        s.add(ContactGroup(uuid=str(uuid.uuid4()), org_id=org.id, name="Testers"))
        s.add(Contact(uuid=str(uuid.uuid4()), org_id=org.id, name="Ann Tester"))
