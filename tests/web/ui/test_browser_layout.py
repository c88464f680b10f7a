"""In Chromium, at a laptop's 1280×800 and a phone's 390×844: no page overflows sideways (the menu
collapses on a phone), and the flow editor fills the window below its bar instead of growing the page.
Screenshots of every page at both sizes go to artifacts/ui/."""

from pathlib import Path
from typing import Any

import pytest

from tests.web.editor.browser import browser_page, live_stack, require_chromium, shot
from tests.web.editor.test_browser import sign_in

PAGES = [
    ("dashboard", "/dashboard/"),
    ("messages", "/msg/"),
    ("contacts", "/contact/"),
    ("contact_fields", "/contact/fields/"),
    ("flows", "/flow/"),
    ("campaigns", "/campaign/"),
    ("triggers", "/trigger/"),
    ("channels", "/channels/"),
    ("channel_claim", "/channels/channel/claim/"),
    ("settings", "/org/edit/"),
    ("members", "/org/manage_accounts/"),
    ("tokens", "/user/tokens/"),
    ("exports", "/export/"),
]
SIZES = [(1280, 800), (390, 844)]


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_fits_the_window(env: dict[str, str], tmp_path: Path, width: int, height: int) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls, browser_page(width, height) as page:
        web = urls["web"]
        page.goto(web + "/users/login/")
        assert overflow(page) <= 0, "login"
        shot(page, f"login_{width}")
        sign_in(page, web)
        too_wide = {}
        for name, path in PAGES:
            page.goto(web + path)
            shot(page, f"{name}_{width}")
            if (extra := overflow(page)) > 0:
                too_wide[name] = extra
        assert too_wide == {}, f"pages wider than {width} px by: {too_wide}"

        # on a phone the menu is collapsed behind its toggle; on a laptop it is always there
        flows_link = page.locator(".nav a", has_text="Flows")
        if width < 720:
            assert not flows_link.is_visible()
            page.click("#nav-toggle-label")
            shot(page, f"menu_open_{width}")
        assert flows_link.is_visible()

        # the editor: its canvas scrolls inside the window; the page itself never grows past it
        page.goto(web + "/flow/")
        page.get_by_role("link", name="Join", exact=True).click()
        page.wait_for_selector("text=Thanks @contact.name!", timeout=20000)
        page.locator("[class*=PopTab_tab__]", has_text="Simulator").first.click()
        page.wait_for_timeout(500)
        shot(page, f"editor_{width}")
        size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        assert size[0] <= width and size[1] <= height, size
        assert page.locator("#flow-name").is_visible()
