"""The session environment as seen by a contact (timezone and country follow the contact)."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import phonenumbers

from upesi.excellent.env import Environment
from upesi.excellent.types.dates import load_timezone
from upesi.flows.contact import contact_urns


@lru_cache(maxsize=50_000)
def region_of_number(e164: str) -> str:
    """The country of an E.164 number ("" if unknown); cached since parsing numbers is costly."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return ""
    return region if region and region != "ZZ" else ""


def merged_env(env: Environment, contact: dict[str, Any]) -> Environment:
    merged = copy.copy(env)
    merged.extra = dict(env.extra)
    tzname = contact.get("timezone")
    if tzname:
        tz = load_timezone(tzname)
        if tz is not None:
            merged.timezone = tz
    # as goflow: the country of the contact's phone number wins, the environment's is the fallback
    for u in contact_urns(contact):
        if u.scheme == "tel":
            region = region_of_number(u.path)
            if region:
                merged.default_country = region
                break
    return merged
