"""A campaign event that starts a voice flow places calls (as mailroom's bulk_campaign_trigger does) rather
than running the flow without one. In-process mailroom, the fake Twilio over real HTTP."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from mailroom import fires as fires_mod
from mailroom.tasks import schedule_campaign_event
from tests.mailroom.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.mailroom.ivr.support import CHANNEL_NUMBER, IVR_FLOW
from tests.mailroom.test_campaigns import iso
from tests.mailroom.test_support_batch import (
    add_campaign_event,
    add_date_field,
    fires,
    one,
    run_tasks,
    scalars,
    set_date,
    workspace,
)
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.domain.imports import import_definitions


async def test_campaign_event_with_a_voice_flow_places_calls(db: None) -> None:
    with FakeTwilio() as fake:
        ws = await workspace(2)
        async with transaction() as s:
            await add_channel(s, ws["org_id"], "T", CHANNEL_NUMBER,
                              {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "base_url": fake.url})  # fmt: skip
            await import_definitions(s, org_id=ws["org_id"], export=json.loads(IVR_FLOW.read_text()))
            flow_id = (await s.execute(text("SELECT id FROM flows WHERE flow_type = 'V'"))).scalar_one()
        field = await add_date_field(ws["org_id"])
        event = await add_campaign_event(
            ws["org_id"], ws["group_id"], field, offset=-1, unit="H", flow_id=flow_id
        )
        appointment = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        for c in ws["contact_ids"]:
            await set_date(c, field, iso(appointment))
        await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
        assert await fires_mod.fire_due(now=appointment) == 2
        await run_tasks()

        placed = fake.wait_for_calls(2)
        assert sorted(c.to for c in placed) == ["+15553000000", "+15553000001"]
        assert await fires() == []
        rows = await scalars("SELECT status || ':' || (trigger->>'type') FROM calls ORDER BY contact_id")
        assert rows == ["W:campaign", "W:campaign"]
        # the flow runs only once a call is answered
        assert (await one("SELECT count(*) AS n FROM flow_sessions")).n == 0
