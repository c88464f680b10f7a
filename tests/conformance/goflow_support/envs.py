"""Environments and fixed clocks the conformance files were produced with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from goflow_support.paths import GOFLOW, load_json
from upesi.excellent.env import Environment
from upesi.flows.timeparse import parse_goflow_time

DOCS_NOW = parse_goflow_time("2018-04-11T18:24:30.123456Z")
TABLE_NOW = parse_goflow_time("2018-04-11T13:24:30.123456Z")
SESSION_NOW = parse_goflow_time("2025-05-04T12:30:45.123456Z")


def make_env(
    spec: dict[str, Any] | str | None, now: dt.datetime | None, locations: list[Any] | None = None
) -> Environment:
    env = Environment.from_json(spec if isinstance(spec, dict) else None)
    # the docs/test session engine has the "categorize" LLM prompt configured (as goflow's tests do)
    env.prompts.setdefault(
        "categorize", "Categorize the following text into one of the following: {{ .arg1 }}"
    )
    if now is not None:
        env.now_fn = lambda: now
    if locations is not None:
        env.extra["locations"] = locations
    return env


def session_locations() -> list[Any]:
    return load_json(GOFLOW / "session_inputs.json")["sessionAssets"].get("locations") or []
