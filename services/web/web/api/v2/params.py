"""Reading query parameters the way RapidPro's views do: lookups on writes, exclusive filters, UUID lists,
booleans that accept 1/0, and before/after dates."""

from datetime import datetime

from fastapi import Request

from web.api.v2.errors import invalid
from web.api.v2.values import is_uuid, parse_bool, parse_dt

MAX_LIST = 100


class EmptyResult(Exception):
    """A filter that can match nothing (an unparseable date, say): RapidPro answers an empty page, not 400."""


def get(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


def get_list(request: Request, name: str) -> list[str]:
    return [v for v in request.query_params.getlist(name) if v != ""]


def get_bool(request: Request, name: str) -> bool | None:
    value = get(request, name)
    return None if value is None else parse_bool(value)


def get_uuids(request: Request, name: str) -> list[str]:
    values = get_list(request, name)
    if len(values) > MAX_LIST:
        raise invalid(f"Param '{name}' can have a maximum of {MAX_LIST} values.")
    for value in values:
        if not is_uuid(value):
            raise invalid(f"Param '{name}': {value} is not a valid UUID.")
    return values


def get_uuid(request: Request, name: str) -> str | None:
    values = get_uuids(request, name)
    return values[0] if values else None


def get_filter_uuid(request: Request, name: str) -> str | None:
    """A UUID that filters by a related object (?contact=): RapidPro looks it up and finds nothing when it is
    not a UUID, so the answer is an empty page rather than a 400."""
    value = get(request, name)
    if value is not None and not is_uuid(value):
        raise EmptyResult()
    return value


def get_int(request: Request, name: str) -> int | None:
    value = get(request, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as e:
        raise invalid(f"Value for {name} must be an integer") from e


def get_date(request: Request, name: str) -> datetime | None:
    value = get(request, name)
    if value is None:
        return None
    parsed = parse_dt(value)
    if parsed is None:
        raise EmptyResult()
    return parsed


def lookup(request: Request, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    """The one identifying param of a write or delete (?uuid=, ?urn=, ?key=, ?id=)."""
    given = [(name, request.query_params[name]) for name in allowed if name in request.query_params]
    if len(given) > 1:
        raise invalid("URL can only contain one of the following parameters: " + ", ".join(sorted(allowed)))
    if not given:
        return None
    name, value = given[0]
    if name == "uuid" and not is_uuid(value):
        raise invalid(f"Param 'uuid': {value} is not a valid UUID.")
    return name, value


def exclusive(request: Request, names: tuple[str, ...]) -> None:
    if sum(1 for n in names if get(request, n) is not None) > 1:
        raise invalid(f"You may only specify one of the {', '.join(names)} parameters")
