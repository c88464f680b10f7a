"""message_actions (POST): label, unlabel, archive, restore, delete up to 100 messages by id. Messages
that cannot take the action (not found, outgoing for archive...) come back as failures."""

from typing import Any

from fastapi import Request
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from upesi.db.engine import transaction
from upesi.db.models import Label, Msg, msg_labels
from upesi.domain.errors import DomainError, LimitReached
from upesi.domain.labels import create_label
from upesi.domain.names import clean_name
from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors, field_error
from web.api.v2.routing import endpoint, no_content
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid

ACTIONS = ("label", "unlabel", "archive", "restore", "delete")
MAX_MESSAGES = 100
MAX_LABEL_NAME = 64


@endpoint("message_actions", "POST", "msgs.msg_update", summary="Act on many messages at once",
          body=["messages", "action", "label", "label_name"], response=objects.MessageFailures)  # fmt: skip
async def message_actions(request: Request, ctx: APIContext) -> Any:
    """RapidPro's MsgBulkActionSerializer: field errors first (an outgoing message, an unknown label), then the
    rules across fields; unlabelling by a name no label has is a no-op, and labelling by one creates it."""
    data = await read_body(request)
    errors = Errors()
    raw_ids = data.get("messages")
    ids: list[int] = []
    if raw_ids is None:
        errors.add("messages", "This field is required.")
    elif not isinstance(raw_ids, list):
        errors.add("messages", f'Expected a list of items but got type "{type(raw_ids).__name__}".')
    elif len(raw_ids) > MAX_MESSAGES:
        errors.add("messages", f"Ensure this field has no more than {MAX_MESSAGES} elements.")
    elif not all(isinstance(i, int) and not isinstance(i, bool) for i in raw_ids):
        errors.add("messages", "Must be a string or integer")
    else:
        ids = list(dict.fromkeys(raw_ids))
    action = string(data, "action", errors, required=True)
    if action is not None and action not in ACTIONS:
        errors.add("action", f'"{action}" is not a valid choice.')
    label_ref = None
    if "label" in data:
        # DRF's related field takes "" as null, which it refuses
        label_ref = string(data, "label", errors, allow_null=True, allow_blank=True)
        if not label_ref and "label" not in errors.fields:
            errors.add("label", "This field may not be null.")
    label_name = string(data, "label_name", errors, max_length=MAX_LABEL_NAME)
    if label_name is not None:
        try:
            clean_name(label_name, field="label_name", max_length=MAX_LABEL_NAME)
        except DomainError as e:
            errors.add(e.field, e.message)

    async with transaction() as session:
        # messages deleted since the client saw them are not an error: they come back as failures
        msgs = {
            m.id: m
            for m in (
                await session.execute(
                    select(Msg.id, Msg.direction, Msg.visibility).where(
                        in_org(ctx, Msg), Msg.id.in_(ids or [-1]), Msg.visibility.in_(("V", "A"))
                    )
                )
            ).all()
        }
        outgoing = [i for i in ids if i in msgs and msgs[i].direction != "I"]
        if outgoing:
            errors.add("messages", f"Not an incoming message: {outgoing[0]}")
        label = None
        if label_ref:
            cond = (
                Label.uuid == label_ref if is_uuid(label_ref) else func.lower(Label.name) == label_ref.lower()
            )
            label = (
                await session.execute(select(Label).where(in_org(ctx, Label), Label.is_active, cond))
            ).scalar_one_or_none()
            if label is None:
                errors.add("label", f"No such object: {label_ref}")
        errors.raise_if_any()
        if label_ref and label_name:
            errors.add("non_field_errors", "Can't specify both label and label_name.")
        elif action in ("label", "unlabel") and not (label_ref or label_name):
            errors.add("non_field_errors", f'For action "{action}" you should also specify a label')
        elif action not in ("label", "unlabel") and (label_ref or label_name):
            errors.add("non_field_errors", f'For action "{action}" you should not specify a label')
        errors.raise_if_any()

        if label is None and label_name:
            label = (
                await session.execute(
                    select(Label).where(
                        in_org(ctx, Label), Label.is_active, func.lower(Label.name) == label_name.lower()
                    )
                )
            ).scalar_one_or_none()
            if label is None and action == "label":
                try:
                    label = await create_label(session, org=ctx.org, name=label_name)
                except LimitReached:
                    raise  # 409, as any limit
                except DomainError as e:
                    raise field_error("label_name", e.message) from e  # the field the client sent
        affected = sorted(msgs)
        if affected:
            if action == "label" and label is not None:
                await session.execute(
                    pg_insert(msg_labels)
                    .values([{"label_id": label.id, "msg_id": i} for i in affected])
                    .on_conflict_do_nothing()
                )
            elif action == "unlabel":
                if label is not None:
                    await session.execute(
                        delete(msg_labels).where(
                            msg_labels.c.label_id == label.id, msg_labels.c.msg_id.in_(affected)
                        )
                    )
            else:
                visibility = {"archive": "A", "restore": "V", "delete": "D"}[action or ""]
                await session.execute(
                    update(Msg)
                    .where(Msg.id.in_(affected))
                    .values(visibility=visibility, modified_on=func.now())
                )
                if action == "delete":
                    await session.execute(delete(msg_labels).where(msg_labels.c.msg_id.in_(affected)))
    failures = [i for i in ids if i not in msgs]
    return {"failures": failures} if failures else no_content()
