"""Campaign rules both the API and the UI apply. A campaign moved to another group has every active event
rescheduled, as RapidPro's Campaign.schedule_async: each event gets a new fire version (the fires of the old
group's contacts become stale) and the caller hands the returned event ids to mailroom once committed."""

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import CampaignEvent
from upesi.db.scoping import in_workspace


async def reschedule_events(session: AsyncSession, *, org_id: int, campaign_id: int) -> list[int]:
    """Bump the fire version of the campaign's active events (one statement); their ids, for mailroom."""
    rows = await session.execute(
        update(CampaignEvent)
        .where(
            in_workspace(CampaignEvent, org_id),
            CampaignEvent.campaign_id == campaign_id,
            CampaignEvent.is_active.is_(True),
        )
        .values(fire_version=CampaignEvent.fire_version + 1, modified_on=func.now())
        .returning(CampaignEvent.id)
    )
    return sorted(rows.scalars())
