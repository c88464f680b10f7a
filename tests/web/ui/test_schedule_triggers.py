"""Schedule triggers from the UI: stored with the same schedule JSON mailroom reads for broadcasts, the
groups linked, listed on /trigger/ with their next fire; bad input, roles, CSRF."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import ContactGroup, Org, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups

KIGALI = ZoneInfo("Africa/Kigali")


async def add_group(org_id: int, name: str) -> ContactGroup:
    async with transaction() as s:
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(group)
    return group


async def schedule_triggers() -> list[Trigger]:
    async with transaction() as s:
        return list((await s.execute(select(Trigger).where(Trigger.trigger_type == "S"))).scalars())


def schedule_form(token: str, flow: str, **fields: object) -> dict[str, object]:
    tomorrow = datetime.now(KIGALI).date() + timedelta(days=1)
    form: dict[str, object] = {"csrf_token": token, "trigger_type": "S", "flow": flow,
                               "start_date": tomorrow.isoformat(), "start_time": "08:15", "repeat_period": "D"}  # fmt: skip
    form.update(fields)
    return form


async def test_create_a_schedule_trigger(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        await s.execute(update(Org).where(Org.id == site.org_id).values(timezone="Africa/Kigali"))
    farmers, staff = await add_group(site.org_id, "Farmers"), await add_group(site.org_id, "Staff")
    token = csrf_from((await admin.get("/trigger/")).text)
    response = await admin.post(
        "/trigger/create/",
        data=schedule_form(token, site.flow_uuid, groups=farmers.uuid, exclude_groups=staff.uuid),
    )
    assert response.status_code == 303, response.text
    (trigger,) = await schedule_triggers()
    tomorrow = datetime.now(KIGALI).date() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 6, 15, tzinfo=UTC)  # 08:15 in Kigali
    assert trigger.schedule == {"start": start.isoformat(), "repeat_period": "D", "repeat_days_of_week": None,
                                "next_fire": start.isoformat()}  # fmt: skip
    async with transaction() as s:
        linked = (await s.execute(select(trigger_groups.c.group_id).where(trigger_groups.c.trigger_id == trigger.id))).scalars().all()  # fmt: skip
        excluded = (await s.execute(select(trigger_exclude_groups.c.group_id).where(trigger_exclude_groups.c.trigger_id == trigger.id))).scalars().all()  # fmt: skip
    assert list(linked) == [farmers.id] and list(excluded) == [staff.id]
    page = (await admin.get("/trigger/")).text
    row = page.split(f'data-uuid="{trigger.uuid}"')[1].split("</tr>")[0]
    assert "<td>Schedule</td>" in row and "Every day at 08:15" in row
    assert f'<span class="next-fire">{tomorrow.isoformat()} 08:15</span>' in row
    assert '<span class="pill">Farmers</span>' in row and '<span class="pill">Staff</span>' in row
    assert "Join" in row


async def test_weekly_schedule_trigger_first_fires_on_a_chosen_day(
    site: Site, admin: httpx.AsyncClient
) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/trigger/")).text)
    today = datetime.now(UTC).date()
    wednesday = today + timedelta(days=(2 - today.weekday() - 1) % 7 + 1)
    response = await admin.post(
        "/trigger/create/",
        data=schedule_form(token, site.flow_uuid, groups=farmers.uuid, start_date=wednesday.isoformat(),
                           repeat_period="W", repeat_days_of_week=["S", "U"]),
    )  # fmt: skip
    assert response.status_code == 303, response.text
    (trigger,) = await schedule_triggers()
    saturday = wednesday + timedelta(days=3)
    assert trigger.schedule["next_fire"] == datetime(saturday.year, saturday.month, saturday.day, 8, 15, tzinfo=UTC).isoformat()  # fmt: skip
    assert trigger.schedule["repeat_days_of_week"] == "SU"


async def test_bad_schedule_trigger_input_names_the_field(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/trigger/")).text)
    cases = [
        ({"groups": []}, "Groups: choose at least one group"),
        ({"flow": str(uuid.uuid4())}, "Flow: choose a flow"),
        ({"flow": site.other_flow_uuid}, "Flow: choose a flow"),  # another workspace's flow
        ({"start_date": "tomorrow"}, "Start date: enter a date"),
        ({"start_time": ""}, "Start time: enter a time"),
        ({"repeat_period": "W"}, "Repeat days: choose at least one day"),
        (
            {"repeat_period": "O", "start_date": "2020-01-01"},
            "Start: a one-off schedule must be in the future",
        ),
    ]
    for fields, message in cases:
        data = {**schedule_form(token, site.flow_uuid, groups=farmers.uuid), **fields}
        response = await admin.post("/trigger/create/", data=data)
        assert response.status_code == 400, fields
        assert 'id="trigger-form-error">' + message in response.text, fields
        assert 'data-open="1"' in response.text and '<option value="S" selected>' in response.text
    assert await schedule_triggers() == []


async def test_agents_and_viewers_cannot_create_schedule_triggers(site: Site) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    async with site.signed_in("agent") as agent:
        assert (await agent.get("/trigger/")).status_code == 403
        token = csrf_from((await agent.get("/msg/inbox/")).text)
        refused = await agent.post(
            "/trigger/create/", data=schedule_form(token, site.flow_uuid, groups=farmers.uuid)
        )
        assert refused.status_code == 403
    async with site.signed_in("viewer") as viewer:
        page = await viewer.get("/trigger/")
        assert page.status_code == 200 and 'id="create-trigger"' not in page.text
        refused = await viewer.post(
            "/trigger/create/", data=schedule_form(csrf_from(page.text), site.flow_uuid, groups=farmers.uuid)
        )
        assert refused.status_code == 403
    async with site.signed_in("editor") as editor:
        token = csrf_from((await editor.get("/trigger/")).text)
        forged = await editor.post(
            "/trigger/create/", data=schedule_form("forged", site.flow_uuid, groups=farmers.uuid)
        )
        assert forged.status_code == 403
        assert await schedule_triggers() == []
        ok = await editor.post(
            "/trigger/create/", data=schedule_form(token, site.flow_uuid, groups=farmers.uuid)
        )
        assert ok.status_code == 303
    assert len(await schedule_triggers()) == 1


async def test_edit_a_schedule_trigger(site: Site, admin: httpx.AsyncClient) -> None:
    farmers, staff = await add_group(site.org_id, "Farmers"), await add_group(site.org_id, "Staff")
    token = csrf_from((await admin.get("/trigger/")).text)
    await admin.post("/trigger/create/", data=schedule_form(token, site.flow_uuid, groups=farmers.uuid))
    (trigger,) = await schedule_triggers()
    assert f'href="/trigger/update/{trigger.uuid}/"' in (await admin.get("/trigger/")).text
    page = (await admin.get(f"/trigger/update/{trigger.uuid}/")).text
    assert 'id="edit-start-time" value="08:15"' in page and f'value="{farmers.uuid}" selected' in page

    bad = await admin.post(
        f"/trigger/update/{trigger.uuid}/", data=schedule_form(token, site.flow_uuid, groups=[])
    )
    assert bad.status_code == 400 and 'id="trigger-edit-error">Groups: choose at least one group' in bad.text
    first = datetime.now(UTC).date() + timedelta(days=10)
    saved = await admin.post(
        f"/trigger/update/{trigger.uuid}/",
        data=schedule_form(token, site.flow_uuid, groups=staff.uuid, exclude_groups=farmers.uuid,
                           start_date=first.isoformat(), start_time="17:45", repeat_period="M"),
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    (edited,) = await schedule_triggers()
    start = datetime(first.year, first.month, first.day, 17, 45, tzinfo=UTC)
    assert edited.schedule == {"start": start.isoformat(), "repeat_period": "M", "repeat_days_of_week": None,
                               "next_fire": start.isoformat()}  # fmt: skip
    async with transaction() as s:
        linked = (await s.execute(select(trigger_groups.c.group_id).where(trigger_groups.c.trigger_id == trigger.id))).scalars().all()  # fmt: skip
        excluded = (await s.execute(select(trigger_exclude_groups.c.group_id).where(trigger_exclude_groups.c.trigger_id == trigger.id))).scalars().all()  # fmt: skip
    assert list(linked) == [staff.id] and list(excluded) == [farmers.id]
    assert (
        f"Every month on day {first.day} at 17:45"
        in (await admin.get(f"/trigger/update/{trigger.uuid}/")).text
    )

    async with site.signed_in("viewer") as viewer:
        assert (await viewer.get(f"/trigger/update/{trigger.uuid}/")).status_code == 403
        refused = await viewer.post(
            f"/trigger/update/{trigger.uuid}/",
            data=schedule_form(
                csrf_from((await viewer.get("/trigger/")).text), site.flow_uuid, groups=farmers.uuid
            ),
        )
        assert refused.status_code == 403
    forged = await admin.post(f"/trigger/update/{trigger.uuid}/", data=schedule_form("forged", site.flow_uuid, groups=farmers.uuid))  # fmt: skip
    assert forged.status_code == 403
    assert (await admin.get(f"/trigger/update/{uuid.uuid4()}/")).status_code == 404
