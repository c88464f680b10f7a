import base64

from sqlalchemy import select

from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import APIToken


async def test_token_header_and_last_used(api: API) -> None:
    resp = await api.get("contacts.json")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"next": None, "previous": None, "results": []}
    async with transaction() as s:
        used = (
            await s.execute(select(APIToken.last_used_on).where(APIToken.key == api.ws.token))
        ).scalar_one()
    assert used is not None


async def test_bad_missing_and_inactive_tokens(api: API) -> None:
    resp = await api.client.get("/api/v2/contacts.json", headers={"Authorization": "Token " + "0" * 40})
    assert resp.status_code == 403
    assert resp.json() == {"detail": "Invalid token"}
    resp = await api.client.get("/api/v2/contacts.json")
    assert resp.status_code == 403
    async with transaction() as s:
        token = (await s.execute(select(APIToken).where(APIToken.key == api.ws.token))).scalar_one()
        token.is_active = False
    assert (await api.get("contacts.json")).json() == {"detail": "Invalid token"}


async def test_basic_auth_email_token(api: API) -> None:
    good = base64.b64encode(f"admin@nyaruka.com:{api.ws.token}".encode()).decode()
    resp = await api.client.get("/api/v2/contacts.json", headers={"Authorization": f"Basic {good}"})
    assert resp.status_code == 200
    wrong_email = base64.b64encode(f"admin@other.com:{api.ws.token}".encode()).decode()
    resp = await api.client.get("/api/v2/contacts.json", headers={"Authorization": f"Basic {wrong_email}"})
    assert resp.status_code == 403


async def test_bare_path_works_like_json(api: API) -> None:
    assert (await api.get("contacts")).status_code == 200
