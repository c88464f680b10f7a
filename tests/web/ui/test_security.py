"""Issue #22, security of the UI: sessions (points 5, 6), sign-in (7) and the headers every page carries (10)."""

import base64
import json

import itsdangerous

from tests.web.ui.helpers import Site


def _forged_cookie(key: str, session: dict[str, object]) -> str:
    """A session cookie signed the way Starlette's SessionMiddleware signs one."""
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(key).sign(data).decode()


async def test_cookie_forged_with_the_old_default_key_signs_nobody_in(site: Site) -> None:
    forged = _forged_cookie("change-me-in-production", {"user_id": 1, "org_id": site.org_id})
    async with site.client() as client:
        client.cookies.set("upesi_session", forged)
        response = await client.get("/flow/", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/users/login/")
