"""Two-factor authentication over HTTP: turning it on with a code from the app, signing in with a code or a
backup token (each token once), the limit on wrong codes, and turning it off with the password."""

import re

import httpx
import pyotp
import pytest
from sqlalchemy import select

from tests.web.ui.helpers import PASSWORD, Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import User
from upesi.domain.errors import DomainError
from upesi.domain.two_factor import enable


async def _password_step(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = csrf_from((await client.get("/users/login/")).text)
    return await client.post(
        "/users/login/", data={"username": email, "password": PASSWORD, "csrf_token": token, "next": "/flow/"}
    )


async def _code_step(client: httpx.AsyncClient, code: str) -> httpx.Response:
    token = csrf_from((await client.get("/users/two_factor/")).text)
    return await client.post("/users/two_factor/", data={"code": code, "csrf_token": token})


async def test_turn_on_then_sign_in_with_codes_and_tokens(site: Site) -> None:
    email = site.emails["editor"]
    async with site.signed_in("editor") as client:
        page = (await client.get("/user/two_factor/")).text
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
        assert f"otpauth://totp/Upesi:{email.replace('@', '%40')}?secret={secret}" in page
        token = csrf_from(page)
        wrong = await client.post(
            "/user/two_factor/", data={"action": "enable", "code": "000000", "csrf_token": token}
        )
        assert wrong.status_code == 400 and "Incorrect code." in wrong.text
        on = await client.post(
            "/user/two_factor/",
            data={"action": "enable", "code": pyotp.TOTP(secret).now(), "csrf_token": token},
        )
        tokens = on.text.split('<pre class="log">')[1].split("</pre>")[0].split()
        assert on.status_code == 200 and 'id="two-factor-on"' in on.text and len(tokens) == 10

    async with site.client() as browser:
        step = await _password_step(browser, email)
        assert step.headers["location"] == "/users/two_factor/"
        assert (await browser.get("/flow/")).status_code in (303, 401)  # not signed in yet
        assert (await _code_step(browser, "123456")).status_code == 400
        done = await _code_step(browser, pyotp.TOTP(secret).now())
        assert done.status_code == 303 and (await browser.get("/flow/")).status_code == 200

    for attempt in range(2):  # a backup token works once
        async with site.client() as browser:
            await _password_step(browser, email)
            answer = await _code_step(browser, tokens[0])
            assert answer.status_code == (303 if attempt == 0 else 400)
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.email == email))).scalar_one()
        assert user.totp_secret == secret and len(user.backup_token_hashes) == 9


async def test_five_wrong_codes_start_again_and_off_needs_the_password(site: Site) -> None:
    email = site.emails["editor"]
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.email == email))).scalar_one()
        secret = pyotp.random_base32()
        with pytest.raises(DomainError):
            await enable(s, user_id=user.id, secret=secret, code="not a code")
        await enable(s, user_id=user.id, secret=secret, code=pyotp.TOTP(secret).now())
    async with site.client() as browser:
        await _password_step(browser, email)
        for _ in range(4):
            assert (await _code_step(browser, "000000")).status_code == 400
        token = csrf_from((await browser.get("/users/two_factor/")).text)
        fifth = await browser.post("/users/two_factor/", data={"code": "000000", "csrf_token": token})
        assert fifth.headers["location"] == "/users/login/"
        assert (await browser.get("/users/two_factor/")).headers["location"] == "/users/login/"
    async with site.client() as browser:
        await _password_step(browser, email)
        await _code_step(browser, pyotp.TOTP(secret).now())
        token = csrf_from((await browser.get("/user/two_factor/")).text)
        refused = await browser.post(
            "/user/two_factor/", data={"action": "disable", "password": "nope", "csrf_token": token}
        )
        assert refused.status_code == 400
        off = await browser.post(
            "/user/two_factor/", data={"action": "disable", "password": PASSWORD, "csrf_token": token}
        )
        assert off.status_code == 303
    async with site.client() as browser:  # the password alone signs in again
        assert (await _password_step(browser, email)).headers["location"] == "/flow/"
