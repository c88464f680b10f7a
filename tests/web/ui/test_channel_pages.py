"""Channel pages: a form for every type courier sends through, and the log viewer's redaction of
credentials quoted in other shapes than the stored config value (basic auth, rotated tokens)."""

import base64
import uuid

import httpx
from sqlalchemy import select

from courier.handlers import registry
from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Channel, ChannelLog


async def test_every_courier_type_has_a_claim_form(site: Site, admin: httpx.AsyncClient) -> None:
    page = (await admin.get("/channels/channel/claim/")).text
    for code in registry():
        assert f"channel_type={code}" in page, code
    form = await admin.get("/channels/channel/claim/?channel_type=SW")
    assert 'name="account_sid"' in form.text and 'name="send_url"' in form.text
    response = await admin.post(
        "/channels/channel/claim/",
        data={"channel_type": "SW", "address": "+250788123456", "account_sid": "proj-1", "auth_token": "sw-token",
              "send_url": "https://space.signalwire.com", "csrf_token": csrf_from(form.text)},
    )  # fmt: skip
    assert response.status_code == 303
    async with transaction() as s:
        channel = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalar_one()
    assert channel.channel_type == "SW" and channel.config["send_url"] == "https://space.signalwire.com"
    read = (await admin.get(response.headers["location"])).text
    assert f"/c/sw/{channel.uuid}/receive" in read and "sw-token" not in read and "SignalWire" in read


async def test_voice_channel_claim_form(site: Site, admin: httpx.AsyncClient) -> None:
    """A voice type's form asks for its voice settings (from its declaration) and its channel can call."""
    form = await admin.get("/channels/channel/claim/?channel_type=T")
    for key in ("account_sid", "auth_token", "base_url", "max_concurrent_calls", "machine_detection"):
        assert f'name="{key}"' in form.text, key
    response = await admin.post(
        "/channels/channel/claim/",
        data={"channel_type": "T", "address": "+12065550100", "account_sid": "AC1", "auth_token": "tw-token",
              "max_concurrent_calls": "5", "csrf_token": csrf_from(form.text)},
    )  # fmt: skip
    assert response.status_code == 303
    async with transaction() as s:
        channel = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalar_one()
    assert (channel.role, channel.config) == (
        "SRCA",
        {"account_sid": "AC1", "auth_token": "tw-token", "max_concurrent_calls": "5"},
    )
    read = (await admin.get(response.headers["location"])).text
    assert f"/mr/ivr/c/{channel.uuid}/incoming" in read and f"/mr/ivr/c/{channel.uuid}/status" in read


async def test_log_viewer_masks_basic_auth_and_auth_headers(site: Site, admin: httpx.AsyncClient) -> None:
    basic = base64.b64encode(b"AC123:tw-secret-token").decode()
    async with transaction() as s:
        channel = Channel(uuid=str(uuid.uuid4()), org_id=site.org_id, channel_type="T", name="Twilio", address="+2501",
                          config={"account_sid": "AC123", "auth_token": "tw-secret-token"})  # fmt: skip
        s.add(channel)
        await s.flush()
        request = (f"POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1\r\nAuthorization: Basic {basic}\r\n"
                   "X-Api-Key: rotated-long-ago\r\n\r\nBody=hi")  # fmt: skip
        s.add(ChannelLog(uuid=str(uuid.uuid4()), channel_id=channel.id, log_type="msg_send", is_error=False,
                         http_logs=[{"url": "https://api.twilio.com/x", "status_code": 201, "request": request,
                                     "response": "HTTP/1.1 201 Created\r\n\r\n{}"}], errors=[]))  # fmt: skip
    logs = (await admin.get(f"/channels/channellog/{channel.uuid}/")).text
    assert basic not in logs and "tw-secret-token" not in logs and "rotated-long-ago" not in logs
    assert "Authorization: Basic **********" in logs and "X-Api-Key: **********" in logs
    assert "Body=hi" in logs and "/Accounts/AC123/Messages.json" in logs  # the rest is still readable
