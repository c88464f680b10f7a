"""Forgotten passwords and invitations, end to end over HTTP with a real local SMTP server: what is mailed,
what the links do, and what is stored."""

import re

import httpx
from sqlalchemy import select

from tests.support.smtp import smtp_server
from tests.web.ui.helpers import PASSWORD, Site, csrf_from, sign_in
from upesi.db.engine import transaction
from upesi.db.models import Invitation, Membership, Org, User


def link_in(body: str, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({path}[^\s]+/)", body)
    assert match, body
    return match.group(1)


async def test_password_reset_by_email(site: Site) -> None:
    email = site.emails["editor"]
    with smtp_server() as inbox:
        async with site.client() as client:
            token = csrf_from((await client.get("/user/forget/")).text)
            unknown = await client.post(
                "/user/forget/", data={"email": "nobody@nowhere.org", "csrf_token": token}
            )
            known = await client.post("/user/forget/", data={"email": email.upper(), "csrf_token": token})
            # the same answer either way: nobody learns which emails have accounts
            assert unknown.status_code == known.status_code == 200
            assert 'id="reset-sent"' in unknown.text and 'id="reset-sent"' in known.text
            [mail] = inbox.parsed()
            assert mail["To"] == email and mail["Subject"] == "Reset your Upesi password"
            recover = link_in(mail.get_content(), "/user/recover/")

            page = await client.get(recover)
            assert page.status_code == 200 and email in page.text
            token = csrf_from(page.text)
            mismatch = await client.post(
                recover, data={"password": "new password 1", "confirm": "other", "csrf_token": token}
            )
            assert mismatch.status_code == 400 and "didn&#39;t match" in mismatch.text
            done = await client.post(
                recover, data={"password": "new password 1", "confirm": "new password 1", "csrf_token": token}
            )
            assert done.status_code == 303 and done.headers["location"].startswith("/users/login/?reset=")
            # the link is spent once the password has changed
            assert (await client.get(recover)).status_code == 400
        async with site.client() as fresh:
            await sign_in(fresh, email, "new password 1")


async def test_password_reset_without_email_says_so(site: Site, monkeypatch) -> None:
    from upesi.config import reset_settings

    monkeypatch.setenv("SMTP_URL", "")
    reset_settings()
    async with site.client() as client:
        token = csrf_from((await client.get("/user/forget/")).text)
        response = await client.post(
            "/user/forget/", data={"email": site.emails["editor"], "csrf_token": token}
        )
    assert response.status_code == 503 and "no SMTP_URL is set" in response.text


async def test_invitation_for_a_new_person(site: Site, admin: httpx.AsyncClient) -> None:
    with smtp_server() as inbox:
        token = csrf_from((await admin.get("/org/manage_accounts/")).text)
        sent = await admin.post(
            "/org/invite/", data={"email": "Nurse@Clinic.org", "role": "viewer", "csrf_token": token}
        )
        assert sent.status_code == 303
        members = (await admin.get(sent.headers["location"])).text
        assert "An invitation has been sent to nurse@clinic.org." in members
        assert 'id="invitations"' in members and "nurse@clinic.org" in members
        again = await admin.post(
            "/org/invite/", data={"email": "nurse@clinic.org", "role": "viewer", "csrf_token": token}
        )
        assert "already been invited" in (await admin.get(again.headers["location"])).text
        [mail] = inbox.parsed()
    assert mail["To"] == "nurse@clinic.org" and mail["Subject"] == "[Nyaruka] Invitation to join workspace"
    join = link_in(mail.get_content(), "/org/join/")
    async with site.client() as person:
        page = await person.get(join)
        assert page.status_code == 200 and 'id="join-signup"' in page.text
        token = csrf_from(page.text)
        short = await person.post(
            join + "signup/", data={"first_name": "Nia", "password": "short", "csrf_token": token}
        )
        assert short.status_code == 400 and "at least 8 characters" in short.text
        joined = await person.post(
            join + "signup/",
            data={"first_name": "Nia", "last_name": "K", "password": "long enough", "csrf_token": token},
        )
        assert joined.status_code == 303
        assert "Nyaruka" in (await person.get("/dashboard/")).text
        assert (await person.get(join)).status_code == 404  # spent
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.email == "nurse@clinic.org"))).scalar_one()
        role = (await s.execute(select(Membership.role).where(Membership.user_id == user.id))).scalar_one()
        active = (await s.execute(select(Invitation.is_active))).scalars().all()
    assert (user.first_name, role, active) == ("Nia", "viewer", [False])


async def test_invitation_for_someone_with_an_account(site: Site, admin: httpx.AsyncClient) -> None:
    with smtp_server() as inbox:
        token = csrf_from((await admin.get("/org/manage_accounts/")).text)
        await admin.post(
            "/org/invite/", data={"email": "admin@other.com", "role": "editor", "csrf_token": token}
        )
        refused = await admin.post(
            "/org/invite/", data={"email": site.emails["agent"], "role": "editor", "csrf_token": token}
        )
        assert "already a member" in (await admin.get(refused.headers["location"])).text
        [mail] = inbox.parsed()
    join = link_in(mail.get_content(), "/org/join/")
    async with site.client() as person:
        page = (await person.get(join)).text
        assert 'id="sign-in-to-accept"' in page
        await sign_in(person, "admin@other.com", PASSWORD)
        page = (await person.get(join)).text
        accepted = await person.post(join + "accept/", data={"csrf_token": csrf_from(page)})
        assert accepted.status_code == 303
        assert "Nyaruka" in (await person.get("/dashboard/")).text
    async with transaction() as s:
        nyaruka = (await s.execute(select(Org.id).where(Org.name == "Nyaruka"))).scalar_one()
        user = (await s.execute(select(User.id).where(User.email == "admin@other.com"))).scalar_one()
        role = (
            await s.execute(
                select(Membership.role).where(Membership.org_id == nyaruka, Membership.user_id == user)
            )
        ).scalar_one()
    assert role == "editor"
