"""Scheduled broadcasts from the UI: what is stored is what mailroom's fire_schedules cron reads (and the
cron, run against the same database and Redis, sends it), the list and edit pages, bad input, roles, CSRF."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import redis
from sqlalchemy import select, update

from tests.web.ui.helpers import Site, csrf_from, sign_in
from upesi.db.engine import transaction
from upesi.db.models import Broadcast, ContactGroup, Org

KIGALI = ZoneInfo("Africa/Kigali")  # UTC+2 all year: times typed in the form are Kigali times


async def add_group(org_id: int, name: str) -> ContactGroup:
    async with transaction() as s:
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(group)
    return group


async def set_timezone(org_id: int, tz: str = "Africa/Kigali") -> None:
    async with transaction() as s:
        await s.execute(update(Org).where(Org.id == org_id).values(timezone=tz))


async def broadcasts() -> list[Broadcast]:
    async with transaction() as s:
        return list((await s.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


def next_weekday(weekday: int) -> date:
    """The next date (after today in Kigali) falling on `weekday` (Monday 0)."""
    today = datetime.now(KIGALI).date()
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def later_form(token: str, **fields: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": token, "text": "Market day tomorrow", "send_when": "later",
        "start_date": (datetime.now(KIGALI).date() + timedelta(days=1)).isoformat(), "start_time": "09:30",
        "repeat_period": "O",
    }  # fmt: skip
    form.update(fields)
    return form


async def test_schedule_weekly_stores_mailroom_schedule(
    site: Site, admin: httpx.AsyncClient, env: dict[str, str]
) -> None:
    await set_timezone(site.org_id)
    farmers = await add_group(site.org_id, "Farmers")
    tuesday = next_weekday(1)
    token = csrf_from((await admin.get("/msg/inbox/")).text)
    response = await admin.post(
        "/msg/send/",
        data=later_form(token, groups=farmers.uuid, start_date=tuesday.isoformat(), repeat_period="W",
                        repeat_days_of_week=["F", "M"]),
    )  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/broadcast/scheduled/?created=")
    (bcast,) = await broadcasts()
    # typed as 09:30 in Kigali: 07:30 UTC; starting on a Tuesday, the first fire is the Friday after
    start = datetime(tuesday.year, tuesday.month, tuesday.day, 7, 30, tzinfo=UTC)
    assert bcast.schedule == {
        "start": start.isoformat(),
        "repeat_period": "W",
        "repeat_days_of_week": "MF",
        "next_fire": (start + timedelta(days=3)).isoformat(),
    }
    assert bcast.status == "P" and bcast.translations == {"eng": {"text": "Market day tomorrow"}}
    # nothing is sent now: no send_broadcast task
    r = redis.Redis.from_url(env["REDIS_URL"])
    assert not [k for k in r.keys("{tasks:batch}*") if r.type(k) == b"list" and r.llen(k)]

    page = (await admin.get("/broadcast/scheduled/")).text
    row = page.split(f'data-uuid="{bcast.uuid}"')[1].split("</tr>")[0]
    friday = tuesday + timedelta(days=3)
    assert "Market day tomorrow" in row and "Farmers" in row
    assert "Every week on Mon, Fri at 09:30" in row and f"{friday.isoformat()} 09:30" in row
    # the messages page counts it in its Scheduled folder
    inbox = (await admin.get("/msg/inbox/")).text
    assert 'id="scheduled-folder">Scheduled <span class="muted">1</span>' in inbox


async def test_schedule_to_a_query_and_numbers(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
    response = await admin.post(
        "/msg/send/", data=later_form(token, query='name ~ "ann"', urns="+250788000001", repeat_period="D")
    )
    assert response.status_code == 303, response.text
    (bcast,) = await broadcasts()
    assert bcast.query == 'name ~ "ann"' and bcast.urns == ["tel:+250788000001"]
    assert bcast.schedule["repeat_period"] == "D" and bcast.schedule["repeat_days_of_week"] is None
    # daily from tomorrow: the first fire is the start itself
    assert bcast.schedule["next_fire"] == bcast.schedule["start"]


async def test_bad_schedule_input_names_the_field_and_keeps_the_form(
    site: Site, admin: httpx.AsyncClient
) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    cases = [
        ({"start_date": ""}, "Start date: enter a date"),
        ({"start_date": "31/12/2026"}, "Start date: enter a date"),
        ({"start_time": "25:00"}, "Start time: enter a time"),
        ({"repeat_period": "Y"}, "Repeat: choose once, daily, weekly or monthly"),
        ({"repeat_period": "W"}, "Repeat days: choose at least one day"),
        ({"start_date": yesterday}, "Start: a one-off schedule must be in the future"),
        ({"query": "age >>> 3"}, "Contact query:"),
        ({"urns": "+250788000009, foo:bar"}, "Phone numbers or URNs: foo:bar is not valid"),
        ({"text": "   "}, "Message: write a message"),
        ({"groups": [], "urns": "", "query": ""}, "Recipients: choose groups"),
    ]
    for fields, message in cases:
        data = later_form(token, **{"groups": farmers.uuid, "urns": "+250788000009", **fields})
        response = await admin.post("/msg/send/", data=data)
        assert response.status_code == 400, (fields, response.status_code)
        assert 'id="send-form-error">' + message in response.text, (fields, response.text[-3000:])
        # what was typed is still there, the dialog opens by itself
        assert 'data-open="1"' in response.text
        if fields.get("text") is None:
            assert ">Market day tomorrow</textarea>" in response.text
    assert await broadcasts() == []


async def test_agents_cannot_schedule_and_viewers_only_look(site: Site) -> None:
    async with site.signed_in("agent") as agent:
        page = (await agent.get("/msg/inbox/")).text
        assert 'id="send-later"' not in page  # an agent sends now only
        response = await agent.post("/msg/send/", data=later_form(csrf_from(page), urns="+250788000001"))
        assert response.status_code == 403
    assert await broadcasts() == []
    async with site.signed_in("administrator") as admin:
        token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
        await admin.post("/msg/send/", data=later_form(token, urns="+250788000001"))
    (bcast,) = await broadcasts()
    for role in ("agent", "viewer"):
        async with site.signed_in(role) as client:
            page = await client.get(f"/broadcast/scheduled_read/{bcast.uuid}/")
            assert page.status_code == 200 and 'id="scheduled-edit"' not in page.text
            token = csrf_from(page.text)
            edit = await client.post(
                f"/broadcast/scheduled_update/{bcast.uuid}/", data=later_form(token, urns="+250788000002")
            )
            gone = await client.post(f"/broadcast/scheduled_delete/{bcast.uuid}/", data={"csrf_token": token})
            assert (edit.status_code, gone.status_code) == (403, 403), role
    (still,) = await broadcasts()
    assert still.is_active and still.urns == ["tel:+250788000001"]


async def test_schedule_forms_need_the_csrf_token(site: Site, admin: httpx.AsyncClient) -> None:
    response = await admin.post("/msg/send/", data=later_form("forged", urns="+250788000001"))
    assert response.status_code == 403
    token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
    await admin.post("/msg/send/", data=later_form(token, urns="+250788000001"))
    (bcast,) = await broadcasts()
    for path in (f"/broadcast/scheduled_update/{bcast.uuid}/", f"/broadcast/scheduled_delete/{bcast.uuid}/"):
        assert (await admin.post(path, data=later_form("forged", text="Changed"))).status_code == 403
    (same,) = await broadcasts()
    assert same.is_active and same.translations["eng"]["text"] == "Market day tomorrow"


async def test_edit_the_schedule_then_delete(site: Site, admin: httpx.AsyncClient) -> None:
    await set_timezone(site.org_id)
    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
    await admin.post("/msg/send/", data=later_form(token, groups=farmers.uuid))
    (bcast,) = await broadcasts()
    page = (await admin.get(f"/broadcast/scheduled_read/{bcast.uuid}/")).text
    assert 'value="09:30"' in page and f'value="{farmers.uuid}" selected' in page

    # bad input is refused with the field named, and the stored schedule is untouched
    bad = await admin.post(
        f"/broadcast/scheduled_update/{bcast.uuid}/",
        data=later_form(token, groups=farmers.uuid, repeat_period="W"),
    )
    assert bad.status_code == 400 and 'id="edit-error">Repeat days:' in bad.text
    assert (await broadcasts())[0].schedule == bcast.schedule

    first = date.today() + timedelta(days=40)
    saved = await admin.post(
        f"/broadcast/scheduled_update/{bcast.uuid}/",
        data=later_form(token, text="Monthly market", groups=farmers.uuid, start_date=first.isoformat(),
                        start_time="18:00", repeat_period="M"),
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    (edited,) = await broadcasts()
    start = datetime(first.year, first.month, first.day, 16, 0, tzinfo=UTC)
    assert edited.schedule == {"start": start.isoformat(), "repeat_period": "M", "repeat_days_of_week": None,
                               "next_fire": start.isoformat()}  # fmt: skip
    assert edited.translations["eng"]["text"] == "Monthly market"
    page = (await admin.get(f"/broadcast/scheduled_read/{bcast.uuid}/")).text
    assert f"Every month on day {first.day} at 18:00" in page

    gone = await admin.post(f"/broadcast/scheduled_delete/{bcast.uuid}/", data={"csrf_token": token})
    assert gone.status_code == 303
    (deleted,) = await broadcasts()
    assert not deleted.is_active
    assert bcast.uuid not in (await admin.get("/broadcast/scheduled/")).text
    assert (await admin.get(f"/broadcast/scheduled_read/{bcast.uuid}/")).status_code == 404


async def test_other_workspaces_schedules_are_out_of_reach(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        other = (await s.execute(select(Org).where(Org.name == "Other"))).scalar_one()
        theirs = Broadcast(uuid=str(uuid.uuid4()), org_id=other.id, translations={"eng": {"text": "Theirs"}},
                           schedule={"start": "2030-01-01T00:00:00+00:00", "repeat_period": "O"})  # fmt: skip
        s.add(theirs)
    token = csrf_from((await admin.get("/broadcast/scheduled/")).text)
    assert "Theirs" not in (await admin.get("/broadcast/scheduled/")).text
    assert (await admin.get(f"/broadcast/scheduled_read/{theirs.uuid}/")).status_code == 404
    gone = await admin.post(f"/broadcast/scheduled_delete/{theirs.uuid}/", data={"csrf_token": token})
    assert gone.status_code == 404


async def test_a_broadcast_scheduled_in_the_ui_is_sent_by_the_mailroom_cron(db: None) -> None:
    """The demo workspace (a channel, contacts in group Crew), scheduled through the UI; then mailroom's
    own cron and task handlers, on the same database and Redis, send it to the outbox and courier's queue."""
    from mailroom.crons import fire_schedules
    from tests.mailroom.test_support_batch import run_tasks, sent_msgs, workspace
    from upesi_cli.demo import DEMO_EMAIL, DEMO_PASSWORD
    from web.app import create_app

    ws = await workspace(3)
    async with transaction() as s:
        crew = (await s.execute(select(ContactGroup).where(ContactGroup.id == ws["group_id"]))).scalar_one()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app()), base_url="http://testserver"
    ) as web:
        await sign_in(web, DEMO_EMAIL, DEMO_PASSWORD)
        token = csrf_from((await web.get("/broadcast/scheduled/")).text)
        response = await web.post("/msg/send/", data=later_form(token, text="Hi @contact.name, market opens",
                                                                 groups=crew.uuid, start_time="10:00"))  # fmt: skip
        assert response.status_code == 303, response.text
    (scheduled,) = await broadcasts()
    due = datetime.fromisoformat(scheduled.schedule["next_fire"])

    assert await fire_schedules.run(now=due - timedelta(minutes=1)) == 0  # not yet
    assert await fire_schedules.run(now=due + timedelta(seconds=30)) == 1
    await run_tasks()
    assert sorted(m["text"] for m in await sent_msgs()) == [f"Hi C{i}, market opens" for i in range(3)]
    async with transaction() as s:
        from upesi.db.models import Msg

        msgs = list((await s.execute(select(Msg).where(Msg.direction == "O"))).scalars())
    assert len(msgs) == 3 and {m.status for m in msgs} == {"Q"}  # in the outbox, handed to courier
    parent, copy = await broadcasts()
    assert parent.id == scheduled.id and parent.schedule["next_fire"] is None  # a one-off is spent
    assert {m.broadcast_id for m in msgs} == {copy.id} and copy.schedule is None
    assert await fire_schedules.run(now=due + timedelta(days=1)) == 0


async def add_contact(org_id: int, name: str) -> str:
    from upesi.db.models import Contact

    async with transaction() as s:
        contact = Contact(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(contact)
    return contact.uuid


async def linked_contacts(broadcast_id: int) -> list[int]:
    from upesi.db.models.msgs import broadcast_contacts

    async with transaction() as s:
        return list(
            (
                await s.execute(
                    select(broadcast_contacts.c.contact_id).where(
                        broadcast_contacts.c.broadcast_id == broadcast_id
                    )
                )
            ).scalars()
        )


async def test_send_to_chosen_contacts_now_and_later(site: Site, admin: httpx.AsyncClient) -> None:
    ann, bob = await add_contact(site.org_id, "Ann"), await add_contact(site.org_id, "Bob")
    token = csrf_from((await admin.get("/msg/inbox/")).text)
    now = await admin.post("/msg/send/", data={"csrf_token": token, "text": "Hi", "contacts": [ann, bob]})
    assert now.status_code == 303 and now.headers["location"] == "/msg/outbox/?sent=1"
    later = await admin.post("/msg/send/", data=later_form(token, contacts=[ann]))
    assert later.status_code == 303
    sent, scheduled = await broadcasts()
    assert len(await linked_contacts(sent.id)) == 2 and len(await linked_contacts(scheduled.id)) == 1
    page = (await admin.get(f"/broadcast/scheduled_read/{scheduled.uuid}/")).text
    assert f'<input type="hidden" name="contacts" value="{ann}">' in page  # shown as picked, kept on save
    saved = await admin.post(
        f"/broadcast/scheduled_update/{scheduled.uuid}/", data=later_form(token, contacts=[bob])
    )
    assert saved.status_code == 303
    async with transaction() as s:
        from upesi.db.models import Contact

        bob_id = (await s.execute(select(Contact.id).where(Contact.uuid == bob))).scalar_one()
    assert await linked_contacts(scheduled.id) == [bob_id]
    # a contact of another workspace (or deleted) is refused, naming the field; the pick is kept
    stranger = str(uuid.uuid4())
    refused = await admin.post("/msg/send/", data=later_form(token, contacts=[ann, stranger]))
    assert (
        refused.status_code == 400
        and 'id="send-form-error">Contacts: a chosen contact no longer exists' in refused.text
    )
    assert f'value="{ann}"' in refused.text
