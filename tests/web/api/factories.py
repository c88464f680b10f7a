"""Rows for API tests, written straight to the database as the other services would leave them."""

import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from upesi.db.engine import transaction
from upesi.db.models import (
    Channel,
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Flow,
    FlowRevision,
    FlowRun,
    Msg,
    contact_group_contacts,
)


def uid() -> str:
    return str(uuidlib.uuid4())


async def add(obj: Any) -> Any:
    async with transaction() as s:
        s.add(obj)
        await s.flush()
        await s.refresh(obj)
    return obj


async def contact(org_id: int, name: str = "Bob", urns: list[str] = (), **kw: Any) -> Contact:  # type: ignore[assignment]
    async with transaction() as s:
        c = Contact(
            uuid=uid(),
            org_id=org_id,
            name=name,
            status=kw.pop("status", "A"),
            fields=kw.pop("fields", {}),
            **kw,
        )
        s.add(c)
        await s.flush()
        for i, u in enumerate(urns):
            scheme, _, path = u.partition(":")
            s.add(
                ContactURN(
                    org_id=org_id, contact_id=c.id, scheme=scheme, path=path, identity=u, priority=1000 - i
                )
            )
        await s.flush()
        await s.refresh(c)
    return c


async def group(
    org_id: int, name: str, contacts: list[Contact] = (), group_type: str = "M", query: str | None = None
) -> ContactGroup:  # type: ignore[assignment]
    async with transaction() as s:
        g = ContactGroup(uuid=uid(), org_id=org_id, name=name, group_type=group_type, query=query, status="R")
        s.add(g)
        await s.flush()
        if contacts:
            await s.execute(
                insert(contact_group_contacts).values(
                    [{"group_id": g.id, "contact_id": c.id} for c in contacts]
                )
            )
        await s.refresh(g)
    return g


async def field(org_id: int, key: str, name: str, value_type: str = "T") -> ContactField:
    return await add(ContactField(uuid=uid(), org_id=org_id, key=key, name=name, value_type=value_type))


async def channel(
    org_id: int, channel_type: str = "EX", address: str = "+250788000001", schemes: list[str] | None = None
) -> Channel:
    return await add(
        Channel(uuid=uid(), org_id=org_id, channel_type=channel_type, name=f"{channel_type} {address}", address=address,
                country="RW", schemes=schemes or ["tel"])
    )  # fmt: skip


FLOW_DEF = {
    "uuid": "",
    "name": "Registration",
    "spec_version": "14.4.2",
    "language": "eng",
    "type": "messaging",
    "nodes": [
        {
            "uuid": "8dd4fb40-0cc3-4a2f-9a0b-0d1b21e2e3a1",
            "actions": [],
            "router": {
                "type": "switch",
                "result_name": "Age Group",
                "categories": [
                    {"uuid": "c1a6f5a0-4a4b-4d1b-9a43-1b1f5a0d5e01", "name": "Young", "exit_uuid": uid()},
                    {"uuid": "c1a6f5a0-4a4b-4d1b-9a43-1b1f5a0d5e02", "name": "Old", "exit_uuid": uid()},
                ],
            },
            "exits": [],
        }
    ],
}


async def flow(org_id: int, name: str = "Registration", flow_type: str = "M", archived: bool = False) -> Flow:
    async with transaction() as s:
        f = Flow(uuid=uid(), org_id=org_id, name=name, flow_type=flow_type, is_archived=archived)
        s.add(f)
        await s.flush()
        s.add(
            FlowRevision(
                flow_id=f.id,
                revision=1,
                spec_version="14.4.2",
                definition=dict(FLOW_DEF, uuid=f.uuid, name=name),
            )
        )
        await s.flush()
        await s.refresh(f)
    return f


async def run(
    org_id: int, flow: Flow, contact: Contact, status: str = "C", responded: bool = True, **kw: Any
) -> FlowRun:
    now = datetime.now(UTC)
    return await add(
        FlowRun(
            uuid=uid(), org_id=org_id, flow_id=flow.id, contact_id=contact.id, session_uuid=uid(), status=status,
            responded=responded,
            results={"age_group": {"name": "Age Group", "value": "23", "category": "Young",
                                   "node_uuid": "8dd4fb40-0cc3-4a2f-9a0b-0d1b21e2e3a1", "created_on": now.isoformat(), "input": "23"}},
            path_nodes=["8dd4fb40-0cc3-4a2f-9a0b-0d1b21e2e3a1"], path_times=[now - timedelta(seconds=5)],
            exited_on=now if status in "CIXF" else None, **kw,
        )
    )  # fmt: skip


async def msg(
    org_id: int, contact: Contact, text: str = "hi", direction: str = "I", status: str = "H", **kw: Any
) -> Msg:
    return await add(
        Msg(
            uuid=uid(),
            org_id=org_id,
            contact_id=contact.id,
            text=text,
            direction=direction,
            status=status,
            **kw,
        )
    )
