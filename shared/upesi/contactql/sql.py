"""A parsed query as one SQLAlchemy boolean over the contacts table, for `select(Contact.id).where(...)`.

Every condition is written so that a contact without the value behaves as RapidPro's evaluator does:
`x = v` is false, `x != v` is true, `x = ""` is true. Conditions on URNs, groups and runs are correlated
EXISTS subqueries on indexed foreign keys (contact_urns.contact_id, the group membership key,
flow_runs.contact_id); values inside contacts.fields are read with -> / ->> by field UUID.
"""

import uuid as uuid_mod
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DateTime,
    Numeric,
    Text,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from upesi.contactql.nodes import BoolCombination, Condition, Node, Op, PropType
from upesi.contactql.query import STATUSES, ParsedQuery
from upesi.contactql.values import (
    ISO_DATE_PREFIX,
    NAME_SEPARATORS,
    day_range,
    name_query_tokens,
    norm_text,
    parse_day,
    parse_number,
)
from upesi.db.models import Contact, ContactURN, FlowRun, contact_group_contacts

_NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"

Expr = ColumnElement[bool]
ColumnLike = ColumnElement[Any] | InstrumentedAttribute[Any]


def to_sql(parsed: ParsedQuery, org_id: int) -> Expr:
    """Contacts of the workspace, not deleted, that match the query (all of them for an empty query)."""
    scope = and_(Contact.org_id == org_id, Contact.is_active.is_(True))
    if parsed.root is None:
        return scope
    return and_(scope, _node(parsed.root, parsed))


def _node(node: Node, parsed: ParsedQuery) -> Expr:
    if isinstance(node, BoolCombination):
        parts = [_node(c, parsed) for c in node.children]
        return and_(*parts) if node.op == "AND" else or_(*parts)
    if node.prop_type is PropType.ATTRIBUTE:
        return _attribute(node, parsed)
    if node.prop_type is PropType.SCHEME:
        return _urn(node, node.key)
    return _field(node, parsed)


def _exists(*where: Expr) -> Expr:
    """A subquery tied to the outer contacts row, whatever statement the condition ends up in."""
    return exists().where(*where).correlate(Contact)


def _text(col: ColumnLike, op: Op, value: str) -> Expr:
    """Single-valued text: case-insensitive, trimmed; NULL and '' both mean not set."""
    present = func.coalesce(col, "") != ""
    if value == "":
        return present if op is Op.NEQ else not_(present)
    eq = and_(present, func.lower(func.trim(col)) == norm_text(value))
    return eq if op is Op.EQ else not_(eq)


def _dates(col: ColumnLike, op: Op, value: str, parsed: ParsedQuery) -> Expr:
    if value == "":
        return col.is_not(None) if op is Op.NEQ else col.is_(None)
    day = parse_day(value, parsed.resolver.date_format)
    assert day is not None, "validated at parse time"
    start_dt, end_dt = day_range(day, parsed.resolver.tz)
    start, end = literal(start_dt, DateTime(timezone=True)), literal(end_dt, DateTime(timezone=True))
    # by day in the workspace timezone: "> 27-01-2020" means from the start of the 28th
    match op:
        case Op.EQ:
            return and_(col >= start, col < end)
        case Op.NEQ:
            return or_(col.is_(None), col < start, col >= end)
        case Op.GT:
            return col >= end
        case Op.GTE:
            return col >= start
        case Op.LT:
            return col < start
        case _:
            return col < end


def _numbers(col: ColumnLike, op: Op, value: str) -> Expr:
    if value == "":
        return col.is_not(None) if op is Op.NEQ else col.is_(None)
    number: Decimal | None = parse_number(value)
    assert number is not None, "validated at parse time"
    v = literal(number, Numeric())
    match op:
        case Op.EQ:
            return col == v
        case Op.NEQ:
            return func.coalesce(col != v, true())
        case Op.GT:
            return col > v
        case Op.GTE:
            return col >= v
        case Op.LT:
            return col < v
        case _:
            return col <= v


def _attribute(cond: Condition, parsed: ParsedQuery) -> Expr:
    op, value = cond.op, cond.value
    match cond.key:
        case "name":
            if op is Op.CONTAINS:
                lowered = func.lower(Contact.name)
                return or_(
                    *[lowered.op("~")(f"(^|[{NAME_SEPARATORS}]){t}") for t in name_query_tokens(value)]
                )
            return _text(Contact.name, op, value)
        case "language":
            return _text(Contact.language, op, value)
        case "status":
            eq = Contact.status == STATUSES[value.strip().lower()]
            return eq if op is Op.EQ else not_(eq)
        case "uuid":
            try:
                eq = Contact.uuid == str(uuid_mod.UUID(value.strip()))
            except ValueError:
                eq = false()
            return eq if op is Op.EQ else not_(eq)
        case "id":
            eq = Contact.id == int(value) if value.strip().isdigit() else false()
            return eq if op is Op.EQ else not_(eq)
        case "created_on":
            return _dates(Contact.created_on, op, value, parsed)
        case "last_seen_on":
            return _dates(Contact.last_seen_on, op, value, parsed)
        case "urn":
            return _urn(cond, None)
        case "group":
            group = parsed.resolver.group(value)
            assert group is not None
            member = exists().where(
                contact_group_contacts.c.contact_id == Contact.id,
                contact_group_contacts.c.group_id == group.id,
            )
            return member if op is Op.EQ else not_(member)
        case "flow":
            if value == "":
                return (
                    Contact.current_flow_id.is_not(None)
                    if op is Op.NEQ
                    else Contact.current_flow_id.is_(None)
                )
            flow = parsed.resolver.flow(value)
            assert flow is not None
            eq = Contact.current_flow_id == flow.id
            return eq if op is Op.EQ else func.coalesce(not_(eq), true())
        case "history":
            flow = parsed.resolver.flow(value)
            assert flow is not None
            ran = _exists(FlowRun.contact_id == Contact.id, FlowRun.flow_id == flow.id)
            return ran if op is Op.EQ else not_(ran)
    raise AssertionError(f"unhandled attribute {cond.key}")  # pragma: no cover


def _urn(cond: Condition, scheme: str | None) -> Expr:
    """Multi-valued: `=` and `~` need one matching URN, `!=` needs none to match."""
    base = [ContactURN.contact_id == Contact.id]
    if scheme is not None:
        base.append(ContactURN.scheme == scheme)
    if cond.value == "":
        has = _exists(*base)
        return has if cond.op is Op.NEQ else not_(has)
    path = func.lower(func.trim(ContactURN.path))
    value = norm_text(cond.value)
    if cond.op is Op.CONTAINS:
        return _exists(*base, func.strpos(path, value) > 0)
    any_eq = _exists(*base, path == value)
    return any_eq if cond.op is Op.EQ else not_(any_eq)


def _field(cond: Condition, parsed: ParsedQuery) -> Expr:
    ref = parsed.field_ref(cond)
    # the field UUID and value key are inlined (both come from the workspace's own definitions, not the
    # user's text) so the planner sees the same expression an expression index would be built on
    key = literal(ref.uuid, Text(), literal_execute=True)
    value_key = literal(ref.value_key, Text(), literal_execute=True)
    raw = Contact.fields.op("->", return_type=JSONB)(key).op("->>", return_type=Text)(value_key)
    if ref.value_type == "N":
        # guard the cast so a stray non-numeric value reads as "not set" instead of failing the query
        number = case((raw.op("~")(_NUMBER_RE), cast(func.trim(raw), Numeric())), else_=None)
        return _numbers(number, cond.op, cond.value)
    if ref.value_type == "D":
        stamp = case((raw.op("~")(ISO_DATE_PREFIX), cast(raw, DateTime(timezone=True))), else_=None)
        return _dates(stamp, cond.op, cond.value, parsed)
    if ref.value_type in ("S", "I", "W"):
        # compare with the name at the field's own level: "Rwanda > Kigali City" is "Kigali City"
        return _text(func.regexp_replace(raw, "^.* > ", ""), cond.op, cond.value)
    return _text(raw, cond.op, cond.value)
