"""Evaluate a parsed query against one contact in memory, with the same meaning as sql.py, so smart
groups can be kept current as a contact changes without asking the database about each contact."""

import re
import uuid as uuid_mod
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from upesi.contactql.nodes import BoolCombination, Condition, Node, Op, PropType
from upesi.contactql.query import STATUSES, ParsedQuery
from upesi.contactql.values import (
    ISO_DATE_PREFIX,
    as_decimal,
    day_range,
    location_name,
    name_query_tokens,
    name_tokens,
    norm_text,
    parse_datetime,
    parse_day,
    parse_number,
)


class ContactData(TypedDict, total=False):
    """What the evaluator reads from a contact (loader.load_contacts builds these from the database)."""

    id: int
    uuid: str
    name: str | None
    language: str | None
    status: str  # A B S V
    is_active: bool
    created_on: datetime
    last_seen_on: datetime | None
    fields: dict[str, dict[str, Any]]  # by field UUID, as stored
    urns: list[str]  # "scheme:path"
    group_ids: list[int]
    current_flow_id: int | None
    flow_history_ids: list[int]  # flows the contact has ever had a run in


def matches(parsed: ParsedQuery, contact: ContactData) -> bool:
    if not contact.get("is_active", True):
        return False
    return parsed.root is None or _node(parsed.root, parsed, contact)


def _node(node: Node, parsed: ParsedQuery, contact: ContactData) -> bool:
    if isinstance(node, BoolCombination):
        results = (_node(c, parsed, contact) for c in node.children)
        return all(results) if node.op == "AND" else any(results)
    values, compare = _values_and_comparer(node, parsed, contact)
    if node.value == "" and node.op in (Op.EQ, Op.NEQ):
        return bool(values) if node.op is Op.NEQ else not values
    if node.op is Op.NEQ:
        # x != v holds when no value of x is v (so also when x has no value)
        return not any(compare(v, Op.EQ) for v in values)
    return any(compare(v, node.op) for v in values)


Comparer = Callable[[Any, Op], bool]


def _values_and_comparer(
    cond: Condition, parsed: ParsedQuery, contact: ContactData
) -> tuple[list[Any], Comparer]:
    if cond.prop_type is PropType.SCHEME:
        return _urn_paths(contact, cond.key), _text_comparer(cond.value, is_name=False)
    if cond.prop_type is PropType.FIELD:
        return _field(cond, parsed, contact)

    key = cond.key
    if key in ("created_on", "last_seen_on"):
        stamp = parse_datetime(contact.get(key))
        return ([stamp] if stamp else []), _date_comparer(cond.value, parsed)
    if key == "name":
        return _present(contact.get("name")), _text_comparer(cond.value, is_name=True)
    if key == "language":
        return _present(contact.get("language")), _text_comparer(cond.value, is_name=False)
    if key == "urn":
        return _urn_paths(contact, None), _text_comparer(cond.value, is_name=False)
    if key == "status":
        code = STATUSES.get(cond.value.strip().lower())
        return [contact.get("status", "A")], lambda v, op: v == code
    if key == "uuid":
        return [str(contact.get("uuid", ""))], lambda v, op: _same_uuid(v, cond.value)
    if key == "id":
        wanted = int(cond.value) if cond.value.strip().isdigit() else None
        return [contact.get("id")], lambda v, op: wanted is not None and v == wanted
    if key == "group":
        group = parsed.resolver.group(cond.value)
        return list(contact.get("group_ids", [])), lambda v, op: group is not None and v == group.id
    if key in ("flow", "history"):
        flow = parsed.resolver.flow(cond.value) if cond.value else None
        if key == "flow":
            current = contact.get("current_flow_id")
            values = [current] if current is not None else []
        else:
            values = list(contact.get("flow_history_ids", []))
        return values, lambda v, op: flow is not None and v == flow.id
    raise AssertionError(f"unhandled attribute {key}")  # pragma: no cover


def _present(value: str | None) -> list[str]:
    return [value] if value else []


def _urn_paths(contact: ContactData, scheme: str | None) -> list[str]:
    paths = []
    for urn in contact.get("urns", []):
        urn_scheme, _, path = urn.partition(":")
        if scheme is None or urn_scheme == scheme:
            paths.append(path)
    return paths


def _same_uuid(value: str, wanted: str) -> bool:
    try:
        return uuid_mod.UUID(value) == uuid_mod.UUID(wanted.strip())
    except ValueError:
        return False


def _text_comparer(query_value: str, is_name: bool) -> Comparer:
    wanted = norm_text(query_value)
    query_tokens = name_query_tokens(query_value) if is_name else []

    def compare(value: str, op: Op) -> bool:
        if op is Op.CONTAINS:
            if is_name:  # any word of the name starts with any word of the query
                return any(t.startswith(q) for t in name_tokens(value) for q in query_tokens)
            return wanted in norm_text(value)
        return norm_text(value) == wanted

    return compare


def _number_comparer(query_value: str) -> Comparer:
    wanted = parse_number(query_value)

    def compare(value: Decimal, op: Op) -> bool:
        assert wanted is not None
        return {
            Op.EQ: value == wanted,
            Op.GT: value > wanted,
            Op.GTE: value >= wanted,
            Op.LT: value < wanted,
            Op.LTE: value <= wanted,
        }[op]

    return compare


def _date_comparer(query_value: str, parsed: ParsedQuery) -> Comparer:
    day = parse_day(query_value, parsed.resolver.date_format) if query_value else None

    def compare(value: datetime, op: Op) -> bool:
        assert day is not None
        start, end = day_range(day, parsed.resolver.tz)
        return {
            Op.EQ: start <= value < end,
            Op.GT: value >= end,
            Op.GTE: value >= start,
            Op.LT: value < start,
            Op.LTE: value < end,
        }[op]

    return compare


def _field(cond: Condition, parsed: ParsedQuery, contact: ContactData) -> tuple[list[Any], Comparer]:
    ref = parsed.field_ref(cond)
    stored = (contact.get("fields") or {}).get(ref.uuid)
    raw = stored.get(ref.value_key) if isinstance(stored, dict) else None
    if ref.value_type == "N":
        number = _stored_number(raw)
        return ([number] if number is not None else []), _number_comparer(cond.value)
    if ref.value_type == "D":
        stamp = parse_datetime(raw) if isinstance(raw, str) and re.match(ISO_DATE_PREFIX, raw) else None
        return ([stamp] if stamp else []), _date_comparer(cond.value, parsed)
    if ref.value_type in ("S", "I", "W"):
        text = location_name(raw) if isinstance(raw, str) else None
        return _present(text), _text_comparer(cond.value, is_name=False)
    return _present(raw if isinstance(raw, str) else None), _text_comparer(cond.value, is_name=False)


def _stored_number(raw: Any) -> Decimal | None:
    if isinstance(raw, str):
        return parse_number(raw)
    return as_decimal(raw) if isinstance(raw, int | float | Decimal) else None
