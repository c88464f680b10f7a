"""The send form's input (message, groups, phone numbers, contact query) and its checks, shared by sending
now, scheduling, and editing a scheduled broadcast."""

from dataclasses import dataclass, field

from sqlalchemy import select

from upesi.contactql import QueryError, load_resolver, parse_query
from upesi.db.models import ContactGroup
from upesi.urns import URNError, parse_urn
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
    urns: str = ""
    query: str = ""
    send_when: str = "now"
    schedule: ScheduleInput = field(default_factory=ScheduleInput)


@dataclass
class Recipients:
    group_ids: list[int]
    urns: list[str]
    query: str | None


async def resolve_recipients(ctx: Ctx, form: SendInput) -> Recipients:
    urns: list[str] = []
    for raw in (u.strip() for u in form.urns.replace("\n", ",").split(",")):
        if raw:
            try:
                urns.append(parse_urn(raw if ":" in raw else f"tel:{raw}", country=ctx.org.country).identity)
            except (URNError, ValueError) as e:
                raise FieldError("urns", f"Phone numbers or URNs: {raw} is not valid ({e}).") from None
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
                    ContactGroup.org_id == ctx.org.id,
                    ContactGroup.is_active,
                    ContactGroup.uuid.in_(form.groups),
                )
            )
        ).scalars()
    )
    if not group_ids and not urns and query is None:
        raise FieldError("groups", "Recipients: choose groups, enter phone numbers or a contact query.")
    return Recipients(group_ids, urns, query)


def checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise FieldError("text", "Message: write a message.")
    if len(text) > MAX_TEXT:
        raise FieldError("text", f"Message: at most {MAX_TEXT} characters.")
    return text
