"""Contact field values: the text plus every typed form it parses as (number, datetime, location)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.excellent.types.convert import format_decimal, parse_number

if TYPE_CHECKING:
    from upesi.flows.session import Session


def field_value_for(session: Session, fdef: dict[str, Any], raw: str) -> dict[str, Any]:
    value: dict[str, Any] = {"text": raw}
    n = parse_number(raw)
    if n is not None:
        value["number"] = _json_number(n)
    dtv = _parse_datetime(session, raw)
    if dtv is not None:
        value["datetime"] = dtv
    ftype = fdef.get("type") or "text"
    if ftype in ("state", "district", "ward"):
        from upesi.flows.locations import resolve_location_value

        value.update(resolve_location_value(session, ftype, raw))
    return value


def _json_number(n: Any) -> Any:
    s = format_decimal(n)
    return int(s) if "." not in s else float(s)


def _parse_datetime(session: Session, raw: str) -> str | None:
    try:
        from upesi.excellent.types.dates import parse_datetime_text
    except ImportError:
        return None
    v = parse_datetime_text(session.env, raw)
    if v is None:
        return None
    from upesi.excellent.types.convert import format_datetime_iso

    return format_datetime_iso(v)
