"""Contact field values: stored on the contact as JSONB keyed by field UUID with typed parts
({"text", "number", "datetime", "state", "district", "ward"}), shown by the API as one string per key."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from upesi.db.models.contacts import FIELD_VALUE_TYPES
from web.api.v2.values import fmt_dt, parse_dt

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


def format_number(value: Any) -> str:
    """A stored number as RapidPro shows it: no exponent, no trailing zeros (12.50 → "12.5", 1E+1 → "10")."""
    return format(Decimal(str(value)).normalize(), "f")


def serialize_value(value_type: str, value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    if value_type == "N" and value.get("number") is not None:
        try:
            return format_number(value["number"])
        except InvalidOperation:
            return value.get("text")
    if value_type == "D" and value.get("datetime"):
        parsed = parse_dt(str(value["datetime"]))
        return fmt_dt(parsed) if parsed else value.get("datetime")
    if value_type in LOCATION_PARTS and value.get(LOCATION_PARTS[value_type]):
        # locations are stored as paths ("Rwanda > Kigali City"); the API shows the name
        return str(value[LOCATION_PARTS[value_type]]).split(" > ")[-1]
    return value.get("text")


def parse_value(value_type: str, raw: Any) -> dict[str, Any] | None:
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
        parsed = parse_dt(text)
        if parsed is not None:
            stored["datetime"] = fmt_dt(parsed)
    elif value_type in LOCATION_PARTS:
        stored[LOCATION_PARTS[value_type]] = text
    return stored


def key_for_name(name: str) -> str:
    """RapidPro's ContactField.make_key / Global.make_key: lower-case, non-alphanumerics to underscores."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return key[:36]
