"""Micro-benchmarks for Excellent: template rendering with a warm parse cache, and a flow step.

.venv/bin/python bench/bench_excellent.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from upesi.excellent import evaluate_template
from upesi.excellent.template import _expr_cache, _template_cache

CTX: dict[str, Any] = {
    "contact": {
        "__default__": "Ana",
        "name": "Ana",
        "first_name": "Ana",
        "language": "eng",
        "fields": {"age": 23, "gender": "Female"},
    },
    "results": {"color": {"__default__": "red", "value": "red", "category": "Red"}},
    "input": {"__default__": "hi there", "text": "hi there"},
}
TEMPLATES = [
    "Hi @contact.name, you are @contact.fields.age!",
    "@(upper(contact.first_name)) likes @results.color.category",
    '@(if(contact.fields.age > 18, "adult", "minor")) / @(format_number(contact.fields.age * 1.5, 1))',
    "plain text without expressions",
]


def bench(name: str, fn: Callable[[], Any], n: int) -> None:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    elapsed = time.perf_counter() - start
    print(f"{name:50s} {n / elapsed:12,.0f} /s   {elapsed / n * 1e6:8.2f} µs each")


def main() -> None:
    from upesi.excellent.types.convert import from_json

    ctx = from_json(CTX)
    for t in TEMPLATES:
        bench(f"render {t[:40]!r}", lambda t=t: evaluate_template(t, ctx), 20_000)

    def cold() -> None:
        _template_cache.clear()
        _expr_cache.clear()
        evaluate_template(TEMPLATES[2], ctx)

    bench("render with a cold parse cache (parse + eval)", cold, 5_000)
    flow_step()


def flow_step() -> None:
    """Start + resume of a two-node flow, as the services would run it."""
    from upesi.flows.engine import Engine

    flow = {
        "uuid": "8ca44c09-791d-453a-9799-a70dd3303306",
        "name": "Bench",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [
                    {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "send_msg", "text": "Name?"}
                ],
                "router": {
                    "type": "switch",
                    "wait": {"type": "msg"},
                    "result_name": "Name",
                    "operand": "@input.text",
                    "cases": [
                        {
                            "uuid": "c0000000-0000-4000-8000-000000000001",
                            "type": "has_text",
                            "arguments": [],
                            "category_uuid": "d0000000-0000-4000-8000-000000000001",
                        }
                    ],
                    "categories": [
                        {
                            "uuid": "d0000000-0000-4000-8000-000000000001",
                            "name": "Has Text",
                            "exit_uuid": "e0000000-0000-4000-8000-000000000001",
                        },
                        {
                            "uuid": "d0000000-0000-4000-8000-000000000002",
                            "name": "Other",
                            "exit_uuid": "e0000000-0000-4000-8000-000000000002",
                        },
                    ],
                    "default_category_uuid": "d0000000-0000-4000-8000-000000000002",
                },
                "exits": [
                    {
                        "uuid": "e0000000-0000-4000-8000-000000000001",
                        "destination_uuid": "a0000000-0000-4000-8000-000000000002",
                    },
                    {"uuid": "e0000000-0000-4000-8000-000000000002"},
                ],
            },
            {
                "uuid": "a0000000-0000-4000-8000-000000000002",
                "actions": [
                    {
                        "uuid": "b0000000-0000-4000-8000-000000000002",
                        "type": "send_msg",
                        "text": "Thanks @results.name!",
                    }
                ],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000003"}],
            },
        ],
    }
    from upesi.flows.assets import Assets

    assets = Assets({"flows": [flow]})
    engine = Engine()
    contact = {
        "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
        "status": "active",
        "urns": ["tel:+12065551212"],
        "created_on": "2024-01-01T00:00:00Z",
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": flow["uuid"], "name": "Bench"},
        "triggered_on": "2024-01-01T00:00:00Z",
    }
    resume = {
        "type": "msg",
        "event": {
            "type": "msg_received",
            "uuid": "0197b335-6ded-79a4-95a6-3af85b57f108",
            "created_on": "2025-05-04T12:10:00Z",
            "msg": {"text": "Ana", "urn": "tel:+12065551212"},
        },
    }

    def run() -> None:
        session, _ = engine.new_session(assets, contact, trigger)
        data = session.to_json()
        restored = engine.read_session(assets, data)
        engine.resume(restored, resume)

    bench("flow: start, to_json, read_session, resume", run, 2_000)


if __name__ == "__main__":
    main()
