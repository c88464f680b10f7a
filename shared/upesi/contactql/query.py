"""parse_query: text -> a validated, simplified tree with its normalised text and metadata."""

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from upesi.contactql import errors
from upesi.contactql.errors import QueryError
from upesi.contactql.nodes import COMPARISONS, BoolCombination, Condition, Node, Op, PropType, simplify, walk
from upesi.contactql.parser import RawCombination, RawCondition, RawNode, parse_tree
from upesi.contactql.resolver import FieldRef, Resolver
from upesi.contactql.values import name_tokens, parse_day, parse_number
from upesi.urns import SCHEMES

MAX_CONDITIONS = 250  # each condition becomes SQL; this bounds what an untrusted query can cost
MIN_URN_CONTAINS = 3

# attribute -> value type (T text, N number, D datetime), as RapidPro types them
ATTRIBUTES = {
    "id": "T",
    "uuid": "T",
    "name": "T",
    "language": "T",
    "status": "T",
    "urn": "T",
    "group": "T",
    "flow": "T",
    "history": "T",
    "created_on": "D",
    "last_seen_on": "D",
}
STATUSES = {"active": "A", "blocked": "B", "stopped": "S", "archived": "V"}
# attributes whose presence can't be tested (every contact has one, or the test means nothing)
NO_SETCHECK = {"uuid", "id", "status", "created_on", "group", "history"}
# a query using these can't define a smart group: membership would depend on other groups or on runs
NOT_FOR_GROUPS = {"id", "group", "flow", "history"}

_IMPLICIT_PHONE = re.compile(r"^\+?[\-\d]{4,}$")
_WHOLE_PHONE = re.compile(r"^[\d\s()+\-.]{6,}$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{3}$")


@dataclass
class ParsedQuery:
    root: Node | None  # None for an empty query, which matches every contact
    resolver: Resolver
    normalized: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def field_ref(self, cond: Condition) -> FieldRef:
        ref = self.resolver.field(cond.key)
        assert ref is not None, "conditions on fields are validated at parse time"
        return ref


def parse_query(text: str, resolver: Resolver) -> ParsedQuery:
    """Parse and validate a query against a workspace's assets. Raises QueryError."""
    text = _rewrite_phone_number(text.strip(), resolver.country)
    raw = parse_tree(text)
    conditions_seen = [0]
    root = None if raw is None else simplify(_resolve(raw, resolver, conditions_seen))
    parsed = ParsedQuery(root, resolver)
    parsed.normalized = "" if root is None else str(root)
    parsed.metadata = _metadata(parsed)
    return parsed


def _rewrite_phone_number(text: str, country: str | None) -> str:
    """A whole query that is a phone number, e.g. (202) 456-1111, searches for that number."""
    if not _WHOLE_PHONE.match(text):
        return text
    try:
        number = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return f"tel = {phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)}"


def _resolve(raw: RawNode, resolver: Resolver, seen: list[int]) -> Node:
    if isinstance(raw, RawCombination):
        return BoolCombination(raw.op, tuple(_resolve(c, resolver, seen) for c in raw.children))
    seen[0] += 1
    if seen[0] > MAX_CONDITIONS:
        raise QueryError(
            errors.TOO_COMPLEX,
            f"query has more than {MAX_CONDITIONS} conditions",
            max_conditions=MAX_CONDITIONS,
        )
    cond = _implicit(raw.value) if raw.prop is None else _explicit(raw, resolver)
    return _validate(cond, resolver)


def _implicit(value: str) -> Condition:
    """A bare word: a URN (tel:+250...), a phone number (tel contains), or a name (word prefixes)."""
    scheme, sep, path = value.partition(":")
    if sep and scheme.lower() in SCHEMES and path:
        return Condition(PropType.SCHEME, scheme.lower(), Op.EQ, path)
    if _IMPLICIT_PHONE.match(value):
        return Condition(PropType.SCHEME, "tel", Op.CONTAINS, re.sub(r"[^+\d]", "", value))
    # a word too short to prefix-match is looked for as a whole name
    return Condition(PropType.ATTRIBUTE, "name", Op.CONTAINS if name_tokens(value) else Op.EQ, value)


def _explicit(raw: RawCondition, resolver: Resolver) -> Condition:
    assert raw.prop is not None and raw.op is not None
    key = raw.prop.lower()
    if key.startswith("fields."):
        return _field_condition(key.removeprefix("fields."), raw, resolver, raw.prop)
    if key.startswith("urns.") and key.removeprefix("urns.") in SCHEMES:
        return Condition(PropType.SCHEME, key.removeprefix("urns."), raw.op, raw.value)
    if key in ATTRIBUTES:
        return Condition(PropType.ATTRIBUTE, key, raw.op, raw.value)
    if key in SCHEMES:
        return Condition(PropType.SCHEME, key, raw.op, raw.value)
    return _field_condition(key, raw, resolver, raw.prop)


def _field_condition(key: str, raw: RawCondition, resolver: Resolver, written: str) -> Condition:
    assert raw.op is not None
    ref = resolver.field(key)
    if ref is None:
        raise QueryError(
            errors.UNKNOWN_PROPERTY,
            f"can't resolve '{written}' to attribute, scheme or field",
            property=written,
        )
    return Condition(
        PropType.FIELD,
        ref.key.lower(),
        raw.op,
        raw.value,
        needs_prefix=ref.key.lower() in ATTRIBUTES or ref.key.lower() in SCHEMES,
    )


def _value_type(cond: Condition, resolver: Resolver) -> str:
    if cond.prop_type is PropType.ATTRIBUTE:
        return ATTRIBUTES[cond.key]
    if cond.prop_type is PropType.SCHEME:
        return "T"
    ref = resolver.field(cond.key)
    assert ref is not None
    return ref.value_type


def _validate(cond: Condition, resolver: Resolver) -> Condition:
    """Reject what can't be evaluated, and canonicalise group and flow names. Order of checks follows
    RapidPro so the same query fails with the same code."""
    prop, op, value = cond.key, cond.op, cond.value
    vtype = _value_type(cond, resolver)
    is_urn = cond.prop_type is PropType.SCHEME or (cond.prop_type is PropType.ATTRIBUTE and prop == "urn")
    is_name = cond.prop_type is PropType.ATTRIBUTE and prop == "name"

    if op is Op.CONTAINS:
        if is_name:
            if not name_tokens(value):
                raise QueryError(
                    errors.INVALID_PARTIAL_NAME,
                    "value must contain a word of at least 2 characters long for a contains condition on name",
                    min_token_length=2,
                )
        elif is_urn:
            if len(value) < MIN_URN_CONTAINS:
                raise QueryError(
                    errors.INVALID_PARTIAL_URN,
                    f"value must be least {MIN_URN_CONTAINS} characters long for a contains condition on a URN",
                    min_value_length=MIN_URN_CONTAINS,
                )
        else:
            raise QueryError(
                errors.UNSUPPORTED_CONTAINS,
                f"contains conditions can only be used with name or URN values, not '{prop}'",
                property=prop,
            )
    elif op in COMPARISONS and vtype not in ("N", "D"):
        raise QueryError(
            errors.UNSUPPORTED_COMPARISON,
            f"comparisons with {op.value} can only be used with date and number fields, not '{prop}'",
            property=prop,
            operator=op.value,
        )

    if op in (Op.EQ, Op.NEQ) and value == "":
        if cond.prop_type is PropType.ATTRIBUTE and prop in NO_SETCHECK:
            raise QueryError(
                errors.UNSUPPORTED_SETCHECK,
                f"can't check whether '{prop}' is set or not set",
                property=prop,
                operator=op.value,
            )
        return cond

    if vtype == "N" and parse_number(value) is None:
        raise QueryError(errors.INVALID_NUMBER, f"can't convert '{value}' to a number", value=value)
    if vtype == "D" and parse_day(value, resolver.date_format) is None:
        raise QueryError(errors.INVALID_DATE, f"can't convert '{value}' to a date", value=value)

    if cond.prop_type is PropType.ATTRIBUTE:
        if prop == "group":
            group = resolver.group(value)
            if group is None:
                raise QueryError(errors.INVALID_GROUP, f"'{value}' is not a valid group name", value=value)
            return Condition(cond.prop_type, prop, op, group.name)
        if prop in ("flow", "history"):
            flow = resolver.flow(value)
            if flow is None:
                raise QueryError(errors.INVALID_FLOW, f"'{value}' is not a valid flow name", value=value)
            return Condition(cond.prop_type, prop, op, flow.name)
        if prop == "status" and value.strip().lower() not in STATUSES:
            raise QueryError(errors.INVALID_STATUS, f"'{value}' is not a valid contact status", value=value)
        if prop == "language" and not _LANGUAGE.match(value.strip()):
            raise QueryError(errors.INVALID_LANGUAGE, f"'{value}' is not a valid language code", value=value)
    return cond


def _metadata(parsed: ParsedQuery) -> dict[str, Any]:
    attributes: set[str] = set()
    schemes: set[str] = set()
    fields: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    for cond in walk(parsed.root):
        if cond.prop_type is PropType.ATTRIBUTE:
            attributes.add(cond.key)
            group = parsed.resolver.group(cond.value) if cond.key == "group" else None
            if group and {"uuid": group.uuid, "name": group.name} not in groups:
                groups.append({"uuid": group.uuid, "name": group.name})
        elif cond.prop_type is PropType.SCHEME:
            schemes.add(cond.key)
        else:
            ref = parsed.field_ref(cond)
            if {"key": ref.key, "name": ref.name} not in fields:
                fields.append({"key": ref.key, "name": ref.name})
    return {
        "attributes": sorted(attributes),
        "schemes": sorted(schemes),
        "fields": fields,
        "groups": groups,
        "allow_as_group": not (attributes & NOT_FOR_GROUPS),
    }
