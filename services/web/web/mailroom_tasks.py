"""Work web hands to mailroom through the batch queue, after its own transaction has committed
(`upesi.queues.committed`: a task a recovery cron pushes again does not fail the committed write)."""

from upesi.queues.committed import push_committed
from upesi.queues.tasks import InterruptContacts, ScheduleCampaignEvent, ScheduleContactFires


async def contacts_changed(org_id: int, contact_ids: list[int]) -> None:
    """Contacts changed outside a flow: mailroom re-evaluates their smart groups and campaign fires."""
    if contact_ids:
        await push_committed(org_id, ScheduleContactFires(contact_ids=list(dict.fromkeys(contact_ids))))


async def interrupt_contacts(org_id: int, contact_ids: list[int]) -> None:
    """Mailroom ends the contacts' sessions (blocked, archived or deleted contacts leave their flows)."""
    if contact_ids:
        await push_committed(org_id, InterruptContacts(contact_ids=list(dict.fromkeys(contact_ids))))


async def campaign_events_changed(org_id: int, event_ids: list[int]) -> None:
    """Events created, edited or deleted: mailroom recomputes (or removes) their fires now rather than at
    its next schedule_campaigns cron, up to a minute later."""
    await push_committed(org_id, *[ScheduleCampaignEvent(event_id=event_id) for event_id in event_ids])
