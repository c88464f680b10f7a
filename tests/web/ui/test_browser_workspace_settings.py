"""In Chromium: an administrator gives the workspace a second language on the settings page, and the flow
editor then shows its language bar for translating."""

from pathlib import Path

from tests.web.editor.browser import browser_page, live_stack, require_chromium, shot
from tests.web.editor.test_browser import sign_in


def test_a_second_language_brings_the_editors_language_bar(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls, browser_page() as page:
        web = urls["web"]
        sign_in(page, web)
        page.click("#nav-settings")
        page.wait_for_url("**/org/edit/")
        page.fill("#other_languages", "fra")
        page.click("#save-settings")
        page.wait_for_selector("#saved")
        shot(page, "workspace_settings")

        page.goto(web + "/flow/")
        page.get_by_role("link", name="Join", exact=True).click()
        page.wait_for_selector("text=Thanks @contact.name!", timeout=20000)
        # the editor lists the workspace's languages in a bar above the canvas
        page.wait_for_selector("text=French", timeout=20000)
        page.get_by_text("French", exact=True).first.click()
        shot(page, "editor_translating")
