"""The Vonage claim form with its voice application: the private key in a textarea, a channel that can call
only with both application keys (a key that is not one is refused naming the field), the voice callback URLs
on the channel's page and the private key never shown back."""

import httpx
from sqlalchemy import select

from tests.mailroom.ivr.fake_vonage import APP_ID, PRIVATE_KEY
from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Channel

SMS = {"nexmo_api_key": "abcd1234", "nexmo_api_secret": "api-secret-1234"}
VOICE = {**SMS, "nexmo_app_id": APP_ID, "nexmo_app_private_key": PRIVATE_KEY, "max_concurrent_calls": "5"}


async def claim(admin: httpx.AsyncClient, address: str, fields: dict[str, str]) -> httpx.Response:
    form = await admin.get("/channels/channel/claim/?channel_type=NX")
    return await admin.post(
        "/channels/channel/claim/",
        data={"channel_type": "NX", "address": address, **fields, "csrf_token": csrf_from(form.text)},
    )


async def channels(site: Site) -> dict[str, Channel]:
    async with transaction() as s:
        found = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalars()
        return {c.address: c for c in found}


async def test_vonage_voice_claim_form(site: Site, admin: httpx.AsyncClient) -> None:
    form = await admin.get("/channels/channel/claim/?channel_type=NX")
    assert '<textarea name="nexmo_app_private_key" id="cfg-nexmo_app_private_key"' in form.text
    for key in (
        "nexmo_app_id",
        "nexmo_signature_secret",
        "base_url",
        "max_concurrent_calls",
        "machine_detection",
    ):
        assert f'name="{key}"' in form.text

    # a key that is not an RSA private key, or half an application, is refused naming the field
    for fields, error in (({**VOICE, "nexmo_app_private_key": "-----BEGIN PRIVATE KEY-----\nxx"}, "Not an RSA"),
                          ({**SMS, "nexmo_app_id": APP_ID}, "private key is needed")):  # fmt: skip
        r = await claim(admin, "+12065550101", fields)
        assert r.status_code == 303 and "error=" in r.headers["location"]
        assert error in (await admin.get(r.headers["location"])).text
    assert await channels(site) == {}

    r = await claim(admin, "+12065550100", VOICE)
    assert r.status_code == 303, r.text
    r2 = await claim(admin, "+12065550102", SMS)
    assert r2.status_code == 303
    found = await channels(site)
    voice, sms = found["+12065550100"], found["+12065550102"]
    assert (voice.channel_type, voice.role) == ("NX", "SRCA")
    assert voice.config == {**VOICE, "nexmo_app_private_key": PRIVATE_KEY.strip()}  # its line breaks kept
    assert (sms.channel_type, sms.role) == ("NX", "SR")  # no application: never picked to place calls
    read = (await admin.get(r.headers["location"])).text
    for action in ("incoming", "status"):
        assert f"/mr/ivr/c/{voice.uuid}/{action}" in read
    assert PRIVATE_KEY.splitlines()[1] not in read and "api-secret-1234" not in read

    # the SMS-only channel given its application by editing gains the voice roles
    edit = await admin.get(f"/channels/channel/update/{sms.uuid}/")
    assert '<textarea name="nexmo_app_private_key"' in edit.text
    r = await admin.post(
        f"/channels/channel/update/{sms.uuid}/",
        data={"name": "Vonage voice", "nexmo_app_id": APP_ID,
              "nexmo_app_private_key": PRIVATE_KEY.replace("\n", "\r\n"),  # as a browser sends a textarea
              "csrf_token": csrf_from(edit.text)},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    edited = (await channels(site))["+12065550102"]
    assert (edited.role, edited.config["nexmo_app_private_key"]) == ("SRCA", PRIVATE_KEY.strip())
