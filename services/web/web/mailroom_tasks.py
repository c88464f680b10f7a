"""Work web hands to mailroom through the batch queue, after its own transaction has committed."""

from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


async def contacts_changed(org_id: int, contact_ids: list[int]) -> None:
    """Contacts changed outside a flow: mailroom re-evaluates their smart groups and campaign fires."""
    if contact_ids:
        await FairQueue(get_redis(), QUEUE_BATCH).push(
            org_id, "schedule_contact_fires", {"contact_ids": list(dict.fromkeys(contact_ids))}
        )


async def interrupt_contacts(org_id: int, contact_ids: list[int]) -> None:
    """Mailroom ends the contacts' sessions (blocked, archived or deleted contacts leave their flows)."""
    if contact_ids:
        await FairQueue(get_redis(), QUEUE_BATCH).push(
            org_id, "interrupt_contacts", {"contact_ids": list(dict.fromkeys(contact_ids))}
        )


async def campaign_events_changed(org_id: int, event_ids: list[int]) -> None:
    """Events created, edited or deleted: mailroom recomputes (or removes) their fires now rather than at
    its next schedule_campaigns cron, up to a minute later."""
    await FairQueue(get_redis(), QUEUE_BATCH).push_many(
        org_id, "schedule_campaign_event", [{"event_id": event_id} for event_id in event_ids]
    )
