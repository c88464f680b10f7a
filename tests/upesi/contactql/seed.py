"""A small workspace whose contacts exercise every kind of condition: time zone edges (the workspace is
in Africa/Kigali, UTC+2), values stored as strings or junk, contacts without values, several URNs,
non-ASCII names, every status, and a deleted contact that must never match."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, update

from upesi.db.engine import transaction
from upesi.db.models import (
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Flow,
    FlowRun,
    Org,
    contact_group_contacts,
)
from upesi.db.ops.orgs import create_workspace

FIELDS = {  # key: (value type, uuid)
    "age": ("N", "f1b5aea6-6586-41c7-9020-1a6326cc6565"),
    "gender": ("T", "d66a7823-eada-40e5-9a3a-57239d4690bf"),
    "dob": ("D", "85baf5e1-b57a-46dc-a726-a84e8c4229c7"),
    "state": ("S", "165def68-3216-4ebf-96bc-f6f1ee5bd966"),
    "district": ("I", "0f4e54d6-7e3c-4c86-9d2e-36f6d0b2a3c1"),
}


def _f(**values: dict) -> dict:
    return {FIELDS[key][1]: value for key, value in values.items()}


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# label: contact attributes; urns; groups; current flow; flows with runs
CONTACTS: dict[str, dict] = {
    "ann": dict(
        name="Ann Smith", language="eng", status="A", created_on=_utc(2020, 1, 27, 6), last_seen_on=_utc(2024, 5, 1, 21, 30),
        fields=_f(age={"text": "25", "number": 25}, gender={"text": "Female"},
                  dob={"text": "10-03-1999", "datetime": "1999-03-10T00:00:00+02:00"},
                  state={"text": "Kigali", "state": "Rwanda > Kigali City"},
                  district={"text": "Gasabo", "district": "Rwanda > Kigali City > Gasabo"}),
        urns=["tel:+250788000001", "whatsapp:250788000001"], groups=["Testers"], flow="Registration",
        runs=["Registration"],
    ),
    "bob": dict(
        name="Bob O'Leary", language="fra", status="A", created_on=_utc(2020, 1, 26, 21, 30),
        fields=_f(age={"text": "17", "number": "17"}, gender={"text": "male"},
                  state={"text": "East", "state": "Rwanda > Eastern Province"}),
        urns=["tel:+250788000002", "telegram:12345"], runs=["Survey"],
    ),
    "jc": dict(
        name="Jean-Claude", language=None, status="A", created_on=_utc(2020, 1, 27, 23, 30),
        fields=_f(age={"text": "17.5", "number": 17.5}, gender={"text": "  MALE "}),
    ),
    "noname": dict(
        name=None, language="eng", status="B", created_on=_utc(2021, 6, 1),
        fields=_f(age={"text": "unknown"}, dob={"text": "soon", "datetime": "soon"}),
        urns=["tel:+250788000004", "mailto:zed@example.com"],
    ),
    "annabelle": dict(
        name="Annabelle Ng", language="eng", status="S", created_on=_utc(2022, 2, 2),
        fields=_f(age={"text": "40", "number": 40}, dob={"text": "01-01-2001", "datetime": "2001-01-01T12:00:00Z"},
                  state={"text": "kigali", "state": "Rwanda > Kigali City"}),
        urns=["tel:+250788000005"], groups=["Testers"], flow="Survey", runs=["Registration", "Survey"],
    ),
    "zoe": dict(
        name="Zoë Ämbér", language="kin", status="V", created_on=_utc(2023, 3, 3),
        fields=_f(age={"text": "0", "number": 0}), urns=["telegram:999999"],
    ),
    "deleted": dict(
        name="Ann Deleted", language="eng", status="A", created_on=_utc(2020, 1, 27, 6), is_active=False,
        fields=_f(age={"text": "25", "number": 25}), urns=["tel:+250788000009"], groups=["Testers"],
    ),
}  # fmt: skip


@dataclass
class Seeded:
    org_id: int
    ids: dict[str, int]  # label -> contact id
    uuids: dict[str, str]
    group_ids: dict[str, int]
    flow_ids: dict[str, int]

    def labels(self, contact_ids: set[int]) -> set[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in contact_ids}


async def seed() -> Seeded:
    async with transaction() as s:
        ws = await create_workspace(
            s, "Query Test", "q@example.com", "pw", timezone="Africa/Kigali", country="RW"
        )
        org_id = ws.org.id
        await s.execute(update(Org).where(Org.id == org_id).values(date_format="D"))
        for key, (value_type, field_uuid) in FIELDS.items():
            s.add(
                ContactField(uuid=field_uuid, org_id=org_id, key=key, name=key.title(), value_type=value_type)
            )
        groups = {
            name: ContactGroup(uuid=str(uuid.uuid4()), org_id=org_id, name=name) for name in ["Testers"]
        }
        flows = {
            name: Flow(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
            for name in ["Registration", "Survey"]
        }
        s.add_all([*groups.values(), *flows.values()])
        await s.flush()

        ids, uuids = {}, {}
        for label, spec in CONTACTS.items():
            contact = Contact(
                uuid=str(uuid.uuid4()), org_id=org_id, name=spec["name"], language=spec["language"],
                status=spec["status"], created_on=spec["created_on"], last_seen_on=spec.get("last_seen_on"),
                fields=spec["fields"], is_active=spec.get("is_active", True),
                current_flow_id=flows[spec["flow"]].id if spec.get("flow") else None,
            )  # fmt: skip
            s.add(contact)
            await s.flush()
            ids[label], uuids[label] = contact.id, contact.uuid
            for i, urn in enumerate(spec.get("urns", [])):
                scheme, _, path = urn.partition(":")
                s.add(ContactURN(org_id=org_id, contact_id=contact.id, scheme=scheme, path=path, identity=urn,
                                 priority=1000 - i))  # fmt: skip
            for name in spec.get("groups", []):
                await s.execute(
                    insert(contact_group_contacts).values(group_id=groups[name].id, contact_id=contact.id)
                )
            for name in spec.get("runs", []):
                s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=org_id, flow_id=flows[name].id, contact_id=contact.id,
                              session_uuid=str(uuid.uuid4()), status="C"))  # fmt: skip
    return Seeded(
        org_id, ids, uuids, {n: g.id for n, g in groups.items()}, {n: f.id for n, f in flows.items()}
    )
