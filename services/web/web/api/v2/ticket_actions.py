"""ticket_actions (POST): assign, add_note, change_topic, close or reopen up to 100 tickets at once
(RapidPro's TicketActionsEndpoint and TicketBulkActionSerializer). Tickets the action does not change (closing
a closed ticket, reopening one whose contact has another open...) come back as failures; the rules are
upesi.domain.tickets'."""

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Topic, User
from upesi.domain import tickets as domain
from upesi.domain.errors import DomainError
from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.body import REQUIRED, read_body, string
from web.api.v2.errors import Errors, field_error
from web.api.v2.routing import endpoint, no_content
from web.api.v2.values import is_uuid

ACTIONS = ("assign", "add_note", "change_topic", "close", "reopen")
MAX_TICKETS = 100
# what each action needs besides the tickets, and RapidPro's message when it is missing
NEEDS = {"assign": "assignee", "add_note": "note", "change_topic": "topic"}


def _ref(value: Any, errors: Errors, name: str) -> str | None:
    """A TembaModelField value: a string (or integer), else DRF's message."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.add(name, "Must be a string or integer")
        return None
    return str(value)


@endpoint("ticket_actions", "POST", "tickets.ticket_update", summary="Act on many tickets at once",
          body=["tickets", "action", "assignee", "note", "topic"], response=objects.TicketFailures)  # fmt: skip
async def ticket_actions(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    refs: list[str] = []
    raw = data.get("tickets")
    if raw is None:
        errors.add("tickets", REQUIRED if "tickets" not in data else "This field may not be null.")
    elif not isinstance(raw, list):
        errors.add("tickets", f'Expected a list of items but got type "{type(raw).__name__}".')
    elif len(raw) > MAX_TICKETS:
        errors.add("tickets", f"Ensure this field has no more than {MAX_TICKETS} elements.")
    else:
        for item in raw:
            ref = _ref(item, errors, "tickets")
            if ref is None:
                break
            refs.append(ref.lower())
    action = string(data, "action", errors, required=True)
    if action is not None and action not in ACTIONS:
        errors.add("action", f'"{action}" is not a valid choice.')
    note = string(data, "note", errors, max_length=domain.MAX_NOTE_LENGTH)
    assignee_ref = None
    if data.get("assignee") is not None:
        assignee_ref = _ref(data["assignee"], errors, "assignee")
    topic_ref = None
    if "topic" in data:
        topic_ref = _ref(data["topic"], errors, "topic") if data["topic"] is not None else None
        if data["topic"] is None:
            errors.add("topic", "This field may not be null.")

    async with transaction() as session:
        # the objects named, each refused as DRF's TembaModelField does: "No such object: <value>"
        found = await domain.tickets_by_uuid(
            session, org_id=ctx.org_id, uuids=[r for r in refs if is_uuid(r)]
        )
        missing = next((r for r in refs if r not in found), None)
        if missing is not None and "tickets" not in errors.fields:
            errors.add("tickets", f"No such object: {missing}")
        assignee: User | None = None
        if assignee_ref is not None:
            assignee = await domain.find_assignee(session, org_id=ctx.org_id, email=assignee_ref)
            if assignee is None:
                errors.add("assignee", f"No such object: {assignee_ref}")
        topic: Topic | None = None
        if topic_ref is not None:
            topic = (
                await domain.find_topic(session, org_id=ctx.org_id, uuid=topic_ref)
                if is_uuid(topic_ref)
                else None
            )
            if topic is None:
                errors.add("topic", f"No such object: {topic_ref}")
        errors.raise_if_any()

        # the serializer's validate(), once every field is valid
        needed = NEEDS.get(action or "")
        given = {"assignee": "assignee" in data, "note": bool(note), "topic": topic is not None}
        if needed and not given[needed]:
            errors.add("non_field_errors", f'For action "{action}" you must specify the {needed}')
        errors.raise_if_any()

        ids = [found[r].id for r in refs]
        by = ctx.user_id
        try:
            changed = await _act(session, ctx.org_id, action, ids, by, assignee, note, topic)
        except DomainError as e:  # the checks above make this unexpected; still a 400 naming the field
            raise field_error(e.field, e.message) from e
    done = set(changed)
    failures = list(dict.fromkeys(str(found[r].uuid) for r in refs if found[r].id not in done))
    return {"failures": failures} if failures else no_content()


async def _act(session: AsyncSession, org_id: int, action: str | None, ids: list[int], by: int,
               assignee: User | None, note: str | None, topic: Topic | None) -> list[int]:  # fmt: skip
    match action:
        case "assign":
            return await domain.assign(session, org_id=org_id, ticket_ids=ids,
                                       assignee_id=assignee.id if assignee else None, user_id=by)  # fmt: skip
        case "add_note":
            return await domain.add_note(session, org_id=org_id, ticket_ids=ids, note=note or "", user_id=by)
        case "change_topic" if topic is not None:
            return await domain.change_topic(
                session, org_id=org_id, ticket_ids=ids, topic_id=topic.id, user_id=by
            )
        case "close":
            return await domain.close(session, org_id=org_id, ticket_ids=ids, user_id=by)
        case "reopen":
            return await domain.reopen(session, org_id=org_id, ticket_ids=ids, user_id=by)
    raise AssertionError(action)  # the choice check refused anything else
