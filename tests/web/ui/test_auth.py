"""Sign-in, sign-out, CSRF on forms, and what each role may reach."""

import pytest

from tests.web.ui.helpers import PASSWORD, Site, csrf_from, sign_in


async def test_pages_need_a_session(site: Site) -> None:
    async with site.client() as client:
        response = await client.get("/flow/", headers={"accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/users/login/?next=/flow/")
        api_like = await client.get(f"/flow/revisions/{site.flow_uuid}/latest/")
        assert api_like.status_code == 401


async def test_sign_in_and_out(site: Site) -> None:
    async with site.client() as client:
        await sign_in(client, site.emails["administrator"])
        page = await client.get("/flow/")
        assert page.status_code == 200
        assert "admin@nyaruka.com" in page.text and "Join" in page.text
        token = csrf_from(page.text)
        out = await client.post("/users/logout/", data={"csrf_token": token})
        assert out.status_code == 303
        assert (await client.get("/flow/")).status_code == 303


async def test_wrong_password_is_refused(site: Site) -> None:
    async with site.client() as client:
        page = await client.get("/users/login/")
        response = await client.post(
            "/users/login/",
            data={
                "username": site.emails["administrator"],
                "password": PASSWORD + "x",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 401
        assert "Invalid email or password" in response.text
        assert (await client.get("/flow/")).status_code == 303


async def test_sign_in_without_csrf_token_is_refused(site: Site) -> None:
    async with site.client() as client:
        await client.get("/users/login/")
        response = await client.post(
            "/users/login/", data={"username": site.emails["administrator"], "password": PASSWORD}
        )
        assert response.status_code == 403
        forged = await client.post(
            "/users/login/",
            data={"username": site.emails["administrator"], "password": PASSWORD, "csrf_token": "forged"},
        )
        assert forged.status_code == 403


async def test_form_post_needs_the_sessions_token(site: Site) -> None:
    async with site.signed_in("administrator") as client:
        response = await client.post("/flow/create/", data={"name": "Sneaky", "csrf_token": "not-the-token"})
        assert response.status_code == 403
        page = await client.get("/flow/")
        assert "Sneaky" not in page.text
        ok = await client.post("/flow/create/", data={"name": "Honest", "csrf_token": csrf_from(page.text)})
        assert ok.status_code == 303 and ok.headers["location"].startswith("/flow/editor/")


async def test_next_must_be_local(site: Site) -> None:
    async with site.client() as client:
        page = await client.get("/users/login/")
        response = await client.post(
            "/users/login/",
            data={
                "username": site.emails["editor"],
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": "//evil.example/",
            },
        )
        assert response.headers["location"] == "/flow/"


@pytest.mark.parametrize(
    ("role", "flows", "contacts", "channels"),
    [
        ("administrator", 200, 200, 200),
        ("editor", 200, 200, 200),
        ("agent", 403, 200, 403),
        ("viewer", 200, 200, 200),
    ],
)
async def test_role_reach(site: Site, role: str, flows: int, contacts: int, channels: int) -> None:
    async with site.signed_in(role) as client:
        assert (await client.get("/flow/")).status_code == flows
        assert (await client.get("/contact/")).status_code == contacts
        assert (await client.get("/channels/")).status_code == channels


async def test_agent_and_viewer_cannot_create_flows(site: Site) -> None:
    for role in ("agent", "viewer"):
        async with site.signed_in(role) as client:
            page = await client.get("/contact/")
            response = await client.post(
                "/flow/create/", data={"name": "Nope", "csrf_token": csrf_from(page.text)}
            )
            assert response.status_code == 403, role


async def test_members_and_roles(site: Site) -> None:
    async with site.signed_in("administrator") as admin:
        token = csrf_from((await admin.get("/org/manage_accounts/")).text)
        added = await admin.post(
            "/org/manage_accounts/",
            data={
                "email": "new@nyaruka.com",
                "password": "long-enough",
                "role": "agent",
                "csrf_token": token,
            },
        )
        assert added.status_code == 303
        await admin.post(
            "/org/manage_accounts/",
            data={"email": "editor@nyaruka.com", "role": "viewer", "csrf_token": token},
        )
        lonely = await admin.post(
            "/org/manage_accounts/",
            data={"email": "admin@nyaruka.com", "role": "remove", "csrf_token": token},
        )
        assert "error=" in lonely.headers["location"]  # the only administrator stays
    async with site.client() as client:
        await sign_in(client, "new@nyaruka.com", "long-enough")
        assert (await client.get("/contact/")).status_code == 200
        assert (await client.get("/flow/")).status_code == 403
    async with site.signed_in("editor") as demoted:
        page = await demoted.get("/flow/")
        assert (
            page.status_code == 200 and 'id="new-flow"' not in page.text and "create-dialog" not in page.text
        )
        refused = await demoted.post(
            "/org/manage_accounts/",
            data={"email": "x@y.z", "role": "administrator", "csrf_token": csrf_from(page.text)},
        )
        assert refused.status_code == 403


async def test_switch_workspace(site: Site) -> None:
    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import Membership, Org, User

    async with transaction() as s:
        other = (await s.execute(select(Org).where(Org.name == "Other"))).scalar_one()
        user = (await s.execute(select(User).where(User.email == "editor@nyaruka.com"))).scalar_one()
        s.add(Membership(org_id=other.id, user_id=user.id, role="editor"))
    async with site.signed_in("editor") as client:
        page = await client.get("/org/choose/")
        assert "Other" in page.text and "Nyaruka" in page.text
        await client.post("/org/choose/", data={"org": other.uuid, "csrf_token": csrf_from(page.text)})
        flows = (await client.get("/flow/")).text
        assert "Other&#39;s flow" in flows and site.flow_uuid not in flows
