"""Issue #19 item 1 in Chromium against real `upesi web` and `upesi mailroom` processes and a real local SMTP
server: a forgotten password reset through the emailed link, the profile (name, then password), workspace
settings, an invitation with a role accepted by a new person in another browser, another workspace created and
switched between, and two-factor authentication turned on (a TOTP code, then a backup token, at sign-in) and
off. Screenshots at 1280x800, and the same pages at 390x844, go to artifacts/ui/."""

import re
import time
from pathlib import Path
from typing import Any

import pyotp

from tests.support.smtp import Inbox, smtp_server
from tests.web.editor.browser import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    browser_page,
    live_stack,
    require_chromium,
    shot,
)

SIGNED_OUT_PAGES = [("accounts_sign_in", "/users/login/"), ("accounts_sign_up", "/org/signup/"),
                    ("accounts_forgot", "/user/forget/")]  # fmt: skip


def mailed_link(inbox: Inbox, count: int, path: str, timeout: float = 20.0) -> str:
    """The link to `path` in the count-th mail (mails go out after the page answers, as a background task)."""
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, f"no mail {count} after {timeout} s: {inbox.messages}"
        time.sleep(0.2)
    body = inbox.parsed()[count - 1].get_content()
    match = re.search(rf"https?://\S+{path}\S+/", body)
    assert match, body
    return match.group(0)


def sign_in(page: Any, web: str, password: str) -> None:
    page.goto(web + "/users/login/")
    page.fill("#username", DEMO_EMAIL)
    page.fill("#password", password)
    page.click("#sign-in")


def test_accounts_without_an_operator(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with smtp_server() as inbox, live_stack(env, tmp_path) as urls:  # SMTP_URL is set before web starts
        web = urls["web"]
        visited: list[tuple[str, str]] = []
        with browser_page(1280, 800) as page:
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            def step(name: str) -> None:
                shot(page, f"{name}_1280")
                visited.append((name, page.url))

            password = _reset_password(page, web, inbox, step)
            password = _profile(page, web, password, step)
            _settings(page, web, step)
            _invite(page, web, inbox, step)
            _workspaces(page, web, step)
            _two_factor(page, web, password, step)
            assert not errors, errors

        with browser_page(390, 844) as phone:
            for name, path in SIGNED_OUT_PAGES:
                phone.goto(web + path)
                shot(phone, f"{name}_390")
                assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
            sign_in(phone, web, password)
            phone.wait_for_url("**/flow/")
            for name, url in visited:
                if "/recover/" in url or "/join/" in url or "/users/" in url:
                    continue  # spent links and the sign-in steps: shown at 1280 only
                phone.goto(url)
                shot(phone, f"{name}_390")
                assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name


def _reset_password(page: Any, web: str, inbox: Inbox, step: Any) -> str:
    page.goto(web + "/users/login/")
    page.click("#forgot-link")
    page.fill("#email", DEMO_EMAIL)
    page.click("#send-reset")
    page.wait_for_selector("#reset-sent")
    step("accounts_reset_sent")
    page.goto(mailed_link(inbox, 1, "/user/recover/"))
    assert DEMO_EMAIL in page.inner_text(".login")
    page.fill("#password", "a brand new password")
    page.fill("#confirm", "a brand new password")
    step("accounts_recover")
    page.click("#set-password")
    page.wait_for_selector("#password-was-reset")
    sign_in(page, web, DEMO_PASSWORD)  # the old password no longer works
    page.wait_for_selector(".login .error")
    sign_in(page, web, "a brand new password")
    page.wait_for_url("**/flow/")
    return "a brand new password"


def _profile(page: Any, web: str, password: str, step: Any) -> str:
    page.click("#nav-profile")
    page.wait_for_url("**/user/edit/")
    page.fill("#first_name", "Amina")
    page.click("#save-profile")
    page.wait_for_selector("#saved")
    assert page.input_value("#first_name") == "Amina"
    page.fill("#new_password", "yet another password")
    page.fill("#current_password", "wrong one")
    page.click("#save-profile")
    page.wait_for_selector("#form-error")  # the current password is asked for, and checked
    page.fill("#new_password", "yet another password")
    page.fill("#current_password", password)
    page.click("#save-profile")
    page.wait_for_selector("#saved")
    step("accounts_profile")
    return "yet another password"


def _settings(page: Any, web: str, step: Any) -> None:
    page.click("#nav-settings")
    page.wait_for_url("**/org/edit/")
    page.fill("#name", "Amina's Clinic")
    page.select_option("#country", "KE")
    page.select_option("#timezone", "Africa/Nairobi")
    page.click("#save-settings")
    page.wait_for_selector("#saved")
    assert page.inner_text("nav .workspace") == "Amina's Clinic"
    assert page.input_value("#timezone") == "Africa/Nairobi" and page.input_value("#country") == "KE"
    step("accounts_settings")


def _invite(page: Any, web: str, inbox: Inbox, step: Any) -> None:
    page.goto(web + "/org/manage_accounts/")
    page.fill("#invite-email", "nurse@clinic.org")
    page.select_option("#invite-role", "agent")
    page.click("#send-invitation")
    page.wait_for_selector("#invited")
    assert "nurse@clinic.org" in page.inner_text("#invitations")
    step("accounts_members")
    link = mailed_link(inbox, 2, "/org/join/")
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:  # the invited person, in a browser context of their own (no cookies shared)
        other = context.new_page()
        other.goto(link)
        assert "join Amina's Clinic as agent" in other.inner_text("#invitation-text")
        other.fill("#first_name", "Neema")
        other.fill("#password", "the nurse's password")
        shot(other, "accounts_join_1280")
        other.click("#join-and-sign-up")
        other.wait_for_url("**/dashboard/")
        assert other.inner_text("nav .workspace") == "Amina's Clinic"
        assert "agent" in other.inner_text("nav .user")
    finally:
        context.close()
    page.reload()
    row = page.locator("#members tr", has_text="nurse@clinic.org")
    assert row.locator("select").input_value() == "agent"


def _workspaces(page: Any, web: str, step: Any) -> None:
    page.goto(web + "/user/edit/")
    page.click("#new-workspace")
    page.wait_for_url("**/org/create/")
    page.fill("#name", "Second Clinic")
    page.click("button[type=submit]:not(#sign-out)")
    page.wait_for_url("**/dashboard/")
    assert page.inner_text("nav .workspace") == "Second Clinic"
    page.goto(web + "/org/choose/")
    step("accounts_choose")
    page.locator("form.card", has_text="Amina's Clinic").locator("button").click()
    page.wait_for_url("**/flow/")
    assert page.inner_text("nav .workspace") == "Amina's Clinic"


def _two_factor(page: Any, web: str, password: str, step: Any) -> None:
    page.goto(web + "/user/edit/")
    page.click("#two-factor")
    page.wait_for_url("**/user/two_factor/")
    totp = pyotp.TOTP(page.inner_text("#totp-secret").strip())
    page.fill("#code", "000000" if totp.now() != "000000" else "111111")
    page.click("#enable-two-factor")
    page.wait_for_selector("#form-error")  # a wrong code turns nothing on
    page.fill("#code", totp.now())
    page.click("#enable-two-factor")
    page.wait_for_selector("#backup-tokens")
    tokens = page.inner_text("#backup-tokens pre").split()
    assert len(tokens) == 10 and page.is_visible("#two-factor-on")
    step("accounts_two_factor")

    page.click("#sign-out")
    sign_in(page, web, password)
    page.wait_for_url("**/users/two_factor/")
    step("accounts_second_step")
    page.fill("#code", totp.now())
    page.click("#verify-code")
    page.wait_for_url("**/flow/")
    page.click("#sign-out")
    sign_in(page, web, password)
    page.wait_for_url("**/users/two_factor/")
    page.fill("#code", tokens[0])  # a backup token instead of the app's code, once
    page.click("#verify-code")
    page.wait_for_url("**/flow/")

    page.goto(web + "/user/two_factor/")
    page.fill("#password", password)
    page.click("#disable-two-factor")
    page.wait_for_selector("#totp-secret")  # off: the page offers to turn it on again
