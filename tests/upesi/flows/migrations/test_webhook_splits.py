"""Webhook/resthook split migrations as goflow's 14.1.0 and 14.4.1 (flows/definition/migrations/14.x.go):
every such split becomes @webhook.status with its first case, has_number_between 200 299."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from upesi.flows.migrations import run_migrations

SUCCESS, FAILURE = "be4ad508-3afb-4c4a-80ba-86b61518411c", "501fc0c1-28a8-45b2-84f1-b6f9ea17d551"
CASE0, CASE1 = "ff810df6-23c2-4dff-9be1-eebffae2bb9d", "0c3e8410-2316-4bcd-acf6-c5a8a37c5ad0"


def _flow(
    spec: str, operand: str, cases: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None
) -> dict:
    return {
        "uuid": "25a2d8b2-ae7c-4fed-964a-506fb8c3f0c0",
        "name": "Test Flow",
        "spec_version": spec,
        "language": "eng",
        "type": "messaging",
        "localization": {
            "fra": {CASE0: {"arguments": ["succès"]}, CASE1: {"arguments": ["échec"], "other": ["x"]}}
        },
        "nodes": [
            {
                "uuid": "4eab7a66-0b55-45f6-803f-129a6f49e723",
                "actions": actions
                if actions is not None
                else [
                    {
                        "uuid": "c766e805-da3a-46f4-97c4-7ce54b16bf71",
                        "type": "call_webhook",
                        "method": "GET",
                        "url": "http://temba.io/",
                        "headers": {},
                        "result_name": "Result",
                    }
                ],
                "router": {
                    "type": "switch",
                    "operand": operand,
                    "cases": cases,
                    "categories": [
                        {
                            "uuid": SUCCESS,
                            "name": "Success",
                            "exit_uuid": "24493dc0-687e-4d16-98e5-6e422624729b",
                        },
                        {
                            "uuid": FAILURE,
                            "name": "Failure",
                            "exit_uuid": "09f2e979-e6d2-4d0c-b28d-88a836a41d2e",
                        },
                    ],
                    "default_category_uuid": FAILURE,
                },
                "exits": [
                    {"uuid": "24493dc0-687e-4d16-98e5-6e422624729b"},
                    {"uuid": "09f2e979-e6d2-4d0c-b28d-88a836a41d2e"},
                ],
            }
        ],
    }


def _case(uuid: str, type_: str, args: list[str], cat: str) -> dict[str, Any]:
    return {"uuid": uuid, "type": type_, "arguments": args, "category_uuid": cat}


CANONICAL = [_case(CASE0, "has_number_between", ["200", "299"], SUCCESS)]


def _migrate(d: dict[str, Any], to: tuple[int, ...]) -> dict[str, Any]:
    current = tuple(int(p) for p in d["spec_version"].split("."))
    return run_migrations(copy.deepcopy(d), current, to)


@pytest.mark.parametrize(
    ("operand", "cases"),
    [
        # shapes older editors and migrations left behind, whatever the operand
        ("@webhook.json.status", [_case(CASE0, "has_text", [], SUCCESS)]),
        ("@webhook.json.result", [_case(CASE0, "has_only_text", ["success"], SUCCESS)]),
        (
            "@webhook",
            [_case(CASE0, "has_text", [], SUCCESS), _case(CASE1, "has_only_text", ["failure"], FAILURE)],
        ),
        ("@(webhook.status)", [_case(CASE0, "has_number_lt", ["300"], SUCCESS)]),
    ],
)
def test_14_4_1_any_webhook_split_becomes_canonical(operand: str, cases: list[dict[str, Any]]) -> None:
    got = _migrate(_flow("14.4.0", operand, cases), (14, 4, 1))
    router = got["nodes"][0]["router"]
    assert router["operand"] == "@webhook.status"
    assert router["cases"] == CANONICAL
    # localized arguments of every original case go; other localized properties stay
    if len(cases) > 1:
        assert got["localization"]["fra"] == {CASE1: {"other": ["x"]}}
    else:
        assert got["localization"]["fra"] == {CASE1: {"arguments": ["échec"], "other": ["x"]}}


def test_14_4_1_then_14_4_2_routes_on_the_default_status() -> None:
    got = _migrate(
        _flow("14.4.0", "@webhook.json.result", [_case(CASE0, "has_text", [], SUCCESS)]), (14, 4, 2)
    )
    assert got["nodes"][0]["router"]["operand"] == "@(default(webhook.status, 0))"
    assert got["nodes"][0]["router"]["cases"] == CANONICAL


@pytest.mark.parametrize(
    "actions",
    [
        [],  # a plain split
        [
            {
                "uuid": "c766e805-da3a-46f4-97c4-7ce54b16bf71",
                "type": "call_webhook",
                "method": "GET",
                "url": "x",
            },
            {"uuid": "c766e805-da3a-46f4-97c4-7ce54b16bf72", "type": "send_msg", "text": "hi"},
        ],  # not exactly one action
    ],
)
def test_14_4_1_leaves_other_splits_alone(actions: list[dict[str, Any]]) -> None:
    original = _flow("14.4.0", "@webhook.json.status", [_case(CASE0, "has_text", [], SUCCESS)], actions)
    got = _migrate(original, (14, 4, 1))
    assert got["nodes"][0]["router"] == original["nodes"][0]["router"]


def test_14_1_0_any_results_operand() -> None:
    # goflow rewrites any @results.* operand, not only @results.<key>.category
    original = _flow("14.0.0", "@results.result", [_case(CASE0, "has_category", ["Success"], SUCCESS)])
    got = _migrate(original, (14, 1, 0))
    assert got["nodes"][0]["router"]["operand"] == "@webhook.status"
    assert got["nodes"][0]["router"]["cases"] == CANONICAL


def test_14_1_0_trims_broadcast_quick_replies() -> None:
    qrs = [str(i) for i in range(12)]
    original = _flow(
        "14.0.0",
        "@input",
        [],
        [
            {
                "uuid": "c766e805-da3a-46f4-97c4-7ce54b16bf71",
                "type": "send_broadcast",
                "text": "hi",
                "quick_replies": qrs,
            }
        ],
    )
    got = _migrate(original, (14, 1, 0))
    assert got["nodes"][0]["actions"][0]["quick_replies"] == qrs[:10]
