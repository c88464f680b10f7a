"""In Chromium (issue #19 item 2): an administrator gives the workspace a second language on the settings page,
and the flow editor then shows its language bar for translating; at 1280x800, then the same pages at 390x844."""

from pathlib import Path

from tests.web.editor.browser import browser_page, live_stack, require_chromium, shot
from tests.web.editor.test_browser import sign_in


def test_a_second_language_brings_the_editors_language_bar(env: dict[str, str], tmp_path: Path) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls:
        web = urls["web"]
        with browser_page(1280, 800) as page:
            sign_in(page, web)
            page.click("#nav-settings")
            page.wait_for_url("**/org/edit/")
            page.fill("#other_languages", "fra")
            page.click("#save-settings")
            page.wait_for_selector("#saved")
            shot(page, "workspace_settings_1280")

            page.goto(web + "/flow/")
            page.get_by_role("link", name="Join", exact=True).click()
            page.wait_for_selector("text=Thanks @contact.name!", timeout=20000)
            # the editor lists the workspace's languages in a bar above the canvas
            page.wait_for_selector("text=French", timeout=20000)
            page.get_by_text("French", exact=True).first.click()
            shot(page, "editor_translating_1280")
            editor = page.url
        with browser_page(390, 844) as phone:
            sign_in(phone, web)
            phone.goto(web + "/org/edit/")
            assert phone.input_value("#other_languages") == "fra"
            shot(phone, "workspace_settings_390")
            phone.goto(editor)
            phone.wait_for_selector("text=French", timeout=20000)
            shot(phone, "editor_translating_390")
