"""The flow editor in headless Chromium against real `upesi web` and `upesi mailroom` processes: sign in,
create a flow, open the demo "Join" flow, add a node, let the editor save it, run the flow in the
simulator and see the new node's reply. Screenshots of the main pages go to artifacts/ui/."""

import re
from pathlib import Path
from typing import Any

from tests.web.editor.browser import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    browser_page,
    live_stack,
    require_chromium,
    run_async,
    shot,
)

NEW_REPLY = "Welcome aboard @contact.name!"


def sign_in(page: Any, web: str) -> None:
    page.goto(web + "/users/login/")
    page.fill("#username", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/flow/")


def drag_exit_to_canvas(page: Any, exit_locator: Any, x: float, y: float) -> None:
    """jsPlumb listens to real mouse events: press on the exit, move in steps, release on empty canvas."""
    box = exit_locator.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + max(box["height"], 1) / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=15)
    page.mouse.move(x + 10, y + 10, steps=5)
    page.mouse.up()


def test_edit_save_and_simulate(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls, browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        web = urls["web"]
        sign_in(page, web)
        shot(page, "flows")

        # create a flow from the list: it opens in the editor
        page.click("#new-flow")
        page.fill("#flow-name-input", "Registration")
        page.click("#create-flow")
        page.wait_for_url(re.compile(r".*/flow/editor/[0-9a-f-]+/$"))
        page.wait_for_selector("#rp-flow-editor [class*=Flow]", timeout=20000)
        assert page.inner_text("#flow-name") == "Registration"
        shot(page, "editor_new_flow")

        # the demo "Join" flow: add a Send Message node after its last action
        page.goto(web + "/flow/")
        page.get_by_role("link", name="Join", exact=True).click()
        page.wait_for_selector("text=Thanks @contact.name!", timeout=20000)
        drag_exit_to_canvas(page, page.locator(".plumb-exit").last, 900, 520)
        page.get_by_text("Wait for the contact to respond", exact=True).click()
        page.get_by_text("Send the contact a message", exact=True).click()
        page.locator("textarea").fill(NEW_REPLY)
        with page.expect_response(
            lambda r: "/flow/revisions/" in r.url and r.request.method == "POST", timeout=20000
        ) as saved:
            page.get_by_text("Ok", exact=True).click()
        response = saved.value
        assert response.status == 200, response.text()
        body = response.json()
        assert body["status"] == "success" and body["revision"]["revision"] == 2
        page.wait_for_selector(f"text={NEW_REPLY}")
        shot(page, "editor_node_added")

        # the saved revision holds the new node (checked through the editor's own endpoint)
        definition = page.evaluate(
            "async (u) => (await (await fetch(u)).json()).definition",
            f"/flow/revisions/{_flow_uuid(page)}/latest/",
        )
        texts = [a.get("text") for n in definition["nodes"] for a in n["actions"]]
        assert NEW_REPLY in texts and definition["spec_version"] == "14.4.2"

        # simulator: start, answer, see the new node's reply
        with page.expect_response(lambda r: "/flow/simulate/" in r.url, timeout=20000) as started:
            _open_simulator(page)
        assert started.value.status == 200, started.value.text()
        page.wait_for_selector("text=What is your name?", timeout=20000)
        with page.expect_response(lambda r: "/flow/simulate/" in r.url, timeout=20000) as resumed:
            box = page.locator("[class*=Simulator_controls] input").first
            box.fill("Ana")
            box.press("Enter")
        assert resumed.value.status == 200, resumed.value.text()
        page.wait_for_selector("text=Thanks Ana!", timeout=20000)
        page.wait_for_selector("text=Welcome aboard Ana!", timeout=20000)
        page.wait_for_timeout(800)  # the phone animates messages in
        assert "Welcome aboard Ana!" in page.inner_text("[class*=Simulator_messages]")
        shot(page, "simulator")
        assert not errors, errors


def _flow_uuid(page: Any) -> str:
    return re.search(r"/flow/editor/([0-9a-f-]+)/", page.url).group(1)


def _open_simulator(page: Any) -> None:
    """The simulator is the green tab on the right edge of the canvas."""
    page.locator("[class*=PopTab_tab__]", has_text="Simulator").first.click()


def test_start_for_a_group_and_see_results(env: dict[str, str], tmp_path: Path) -> None:
    """Start the demo flow for a group from the results page: mailroom (a real process) runs the start and
    the progress bar reaches completed; the chart shows the categories of earlier answers."""
    require_chromium()
    with live_stack(env, tmp_path) as urls:
        run_async(_seed_group_and_answers())  # before the browser: sync Playwright runs its own event loop
        with browser_page() as page:
            _start_and_watch(page, urls["web"])


def _start_and_watch(page: Any, web: str) -> None:
    sign_in(page, web)
    page.get_by_role("link", name="Results", exact=True).first.click()
    chart = page.locator('.chart[data-result="name"]')
    assert "2 responses" in chart.inner_text()
    assert "1 (50%)" in chart.locator('[data-category="Has Text"]').inner_text()
    page.click("#start-flow")
    page.select_option("#start-groups", label="Testers")
    page.click("#start-submit")
    page.wait_for_selector(".start .start-status:text('completed')", timeout=30000)
    assert page.inner_text(".start .start-count") == "3/3"
    assert page.locator(".start .fill").get_attribute("style").replace(" ", "") == "width:100%;"
    shot(page, "flow_results_started")
    page.reload()
    assert page.inner_text("#run-total") == "5"  # two earlier answers and the three just started
    shot(page, "flow_results")
    # the other main pages, now that the start left contacts, runs and messages behind
    for path, name in [("/flow/", "flow_list"), ("/contact/", "contacts"), ("/msg/outbox/", "messages"),
                       ("/channels/", "channels"), ("/trigger/", "triggers"), ("/campaign/", "campaigns"),
                       ("/dashboard/", "dashboard")]:  # fmt: skip
        response = page.goto(web + path)
        assert response.status == 200, path
        assert page.locator("nav.nav").count() == 1, path
        shot(page, name)
    page.goto(web + "/contact/")
    assert "Tester 0" in page.inner_text("#contacts")


async def _seed_group_and_answers() -> None:
    import uuid

    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Contact, ContactGroup, ContactURN, Flow, FlowRun, Org, contact_group_contacts

    async with transaction() as s:
        org = (await s.execute(select(Org).where(Org.name == "Upesi Demo"))).scalar_one()
        flow = (await s.execute(select(Flow).where(Flow.org_id == org.id, Flow.name == "Join"))).scalar_one()
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=org.id, name="Testers")
        s.add(group)
        await s.flush()
        for i in range(3):
            contact = Contact(uuid=str(uuid.uuid4()), org_id=org.id, name=f"Tester {i}")
            s.add(contact)
            await s.flush()
            s.add(
                ContactURN(
                    org_id=org.id,
                    contact_id=contact.id,
                    scheme="tel",
                    path=f"+1555000100{i}",
                    identity=f"tel:+1555000100{i}",
                )
            )
            await s.execute(contact_group_contacts.insert().values(contact_id=contact.id, group_id=group.id))
        answerer = Contact(uuid=str(uuid.uuid4()), org_id=org.id, name="Earlier")
        s.add(answerer)
        await s.flush()
        for value, category in (("Ann", "Has Text"), ("", "Other")):
            s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=org.id, flow_id=flow.id, contact_id=answerer.id,
                          session_uuid=str(uuid.uuid4()), status="C",
                          results={"name": {"name": "Name", "value": value, "category": category, "input": value}}))  # fmt: skip
