"""Dial strings: which USSD trigger a dialled code picks, as RapidPro's find_trigger_for_ussd_session did
(the keyword is a service code such as *384*12#), extended to codes dialled with extra digits
(*384*12*3# picks *384*12#, with "3" as the first input)."""

from __future__ import annotations

import re

_CODE = re.compile(r"^\*[0-9*]+#$")


def is_service_code(value: str) -> bool:
    return bool(_CODE.match(value.strip()))


def split_extra(dialled: str, code: str) -> list[str] | None:
    """The inputs dialled after `code` ("*384*12*3*1#" after "*384*12#" -> ["3", "1"]); [] for the code itself;
    None when the dial string is not this code."""
    dialled, code = dialled.strip(), code.strip()
    if dialled == code:
        return []
    stem = code.removesuffix("#")
    if code.endswith("#") and dialled.startswith(stem + "*") and dialled.endswith("#"):
        return dialled[len(stem) + 1 : -1].split("*")
    return None
