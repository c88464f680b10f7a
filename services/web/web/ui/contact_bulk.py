"""Bulk actions on the contact list (RapidPro's): add to or remove from a group, block, archive, restore,
delete, on the contacts ticked or on every contact matching the list's search, through the same domain
function as API v2's contact_actions."""

import uuid as uuidlib
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from upesi.contactql import QueryError, search_contacts
from upesi.db.models import Contact, ContactGroup
from upesi.db.scoping import in_workspace
from upesi.domain.contact_actions import apply_action, check_action
from upesi.domain.errors import DomainError
from web.mailroom_tasks import contacts_changed, interrupt_contacts
from web.ui.auth import Csrf, CtxDep
from web.ui.contacts import list_filter

router = APIRouter()
BATCH = 1000  # ids per statement
# which actions each folder offers (delete only from the archive, as RapidPro)
UI_ACTIONS = ("add", "remove", "block", "archive", "restore", "delete")


def _back(path: str, search: str, group: str, **extra: str) -> RedirectResponse:
    query = {k: v for k, v in {"search": search, "group": group, **extra}.items() if v}
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


async def _matching(ctx: CtxDep, status: str, search: str, group_id: int | None) -> list[int]:
    """Every contact the list shows (all its pages), ids only."""
    if search.strip():
        found = await search_contacts(
            ctx.db, ctx.org.id, search, group_id=group_id, status=status, offset=0, limit=10_000_000
        )
        return list(found.contact_ids)
    where = list_filter(ctx.org.id, status, group_id)
    return list((await ctx.db.execute(select(Contact.id).where(*where))).scalars())


@router.post("/contact/bulk/", dependencies=[Csrf])
async def bulk(
    ctx: CtxDep,
    action: Annotated[str, Form()],
    folder: Annotated[str, Form()] = "/contact/",
    status: Annotated[str, Form()] = "A",
    search: Annotated[str, Form()] = "",
    group: Annotated[str, Form()] = "",
    target_group: Annotated[str, Form()] = "",
    contacts: Annotated[list[str] | None, Form()] = None,
    all_matching: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("contact_edit")
    if folder not in ("/contact/", "/contact/blocked/", "/contact/stopped/", "/contact/archived/"):
        folder = "/contact/"
    if action not in UI_ACTIONS:
        return _back(folder, search, group, error=f"Unknown action {action!r}")
    groups = {
        g.uuid: g
        for g in (
            await ctx.db.execute(
                select(ContactGroup).where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
            )
        ).scalars()
    }
    shown_group = groups.get(group)
    target = groups.get(target_group or group) if action in ("add", "remove") else None
    if action in ("add", "remove") and target is None:
        return _back(folder, search, group, error="Choose a group")
    if all_matching:
        try:
            ids = await _matching(ctx, status, search, shown_group.id if shown_group else None)
        except (QueryError, ValueError) as e:
            return _back(folder, search, group, error=str(e))
    else:
        uuids = [u for u in contacts or [] if _is_uuid(u)]
        ids = list(
            (
                await ctx.db.execute(
                    select(Contact.id).where(
                        in_workspace(Contact, ctx.org.id), Contact.is_active, Contact.uuid.in_(uuids)
                    )
                )
            ).scalars()
        )
    if not ids:
        return _back(folder, search, group, error="Select some contacts first")
    rows = (
        await ctx.db.execute(select(Contact.id, Contact.uuid, Contact.status).where(Contact.id.in_(ids)))
    ).all()
    try:
        check_action(action, target, {r.id: r.status for r in rows}, {r.id: str(r.uuid) for r in rows})
    except DomainError as e:
        return _back(folder, search, group, error=e.message)
    interrupt_ids: list[int] = []
    changed_ids: list[int] = []
    for start in range(0, len(ids), BATCH):
        outcome = await apply_action(
            ctx.db, org_id=ctx.org.id, action=action, contact_ids=ids[start : start + BATCH], group=target
        )
        interrupt_ids += outcome.interrupt_ids
        changed_ids += outcome.changed_ids
    await ctx.db.commit()
    await interrupt_contacts(ctx.org.id, interrupt_ids)
    await contacts_changed(ctx.org.id, changed_ids)
    done = f"{len(ids)} contact{'' if len(ids) == 1 else 's'}: {action} done"
    return _back(folder, search, group, done=quote(done, safe=" :"))


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True
