"""Work web hands to mailroom through the batch queue, after its own transaction has committed."""

from upesi.queues.redis import get_redis
from upesi.queues.tasks import (
    InterruptContacts,
    ScheduleCampaignEvent,
    ScheduleContactFires,
    queue_task,
    queue_tasks,
)


async def contacts_changed(org_id: int, contact_ids: list[int]) -> None:
    """Contacts changed outside a flow: mailroom re-evaluates their smart groups and campaign fires."""
    if contact_ids:
        task = ScheduleContactFires(contact_ids=list(dict.fromkeys(contact_ids)))
        await queue_task(get_redis(), org_id, task)


async def interrupt_contacts(org_id: int, contact_ids: list[int]) -> None:
    """Mailroom ends the contacts' sessions (blocked, archived or deleted contacts leave their flows)."""
    if contact_ids:
        task = InterruptContacts(contact_ids=list(dict.fromkeys(contact_ids)))
        await queue_task(get_redis(), org_id, task)


async def campaign_events_changed(org_id: int, event_ids: list[int]) -> None:
    """Events created, edited or deleted: mailroom recomputes (or removes) their fires now rather than at
    its next schedule_campaigns cron, up to a minute later."""
    await queue_tasks(
        get_redis(), org_id, [ScheduleCampaignEvent(event_id=event_id) for event_id in event_ids]
    )
