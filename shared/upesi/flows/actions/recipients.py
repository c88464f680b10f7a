"""Who send_broadcast and start_session address: groups, contacts, a contact query and URNs, including
legacy variables, which may turn out to be any of those."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import phonenumbers

from upesi.flows.contact import URN_SCHEMES
from upesi.flows.events import error_event
from upesi.flows.groups import resolve_group_refs
from upesi.flows.runtime import evaluate_text
from upesi.urns import normalize_urn, split_urn, valid_urn_path

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Recipients:
    groups: list[dict[str, str]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    contact_query: str = ""
    urns: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(self.groups or self.contacts or self.contact_query or self.urns)


def quote_query_value(s: str) -> str:
    """Expression output inside a contact query is one quoted value, so it can't change the query."""
    return '"' + s.replace('"', '\\"') + '"'


def resolve_recipients(session: Session, run: Run, action: dict[str, Any]) -> Recipients:
    r = Recipients(
        groups=[
            {"uuid": g["uuid"], "name": g.get("name", "")}
            for g in resolve_group_refs(session, run, action.get("groups") or [])
        ],
        contacts=[{"uuid": c["uuid"], "name": c.get("name", "")} for c in action.get("contacts") or []],
        urns=list(action.get("urns") or []),
    )
    for template in action.get("legacy_vars") or []:
        _add_legacy_var(session, r, evaluate_text(session, run, template).strip())
    if action.get("contact_query"):
        r.contact_query = evaluate_text(
            session, run, action["contact_query"], escape=quote_query_value
        ).strip()
    return r


def _add_legacy_var(session: Session, r: Recipients, value: str) -> None:
    if _UUID_RE.match(value):  # a contact's uuid
        r.contacts.append({"uuid": value, "name": ""})
        return
    group = session.assets.group_by_name(value)
    if group is not None:
        r.groups.append({"uuid": group["uuid"], "name": group.get("name", "")})
        return
    urn = _valid_urn(value)
    if urn is None:
        tel = _parse_phone(value, session.env.default_country)
        urn = f"tel:{tel}" if tel else None
    if urn is None:
        session.log(error_event(f"'{value}' couldn't be resolved to a contact, group or URN"))
        return
    r.urns.append(urn)


def _valid_urn(value: str) -> str | None:
    u = split_urn(value)
    if u is None or u.scheme not in URN_SCHEMES:
        return None
    norm = normalize_urn(u.scheme, u.path)
    if norm is None or not valid_urn_path(norm):
        return None
    return norm + (f"?{u.query}" if u.query else "") + (f"#{u.display}" if u.display else "")


def _parse_phone(value: str, country: str) -> str:
    try:
        num = phonenumbers.parse(value, country.upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(num):
        return ""
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
