"""The session environment as seen by a contact (timezone and country follow the contact)."""

from __future__ import annotations

import copy
from typing import Any

import phonenumbers

from upesi.excellent.env import Environment
from upesi.excellent.types.dates import load_timezone
from upesi.flows.contact import contact_urns


def merged_env(env: Environment, contact: dict[str, Any]) -> Environment:
    merged = copy.copy(env)
    merged.extra = dict(env.extra)
    tzname = contact.get("timezone")
    if tzname:
        tz = load_timezone(tzname)
        if tz is not None:
            merged.timezone = tz
    if not merged.default_country:
        for u in contact_urns(contact):
            if u.scheme == "tel":
                try:
                    region = phonenumbers.region_code_for_number(phonenumbers.parse(u.path, None))
                except phonenumbers.NumberParseException:
                    region = None
                if region and region != "ZZ":
                    merged.default_country = region
                    break
    return merged
