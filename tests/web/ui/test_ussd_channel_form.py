"""The USSD channel types' claim forms, derived from their declarations: the service code as address, the
declared config fields, a channel with the USSD role, and the callback URLs the provider is given."""

import httpx
import pytest
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Channel


@pytest.mark.parametrize(
    ("code", "fields", "urls"),
    [
        ("ATU", {"answer_seconds": "3"}, ["/c/at/{uuid}/ussd", "/c/at/{uuid}/ussd_end"]),
        ("EXU", {"session_id_field": "session", "from_field": "msisdn", "text_field": "input",
                 "service_code_field": "code", "text_mode": "last"}, ["/c/exu/{uuid}/ussd"]),
    ],
)  # fmt: skip
async def test_ussd_claim_form(
    site: Site, admin: httpx.AsyncClient, code: str, fields: dict[str, str], urls: list[str]
) -> None:
    form = await admin.get(f"/channels/channel/claim/?channel_type={code}")
    assert "USSD service code" in form.text
    for key in fields:
        assert f'name="{key}"' in form.text
    response = await admin.post(
        "/channels/channel/claim/",
        data={"channel_type": code, "address": "*384*12#", **fields, "csrf_token": csrf_from(form.text)},
    )
    assert response.status_code == 303
    async with transaction() as s:
        channel = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalar_one()
    assert (channel.channel_type, channel.address, channel.role) == (code, "*384*12#", "U")
    assert channel.config == fields
    read = (await admin.get(response.headers["location"])).text
    for url in urls:
        assert url.format(uuid=channel.uuid) in read
