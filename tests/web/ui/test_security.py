"""Issue #22, security of the UI: sessions (points 5, 6), sign-in (7) and the headers every page carries (10)."""

import asyncio
import base64
import json
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import itsdangerous
import pytest

from tests.support.processes import fake_provider, free_port
from tests.web.ui.helpers import PASSWORD, Site, csrf_from, sign_in


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


async def test_a_cookie_copied_before_sign_out_is_revoked(site: Site) -> None:
    """Point 6: signing out deletes the session server-side; a copy of the cookie stops working."""
    async with site.signed_in("administrator") as client:
        page = await client.get("/flow/")
        copied = client.cookies.get("upesi_session")
        assert page.status_code == 200 and copied
        await client.post("/users/logout/", data={"csrf_token": csrf_from(page.text)})
    async with site.client() as thief:
        thief.cookies.set("upesi_session", copied)
        assert (await thief.get("/flow/", headers={"accept": "text/html"})).status_code == 303


async def test_a_password_change_revokes_the_users_other_sessions(site: Site) -> None:
    """Point 6: after a password change only the browser that changed it stays signed in."""
    from sqlalchemy import select

    from upesi.db.engine import transaction
    from upesi.db.models import User
    from upesi.db.ops.signin import set_password

    async with site.signed_in("editor") as laptop, site.signed_in("editor") as phone:
        assert (await laptop.get("/flow/")).status_code == 200
        keep = _session_key(laptop.cookies["upesi_session"])
        async with transaction() as s:
            user_id = (
                await s.execute(select(User.id).where(User.email == site.emails["editor"]))
            ).scalar_one()
            await set_password(s, user_id, "a-new-password-1", keep_session=keep)
        assert (await laptop.get("/flow/")).status_code == 200
        assert (await phone.get("/flow/", headers={"accept": "text/html"})).status_code == 303
    async with site.client() as client:
        await sign_in(client, site.emails["editor"], "a-new-password-1")


def _session_key(cookie: str) -> str:
    """The server-side session key inside a signed session cookie (payload.timestamp.signature)."""
    payload = cookie.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


async def _try(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/users/login/")
    return await client.post(
        "/users/login/", data={"username": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


async def test_five_failures_lock_the_email_out_for_ten_minutes(site: Site) -> None:
    """Point 7: RapidPro's lockout: after 5 failures even the right password is refused, for known and
    unknown emails alike (so the lockout reveals nothing); other emails are unaffected."""
    email = site.emails["agent"]
    async with site.client() as client:
        for _ in range(5):
            assert (await _try(client, email, "wrong")).status_code == 401
        locked = await _try(client, email, PASSWORD)
        assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.text
        assert (await client.get("/flow/", headers={"accept": "text/html"})).status_code == 303
        for _ in range(5):
            await _try(client, "nobody@nowhere.org", "wrong")
        assert (await _try(client, "nobody@nowhere.org", "wrong")).status_code == 429
        assert (await _try(client, site.emails["viewer"], PASSWORD)).status_code == 303
    # ten minutes later the email may try again
    from sqlalchemy import text

    from upesi.db.engine import transaction

    async with transaction() as s:
        await s.execute(text("UPDATE failed_logins SET failed_on = failed_on - interval '11 minutes'"))
    async with site.client() as client:
        assert (await _try(client, email, PASSWORD)).status_code == 303


async def test_concurrent_guesses_cannot_beat_the_lockout(site: Site) -> None:
    async with site.client() as client:
        answers = await asyncio.gather(*(_try(client, site.emails["agent"], "wrong") for _ in range(12)))
    codes = Counter(r.status_code for r in answers)
    assert codes == {401: 5, 429: 7}


async def test_unknown_email_takes_as_long_as_a_wrong_password(site: Site) -> None:
    """Point 7: no email enumeration by timing: an unknown email hashes a dummy password."""
    async with site.client() as client:
        await _try(client, "warm-up@nowhere.org", "x")

        async def timed(email: str) -> float:
            start = time.perf_counter()
            assert (await _try(client, email, "wrong")).status_code == 401
            return time.perf_counter() - start

        known = min([await timed(site.emails["editor"]) for _ in range(3)])
        unknown = min([await timed(f"ghost{i}@nowhere.org") for i in range(3)])
    assert unknown > known * 0.5, (known, unknown)


async def test_passwords_are_hashed_off_the_event_loop(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point 7: argon2 takes tens of milliseconds of CPU (a second on a loaded machine); run on the event loop,
    20 concurrent sign-ins stalled every other request for seconds. Every check runs in a worker thread."""
    from upesi.db.ops import signin

    threads: list[str] = []
    real = signin.check_password

    def spy(password_hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(password_hash, password)

    monkeypatch.setattr(signin, "check_password", spy)
    async with site.client() as client:
        await _try(client, site.emails["editor"], "wrong")
        await _try(client, "ghost@nowhere.org", "wrong")
        await sign_in(client, site.emails["viewer"])
    assert len(threads) == 3 and threading.main_thread().name not in threads, threads


HEADERS = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


async def test_every_page_carries_the_security_headers(site: Site) -> None:
    """Point 10: Django's SecurityMiddleware and XFrameOptionsMiddleware headers, no-store when signed in."""
    async with site.client() as anonymous:
        login = await anonymous.get("/users/login/")
        missing = await anonymous.get("/no/such/page/")
    async with site.signed_in("administrator") as client:
        page = await client.get("/flow/")
    for response in (login, missing, page):
        assert {k: response.headers.get(k) for k in HEADERS} == HEADERS, response.url
    assert page.headers["cache-control"] == "no-store"
    assert "no-store" not in login.headers.get("cache-control", "")
    assert "strict-transport-security" not in page.headers


async def test_api_answers_are_not_cached_and_hsts_is_an_option(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from upesi.config import reset_settings
    from web.app import create_app

    monkeypatch.setenv("SECURE_HSTS_SECONDS", "31536000")
    reset_settings()
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = await client.get("/api/v2/contacts.json", headers={"Authorization": "Token nope"})
        page = await client.get("/users/login/")
    assert api.headers["cache-control"] == "no-store" and api.headers["x-content-type-options"] == "nosniff"
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_a_telegram_channel_registers_its_webhook_with_a_secret_token(
    site: Site, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Point 9: the claim calls setWebhook with the courier URL and the channel's secret_token."""
    from sqlalchemy import select

    from upesi.config import reset_settings
    from upesi.db.engine import transaction
    from upesi.db.models import Channel

    with fake_provider(free_port(), log=tmp_path / "telegram.log") as telegram:
        monkeypatch.setenv("TELEGRAM_API_URL", telegram)
        monkeypatch.setenv("COURIER_URL", "https://courier.example.org")
        reset_settings()
        async with httpx.AsyncClient() as client:
            await client.post(
                telegram + "/_script", json={"path": "/bot123:ABC/getMe", "body": '{"ok": true}'}
            )
        page = await admin.get("/channels/channel/claim/?channel_type=TG")
        data = {
            "channel_type": "TG",
            "address": "bot",
            "auth_token": "123:ABC",
            "csrf_token": csrf_from(page.text),
        }
        assert (await admin.post("/channels/channel/claim/", data=data)).status_code == 303
        async with httpx.AsyncClient() as client:
            calls = (await client.get(telegram + "/sent")).json()
    async with transaction() as s:
        channel = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalar_one()
    assert [(c["path"], c.get("form")) for c in calls] == [
        ("/bot123:ABC/getMe", None),  # the token checked first, as RapidPro's claim
        (
            "/bot123:ABC/setWebhook",
            {
                "url": f"https://courier.example.org/c/tg/{channel.uuid}/receive",
                "secret_token": channel.config["webhook_secret"],
            },
        ),
    ]
