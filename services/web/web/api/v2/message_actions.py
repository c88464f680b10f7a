"""message_actions (POST): label, unlabel, archive, restore, delete up to 100 messages by id. Messages
that cannot take the action (not found, outgoing for archive...) come back as failures."""

from typing import Any

from fastapi import Request
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from upesi.db.engine import transaction
from upesi.db.models import Label, Msg, msg_labels
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors
from web.api.v2.routing import endpoint, no_content
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid, new_uuid

ACTIONS = ("label", "unlabel", "archive", "restore", "delete")


@endpoint("message_actions", "POST", "msgs.msg_update", summary="Act on many messages at once",
          body=["messages", "action", "label", "label_name"])  # fmt: skip
async def message_actions(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    raw_ids = data.get("messages")
    ids: list[int] = []
    if raw_ids is None:
        errors.add("messages", "This field is required.")
    elif not isinstance(raw_ids, list) or len(raw_ids) > 100:
        errors.add("messages", "Ensure this field has no more than 100 elements.")
    else:
        try:
            ids = sorted({int(i) for i in raw_ids})
        except (TypeError, ValueError):
            errors.add("messages", "A valid integer is required.")
    action = string(data, "action", errors, required=True)
    if action is not None and action not in ACTIONS:
        errors.add("action", f'"{action}" is not a valid choice.')
    label_ref = string(data, "label", errors, allow_null=True)
    label_name = string(data, "label_name", errors, allow_null=True, max_length=64)
    if action in ("label", "unlabel") and not (label_ref or label_name):
        errors.add("non_field_errors", f'For action "{action}" you should also specify a label')
    elif action not in ("label", "unlabel") and (label_ref or label_name):
        errors.add("non_field_errors", f'For action "{action}" you should not specify a label')

    async with transaction() as session:
        label = None
        if not errors and action in ("label", "unlabel"):
            cond = (
                Label.uuid == label_ref if label_ref and is_uuid(label_ref)
                else func.lower(Label.name) == (label_ref or label_name or "").lower()
            )  # fmt: skip
            label = (
                await session.execute(select(Label).where(in_org(ctx, Label), Label.is_active, cond))
            ).scalar_one_or_none()
            if label is None and label_name and action == "label":
                label = Label(uuid=new_uuid(), org_id=ctx.org_id, name=label_name)
                session.add(label)
                await session.flush()
            elif label is None:
                errors.add(
                    "label" if label_ref else "label_name", f"No such object: {label_ref or label_name}"
                )
        errors.raise_if_any()

        msgs = (
            await session.execute(
                select(Msg.id, Msg.direction, Msg.visibility).where(in_org(ctx, Msg), Msg.id.in_(ids or [-1]))
            )
        ).all()
        # labels, archiving and restoring apply to incoming messages only, as in RapidPro
        ok = {m.id for m in msgs if m.visibility != "D" and (action == "delete" or m.direction == "I")}
        affected = sorted(ok)
        if affected:
            if action == "label" and label is not None:
                await session.execute(
                    pg_insert(msg_labels)
                    .values([{"label_id": label.id, "msg_id": i} for i in affected])
                    .on_conflict_do_nothing()
                )
            elif action == "unlabel" and label is not None:
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
    failures = [i for i in ids if i not in ok]
    return {"failures": failures} if failures else no_content()
