"""Account pages over HTTP: sign up into a new workspace, change one's profile and password, create and
switch to another workspace; errors shown in the form, in the layout."""

import httpx
from sqlalchemy import func, select

from tests.web.ui.helpers import PASSWORD, Site, csrf_from, sign_in
from upesi.db.engine import transaction
from upesi.db.models import Membership, Org, User


async def test_sign_up_then_use_the_workspace(site: Site) -> None:
    async with site.client() as client:
        login = (await client.get("/users/login/")).text
        assert 'href="/org/signup/"' in login
        token = csrf_from((await client.get("/org/signup/")).text)
        form = {"first_name": "Ana", "last_name": "Uwase", "email": "ana@clinic.org", "password": "s3cret-pass",
                "workspace": "Kigali Clinic", "timezone": "Africa/Kigali", "csrf_token": token}  # fmt: skip
        refused = await client.post("/org/signup/", data={**form, "password": "short"})
        assert refused.status_code == 400 and "at least 8 characters" in refused.text
        assert 'value="ana@clinic.org"' in refused.text  # what was typed is kept
        response = await client.post("/org/signup/", data=form)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/"
        dashboard = await client.get("/dashboard/")
        assert dashboard.status_code == 200 and "Kigali Clinic" in dashboard.text
        assert 'id="first-run-guide"' in dashboard.text
        again = await client.post("/org/signup/", data=form)
        assert again.status_code == 400 and "That email address is already used." in again.text
    async with transaction() as s:
        assert (
            await s.execute(select(func.count()).select_from(Org).where(Org.name == "Kigali Clinic"))
        ).scalar() == 1


async def test_profile_change_and_password(site: Site) -> None:
    async with site.signed_in("editor") as client, site.signed_in("editor") as other_browser:
        token = csrf_from((await client.get("/user/edit/")).text)
        base = {"first_name": "Eddy", "last_name": "Tor", "email": site.emails["editor"], "csrf_token": token}
        wrong = await client.post(
            "/user/edit/", data={**base, "new_password": "brand new pass", "current_password": "nope"}
        )
        assert wrong.status_code == 400 and "Please enter your password to save changes." in wrong.text
        saved = await client.post(
            "/user/edit/", data={**base, "new_password": "brand new pass", "current_password": PASSWORD}
        )
        assert saved.status_code == 303
        # this browser stays signed in, the other one is signed out by the new password
        assert (await client.get("/user/edit/")).status_code == 200
        assert (await other_browser.get("/user/edit/")).status_code in (303, 401)
    async with site.client() as fresh:
        await sign_in(fresh, site.emails["editor"], "brand new pass")
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.email == site.emails["editor"]))).scalar_one()
        assert (user.first_name, user.last_name) == ("Eddy", "Tor")


async def test_create_another_workspace_and_switch(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/org/create/")).text)
    response = await admin.post(
        "/org/create/", data={"name": "Second", "timezone": "UTC", "csrf_token": token}
    )
    assert response.status_code == 303
    assert "Second" in (await admin.get("/dashboard/")).text
    choose = (await admin.get("/org/choose/")).text
    assert "Second" in choose and "Nyaruka" in choose
    async with transaction() as s:
        org = (await s.execute(select(Org).where(Org.name == "Second"))).scalar_one()
        roles = (await s.execute(select(Membership.role).where(Membership.org_id == org.id))).scalars().all()
    assert roles == ["administrator"]
