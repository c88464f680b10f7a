"""In Chromium against real `upesi web` and `upesi mailroom`: a channel renamed, a Telegram bot refused and
then accepted after Telegram's getMe (a local fake Telegram), a channel deleted (issue #19 item 9); contacts
blocked, sent a message, started in a flow, and all of a list added to a group in the background with a
progress page (item 8); an impossible number refused in the Send dialog (item 5); a missing page keeps the
menu, titles name the page (items 6, 7, 12). Screenshots at 1280×800, and the same pages at 390×844."""

from pathlib import Path

import httpx
import pytest

from tests.support.processes import fake_provider, free_port
from tests.web.editor.browser import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    browser_page,
    live_stack,
    require_chromium,
    run_async,
    shot,
)
from tests.web.editor.test_browser import sign_in


def script_get_me(telegram: str, token: str, ok: bool) -> None:
    body = '{"ok": true, "result": {"username": "clinic_bot"}}' if ok else '{"ok": false, "error_code": 401}'
    httpx.post(f"{telegram}/_script", json={"path": f"/bot{token}/getMe", "status": 200 if ok else 401,
                                            "body": body, "content_type": "application/json"})  # fmt: skip


def test_channels_and_contacts(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_chromium()
    with fake_provider(free_port(), log=tmp_path / "telegram.log") as telegram:
        monkeypatch.setenv("TELEGRAM_API_URL", telegram)  # read by the web process live_stack starts
        with live_stack(env, tmp_path) as urls:
            run_async(_seed())
            visited = _walk(urls["web"], telegram)
            with browser_page(390, 844) as phone:
                phone.goto(urls["web"] + "/users/login/")
                phone.fill("#username", DEMO_EMAIL)
                phone.fill("#password", DEMO_PASSWORD)
                phone.click("#sign-in")
                phone.wait_for_load_state()
                for name, url in visited:
                    phone.goto(url)
                    shot(phone, f"{name}_390")
                    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, (
                        name
                    )


def _walk(web: str, telegram: str) -> list[tuple[str, str]]:
    visited: list[tuple[str, str]] = []
    with browser_page(1280, 800) as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: d.accept())  # the delete confirmation

        def step(name: str) -> None:
            shot(page, f"{name}_1280")
            visited.append((name, page.url))

        sign_in(page, web)

        # item 9: edit, a checked Telegram token, delete
        page.goto(web + "/channels/")
        page.click("#channels a:has-text('Demo External API')")
        page.click("#edit-channel")
        page.fill("#channel-name", "Main line")
        step("channel_edit")
        page.click("#save-channel")
        page.wait_for_selector("h1:has-text('Main line')")
        script_get_me(telegram, "1:BAD", ok=False)
        script_get_me(telegram, "1:GOOD", ok=True)
        page.goto(web + "/channels/channel/claim/?channel_type=TG")
        page.fill("#channel-address", "clinic_bot")
        page.fill("#cfg-auth_token", "1:BAD")
        page.click("#claim")
        page.wait_for_selector(".error:has-text('Your authentication token is invalid')")
        step("channel_telegram_refused")
        page.fill("#channel-address", "clinic_bot")
        page.fill("#cfg-auth_token", "1:GOOD")
        page.click("#claim")
        page.wait_for_url("**/channels/channel/read/**")
        step("channel_telegram")
        page.click("#delete-channel")
        page.wait_for_selector("#notice:has-text('has been removed')")
        assert "clinic_bot" not in page.inner_text("#channels")
        step("channel_deleted")
        calls = [c["path"] for c in httpx.get(f"{telegram}/sent").json()]
        assert calls[:2] == ["/bot1:BAD/getMe", "/bot1:GOOD/getMe"]

        # item 8: a ticked contact blocked, two sent a message, one started in a flow
        page.goto(web + "/contact/")
        page.check("#contacts tr:has-text('Person 59') input.pick")
        page.click("#bulk-block")
        page.wait_for_selector("#bulk-done")
        assert page.inner_text(".folder:has(#folder-blocked) .muted") == "1"
        page.check("#contacts tr:has-text('Person 58') input.pick")
        page.check("#contacts tr:has-text('Person 57') input.pick")
        page.click("#bulk-send")
        page.fill("#bulk-text", "Clinic opens at 9")
        step("contacts_send")
        page.click("#bulk-send-submit")
        page.wait_for_selector("#bulk-done:has-text('on its way to 2 contacts')")
        page.check("#contacts tr:has-text('Person 56') input.pick")
        page.click("#bulk-start")
        page.select_option("#bulk-flow", label="Join")
        page.click("#bulk-start-submit")
        page.wait_for_url("**/flow/results/**")

        # every contact of the list into a group, in the background
        page.goto(web + "/contact/")
        page.select_option("#bulk-group", label="Clinic")
        page.check("#bulk-all")
        page.click("#bulk-add")
        page.wait_for_url("**/contact/bulk/**")
        page.wait_for_selector("#bulk-status:text('complete')", timeout=30000)
        assert page.inner_text("#bulk-done-count") == "59"  # Person 59 is blocked
        step("contacts_all_in_background")
        page.goto(web + "/contact/")
        assert "Clinic" in page.inner_text(".split") and "59" in page.inner_text(".split")
        step("contacts")

        # item 5 in the Send dialog
        page.goto(web + "/msg/")
        page.click("#send-message")
        page.fill("#send-urns", "12ab")
        page.fill("#send-text", "Hello")
        page.click("#send-submit")
        page.wait_for_selector("#send-form-error")
        assert "12ab is not valid: not a phone number" in page.inner_text("#send-form-error")
        step("send_refused")

        # items 6, 7, 12: a missing page keeps the menu; titles name the page, never dialog markup
        response = page.goto(web + "/flow/editor/00000000-0000-0000-0000-000000000000/")
        assert response is not None and response.status == 404
        assert page.locator("nav.nav").count() == 1
        step("not_found")
        page.goto(web + "/contact/")
        assert page.title() == "Contacts · Upesi"
        assert page.locator("link[rel=icon]").count() == 1
        assert not errors, errors
    return visited


async def _seed() -> None:
    import uuid

    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Contact, ContactGroup, ContactURN, Org

    async with transaction() as s:
        org = (await s.execute(select(Org).where(Org.name == "Upesi Demo"))).scalar_one()
        s.add(ContactGroup(uuid=str(uuid.uuid4()), org_id=org.id, name="Clinic"))
        for i in range(60):  # more than a page: "all 60 in this list" is offered
            contact = Contact(uuid=str(uuid.uuid4()), org_id=org.id, name=f"Person {i:02d}")
            s.add(contact)
            await s.flush()
            phone = f"+1555000{i:04d}"
            s.add(
                ContactURN(
                    org_id=org.id, contact_id=contact.id, scheme="tel", path=phone, identity=f"tel:{phone}"
                )
            )
