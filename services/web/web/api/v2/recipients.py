"""Recipient lists shared by broadcasts and flow_starts: URNs, contacts and groups, validated in batched
queries, and the link tables that hold them."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Contact
from upesi.urns import URNError, parse_urn
from web.api.v2 import body as b
from web.api.v2.auth import APIContext
from web.api.v2.contact_writes import resolve_groups
from web.api.v2.errors import Errors
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid


@dataclass
class Recipients:
    urns: list[str] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.urns or self.contact_ids or self.group_ids)


async def validate_recipients(
    session: AsyncSession, ctx: APIContext, data: dict[str, Any], errors: Errors
) -> Recipients:
    recipients = Recipients()
    raw_urns = b.string_list(data, "urns", errors) or []
    if raw_urns and ctx.org.is_anon:
        errors.add("urns", "Referencing by URN not allowed for anonymous organizations")
        raw_urns = []
    # named by index, as DRF's ListField names its items: {"urns": {"0": ["Invalid URN: ..."]}}
    urn_errors: dict[str, list[str]] = {}
    for i, raw in enumerate(raw_urns):
        try:
            recipients.urns.append(parse_urn(raw, ctx.org.country).identity)
        except URNError:
            urn_errors[str(i)] = [f"Invalid URN: {raw}. Ensure phone numbers contain country codes."]
    if urn_errors:
        errors.nested("urns", urn_errors)
    contact_refs = b.string_list(data, "contacts", errors) or []
    if contact_refs:
        uuids = [r for r in contact_refs if is_uuid(r)]
        rows = await session.execute(
            select(Contact.uuid, Contact.id).where(
                in_org(ctx, Contact),
                Contact.is_active,
                Contact.uuid.in_(uuids or ["00000000-0000-0000-0000-000000000000"]),
            )
        )
        by_uuid = {str(u): i for u, i in rows}
        for ref in contact_refs:
            if ref in by_uuid:
                recipients.contact_ids.append(by_uuid[ref])
            else:
                errors.add("contacts", f"No such object: {ref}")
    group_refs = b.string_list(data, "groups", errors) or []
    if group_refs:
        groups = await resolve_groups(session, ctx, group_refs, errors, "groups", manual_only=False)
        recipients.group_ids = [g.id for g in groups]
    return recipients


async def save_links(
    session: AsyncSession, table: Table, owner_col: str, owner_id: int, other_col: str, ids: list[int]
) -> None:
    if ids:
        await session.execute(
            table.insert().values([{owner_col: owner_id, other_col: i} for i in sorted(set(ids))])
        )


async def linked_refs(
    session: AsyncSession, table: Table, owner_col: str, other_col: str, model: Any, owner_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """{owner id: [{uuid, name}]} of the contacts or groups linked to a page of broadcasts or starts."""
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not owner_ids:
        return result
    rows = await session.execute(
        select(table.c[owner_col], model.uuid, model.name)
        .join(model, model.id == table.c[other_col])
        .where(table.c[owner_col].in_(owner_ids))
        .order_by(table.c[owner_col], model.id)
    )
    for owner_id, uuid, name in rows:
        result[owner_id].append({"uuid": str(uuid), "name": name})
    return result
