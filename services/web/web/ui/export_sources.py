"""What each kind of export reads: its header, how many rows it will have, and its rows a batch at a time
by keyset pagination (each batch a short query of its own after the last id seen, so no transaction or
cursor stays open for the length of a million-row export)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql import QueryError
from upesi.contactql.query import parse_query
from upesi.contactql.resolver import load_resolver
from upesi.contactql.sql import to_sql
from upesi.db.models import (
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Export,
    Flow,
    FlowRun,
    Msg,
    contact_group_contacts,
)
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.db.models.labels import Label, msg_labels
from upesi.db.ops.flows import latest_definition
from upesi.db.scoping import in_workspace
from web.ui.editor.info import flow_info
from web.ui.flows.results import RUN_STATUSES
from web.ui.msgs import FOLDERS, STATUS_NAMES


class ExportParamsError(ValueError):
    """The export names something that no longer exists (a deleted group, label or flow)."""


@dataclass
class Source:
    """One export's query. `where` filters the rows, `key` is the keyset column (ascending unless
    `descending`), `select` the columns a row is made of and `row` turns them into cells."""

    header: list[str]
    sheet: str
    where: list[Any]
    key: Any
    descending: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def query(self) -> Select[Any]:
        raise NotImplementedError

    def row(self, values: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    async def count(self, session: AsyncSession) -> int:
        stmt = select(func.count()).select_from(self.key.table).where(*self.where)
        return int((await session.execute(stmt)).scalar_one())

    async def batch(
        self, session: AsyncSession, after: int | None, size: int
    ) -> tuple[list[list[Any]], int | None]:
        """Up to `size` rows after keyset position `after`, and the position to continue from."""
        stmt = self.query().where(*self.where)
        if after is not None:
            stmt = stmt.where(self.key < after if self.descending else self.key > after)
        stmt = stmt.order_by(self.key.desc() if self.descending else self.key).limit(size)
        result = (await session.execute(stmt)).all()
        if not result:
            return [], after
        return [self.row(r[1:]) for r in result], result[-1][0]


class ContactsSource(Source):
    def query(self) -> Select[Any]:
        urns = (
            select(func.string_agg(ContactURN.identity, ", "))
            .where(ContactURN.contact_id == Contact.id)
            .scalar_subquery()
        )
        return select(Contact.id, Contact, urns)

    def row(self, values: Sequence[Any]) -> list[Any]:
        contact, identities = values
        fields: list[ContactField] = self.extra["fields"]
        stored = contact.fields or {}
        return [contact.uuid, contact.name or "", contact.language or "", CONTACT_STATUSES.get(contact.status, contact.status),
                identities or "", contact.created_on, contact.last_seen_on,
                *[(stored.get(f.uuid) or {}).get("text", "") for f in fields]]  # fmt: skip


class MessagesSource(Source):
    def query(self) -> Select[Any]:
        columns: list[Any] = [Msg.id, Msg, Contact.uuid, Contact.name, ContactURN.identity]
        return (
            select(*columns)
            .join(Contact, Contact.id == Msg.contact_id)
            .outerjoin(ContactURN, ContactURN.id == Msg.contact_urn_id)
        )

    def row(self, values: Sequence[Any]) -> list[Any]:
        msg, contact_uuid, name, urn = values
        return [msg.created_on, contact_uuid, name or "", urn or "", "in" if msg.direction == "I" else "out", msg.text,
                " ".join(msg.attachments or []), STATUS_NAMES.get(msg.status, msg.status)]  # fmt: skip


class FlowResultsSource(Source):
    def query(self) -> Select[Any]:
        urn = (
            select(ContactURN.identity)
            .where(ContactURN.contact_id == Contact.id)
            .order_by(ContactURN.priority.desc())
            .limit(1)
            .scalar_subquery()
        )
        return select(FlowRun.id, FlowRun, Contact.uuid, Contact.name, urn).join(
            Contact, Contact.id == FlowRun.contact_id
        )

    def row(self, values: Sequence[Any]) -> list[Any]:
        run, contact_uuid, name, identity = values
        row: list[Any] = [contact_uuid, name or "", identity or "", run.created_on, run.modified_on, run.exited_on,
                          RUN_STATUSES.get(run.status, run.status)]  # fmt: skip
        for r in self.extra["results"]:
            value = (run.results or {}).get(r["key"]) or {}
            row += [value.get("category", ""), value.get("value", ""), value.get("input", "")]
        return row


async def _contacts(session: AsyncSession, org_id: int, params: dict[str, Any]) -> Source:
    fields = list(
        (
            await session.execute(
                select(ContactField)
                .where(in_workspace(ContactField, org_id), ContactField.is_active)
                .order_by(ContactField.name)
            )
        ).scalars()
    )
    where: list[Any] = [in_workspace(Contact, org_id), Contact.is_active]
    if params.get("group"):
        group_id = (
            await session.execute(
                select(ContactGroup.id).where(
                    in_workspace(ContactGroup, org_id), ContactGroup.uuid == params["group"]
                )
            )
        ).scalar_one_or_none()
        if group_id is None:
            raise ExportParamsError("The group of this export no longer exists")
        members = select(contact_group_contacts.c.contact_id).where(
            contact_group_contacts.c.group_id == group_id
        )
        where.append(Contact.id.in_(members))
    if params.get("search"):
        try:
            where.append(to_sql(parse_query(params["search"], await load_resolver(session, org_id)), org_id))
        except (QueryError, ValueError) as e:
            raise ExportParamsError(f"search: {e}") from e
    header = ["Contact UUID", "Name", "Language", "Status", "URNs", "Created On", "Last Seen On",
              *[f"Field:{f.name}" for f in fields]]  # fmt: skip
    return ContactsSource(header, "Contacts", where, Contact.id, extra={"fields": fields})


async def _messages(session: AsyncSession, org_id: int, params: dict[str, Any]) -> Source:
    where: list[Any] = [in_workspace(Msg, org_id), Msg.visibility == "V"]
    if params.get("label"):
        label_id = (
            await session.execute(
                select(Label.id).where(in_workspace(Label, org_id), Label.uuid == params["label"])
            )
        ).scalar_one_or_none()
        if label_id is None:
            raise ExportParamsError("The label of this export no longer exists")
        where.append(Msg.id.in_(select(msg_labels.c.msg_id).where(msg_labels.c.label_id == label_id)))
    else:
        where += FOLDERS.get(params.get("folder", "inbox"), FOLDERS["inbox"])[1]
    header = ["Date", "Contact UUID", "Contact Name", "URN", "Direction", "Text", "Attachments", "Status"]
    return MessagesSource(header, "Messages", where, Msg.id, descending=True)


async def _flow_results(session: AsyncSession, org_id: int, params: dict[str, Any]) -> Source:
    flow_id = (
        await session.execute(
            select(Flow.id).where(in_workspace(Flow, org_id), Flow.uuid == params.get("flow"))
        )
    ).scalar_one_or_none()
    if flow_id is None:
        raise ExportParamsError("The flow of this export no longer exists")
    results = flow_info(await latest_definition(session, flow_id))["results"]
    header = ["Contact UUID", "Contact Name", "URN", "Started", "Modified", "Exited", "Status"]
    for r in results:
        header += [f"{r['name']} (Category)", f"{r['name']} (Value)", f"{r['name']} (Text)"]
    return FlowResultsSource(
        header, "Runs", [FlowRun.flow_id == flow_id], FlowRun.id, extra={"results": results}
    )


LOADERS = {"contacts": _contacts, "messages": _messages, "flow_results": _flow_results}


async def load_source(session: AsyncSession, export: Export) -> Source:
    return await LOADERS[export.export_type](session, export.org_id, export.params or {})
