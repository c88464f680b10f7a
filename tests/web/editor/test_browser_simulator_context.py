"""In Chromium, at 1280x800 and 390x844 (issue #19 item 3): the simulator's context explorer (the "@" under the phone) lists the run's context, which
mailroom's simulate answer carries, as RapidPro's does."""

from pathlib import Path

import pytest

from tests.web.editor.browser import browser_page, live_stack, require_chromium, shot
from tests.web.editor.test_browser import _open_simulator, sign_in


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["1280x800", "390x844"])
def test_context_explorer_lists_the_context(
    env: dict[str, str], tmp_path: Path, width: int, height: int
) -> None:
    require_chromium()
    with live_stack(env, tmp_path) as urls, browser_page(width, height) as page:
        web = urls["web"]
        sign_in(page, web)
        page.goto(web + "/flow/")
        page.get_by_role("link", name="Join", exact=True).click()
        page.wait_for_selector("text=Thanks @contact.name!", timeout=20000)
        with page.expect_response(lambda r: "/flow/simulate/" in r.url, timeout=20000) as started:
            _open_simulator(page)
        assert started.value.json()["context"]["contact"]["__default__"] is not None
        page.wait_for_selector("text=What is your name?", timeout=20000)
        page.locator("[class*=Simulator_show_context_button]").first.click()
        explorer = page.locator("[class*=ContextExplorer_context_explorer]").first
        explorer.wait_for(timeout=10000)
        page.wait_for_timeout(500)
        text = explorer.inner_text()
        shot(page, f"simulator_context_{width}")
        # the explorer hides empty objects (this workspace has no fields or globals yet, no results so far)
        for key in ("contact", "node", "run", "trigger", "urns"):
            assert key in text, (key, text)
