"""Campaign pages: deleting an event and archiving a campaign take their future fires away, through
mailroom's own schedule_campaign_event task run against the same database and Redis."""

import uuid

import httpx
from sqlalchemy import select

from tests.mailroom.test_support_batch import run_tasks
from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Campaign, Contact, ContactFire, ContactGroup, contact_group_contacts
from upesi.db.models.campaigns import CampaignEvent


async def group_with_contacts(org_id: int, n: int) -> ContactGroup:
    async with transaction() as s:
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=org_id, name="Farmers")
        s.add(group)
        await s.flush()
        for i in range(n):
            contact = Contact(uuid=str(uuid.uuid4()), org_id=org_id, name=f"Farmer {i}")
            s.add(contact)
            await s.flush()
            await s.execute(contact_group_contacts.insert().values(contact_id=contact.id, group_id=group.id))
    return group


async def campaign_fires() -> int:
    async with transaction() as s:
        return len((await s.execute(select(ContactFire).where(ContactFire.fire_type == "C"))).all())


async def add_event(admin: httpx.AsyncClient, token: str, campaign_uuid: str, message: str) -> None:
    data = {"campaign": campaign_uuid, "offset": "3", "unit": "D", "relative_to": "created_on",
            "message": message, "csrf_token": token}  # fmt: skip
    response = await admin.post("/campaign/event/create/", data=data)
    assert response.status_code == 303 and "error" not in response.headers["location"]


async def test_delete_an_event_and_archive_a_campaign(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await group_with_contacts(site.org_id, 2)
    token = csrf_from((await admin.get("/campaign/")).text)
    await admin.post(
        "/campaign/create/", data={"name": "Reminders", "group": farmers.uuid, "csrf_token": token}
    )
    async with transaction() as s:
        campaign = (await s.execute(select(Campaign))).scalar_one()
    await add_event(admin, token, campaign.uuid, "Three days in")
    await add_event(admin, token, campaign.uuid, "Also three days in")
    async with transaction() as s:
        made = (await s.execute(select(CampaignEvent.status, CampaignEvent.fire_version))).all()
    assert sorted(made) == [("S", 1), ("S", 1)]  # being scheduled, as the API's events (the one rule)
    await run_tasks()
    assert await campaign_fires() == 4  # two events, two contacts, three days after they were created
    async with transaction() as s:
        assert set((await s.execute(select(CampaignEvent.status))).scalars()) == {"R"}  # mailroom wrote them

    async with transaction() as s:
        first = (await s.execute(select(CampaignEvent).order_by(CampaignEvent.id))).scalars().first()
    async with site.signed_in("viewer") as viewer:
        refused = await viewer.post(
            "/campaign/event/delete/", data={"event": first.uuid, "csrf_token": csrf_from((await viewer.get("/campaign/")).text)}
        )  # fmt: skip
        assert refused.status_code == 403
    assert (await admin.post("/campaign/event/delete/", data={"event": first.uuid, "csrf_token": "forged"})).status_code == 403  # fmt: skip
    deleted = await admin.post("/campaign/event/delete/", data={"event": first.uuid, "csrf_token": token})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/campaign/"
    await run_tasks()
    assert await campaign_fires() == 2
    page = (await admin.get("/campaign/")).text
    assert "Three days in" not in page and "Also three days in" in page

    archived = await admin.post("/campaign/archive/", data={"campaign": campaign.uuid, "csrf_token": token})
    assert archived.status_code == 303
    await run_tasks()
    assert await campaign_fires() == 0
    assert "Reminders" not in (await admin.get("/campaign/")).text
    gone = await admin.post("/campaign/event/delete/", data={"event": str(uuid.uuid4()), "csrf_token": token})
    assert gone.headers["location"] == "/campaign/?error=No%20such%20event"
