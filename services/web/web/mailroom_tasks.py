"""Work web hands to mailroom through the batch queue, after its own transaction has committed."""

from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


async def contacts_changed(org_id: int, contact_ids: list[int]) -> None:
    """Contacts changed outside a flow: mailroom re-evaluates their smart groups and campaign fires."""
    if contact_ids:
        await FairQueue(get_redis(), QUEUE_BATCH).push(
            org_id, "schedule_contact_fires", {"contact_ids": list(dict.fromkeys(contact_ids))}
        )
