"""What a query is checked against: the workspace's fields, groups and flows and its environment
(timezone, date format, country). Built once per request or per batch and shared by every query."""

from dataclasses import dataclass
from dataclasses import field as dc_field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import ContactField, ContactGroup, Flow, Org
from upesi.db.models.contacts import FIELD_VALUE_TYPES

# contact_fields.value_type -> the key of the typed value inside contacts.fields[uuid]
VALUE_KEYS = FIELD_VALUE_TYPES


@dataclass(frozen=True)
class FieldRef:
    key: str
    name: str
    uuid: str
    value_type: str  # T N D S I W

    @property
    def value_key(self) -> str:
        return VALUE_KEYS[self.value_type]


@dataclass(frozen=True)
class GroupRef:
    id: int
    uuid: str
    name: str


@dataclass(frozen=True)
class FlowRef:
    id: int
    uuid: str
    name: str


@dataclass
class Resolver:
    """Lookups are case-insensitive on key / name; groups and flows may also be named by UUID."""

    fields: list[FieldRef] = dc_field(default_factory=list)
    groups: list[GroupRef] = dc_field(default_factory=list)
    flows: list[FlowRef] = dc_field(default_factory=list)
    timezone: str = "UTC"
    date_format: str = "D"  # D day-first, M month-first, Y year-first (ISO)
    country: str | None = None

    def __post_init__(self) -> None:
        self._fields = {f.key.lower(): f for f in self.fields}
        self._groups = {g.name.lower(): g for g in self.groups} | {g.uuid.lower(): g for g in self.groups}
        self._flows = {f.name.lower(): f for f in self.flows} | {f.uuid.lower(): f for f in self.flows}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def field(self, key: str) -> FieldRef | None:
        return self._fields.get(key.lower())

    def group(self, name_or_uuid: str) -> GroupRef | None:
        return self._groups.get(name_or_uuid.strip().lower())

    def flow(self, name_or_uuid: str) -> FlowRef | None:
        return self._flows.get(name_or_uuid.strip().lower())


async def load_resolver(session: AsyncSession, org_id: int) -> Resolver:
    """The workspace's active fields, groups and flows in four small reads."""
    org = (
        await session.execute(select(Org.timezone, Org.date_format, Org.country).where(Org.id == org_id))
    ).one()
    fields = await session.execute(
        select(ContactField.key, ContactField.name, ContactField.uuid, ContactField.value_type).where(
            ContactField.org_id == org_id, ContactField.is_active
        )
    )
    groups = await session.execute(
        select(ContactGroup.id, ContactGroup.uuid, ContactGroup.name).where(
            ContactGroup.org_id == org_id, ContactGroup.is_active
        )
    )
    flows = await session.execute(
        select(Flow.id, Flow.uuid, Flow.name).where(Flow.org_id == org_id, Flow.is_active)
    )
    return Resolver(
        fields=[FieldRef(r.key, r.name, str(r.uuid), r.value_type) for r in fields],
        groups=[GroupRef(r.id, str(r.uuid), r.name) for r in groups],
        flows=[FlowRef(r.id, str(r.uuid), r.name) for r in flows],
        timezone=org.timezone or "UTC",
        date_format=org.date_format or "D",
        country=org.country,
    )
