"""Channels edited and removed from the UI, and a Telegram token checked with getMe against a local fake
Telegram (the fake provider process, answering getMe as scripted)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.support.processes import fake_provider, free_port
from tests.web.ui.helpers import Site, csrf_from
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.models import Channel, Contact, Flow, Msg, Trigger
from upesi.db.ops.channels import add_channel


@pytest.fixture
def telegram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with fake_provider(free_port(), log=tmp_path / "telegram.log") as url:
        monkeypatch.setenv("TELEGRAM_API_URL", url)
        reset_settings()
        yield url
    reset_settings()


def script_get_me(telegram: str, token: str, ok: bool) -> None:
    body = '{"ok": true, "result": {"id": 1, "is_bot": true, "username": "upesi_bot"}}' if ok else (
        '{"ok": false, "error_code": 401, "description": "Unauthorized"}')  # fmt: skip
    httpx.post(f"{telegram}/_script", json={"path": f"/bot{token}/getMe", "status": 200 if ok else 401,
                                            "body": body, "content_type": "application/json"})  # fmt: skip


def calls(telegram: str) -> list[str]:
    return [c["path"] for c in httpx.get(f"{telegram}/sent").json()]


async def channels(org_id: int) -> list[Channel]:
    async with transaction() as s:
        return list((await s.execute(select(Channel).where(Channel.org_id == org_id))).scalars())


async def test_a_telegram_token_is_checked_with_get_me(
    site: Site, admin: httpx.AsyncClient, telegram: str
) -> None:
    script_get_me(telegram, "123:BAD", ok=False)
    page = await admin.get("/channels/channel/claim/?channel_type=TG")
    data = {
        "channel_type": "TG",
        "address": "upesi_bot",
        "auth_token": "123:BAD",
        "csrf_token": csrf_from(page.text),
    }
    refused = await admin.post("/channels/channel/claim/", data=data)
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    shown = (await admin.get(refused.headers["location"])).text
    assert "Your authentication token is invalid, please check and try again" in shown
    assert await channels(site.org_id) == []
    assert calls(telegram) == ["/bot123:BAD/getMe"]  # refused before setWebhook

    script_get_me(telegram, "123:GOOD", ok=True)
    accepted = await admin.post("/channels/channel/claim/", data={**data, "auth_token": "123:GOOD"})
    assert accepted.headers["location"].startswith("/channels/channel/read/")
    [channel] = await channels(site.org_id)
    assert channel.config["auth_token"] == "123:GOOD"
    assert calls(telegram)[1:] == ["/bot123:GOOD/getMe", "/bot123:GOOD/setWebhook"]


async def test_telegram_unreachable_is_said(
    site: Site, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    reset_settings()
    page = await admin.get("/channels/channel/claim/?channel_type=TG")
    data = {"channel_type": "TG", "address": "bot", "auth_token": "1:X", "csrf_token": csrf_from(page.text)}
    refused = await admin.post("/channels/channel/claim/", data=data)
    assert "Telegram could not be reached" in (await admin.get(refused.headers["location"])).text
    assert await channels(site.org_id) == []
    reset_settings()


async def test_edit_a_channel_keeps_secrets_left_blank(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        channel = await add_channel(
            s, site.org_id, "T", "+250788000000", {"account_sid": "AC1", "auth_token": "tok-1"}
        )
    page = await admin.get(f"/channels/channel/update/{channel.uuid}/")
    assert 'value="AC1"' in page.text and "tok-1" not in page.text  # a secret is never shown back
    token = csrf_from(page.text)
    saved = await admin.post(f"/channels/channel/update/{channel.uuid}/",
                             data={"name": "Main line", "account_sid": "AC2", "auth_token": "", "csrf_token": token})  # fmt: skip
    assert saved.status_code == 303
    [stored] = await channels(site.org_id)
    assert (stored.name, stored.config) == ("Main line", {"account_sid": "AC2", "auth_token": "tok-1"})

    blank = await admin.post(
        f"/channels/channel/update/{channel.uuid}/", data={"name": " ", "csrf_token": token}
    )
    assert blank.status_code == 400 and "This field is required." in blank.text
    async with site.signed_in("editor") as editor:
        assert (await editor.get(f"/channels/channel/update/{channel.uuid}/")).status_code == 403


async def test_a_new_telegram_token_is_checked_before_it_is_saved(
    site: Site, admin: httpx.AsyncClient, telegram: str
) -> None:
    async with transaction() as s:
        channel = await add_channel(s, site.org_id, "TG", "bot", {"auth_token": "1:OLD"})
    token = csrf_from((await admin.get(f"/channels/channel/update/{channel.uuid}/")).text)
    script_get_me(telegram, "1:NEW", ok=False)
    refused = await admin.post(f"/channels/channel/update/{channel.uuid}/",
                               data={"name": "Bot", "auth_token": "1:NEW", "csrf_token": token})  # fmt: skip
    assert refused.status_code == 400 and "Your authentication token is invalid" in refused.text
    [stored] = await channels(site.org_id)
    assert stored.config["auth_token"] == "1:OLD"
    renamed = await admin.post(f"/channels/channel/update/{channel.uuid}/",
                               data={"name": "Bot", "auth_token": "", "csrf_token": token})  # fmt: skip
    assert renamed.status_code == 303
    assert calls(telegram) == ["/bot1:NEW/getMe"]  # a rename alone does not ask Telegram


async def test_delete_a_channel_keeps_its_messages_and_fails_unsent_ones(
    site: Site, admin: httpx.AsyncClient
) -> None:
    async with transaction() as s:
        channel = await add_channel(s, site.org_id, "EX", "+250788000000", {"send_url": "http://x"})
        contact = Contact(uuid=str(uuid.uuid4()), org_id=site.org_id, name="Ann")
        s.add(contact)
        await s.flush()
        for direction, status in (("I", "H"), ("O", "D"), ("O", "Q"), ("O", "E"), ("O", "P")):
            s.add(Msg(uuid=str(uuid.uuid4()), org_id=site.org_id, channel_id=channel.id, contact_id=contact.id,
                      direction=direction, status=status, text="hi", visibility="V", msg_type="T"))  # fmt: skip
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        s.add(Trigger(uuid=str(uuid.uuid4()), org_id=site.org_id, trigger_type="K", keywords=["join"],
                      match_type="F", flow_id=flow.id, channel_id=channel.id))  # fmt: skip
    read = await admin.get(f"/channels/channel/read/{channel.uuid}/")
    deleted = await admin.post(
        f"/channels/channel/delete/{channel.uuid}/", data={"csrf_token": csrf_from(read.text)}
    )
    assert deleted.status_code == 303
    listing = (await admin.get(deleted.headers["location"])).text
    assert "has been removed" in listing and "3 unsent messages failed" in listing
    async with transaction() as s:
        assert (
            await s.execute(select(Channel.is_active).where(Channel.id == channel.id))
        ).scalar_one() is False
        msgs = (await s.execute(select(Msg.direction, Msg.status, Msg.failed_reason).where(
            Msg.channel_id == channel.id).order_by(Msg.id))).all()  # fmt: skip
        trigger = (await s.execute(select(Trigger).where(Trigger.channel_id == channel.id))).scalar_one()
    assert [tuple(m) for m in msgs] == [
        ("I", "H", None), ("O", "D", None), ("O", "F", "R"), ("O", "F", "R"), ("O", "F", "R")
    ]  # fmt: skip
    assert (trigger.is_archived, trigger.is_active) == (True, False)
    assert (await admin.get(f"/channels/channel/read/{channel.uuid}/")).status_code == 404


async def test_the_empty_channels_page_leads_to_the_claim_page(site: Site, admin: httpx.AsyncClient) -> None:
    page = (await admin.get("/channels/")).text
    assert (
        'id="first-channel"' in page
        and 'href="/channels/channel/claim/"' in page
        and "upesi channel" not in page
    )
