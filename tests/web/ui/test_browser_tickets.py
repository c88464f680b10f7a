"""The Tickets page in headless Chromium against real `upesi web` and `upesi mailroom` processes: open the page
from the menu, find the contact's ticket with their message beside it, reply, add a note and close it; the reply
reaches mailroom as a sent message and the ticket is stored closed. Screenshots go to artifacts/ui/."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.web.editor.browser import browser_page, live_stack, require_chromium, run_async, shot
from tests.web.editor.test_browser import sign_in

REPLY = "Hello Ann, we are looking into it"


def test_reply_and_close_a_ticket(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls:
        seeded = run_async(_seed())
        with browser_page() as page:
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, urls["web"])
            page.click("nav a:has-text('Tickets')")
            page.wait_for_url("**/ticket/all/open/")
            assert "Ann Ticket" in page.inner_text("#tickets")
            page.click("#tickets a:has-text('Ann Ticket')")
            page.wait_for_url(f"**/ticket/all/open/{seeded['ticket']}/")
            assert "My phone is broken" in page.inner_text("#conversation")
            shot(page, "tickets")

            page.fill("#reply-text", REPLY)
            page.click("#reply-send")
            page.wait_for_selector("#ticket-done")
            page.fill("#note-text", "Sent a technician")
            page.click("#note-add")
            page.wait_for_selector("#ticket-done")
            assert "Sent a technician" in page.inner_text("#conversation")
            page.click("#ticket-close")
            page.wait_for_selector("#ticket-done")
            assert page.inner_text("#ticket-status") == "closed"
            assert page.locator("#ticket-reopen").is_visible()
            assert page.inner_text("#folder-all").endswith("0")
            shot(page, "ticket_closed")

            # mailroom sent the reply: it shows in the conversation once stored
            sent = _wait_for(lambda: _in_thread(_reply_msgs(seeded["contact_id"])))
            page.reload()
            assert REPLY in page.inner_text("#conversation")
            assert not errors, errors

    stored = run_async(_ticket_state(seeded["ticket"]))
    assert stored["status"] == "C" and stored["closed_on"] is not None
    assert stored["events"] == [("O", None), ("N", "Sent a technician"), ("C", None)]
    assert stored["members"] == []  # no longer in Open Tickets
    assert sent == [("O", REPLY)]


def _in_thread(coro: Any) -> Any:
    """Database reads while the browser is open: playwright's sync API holds this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run_async, coro).result()


def _wait_for(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.5)
    raise AssertionError("mailroom never stored the reply")


async def _seed() -> dict[str, Any]:
    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Contact, ContactURN, Msg, Org, Ticket, Topic
    from upesi.domain import tickets

    async with transaction() as s:
        org = (await s.execute(select(Org).where(Org.name == "Upesi Demo"))).scalar_one()
        contact = Contact(uuid=str(uuid.uuid4()), org_id=org.id, name="Ann Ticket")
        s.add(contact)
        await s.flush()
        s.add(ContactURN(org_id=org.id, contact_id=contact.id, scheme="tel", path="+12025550123",
                         identity="tel:+12025550123"))  # fmt: skip
        s.add(Msg(uuid=str(uuid.uuid4()), org_id=org.id, contact_id=contact.id, text="My phone is broken",
                  direction="I", status="H"))  # fmt: skip
        general = (await s.execute(select(Topic).where(Topic.org_id == org.id, Topic.is_system))).scalar_one()
        opened = await tickets.open_tickets(s, org_id=org.id, contact_ids=[contact.id], topic_id=general.id)
        found = await s.get(Ticket, opened[contact.id])
        assert found is not None
        return {"ticket": str(found.uuid), "contact_id": contact.id}


async def _reply_msgs(contact_id: int) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Msg

    async with transaction() as s:
        rows = await s.execute(
            select(Msg.direction, Msg.text).where(Msg.contact_id == contact_id, Msg.direction == "O")
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def _ticket_state(ticket_uuid: str) -> dict[str, Any]:
    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import ContactGroup, Ticket, TicketEvent, contact_group_contacts

    async with transaction() as s:
        ticket = (await s.execute(select(Ticket).where(Ticket.uuid == ticket_uuid))).scalar_one()
        events = await s.execute(
            select(TicketEvent.event_type, TicketEvent.note)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        )
        members = await s.execute(
            select(contact_group_contacts.c.contact_id)
            .join(ContactGroup, ContactGroup.id == contact_group_contacts.c.group_id)
            .where(ContactGroup.org_id == ticket.org_id, ContactGroup.is_system)
        )
        return {"status": ticket.status, "closed_on": ticket.closed_on,
                "events": [tuple(e) for e in events], "members": list(members.scalars())}  # fmt: skip
