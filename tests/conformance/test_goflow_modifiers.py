"""goflow extra/modifiers: contact changes outside flows and the events they give."""

from __future__ import annotations

import pytest
from goflow_support.normalize import diff, normalize
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.universe import mock_clock, mock_uuids

from upesi.flows.modifiers import apply_modifiers

DIR = GOFLOW / "extra" / "modifiers"
ASSETS = load_json(DIR / "_assets.json")
CASES = [
    (p.stem, i)
    for p in sorted(DIR.glob("*.json"))
    if not p.name.startswith("_")
    for i in range(len(load_json(p)))
]
KNOWN = known_failures("modifiers")


def _check(name: str, idx: int) -> None:
    case = load_json(DIR / f"{name}.json")[idx]
    contact, events = apply_modifiers(
        ASSETS,
        case["contact_before"],
        [case["modifier"]],
        clock=mock_clock(),
        uuids=mock_uuids(),
        urn_taken=lambda urn: "taken" in urn.lower(),
    )
    problems = diff(normalize(contact), normalize(case["contact_after"])) + diff(
        normalize(events), normalize(case["events"])
    )
    assert not problems, "\n".join(problems[:15])


@pytest.mark.conformance("goflow/extra/modifiers")
@pytest.mark.parametrize(("name", "idx"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_modifier(name: str, idx: int) -> None:
    check_case(f"{name}-{idx}", KNOWN, lambda: _check(name, idx))
