"""Contact field values: stored on the contact as JSONB keyed by field UUID with typed parts
({"text", "number", "datetime", "state", "district", "ward"}), shown by the API as one string per key."""

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upesi.db.models.contacts import FIELD_VALUE_TYPES
from upesi.excellent.types.convert import format_datetime_iso
from upesi.excellent.types.dates import parse_datetime_text, parse_iso

VALUE_TYPES = FIELD_VALUE_TYPES
# the deprecated `value_type` names
LEGACY_VALUE_TYPES = {
    "T": "text",
    "N": "numeric",
    "D": "datetime",
    "S": "state",
    "I": "district",
    "W": "ward",
}
TYPE_CODES = {name: code for code, name in VALUE_TYPES.items()} | {"numeric": "N"}
LOCATION_PARTS = {"S": "state", "I": "district", "W": "ward"}


_SPACED_ISO = re.compile(r"^(\s*\d{4}-\d{2}-\d{2}) (?=\d{2}:\d{2})")
DATE_FORMATS = {"D": "DD-MM-YYYY", "M": "MM-DD-YYYY", "Y": "YYYY-MM-DD"}


@dataclass(frozen=True)
class ValueEnv:
    """What the engine needs to read a date the way mailroom would: the workspace's date order and zone."""

    date_format: str = "DD-MM-YYYY"
    timezone: tzinfo = UTC


def value_env(org: Any | None) -> ValueEnv:
    if org is None:
        return ValueEnv()
    try:
        zone: tzinfo = ZoneInfo(org.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return ValueEnv(DATE_FORMATS.get(org.date_format or "D", "DD-MM-YYYY"), zone)


# whole numbers Decimal's default context (28 digits) keeps exactly
_EXACT = 10**28


def format_number(value: Any) -> str:
    """A stored number as RapidPro shows it: no exponent, no trailing zeros (12.50 → "12.5", 1E+1 → "10")."""
    if type(value) is int and -_EXACT < value < _EXACT:
        # as Decimal shows it, at a tenth of the cost (most stored numbers are whole); longer ones Decimal rounds
        return str(value)
    return format(Decimal(str(value)).normalize(), "f")


def serialize_value(value_type: str, value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    if value_type == "N" and value.get("number") is not None:
        try:
            return format_number(value["number"])
        except InvalidOperation:
            return value.get("text")
    if value_type == "D":
        # as stored (in the workspace's offset, as mailroom writes it); text that never parsed as a date has
        # no datetime part and shows as null, as in RapidPro
        return value.get("datetime")
    if value_type in LOCATION_PARTS and value.get(LOCATION_PARTS[value_type]):
        # locations are stored as paths ("Rwanda > Kigali City"); the API shows the name
        return str(value[LOCATION_PARTS[value_type]]).split(" > ")[-1]
    return value.get("text")


def parse_value(value_type: str, raw: Any, org: Any | None = None) -> dict[str, Any] | None:
    """The stored form of a value written through the API; None clears it. Every value keeps its text;
    number and datetime parts are added when the text parses, as the engine does."""
    if raw is None:
        return None
    text = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
    if text == "":
        return None
    stored: dict[str, Any] = {"text": text}
    if value_type == "N":
        try:
            number = Decimal(text.replace(",", ""))
            if number.is_finite():
                stored["number"] = float(number) if number != number.to_integral_value() else int(number)
        except InvalidOperation:
            pass
    elif value_type == "D":
        # the engine's reading (ISO with a zone, or a date in the workspace's order with an optional time),
        # kept in the workspace's zone as goflow keeps it
        env = value_env(org)
        # an ISO timestamp with a space for the T keeps its zone (RapidPro's test_update_datetime_field)
        parsed = parse_iso(_SPACED_ISO.sub(r"\1T", text)) or parse_datetime_text(env, text)
        if parsed is not None:
            stored["datetime"] = format_datetime_iso(parsed.astimezone(env.timezone))
    elif value_type in LOCATION_PARTS:
        stored[LOCATION_PARTS[value_type]] = text
    return stored
