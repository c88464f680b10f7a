"""Random routers and number/word cases through a full session."""

from __future__ import annotations

import random

from upesi.flows.engine import Engine
from upesi.gorand import GoRand


def _flow(router: dict, n_exits: int) -> dict:
    return {
        "uuid": "f0000000-0000-4000-8000-000000000001",
        "name": "R",
        "spec_version": "14.0.0",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [],
                "router": router,
                "exits": [{"uuid": f"e0000000-0000-4000-8000-00000000000{i}"} for i in range(n_exits)],
            }
        ],
    }


def _cats(n: int) -> list[dict]:
    return [
        {
            "uuid": f"c0000000-0000-4000-8000-00000000000{i}",
            "name": f"Bucket {i}",
            "exit_uuid": f"e0000000-0000-4000-8000-00000000000{i}",
        }
        for i in range(n)
    ]


def _start(flow: dict, engine: Engine):
    contact = {
        "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
        "status": "active",
        "urns": [],
        "created_on": "2024-01-01T00:00:00Z",
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": flow["uuid"], "name": "R"},
        "triggered_on": "2024-01-01T00:00:00Z",
    }
    return engine.new_session({"flows": [flow]}, contact, trigger)


def test_random_router_uses_engine_rng() -> None:
    flow = _flow({"type": "random", "result_name": "Bucket", "categories": _cats(3)}, 3)
    seen = set()
    for seed in range(20):
        session, sprint = _start(flow, Engine(rng=random.Random(seed)))
        assert session.status == "completed"
        seen.add(sprint.events[1]["category"])
    assert seen == {"Bucket 0", "Bucket 1", "Bucket 2"}


def test_switch_on_expression_with_number_case() -> None:
    cats = _cats(2)
    router = {
        "type": "switch",
        "operand": "@(10 + 5)",
        "result_name": "N",
        "categories": cats,
        "default_category_uuid": cats[1]["uuid"],
        "cases": [
            {
                "uuid": "d0000000-0000-4000-8000-000000000001",
                "type": "has_number_between",
                "arguments": ["10", "20"],
                "category_uuid": cats[0]["uuid"],
            }
        ],
    }
    _session, sprint = _start(_flow(router, 2), Engine())
    ev = next(e for e in sprint.events if e["type"] == "run_result_changed")
    assert (ev["value"], ev["category"]) == ("15", "Bucket 0")


def test_random_router_with_go_seed_draws_as_goflow() -> None:
    # goflow's routers testdata: seeded 123456, three categories -> index 2 from the draw 0.774856886849196
    flow = _flow({"type": "random", "result_name": "Bucket", "categories": _cats(3)}, 3)
    session, _ = _start(flow, Engine(rng=GoRand(123456)))
    result = session.runs[0].results["bucket"]
    assert (result["value"], result["category"], result["input"]) == ("2", "Bucket 2", "0.774856886849196")
