"""Issue #19's Done-when, in Chromium against real `upesi web`, `mailroom` and `courier` processes and the
fake provider: a new person signs up, adds a channel from the empty channels page, imports a flow, creates a
contact (a number that is not possible is refused in the page first), starts the flow for that contact from
the editor after seeing how many will get it, and the contact's reply, typed on the fake provider's phone
page, gets the flow's answer: only the browser and the fake provider. Screenshots of each step at 1280×800,
and of the same pages at 390×844, go to artifacts/ui/."""

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.support import processes
from tests.web.editor.browser import browser_page, require_chromium, shot

JOIN_FLOW = processes.ROOT / "services/cli/upesi_cli/demo/join_flow.json"
PHONE = "+15551234567"


@pytest.fixture
def stack(env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {name: processes.free_port() for name in ("web", "mailroom", "courier", "fake")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    service_env = {"COURIER_URL": urls["courier"], "MAILROOM_URL": urls["mailroom"], "WEB_URL": urls["web"]}
    saved = {k: os.environ.get(k) for k in service_env}
    os.environ.update(service_env)
    try:
        with (
            processes.fake_provider(ports["fake"], log=tmp_path / "fake.log"),
            processes.service("courier", ports["courier"], service_env, log=tmp_path / "courier.log"),
            processes.service("mailroom", ports["mailroom"], service_env, log=tmp_path / "mailroom.log"),
            processes.service("web", ports["web"], service_env, log=tmp_path / "web.log"),
        ):
            yield urls
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def sent_texts(fake: str) -> list[str]:
    out = []
    for entry in httpx.get(f"{fake}/sent").json():
        if entry["path"] == "/send":
            form = entry.get("form") or entry.get("json") or entry.get("query") or {}
            out.append(form.get("text", ""))
    return out


def wait_for_texts(fake: str, count: int, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(texts := sent_texts(fake)) >= count:
            return texts
        time.sleep(0.2)
    raise AssertionError(f"the provider got {sent_texts(fake)}, expected {count} messages")


def test_from_sign_up_to_a_running_flow(stack: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    web, fake = stack["web"], stack["fake"]
    export = tmp_path / "join.json"
    export.write_text(json.dumps({"version": "13", "site": "https://app.rapidpro.io", "flows": [json.loads(JOIN_FLOW.read_text())],
                                  "campaigns": [], "triggers": [], "fields": [], "groups": []}))  # fmt: skip
    visited: list[tuple[str, str]] = []

    def step(page: Any, name: str) -> None:
        shot(page, f"first_hour_{name}_1280")
        visited.append((name, page.url))

    with browser_page(1280, 800) as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(web + "/users/login/")
        page.click("#sign-up-link")
        page.fill("#first_name", "Nia")
        page.fill("#email", "nia@example.org")
        page.fill("#password", "a long enough password")
        page.fill("#workspace", "Nia's Clinic")
        page.click("#sign-up")
        page.wait_for_url("**/dashboard/")
        guide = page.inner_text("#first-run-guide")  # item 12: the empty dashboard says where to begin
        assert "channel" in guide and "flow" in guide and "contacts" in guide, guide
        step(page, "dashboard")

        # the empty channels page leads to the claim page, not to a command line
        page.goto(web + "/channels/")
        step(page, "no_channels")
        page.click("#first-channel")
        page.wait_for_url("**/channels/channel/claim/")
        page.fill("#channel-address", "+15550001234")
        page.fill("#cfg-send_url", fake + "/send")
        page.click("#claim")
        page.wait_for_url("**/channels/channel/read/**")
        channel_uuid = page.url.rstrip("/").split("/")[-1]
        callbacks = page.inner_text("#callbacks")
        receive_url = re.search(rf"https?://\S+/c/ex/{channel_uuid}/receive", callbacks).group(0)  # type: ignore[union-attr]
        step(page, "channel")

        page.goto(web + "/flow/import/")
        page.set_input_files("input[type=file]", str(export))
        page.click("text=Preview")
        page.click("#import-confirm button[type=submit]")
        page.wait_for_selector("#import-summary")
        page.click("#import-summary a:has-text('Join')")
        page.wait_for_selector("text=Thanks @contact.name!", timeout=30000)
        flow_editor = page.url

        # a number that is not possible is refused, with the reason, in the page
        page.goto(web + "/contact/")
        page.click("#new-contact")
        page.fill("#new-contact-urn", "+1202")
        page.click("#new-contact-save")
        page.wait_for_selector("#list-error")
        assert "+1202 is not valid: not a possible phone number" in page.inner_text("#list-error")
        step(page, "contact_refused")
        page.click("#new-contact")
        page.fill("#new-contact-name", "Ann")
        page.fill("#new-contact-urn", PHONE)
        page.click("#new-contact-save")
        page.wait_for_url("**/contact/read/**")

        # start the flow from the editor: the dialog counts who will get it before anything is sent
        page.goto(flow_editor)
        page.wait_for_selector("text=Thanks @contact.name!", timeout=30000)
        page.click("#start-flow")
        page.fill("#start-contact-search", "Ann")
        page.click("#start-contact-results button")
        page.wait_for_selector("#start-count:has-text('1 contact will start this flow.')")
        assert page.is_enabled("#start-submit")
        step(page, "start_dialog")
        page.click("#start-submit")
        page.wait_for_url("**/flow/results/**")
        page.wait_for_selector(".start .start-status:text('completed')", timeout=30000)
        step(page, "started")

        assert wait_for_texts(fake, 1) == ["What is your name?"]
        # the contact answers on the fake provider's phone page, which hands the reply to the channel's
        # receive URL (copied from the channel's page) as a provider would
        page.goto(fake + "/phone?" + urlencode({"receive": receive_url, "from": PHONE}))
        page.wait_for_selector("#conversation .in:has-text('What is your name?')")
        page.fill("#text", "Ana")
        page.click("#reply")
        page.wait_for_selector("#conversation .out:has-text('Ana')")
        assert wait_for_texts(fake, 2) == ["What is your name?", "Thanks Ana!"]
        page.reload()
        assert page.inner_text("#conversation").split("\n") == ["What is your name?", "Ana", "Thanks Ana!"]
        step(page, "phone")

        page.goto(web + "/contact/")
        page.click("#contacts a:has-text('Ana')")  # the flow saved the name
        page.wait_for_selector("#history")
        history = page.inner_text("#history")
        assert "What is your name?" in history and "Ana" in history and "Thanks Ana!" in history
        step(page, "contact_history")
        page.goto(web + "/dashboard/")  # a channel, a flow and a contact: the guide has done its work
        assert page.locator("#first-run-guide").count() == 0
        assert not errors, errors

    with browser_page(390, 844) as phone:
        phone.goto(web + "/users/login/")
        phone.fill("#username", "nia@example.org")
        phone.fill("#password", "a long enough password")
        phone.click("#sign-in")
        phone.wait_for_load_state()
        for name, url in visited:
            phone.goto(url)
            shot(phone, f"first_hour_{name}_390")
            width = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert width <= 0, (name, width)
