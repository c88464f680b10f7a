"""Campaign rules both the API and the UI apply.

An event's fires are (re)computed by mailroom's `schedule_campaign_event` for its current fire version. Every
change of when an event fires gives it a new fire version (the fires of the old one become stale) and the status
SCHEDULING, as RapidPro's CampaignEvent.schedule_async; mailroom sets READY in the transaction that writes the
fires (mailroom.campaigns.schedule_event). An event being scheduled cannot be modified: RapidPro's API refuses
with BEING_SCHEDULED. The caller hands the event ids to mailroom once committed (web.mailroom_tasks).

A campaign moved to another group has every active event rescheduled, as RapidPro's Campaign.schedule_async."""

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import CampaignEvent
from upesi.db.scoping import in_workspace

SCHEDULING = "S"
READY = "R"
BEING_SCHEDULED = "Cannot modify events which are currently being scheduled."


def is_being_scheduled(event: CampaignEvent) -> bool:
    return event.status == SCHEDULING


def schedule(event: CampaignEvent) -> None:
    """A new or moved event: its next fire version, to be scheduled (a new event is version 1, as RapidPro's
    schedule_async counts them)."""
    event.fire_version = (event.fire_version or 0) + 1 if event.id is not None else 1
    event.status = SCHEDULING


async def reschedule_events(session: AsyncSession, *, org_id: int, campaign_id: int) -> list[int]:
    """Bump the fire version of the campaign's active events (one statement); their ids, for mailroom."""
    rows = await session.execute(
        update(CampaignEvent)
        .where(
            in_workspace(CampaignEvent, org_id),
            CampaignEvent.campaign_id == campaign_id,
            CampaignEvent.is_active.is_(True),
        )
        .values(fire_version=CampaignEvent.fire_version + 1, status=SCHEDULING, modified_on=func.now())
        .returning(CampaignEvent.id)
    )
    return sorted(rows.scalars())
