"""goflow extra/broken_flows: every definition there is invalid and must be refused, with a message."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json

from upesi.flows.definition import FlowValidationError, read_flow
from upesi.flows.definition.dependencies import check_dependencies

DIR = GOFLOW / "extra" / "broken_flows"
NAMES = sorted(p.stem for p in DIR.glob("*.json"))
KNOWN = known_failures("broken_flows")


def _refuse(assets: dict[str, Any]) -> str:
    try:
        for f in assets.get("flows") or []:
            read_flow(f)
        for f in assets.get("flows") or []:
            check_dependencies(f, assets)
    except FlowValidationError as e:
        return str(e)
    raise AssertionError("accepted an invalid flow")


def _check(name: str) -> None:
    message = _refuse(load_json(DIR / f"{name}.json"))
    assert message.strip()


@pytest.mark.conformance("goflow/extra/broken_flows")
@pytest.mark.parametrize("name", NAMES)
def test_broken_flow(name: str) -> None:
    check_case(name, KNOWN, lambda: _check(name))
