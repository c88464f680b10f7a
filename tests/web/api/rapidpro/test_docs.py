"""The root, the per-endpoint docs and the explorer, and what every endpoint answers around its handler (the
workspace header, 405): RapidPro's test_base.py assertions (test_root, test_docs, test_explorer,
test_authentication), ported."""

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.ui.helpers import sign_in
from upesi.db.engine import transaction
from upesi.db.models import FlowRun, Membership, Org, User
from upesi.db.ops.orgs import hash_password

PASSWORD = "Qwerty123!"


async def test_root(api: API) -> None:
    resp = await api.client.get("/api/v2/")
    assert resp.status_code == 200 and "We provide a RESTful JSON API" in resp.text
    assert "text/html" in resp.headers["content-type"]
    resp = await api.client.post("/api/v2/", data={})
    assert resp.status_code == 405 and "We provide a RESTful JSON API" in resp.text
    # /api leads there
    resp = await api.client.get("/api", follow_redirects=True)
    assert resp.status_code == 200 and "We provide a RESTful JSON API" in resp.text
    resp = await api.client.get("/api/v2/.json")
    assert resp.status_code == 200 and resp.json()["runs"] == "http://testserver/api/v2/runs"
    # RapidPro's RootView lists these (tickets and ticket_actions join when they are served)
    listed = set(resp.json()) - {"tickets", "ticket_actions"}
    assert listed == {
        "archives", "broadcasts", "campaigns", "campaign_events", "channels", "contacts", "contact_actions", "fields",
        "flow_starts", "flows", "globals", "groups", "labels", "media", "messages", "message_actions", "resthooks",
        "resthook_events", "resthook_subscribers", "runs", "topics", "users", "workspace",
    }  # fmt: skip


async def test_docs(api: API) -> None:
    # anyone may read an endpoint's docs
    resp = await api.client.get("/api/v2/messages")
    assert (
        resp.status_code == 200 and "This endpoint allows you to list messages in your account." in resp.text
    )
    # a write there answers the docs with 403
    resp = await api.client.post("/api/v2/messages", data={})
    assert (
        resp.status_code == 403 and "This endpoint allows you to list messages in your account." in resp.text
    )
    resp = await api.client.get("/api/v2/statistics")
    assert resp.status_code == 200
    # every registered endpoint has a page built from its declaration
    from web.api.v2.routing import ENDPOINTS

    for name in ENDPOINTS:
        page = await api.client.get(f"/api/v2/{name}")
        assert page.status_code == 200 and f"/api/v2/{name}.json" in page.text, name


async def _with_password(email: str) -> None:
    async with transaction() as s:
        await s.execute(update(User).where(User.email == email).values(password_hash=hash_password(PASSWORD)))


async def test_docs_signed_in(api: API) -> None:
    await _with_password("editor.admin@nyaruka.com")
    async with httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver") as client:
        await sign_in(client, "editor.admin@nyaruka.com", PASSWORD)
        resp = await client.get("/api/v2/messages")
    assert (
        resp.status_code == 200 and "This endpoint allows you to list messages in your account." in resp.text
    )


async def test_session_authentication(api: API) -> None:
    """RapidPro's test_authentication by session: a signed-in user reads and (admins, editors) writes with their
    web session, in its workspace, unthrottled; writes carry the session's CSRF token, as DRF's
    SessionAuthentication enforces outside Django's test client."""
    for email in ("admin@nyaruka.com", "editor.admin@nyaruka.com", "agent.admin@nyaruka.com"):
        await _with_password(email)

    @asynccontextmanager
    async def session(email: str) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver") as client:
            await sign_in(client, email, PASSWORD)
            yield client

    for n, email in enumerate(("admin@nyaruka.com", "editor.admin@nyaruka.com"), start=4):
        async with session(email) as client:
            resp = await client.get("/api/v2/fields.json")
            assert resp.status_code == 200 and resp.headers["X-Temba-Workspace"] == api.ws.org_uuid
            # a write without the CSRF token is refused, with it done
            resp = await client.post("/api/v2/fields.json", json={"name": f"Field {n}", "type": "text"})
            assert resp.status_code == 403 and resp.json() == {"detail": "CSRF Failed: CSRF token missing."}
            resp = await client.post("/api/v2/fields.json", json={"name": f"Field {n}", "type": "text"},
                                     headers={"X-CSRFToken": "nope"})  # fmt: skip
            assert resp.status_code == 403 and resp.json() == {"detail": "CSRF Failed: CSRF token incorrect."}
            resp = await client.post("/api/v2/fields.json", json={"name": f"Field {n}", "type": "text"},
                                     headers={"X-CSRFToken": client.cookies["csrftoken"]})  # fmt: skip
            assert resp.status_code == 201, resp.text
    # an agent's session reads what agents may (RapidPro's tests read workspace.json as the agent so)
    async with session("agent.admin@nyaruka.com") as client:
        assert (await client.get("/api/v2/workspace.json")).status_code == 200
        assert (await client.get("/api/v2/campaigns.json")).status_code == 403
        resp = await client.post("/api/v2/fields.json", json={"name": "Field 6", "type": "text"},
                                 headers={"X-CSRFToken": client.cookies["csrftoken"]})  # fmt: skip
        assert resp.status_code == 403

    # the workspace's token bucket spent: tokens are throttled, the session is not
    async with transaction() as s:
        await s.execute(
            update(Org).where(Org.id == api.ws.org_id).values(config={"api_rates": {"v2": "1/hour"}})
        )
    await api.get("fields.json")
    assert (await api.get("fields.json")).status_code == 429
    async with session("admin@nyaruka.com") as client:
        assert (await client.get("/api/v2/fields.json")).status_code == 200
        # signed out: the session no longer authenticates
        await client.post("/users/logout/", data={"csrf_token": client.cookies["csrftoken"]})
        assert (await client.get("/api/v2/fields.json")).status_code == 403


async def test_explorer(api: API) -> None:
    resp = await api.client.get("/api/v2/explorer/")
    assert resp.status_code == 302 and resp.headers["location"].startswith("/users/login/")
    for email, allowed in (("agent.admin@nyaruka.com", False), ("editor.admin@nyaruka.com", True),
                           ("admin@nyaruka.com", True)):  # fmt: skip
        await _with_password(email)
        async with httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver") as client:
            await sign_in(client, email, PASSWORD)
            resp = await client.get("/api/v2/explorer/")
        if allowed:
            assert resp.status_code == 200
            assert "All operations work against real data in the <b>Nyaruka</b> workspace." in resp.text
        else:
            assert resp.status_code == 302 and resp.headers["location"].startswith("/users/login/")
    # a session signed out is no way in, even with its cookie kept (the API's session rule, not the cookie's)
    async with httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver") as client:
        await sign_in(client, "admin@nyaruka.com", PASSWORD)
        kept = dict(client.cookies)
        await client.post("/users/logout/", data={"csrf_token": client.cookies["csrftoken"]})
        client.cookies.clear()
        client.cookies.update(kept)
        resp = await client.get("/api/v2/explorer/")
    assert resp.status_code == 302 and resp.headers["location"].startswith("/users/login/")


async def test_workspace_header(api: API) -> None:
    resp = await api.get("campaigns.json")
    assert resp.status_code == 200 and resp.headers["X-Temba-Workspace"] == api.ws.org_uuid
    resp = await api.get("contacts.json", token=api.other.token)
    assert resp.headers["X-Temba-Workspace"] == api.other.org_uuid
    # errors after authentication name it too
    resp = await api.post("fields.json", {})
    assert resp.status_code == 400 and resp.headers["X-Temba-Workspace"] == api.ws.org_uuid
    # an invalid token names no workspace
    resp = await api.get("contacts.json", token="1234567890")
    assert resp.status_code == 403 and "X-Temba-Workspace" not in resp.headers


@pytest.mark.parametrize(("method", "path"), [("DELETE", "fields.json"), ("POST", "runs.json"),
                                              ("GET", "contact_actions.json"), ("DELETE", "statistics.json")])  # fmt: skip
async def test_method_not_allowed(api: API, method: str, path: str) -> None:
    resp = await api.client.request(method, f"/api/v2/{path}", headers=api.headers(), json={})
    assert resp.status_code == 405
    assert resp.json() == {"detail": f'Method "{method}" not allowed.'}
    assert resp.headers["X-Temba-Workspace"] == api.ws.org_uuid
    # as DRF, authentication comes first
    resp = await api.client.request(method, f"/api/v2/{path}", json={})
    assert resp.status_code == 403


async def test_authentication_errors(api: API) -> None:
    def basic(email: str, key: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()}

    resp = await api.client.get("/api/v2/contacts.json", headers={"Authorization": "Token 1234567890"})
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token"}
    resp = await api.client.get("/api/v2/contacts.json", headers=basic("admin@nyaruka.com", "1234567890"))
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token or email"}
    resp = await api.client.get("/api/v2/contacts.json", headers=basic("some@name.com", api.ws.token))
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token or email"}
    resp = await api.client.get("/api/v2/contacts.json", headers=basic("admin@nyaruka.com", api.ws.token))
    assert resp.status_code == 200 and resp.headers["X-Temba-Workspace"] == api.ws.org_uuid
    # a deactivated user's token stops working
    async with transaction() as s:
        await s.execute(update(User).where(User.email == "admin@nyaruka.com").values(is_active=False))
    resp = await api.get("contacts.json")
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token"}


async def test_authentication(api: API) -> None:
    """The rest of RapidPro's test_authentication: tokens and basic auth write, the workspace's rate limit covers
    every user's token, a workspace's own api_rates, and a demoted user's token (session authentication is not
    offered by our API: NOTES.md)."""

    def basic(email: str, key: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{email}:{key}".encode()).decode()}

    admin, editor = api.ws.token, api.ws.tokens["editor"]
    for token in (admin, editor):
        assert (await api.get("fields.json", token=token)).status_code == 200
    assert (
        await api.post("fields.json", {"name": "Field 1", "type": "text"}, token=admin)
    ).status_code == 201
    assert (
        await api.post("fields.json", {"name": "Field 2", "type": "text"}, token=editor)
    ).status_code == 201
    resp = await api.client.get("/api/v2/fields.json", headers=basic("admin@nyaruka.com", admin))
    assert resp.status_code == 200
    resp = await api.client.get("/api/v2/campaigns.json", headers=basic("editor.admin@nyaruka.com", editor))
    assert resp.status_code == 200 and resp.headers["X-Temba-Workspace"] == api.ws.org_uuid

    # the workspace's v2 bucket is spent: every user's token and basic auth are throttled
    async with transaction() as s:
        await s.execute(
            update(Org).where(Org.id == api.ws.org_id).values(config={"api_rates": {"v2": "1/hour"}})
        )
    # (the requests above spent this hour's one)
    assert (await api.get("fields.json", token=admin)).status_code == 429
    resp = await api.client.get("/api/v2/fields.json", headers=basic("admin@nyaruka.com", admin))
    assert resp.status_code == 429
    assert (await api.get("fields.json", token=editor)).status_code == 429
    # a workspace given a higher rate is let through again
    async with transaction() as s:
        await s.execute(
            update(Org).where(Org.id == api.ws.org_id).values(config={"api_rates": {"v2": "15000/hour"}})
        )
    resp = await api.client.get("/api/v2/fields.json", headers=basic("admin@nyaruka.com", admin))
    assert resp.status_code == 200

    # demoted to a role that can't use tokens: refused
    async with transaction() as s:
        await s.execute(
            update(Membership)
            .where(Membership.org_id == api.ws.org_id, Membership.user_id == api.ws.user_id)
            .values(role="agent")
        )
    assert (await api.get("campaigns.json", token=admin)).status_code == 403
    resp = await api.client.get("/api/v2/campaigns.json", headers=basic("admin@nyaruka.com", admin))
    assert resp.status_code == 403

    # an inactive user: neither way in
    async with transaction() as s:
        await s.execute(
            update(Membership)
            .where(Membership.org_id == api.ws.org_id, Membership.user_id == api.ws.user_id)
            .values(role="administrator")
        )
        await s.execute(update(User).where(User.id == api.ws.user_id).values(is_active=False))
    resp = await api.get("contacts.json", token=admin)
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token"}
    resp = await api.client.get("/api/v2/contacts.json", headers=basic("admin@nyaruka.com", admin))
    assert resp.status_code == 403 and resp.json() == {"detail": "Invalid token or email"}


async def test_pagination(api: API) -> None:
    """RapidPro's test_pagination: 1255 runs with the same modified_on come in five full pages of 250 and one of
    5, newest id first, none skipped or repeated."""
    flow = await f.flow(api.ws.org_id, "Test")
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    same = datetime(2015, 9, 15, tzinfo=UTC)
    async with transaction() as s:
        s.add_all([FlowRun(uuid=f.uid(), org_id=api.ws.org_id, flow_id=flow.id, contact_id=joe.id,
                           session_uuid=f.uid(), status="C", exited_on=same, modified_on=same)
                   for _ in range(1255)])  # fmt: skip
    async with transaction() as s:
        actual = list((await s.execute(select(FlowRun.id).order_by(FlowRun.id.desc()))).scalars())
    body = (await api.get("runs.json")).json()
    pages = [body]
    while body["next"]:
        body = (await api.client.get(body["next"], headers=api.headers())).json()
        pages.append(body)
    assert [len(p["results"]) for p in pages] == [250, 250, 250, 250, 250, 5]
    assert [r["id"] for p in pages for r in p["results"]] == actual
