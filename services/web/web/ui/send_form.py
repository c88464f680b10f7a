"""The send form's input (message, groups, contacts, phone numbers, contact query) and its checks, shared
by sending now, scheduling, and editing a scheduled broadcast; and writing a broadcast's recipients."""

from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql import QueryError, load_resolver, parse_query
from upesi.db.models import Contact, ContactGroup, ContactURN
from upesi.db.models.msgs import broadcast_contacts, broadcast_groups
from upesi.db.scoping import in_workspace
from upesi.domain.urns import InvalidURN, typed_urn
from web.ui.auth import Ctx
from web.ui.schedule_form import ScheduleInput

MAX_TEXT = 640


class FieldError(ValueError):
    """Bad input in one field of the send form; the message starts with the field's label."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class SendInput:
    """The send form as typed, so a refused form is shown again with nothing lost."""

    text: str = ""
    groups: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)  # contact UUIDs picked in the form
    urns: str = ""
    query: str = ""
    send_when: str = "now"
    schedule: ScheduleInput = field(default_factory=ScheduleInput)


@dataclass
class Recipients:
    group_ids: list[int]
    contact_ids: list[int]
    urns: list[str]
    query: str | None


async def resolve_recipients(ctx: Ctx, form: SendInput) -> Recipients:
    urns: list[str] = []
    for raw in (u.strip() for u in form.urns.replace("\n", ",").split(",")):
        if raw:
            try:
                urns.append(typed_urn(raw, ctx.org.country).identity)
            except InvalidURN as e:
                raise FieldError("urns", f"Phone numbers or URNs: {e}.") from None
    query: str | None = None
    if form.query.strip():
        try:
            parsed = parse_query(form.query.strip(), await load_resolver(ctx.db, ctx.org.id))
        except (QueryError, ValueError) as e:
            raise FieldError("query", f"Contact query: {e}") from None
        query = parsed.normalized
    group_ids = list(
        (
            await ctx.db.execute(
                select(ContactGroup.id).where(
                    in_workspace(ContactGroup, ctx.org.id),
                    ContactGroup.is_active,
                    ContactGroup.uuid.in_(form.groups),
                )
            )
        ).scalars()
    )
    contact_ids: list[int] = []
    if form.contacts:
        contact_ids = list(
            (
                await ctx.db.execute(
                    select(Contact.id).where(
                        in_workspace(Contact, ctx.org.id), Contact.is_active, Contact.uuid.in_(form.contacts)
                    )
                )
            ).scalars()
        )
        if len(contact_ids) < len(set(form.contacts)):
            raise FieldError(
                "contacts", "Contacts: a chosen contact no longer exists; remove it and try again."
            )
    if not group_ids and not contact_ids and not urns and query is None:
        raise FieldError(
            "groups", "Recipients: choose groups or contacts, enter phone numbers or a contact query."
        )
    return Recipients(group_ids, contact_ids, urns, query)


async def save_recipients(db: AsyncSession, broadcast_id: int, recipients: Recipients) -> None:
    """The broadcast's group and contact links, replacing any it had."""
    for table, column, ids in (
        (broadcast_groups, "group_id", recipients.group_ids),
        (broadcast_contacts, "contact_id", recipients.contact_ids),
    ):
        await db.execute(delete(table).where(table.c.broadcast_id == broadcast_id))
        if ids:
            await db.execute(insert(table), [{"broadcast_id": broadcast_id, column: i} for i in ids])


async def contact_choices(ctx: Ctx, uuids: list[str]) -> list[dict[str, str]]:
    """Names for the contacts a form holds, to show them as picked."""
    if not uuids:
        return []
    urn = (
        select(ContactURN.identity)
        .where(ContactURN.contact_id == Contact.id)
        .order_by(ContactURN.priority.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await ctx.db.execute(
        select(Contact.uuid, Contact.name, urn).where(
            in_workspace(Contact, ctx.org.id), Contact.uuid.in_(uuids)
        )
    )
    return [{"uuid": u, "name": name or identity or u} for u, name, identity in rows]


def checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise FieldError("text", "Message: write a message.")
    if len(text) > MAX_TEXT:
        raise FieldError("text", f"Message: at most {MAX_TEXT} characters.")
    return text
