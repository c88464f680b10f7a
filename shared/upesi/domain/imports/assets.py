"""The workspace's named objects an import matches or creates: fields (by key), groups, labels and topics
(by UUID, then name), globals (by key), resthooks (by slug). Loaded once per import, so matching never
costs a query per row; creations are added to the session and to these lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql.parser import RawCombination, RawCondition, RawNode, parse_tree
from upesi.contactql.query import ATTRIBUTES
from upesi.db.base import Base
from upesi.db.models import ContactField, ContactGroup, Global, Label
from upesi.db.models.media import Topic
from upesi.db.models.resthooks import Resthook
from upesi.db.scoping import in_workspace
from upesi.domain.contact_fields import MAX_LEN, is_valid_key, is_valid_name
from upesi.domain.imports.reading import clean_name
from upesi.domain.imports.report import ImportRefused, ImportReport
from upesi.domain.imports.uuids import is_uuid, new_uuid, taken_uuids
from upesi.urns import SCHEMES

FIELD_TYPES = {"text": "T", "number": "N", "numeric": "N", "datetime": "D", "state": "S", "district": "I",
               "ward": "W"}  # fmt: skip
FIELD_TYPE_NAMES = {code: name for name, code in FIELD_TYPES.items() if name != "numeric"}
SYSTEM_FIELDS = {"created_on", "last_seen_on"}

M = TypeVar("M", bound=Base)


@dataclass
class Assets:
    org_id: int
    report: ImportReport
    fields: dict[str, ContactField] = field(default_factory=dict)
    groups: dict[str, ContactGroup] = field(default_factory=dict)  # by UUID
    labels: dict[str, Label] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    globals: dict[str, Global] = field(default_factory=dict)
    resthooks: dict[str, Resthook] = field(default_factory=dict)
    new_smart_groups: list[ContactGroup] = field(default_factory=list)

    @classmethod
    async def load(cls, session: AsyncSession, *, org_id: int, report: ImportReport) -> Assets:
        async def rows(model: type[M]) -> list[M]:
            stmt = select(model).where(in_workspace(model, org_id), model.is_active)  # type: ignore[attr-defined]
            return list((await session.execute(stmt)).scalars())

        return cls(
            org_id=org_id,
            report=report,
            fields={f.key: f for f in await rows(ContactField)},
            groups={str(g.uuid): g for g in await rows(ContactGroup)},
            labels={str(x.uuid): x for x in await rows(Label)},
            topics={str(x.uuid): x for x in await rows(Topic)},
            globals={g.key: g for g in await rows(Global)},
            resthooks={r.slug: r for r in await rows(Resthook)},
        )

    # fields ------------------------------------------------------------------------------------------------

    async def field(
        self, session: AsyncSession, key: str, name: str | None = None, value_type: str | None = None
    ) -> ContactField:
        """RapidPro's ContactField.get_or_create: an existing field takes the given (valid) name and type."""
        existing = self.fields.get(key)
        if existing is not None:
            changed = False
            if name and existing.name != name and is_valid_name(name):
                existing.name, changed = name, True
            if value_type and existing.value_type != value_type:
                existing.value_type, changed = value_type, True
            if changed:
                self.report.update("fields", key)
            return existing
        if not is_valid_key(key):
            raise ImportRefused(f"field '{key}': not a valid contact field key")
        if not name or not is_valid_name(name):
            name = key.replace("_", " ").capitalize()[:MAX_LEN]
        created = ContactField(
            uuid=new_uuid(), org_id=self.org_id, key=key, name=name, value_type=value_type or "T"
        )
        session.add(created)
        self.fields[key] = created
        self.report.create("fields", key)
        return created

    async def fields_of_query(self, session: AsyncSession, query: str) -> None:
        """Create the fields a smart group's query uses, as RapidPro does before creating the group."""
        try:
            tree = parse_tree(query)
        except ValueError as e:
            raise ImportRefused(f"group query '{query}': {e}") from e
        for key in _query_field_keys(tree):
            await self.field(session, key)

    # groups ------------------------------------------------------------------------------------------------

    def group_by_name(self, name: str) -> ContactGroup | None:
        lowered = name.lower()
        return next((g for g in self.groups.values() if g.name.lower() == lowered), None)

    async def group(
        self, session: AsyncSession, uuid: str | None, name: str | None, query: str | None = None
    ) -> ContactGroup:
        """RapidPro's ContactGroup.get_or_create: by UUID in the workspace, then by name, else created."""
        if uuid and uuid in self.groups:
            return self.groups[uuid]
        name = clean_name(name or "")
        existing = self.group_by_name(name) if name else None
        if existing is not None:
            return existing
        if not name:
            raise ImportRefused(f"group {uuid}: has no name, so it can't be created")
        if query:
            await self.fields_of_query(session, query)
        keep = uuid and is_uuid(uuid) and not await taken_uuids(session, ContactGroup, [uuid])
        group = ContactGroup(
            uuid=uuid if keep else new_uuid(), org_id=self.org_id, name=name, group_type="Q" if query else "M",
            query=query or None, status="I" if query else "R",
        )  # fmt: skip
        session.add(group)
        self.groups[group.uuid] = group
        if query:
            self.new_smart_groups.append(group)
        self.report.create("groups", name)
        return group

    # labels and topics -------------------------------------------------------------------------------------

    async def label(self, session: AsyncSession, uuid: str, name: str) -> Label:
        return await self._named(session, self.labels, Label, "labels", uuid, name)

    async def topic(self, session: AsyncSession, uuid: str, name: str) -> Topic:
        return await self._named(session, self.topics, Topic, "topics", uuid, name)

    async def _named(
        self, session: AsyncSession, known: dict[str, Any], model: type[Any], kind: str, uuid: str, name: str
    ) -> Any:
        if uuid in known:
            return known[uuid]
        name = clean_name(name or "")
        lowered = name.lower()
        match = next((x for x in known.values() if x.name.lower() == lowered), None)
        if match is not None:
            return match
        if not name:
            raise ImportRefused(f"{kind[:-1]} {uuid}: has no name, so it can't be created")
        keep = is_uuid(uuid) and not await taken_uuids(session, model, [uuid])
        obj = model(uuid=uuid if keep else new_uuid(), org_id=self.org_id, name=name)
        session.add(obj)
        known[obj.uuid] = obj
        self.report.create(kind, name)
        return obj

    # globals and resthooks ---------------------------------------------------------------------------------

    def global_(self, session: AsyncSession, key: str, name: str) -> None:
        """Globals aren't in exports: RapidPro creates the ones flows use, with a blank value."""
        if key in self.globals:
            return
        name = (name or key.replace("_", " ").capitalize())[:36]
        created = Global(uuid=new_uuid(), org_id=self.org_id, key=key[:36], name=name, value="")
        session.add(created)
        self.globals[key] = created
        self.report.create("globals", key)

    def resthook(self, session: AsyncSession, slug: str) -> None:
        if slug in self.resthooks:
            return
        created = Resthook(org_id=self.org_id, slug=slug[:50])
        session.add(created)
        self.resthooks[slug] = created
        self.report.create("resthooks", slug)


def _query_field_keys(node: RawNode | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, RawCombination):
        return [k for child in node.children for k in _query_field_keys(child)]
    assert isinstance(node, RawCondition)
    if node.prop is None:
        return []
    prop = node.prop.lower()
    if prop.startswith("fields."):
        return [prop.removeprefix("fields.")]
    if prop in ATTRIBUTES or prop in SCHEMES or prop.startswith("urns.") or prop in SYSTEM_FIELDS:
        return []
    return [prop]
