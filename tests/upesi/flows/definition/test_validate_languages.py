"""Localization languages must be real ISO 639 codes, as goflow requires."""

from __future__ import annotations

from typing import Any

import pytest

from upesi.flows.definition import FlowValidationError, read_flow


def _flow(languages: list[str]) -> dict[str, Any]:
    return {
        "uuid": "76f0a02f-3b75-4b86-9064-e9195e1b3a02",
        "name": "Test Flow",
        "spec_version": "14.2.0",
        "language": "eng",
        "type": "messaging",
        "localization": {lang: {} for lang in languages},
        "nodes": [],
    }


@pytest.mark.parametrize("lang", ["spa", "kin", "swa", "fre", "und", "bnt"])
def test_real_codes_accepted(lang: str) -> None:
    # ISO 639-3 (kin, swa), a 639-2/B alternative (fre), a special code (und), a 639-5 collection (bnt)
    assert read_flow(_flow([lang])).localization == {lang: {}}


@pytest.mark.parametrize("lang", ["vvv", "en", "english", "ENG"])
def test_made_up_codes_refused(lang: str) -> None:
    with pytest.raises(FlowValidationError, match=f"invalid language code '{lang}'"):
        read_flow(_flow(["spa", lang]))
