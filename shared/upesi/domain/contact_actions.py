"""Acting on many contacts at once: API v2's contact_actions and the contact list's bulk actions are this
one function, with RapidPro's rules (a group for add and remove and only for them, only active contacts
added to groups; block and archive take contacts out of their flows; delete releases them).

Mailroom's part (interrupting sessions, re-evaluating smart groups and campaign fires) comes back in the
outcome for the caller to queue once its transaction has committed."""

from dataclasses import dataclass, field

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Contact, ContactGroup, ContactURN, Msg, contact_group_contacts
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError

ACTIONS = (
    "add",
    "remove",
    "block",
    "unblock",
    "interrupt",
    "archive_messages",
    "delete",
    "archive",
    "restore",
)
STATUS_FOR = {"block": "B", "unblock": "A", "archive": "V", "restore": "A"}
GROUP_ACTIONS = ("add", "remove")


@dataclass
class Outcome:
    """What mailroom must do once the caller's transaction has committed."""

    interrupt_ids: list[int] = field(default_factory=list)  # end their sessions
    changed_ids: list[int] = field(default_factory=list)  # re-evaluate smart groups and campaign fires


def check_action(
    action: str, group: ContactGroup | None, statuses: dict[int, str], uuids: dict[int, str]
) -> None:
    """The object-level rules, once every field is valid (as DRF's validate() runs them)."""
    if action not in ACTIONS:
        raise DomainError("action", f'"{action}" is not a valid choice.')
    if action in GROUP_ACTIONS and group is None:
        raise DomainError("non_field_errors", f'For action "{action}" you should also specify a group')
    if action not in GROUP_ACTIONS and group is not None:
        raise DomainError("non_field_errors", f'For action "{action}" you should not specify a group')
    if action in GROUP_ACTIONS and group is not None and (group.group_type != "M" or group.is_system):
        raise DomainError("group", f"Contact group must not be query based: {group.name}")
    if action == "add":
        inactive = [uuids[i] for i, status in sorted(statuses.items()) if status != "A"]
        if inactive:
            raise DomainError(
                "non_field_errors", "Non-active contacts cannot be added to groups: " + ", ".join(inactive)
            )


async def apply_action(
    session: AsyncSession,
    *,
    org_id: int,
    action: str,
    contact_ids: list[int],
    group: ContactGroup | None = None,
) -> Outcome:
    """Apply an action (already checked) to the workspace's contacts, a few statements for the lot."""
    ids = sorted(set(contact_ids))
    if not ids:
        return Outcome()
    if action == "add" and group is not None:
        await add_to_group(session, group_id=group.id, contact_ids=ids)
        return Outcome(changed_ids=ids)
    if action == "remove" and group is not None:
        await remove_from_group(session, group_id=group.id, contact_ids=ids)
        return Outcome(changed_ids=ids)
    if action in STATUS_FOR:
        status = STATUS_FOR[action]
        await session.execute(
            update(Contact)
            .where(in_workspace(Contact, org_id), Contact.id.in_(ids))
            .values(status=status, modified_on=func.now())
        )
        if status != "A":  # a contact that is not active is in no group (goflow's ReevaluateGroups)
            await session.execute(
                delete(contact_group_contacts).where(contact_group_contacts.c.contact_id.in_(ids))
            )
        # blocked and archived contacts leave their flows too; mailroom re-evaluates the rest
        return Outcome(interrupt_ids=ids if status != "A" else [], changed_ids=ids)
    if action == "interrupt":
        return Outcome(interrupt_ids=ids)
    if action == "archive_messages":
        await session.execute(
            update(Msg)
            .where(
                in_workspace(Msg, org_id),
                Msg.contact_id.in_(ids),
                Msg.direction == "I",
                Msg.visibility == "V",
            )
            .values(visibility="A", modified_on=func.now())
        )
        return Outcome()
    if action == "delete":
        await delete_contacts(session, org_id=org_id, contact_ids=ids)
        return Outcome(interrupt_ids=ids)
    raise DomainError("action", f'"{action}" is not a valid choice.')


async def add_to_group(session: AsyncSession, *, group_id: int, contact_ids: list[int]) -> None:
    if contact_ids:
        await session.execute(
            pg_insert(contact_group_contacts)
            .values([{"group_id": group_id, "contact_id": c} for c in contact_ids])
            .on_conflict_do_nothing()
        )
        await touch(session, contact_ids=contact_ids)


async def remove_from_group(session: AsyncSession, *, group_id: int, contact_ids: list[int]) -> None:
    await session.execute(
        delete(contact_group_contacts).where(
            contact_group_contacts.c.group_id == group_id,
            contact_group_contacts.c.contact_id.in_(contact_ids),
        )
    )
    await touch(session, contact_ids=contact_ids)


async def touch(session: AsyncSession, *, contact_ids: list[int]) -> None:
    await session.execute(update(Contact).where(Contact.id.in_(contact_ids)).values(modified_on=func.now()))


async def delete_contacts(session: AsyncSession, *, org_id: int, contact_ids: list[int]) -> None:
    """Soft delete as RapidPro's release: the row stays inactive with its personal data cleared, URNs are
    detached (kept so message history keeps its addresses) and group memberships go. The caller asks
    mailroom to interrupt their sessions once the transaction has committed. Their messages are deleted (as
    RapidPro's full release does), the soft way the message_actions delete does it: visibility D."""
    await session.execute(
        update(Contact)
        .where(Contact.id.in_(contact_ids), in_workspace(Contact, org_id))
        .values(is_active=False, name=None, fields={}, current_flow_id=None, modified_on=func.now())
    )
    await session.execute(
        update(ContactURN).where(ContactURN.contact_id.in_(contact_ids)).values(contact_id=None)
    )
    await session.execute(
        delete(contact_group_contacts).where(contact_group_contacts.c.contact_id.in_(contact_ids))
    )
    await session.execute(
        update(Msg)
        .where(Msg.contact_id.in_(contact_ids), in_workspace(Msg, org_id), Msg.visibility != "D")
        .values(visibility="D", modified_on=func.now())
    )
