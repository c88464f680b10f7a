"""A workspace with a Twilio or Vonage channel pointed at the fake provider, the conformance IVR flow, and mailroom and
courier running as real processes (courier's public port takes the provider's callbacks)."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.mailroom.ivr.fake_vonage import APP_ID as VONAGE_APP_ID
from tests.mailroom.ivr.fake_vonage import PRIVATE_KEY as VONAGE_PRIVATE_KEY
from tests.mailroom.ivr.fake_vonage import FakeVonage
from tests.support.processes import free_port, service
from tests.support.shared import CONFORMANCE
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.contacts import resolve_contacts
from upesi.domain.imports import import_definitions
from upesi.urns import parse_urn
from upesi_cli.demo import seed_demo

IVR_FLOW = CONFORMANCE / "rapidpro_exports/mailroom/ivr_flow.json"
IVR_FLOW_UUID = "2f81d0ea-4d75-4843-9371-3f7465311cce"
CHANNEL_NUMBER = "+12065550100"


async def voice_workspace(
    fake: FakeTwilio | FakeVonage, config: dict[str, Any] | None = None, channel_type: str = "T"
) -> dict[str, Any]:
    """A Twilio channel (T) or a Vonage one (NX) on the fake provider, with config added to its own."""
    own = (
        {"nexmo_api_key": "abcd1234", "nexmo_api_secret": "api-secret-1234", "nexmo_app_id": VONAGE_APP_ID,
         "nexmo_app_private_key": VONAGE_PRIVATE_KEY, "base_url": fake.url}
        if channel_type == "NX"
        else {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "base_url": fake.url}
    )  # fmt: skip
    async with transaction() as db:
        org = await seed_demo(db)
        await db.execute(text("UPDATE orgs SET country = 'US' WHERE id = :o"), {"o": org.id})
        channel = await add_channel(
            db, org.id, channel_type, CHANNEL_NUMBER, {**own, **(config or {})},
            country="US", name="Vonage" if channel_type == "NX" else "Twilio",
        )  # fmt: skip
        await import_definitions(db, org_id=org.id, export=json.loads(IVR_FLOW.read_text()))
        flow_id = (
            await db.execute(
                text("SELECT id FROM flows WHERE org_id = :o AND flow_type = 'V'"), {"o": org.id}
            )
        ).scalar_one()
    return {"org_id": org.id, "channel_id": channel.id, "channel_uuid": channel.uuid, "flow_id": flow_id}


async def add_contacts(org_id: int, channel_id: int, numbers: list[str]) -> list[int]:
    async with transaction() as db:
        urns = [parse_urn(f"tel:{n}") for n in numbers]
        found = await resolve_contacts(db, org_id, urns, channel_id)
    return [found[u.identity].contact_id for u in urns]


@contextmanager
def services_running(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """mailroom and courier on free ports, each told where the other is (and this process, which runs the
    retry cron's code in-process, where courier is); yields courier's base URL."""
    mport, cport = free_port(), free_port()
    courier = f"http://127.0.0.1:{cport}"
    extra = {"MAILROOM_URL": f"http://127.0.0.1:{mport}", "COURIER_URL": courier,
             "MEDIA_DIR": str(tmp_path / "media")}  # fmt: skip
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    reset_settings()
    try:
        with (
            service("mailroom", mport, env=extra, log=tmp_path / "mailroom.log"),
            service("courier", cport, env=extra, log=tmp_path / "courier.log"),
        ):
            yield courier
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()
