"""A workspace with a Twilio or Vonage channel pointed at the fake provider, the conformance IVR flow, and mailroom and
courier running as real processes (courier's public port takes the provider's callbacks)."""

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.mailroom.ivr.fake_vonage import APP_ID as VONAGE_APP_ID
from tests.mailroom.ivr.fake_vonage import PRIVATE_KEY as VONAGE_PRIVATE_KEY
from tests.mailroom.ivr.fake_vonage import FakeVonage
from tests.mailroom.test_support_batch import insert_start, one, scalars
from tests.support.processes import free_port, service
from tests.support.shared import CONFORMANCE
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.contacts import resolve_contacts
from upesi.domain.imports import import_definitions
from upesi.queues.redis import get_redis
from upesi.queues.tasks import StartFlow, queue_task
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


@asynccontextmanager
async def voice_running(
    fake: FakeTwilio | FakeVonage, env: dict[str, str], tmp_path: Path, config: dict[str, Any] | None = None,
    channel_type: str = "T",
) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
    """The fake provider and the services running, and a workspace on them: its ids, the fake and courier's URL."""
    with fake, services_running(env, tmp_path) as courier:
        ws = await voice_workspace(fake, config, channel_type)
        yield {**ws, "fake": fake, "courier": courier}


async def add_trigger(org_id: int, trigger_type: str, flow_id: int) -> None:
    async with transaction() as db:
        await db.execute(
            text(
                "INSERT INTO triggers (uuid, org_id, trigger_type, flow_id) VALUES (gen_random_uuid(), :o, :t, :f)"
            ),
            {"o": org_id, "t": trigger_type, "f": flow_id},
        )


# --- driving outgoing calls of the conformance IVR flow, the same steps for either provider


async def start_calls(voice: dict[str, Any], numbers: list[str]) -> list[int]:
    contact_ids = await add_contacts(voice["org_id"], voice["channel_id"], numbers)
    start_id = await insert_start(voice["org_id"], voice["flow_id"], contact_ids=contact_ids)
    await queue_task(get_redis(), voice["org_id"], StartFlow(start_id=start_id))
    return contact_ids


async def placed_row(contact_id: int) -> Any:
    """The call once mailroom has committed the provider's answer (the fake sees the request first)."""
    for _ in range(200):
        if await scalars("SELECT status FROM calls WHERE contact_id = :c AND status <> 'P'", c=contact_id):
            return await call_row(contact_id)
        await asyncio.sleep(0.05)
    raise TimeoutError(f"call of contact {contact_id} still pending")


async def call_row(contact_id: int) -> Any:
    return await one(
        "SELECT status, direction, duration, error_reason, error_count, next_attempt, external_id,"
        " session_uuid::text AS session_uuid, array_length(log_uuids, 1) AS logs FROM calls WHERE contact_id = :c",
        c=contact_id,
    )


async def stored_recording(recording: bytes) -> Any:
    """The one media row: the provider's recording, downloaded and stored as it was served."""
    media = await one("SELECT uuid::text AS uuid, content_type, path, url, size FROM media")
    assert (media.content_type, media.size) == ("audio/mp3", len(recording))
    assert (Path(os.environ["MEDIA_DIR"]) / media.path).read_bytes() == recording
    return media


async def flow_completed(contact_id: int, duration: int, recording: str) -> dict[str, Any]:
    """The call answered through to the flow's end (a wait out, digits 3, 1 and 42, a recording): the call,
    its session, the results (returned) and the incoming voice messages."""
    row = await call_row(contact_id)
    assert (row.status, row.duration, row.error_reason) == ("D", duration, None)
    session = await one("SELECT status, session_type FROM flow_sessions WHERE uuid = CAST(:u AS uuid)",
                        u=row.session_uuid)  # fmt: skip
    assert (session.status, session.session_type) == ("C", "V")
    results: dict[str, Any] = (await one("SELECT results FROM flow_runs WHERE session_uuid = CAST(:u AS uuid)",
                                         u=row.session_uuid)).results  # fmt: skip
    assert results["choice"]["category"] == "One"
    assert (results["number"]["value"], results["number"]["category"]) == ("42", "1 - 100")
    assert results["happy"]["value"].strip() == recording, results["happy"]
    # the digits and the recording are the contact's incoming voice messages; the timeout is not one
    texts = await scalars(
        "SELECT text FROM msgs WHERE contact_id = :c AND direction = 'I' AND msg_type = 'V' ORDER BY id",
        c=contact_id,
    )
    assert texts == ["3", "1", "42", ""]
    return results


async def hung_up_mid_flow(contact_id: int, duration: int) -> None:
    """The callee hung up before the flow's end: the call is done, its session and run interrupted."""
    row = await call_row(contact_id)
    assert (row.status, row.duration) == ("D", duration)
    session = await one("SELECT status FROM flow_sessions WHERE uuid = CAST(:u AS uuid)", u=row.session_uuid)
    assert session.status == "I"
    assert await scalars("SELECT status FROM flow_runs WHERE contact_id = :c", c=contact_id) == ["I"]


async def refused_call_fails(voice: dict[str, Any]) -> None:
    """A call the provider refuses fails at once, with the provider's answer in its channel log."""
    voice["fake"].refuse_next = 1
    [refused] = await start_calls(voice, ["+16055741005"])
    row = await placed_row(refused)
    assert (row.status, row.error_reason) == ("F", "P")
    log = await one(
        "SELECT is_error, errors FROM channel_logs WHERE uuid = (SELECT log_uuids[1] FROM calls WHERE contact_id = :c)",
        c=refused,
    )
    assert log.is_error and "received non 201 status for call start: 400" in log.errors[-1]["message"]
