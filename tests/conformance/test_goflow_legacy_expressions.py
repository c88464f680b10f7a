"""goflow extra/legacy_expressions (TestLegacyTests): each legacy template from rapidpro/expressions is
migrated; one that fails to migrate is left exactly as it was, one that migrates parses as Excellent."""

from __future__ import annotations

import pytest
from goflow_support.paths import GOFLOW, load_json

from upesi.excellent.template import parse_template
from upesi.flows.migrations.legacy_expressions import migrate_template_with_errors

CASES = load_json(GOFLOW / "extra" / "legacy_expressions" / "legacy_tests.json")


@pytest.mark.conformance("goflow/extra/legacy_expressions")
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_legacy_expression(case: dict) -> None:
    migrated, errors = migrate_template_with_errors(case["template"])
    if errors:
        assert migrated == case["output"]
        return
    syntax_errors = [p[3] for p in parse_template(migrated) if isinstance(p, tuple) and p[3]]
    assert not syntax_errors, f"{case['template']!r} -> {migrated!r}: {syntax_errors}"
