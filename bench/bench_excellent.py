"""Micro-benchmarks for Excellent and the flow engine (issue #4 targets, one core).

.venv/bin/python bench/bench_excellent.py [--repeat N]

Prints, for each figure, the best and the median rate over N timed repetitions (the machine is shared,
so the best is the figure least disturbed by other work). The issue's two targets are marked [target]:
  - the template `Hi @contact.name, you are @(fields.age + 1)` rendered with a warm parse cache
    (>= 200,000/s), against a ready context and as an action renders it against a run's context;
  - resuming a session waiting at a msg wait through one switch node and one send_msg until it waits
    again (>= 10,000/s), both the engine alone (session dict -> Session -> resume) and mailroom's whole
    path (JSON text -> dict -> read_session -> resume -> to_json -> JSON text, as services/mailroom's
    runner and persist do it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from upesi.excellent import evaluate_template
from upesi.excellent.template import _expr_cache, _template_cache

ISSUE_TEMPLATE = "Hi @contact.name, you are @(fields.age + 1)"
CTX: dict[str, Any] = {
    "contact": {
        "__default__": "Ana",
        "name": "Ana",
        "first_name": "Ana",
        "language": "eng",
        "fields": {"age": 23, "gender": "Female"},
    },
    "fields": {"age": 23, "gender": "Female"},
    "results": {"color": {"__default__": "red", "value": "red", "category": "Red"}},
    "input": {"__default__": "hi there", "text": "hi there"},
}
TEMPLATES = [
    "Hi @contact.name, you are @contact.fields.age!",
    "@(upper(contact.first_name)) likes @results.color.category",
    '@(if(contact.fields.age > 18, "adult", "minor")) / @(format_number(contact.fields.age * 1.5, 1))',
    "plain text without expressions",
]
REPEAT = 7


def bench(name: str, fn: Callable[[], Any], n: int, target: float | None = None) -> float:
    """Time n calls REPEAT times; print best and median calls per second."""
    for _ in range(min(n, 200)):
        fn()
    rates = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rates.append(n / (time.perf_counter() - start))
    best, median = max(rates), statistics.median(rates)
    mark = ""
    if target is not None:
        mark = f"  [target {target:,.0f}: {'met' if best >= target else 'NOT met'}]"
    print(f"{name:62s} best {best:10,.0f}/s  median {median:10,.0f}/s  ({1e6 / best:7.2f} µs){mark}")
    return best


def templates() -> None:
    from upesi.excellent.types.convert import from_json

    ctx = from_json(CTX)
    text, errors = evaluate_template(ISSUE_TEMPLATE, ctx)
    assert (text, errors) == ("Hi Ana, you are 24", []), (text, errors)
    bench(f"[a] render {ISSUE_TEMPLATE!r}", lambda: evaluate_template(ISSUE_TEMPLATE, ctx), 50_000, 200_000)
    for t in TEMPLATES:
        bench(f"render {t[:40]!r}", lambda t=t: evaluate_template(t, ctx), 20_000)

    def cold() -> None:
        _template_cache.clear()
        _expr_cache.clear()
        evaluate_template(TEMPLATES[2], ctx)

    bench("render with a cold parse cache (parse + eval)", cold, 5_000)


# -- the engine ------------------------------------------------------------------------------------

FLOW_UUID = "8ca44c09-791d-453a-9799-a70dd3303306"
CHANNEL = {
    "uuid": "57f1078f-88aa-46f4-a59a-948a5739c03d",
    "name": "Android",
    "address": "+12065551212",
    "schemes": ["tel"],
    "roles": ["send", "receive"],
}
ASSETS: dict[str, Any] = {
    "channels": [CHANNEL],
    "fields": [
        {"uuid": "f1b5aea6-6586-41c7-9020-1a6326cc6565", "key": "age", "name": "Age", "type": "number"},
        {"uuid": "6c86d5ab-3fd2-4a6b-9a68-d5ba1fa6a8a4", "key": "gender", "name": "Gender", "type": "text"},
    ],
    "groups": [{"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"}],
}
CONTACT: dict[str, Any] = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "id": 1234,
    "name": "Ana Silva",
    "status": "active",
    "language": "eng",
    "timezone": "America/Guayaquil",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": ["tel:+12065551313?channel=57f1078f-88aa-46f4-a59a-948a5739c03d"],
    "groups": [{"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"}],
    "fields": {"age": {"text": "23", "number": 23}, "gender": {"text": "Female"}},
}
ENVIRONMENT: dict[str, Any] = {
    "date_format": "DD-MM-YYYY",
    "time_format": "tt:mm",
    "timezone": "Africa/Kigali",
    "allowed_languages": ["eng", "fra"],
    "redaction_policy": "none",
}
# node 1 waits for a message and routes it (has_number / has_any_word / other); node 2 sends a message
# and goes back to node 1, which waits again: one resume = one switch + one send_msg + a new wait
WAIT_NODE = "a0000000-0000-4000-8000-000000000001"
SEND_NODE = "a0000000-0000-4000-8000-000000000002"


def _category(n: int, name: str) -> dict[str, str]:
    return {
        "uuid": f"d0000000-0000-4000-8000-00000000000{n}",
        "name": name,
        "exit_uuid": f"e0000000-0000-4000-8000-00000000000{n}",
    }


FLOW: dict[str, Any] = {
    "uuid": FLOW_UUID,
    "name": "Bench",
    "spec_version": "14.4.2",
    "language": "eng",
    "type": "messaging",
    "revision": 12,
    "expire_after_minutes": 10080,
    "nodes": [
        {
            "uuid": WAIT_NODE,
            "actions": [],
            "router": {
                "type": "switch",
                "wait": {"type": "msg"},
                "result_name": "Answer",
                "operand": "@input.text",
                "cases": [
                    {
                        "uuid": "c0000000-0000-4000-8000-000000000001",
                        "type": "has_number",
                        "arguments": [],
                        "category_uuid": "d0000000-0000-4000-8000-000000000001",
                    },
                    {
                        "uuid": "c0000000-0000-4000-8000-000000000002",
                        "type": "has_any_word",
                        "arguments": ["yes yeah ok"],
                        "category_uuid": "d0000000-0000-4000-8000-000000000002",
                    },
                ],
                "categories": [_category(1, "Number"), _category(2, "Yes"), _category(3, "Other")],
                "default_category_uuid": "d0000000-0000-4000-8000-000000000003",
            },
            "exits": [
                {"uuid": f"e0000000-0000-4000-8000-00000000000{n}", "destination_uuid": SEND_NODE}
                for n in (1, 2, 3)
            ],
        },
        {
            "uuid": SEND_NODE,
            "actions": [
                {
                    "uuid": "b0000000-0000-4000-8000-000000000002",
                    "type": "send_msg",
                    "text": "Thanks @contact.first_name, you said @results.answer (@results.answer.category)",
                }
            ],
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000009", "destination_uuid": WAIT_NODE}],
        },
    ],
}
MSG = {
    "uuid": "0197b335-6ded-79a4-95a6-3af85b57f108",
    "urn": "tel:+12065551313",
    "channel": {"uuid": CHANNEL["uuid"], "name": CHANNEL["name"]},
    "text": "I am 24 years old",
    "attachments": [],
}


def engine_figures() -> None:
    from upesi.flows.assets import Assets
    from upesi.flows.engine import Engine
    from upesi.flows.resumes import new_resume
    from upesi.flows.runtime import evaluate_text

    engine = Engine()
    assets = Assets({**ASSETS, "flows": [FLOW]})
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW_UUID, "name": "Bench"},
        "triggered_on": "2024-01-01T00:00:00Z",
    }
    session, _ = engine.new_session(assets, CONTACT, trigger, environment=ENVIRONMENT)
    assert session.status == "waiting", session.status

    # [a] as an action renders it: a fresh run context per evaluation (the template cache is warm)
    run = session.runs[0]
    assert evaluate_text(session, run, ISSUE_TEMPLATE) == "Hi Ana Silva, you are 24"
    bench(
        "[a] same template, against a run's context (evaluate_text)",
        lambda: evaluate_text(session, run, ISSUE_TEMPLATE),
        50_000,
    )

    # the waiting session as mailroom stores it (flow_sessions.output, JSON) and the contact it loads
    stored_text = json.dumps(session.to_json(), default=str)
    stored = json.loads(stored_text)
    msg_resume = new_resume("msg", "2025-05-04T12:10:00Z", msg=MSG)

    def check(s: Any, sprint: Any) -> None:
        types = [e["type"] for e in sprint.events]
        assert s.status == "waiting", (s.status, types)
        assert types == ["msg_received", "run_result_changed", "msg_created", "msg_wait"] or types == [
            "run_result_changed",
            "msg_created",
            "msg_wait",
        ], types
        msg_text = next(e for e in sprint.events if e["type"] == "msg_created")["msg"]["text"]
        assert msg_text == "Thanks Ana, you said 24 (Number)", msg_text

    s = engine.read_session(assets, stored, environment=ENVIRONMENT)
    check(s, engine.resume(s, msg_resume))

    def in_memory() -> None:
        s = engine.read_session(assets, stored, environment=ENVIRONMENT)
        engine.resume(s, msg_resume)

    stored_bytes = orjson.dumps(stored)

    def mailroom_path() -> None:
        # msg_received: the session row's output (decoded by the driver, with orjson) with the freshly loaded
        # contact; runner._resume: read, resume, to_json; persist: the session JSON written back (orjson)
        session_json = dict(orjson.loads(stored_bytes), contact=CONTACT)
        s = engine.read_session(assets, session_json, environment=ENVIRONMENT)
        engine.resume(s, msg_resume)
        orjson.dumps(s.to_json(), default=str)

    def mailroom_path_stdlib_json() -> None:
        # the same with the standard library's json, as mailroom had it before: what orjson saves
        session_json = dict(json.loads(stored_text), contact=CONTACT)
        s = engine.read_session(assets, session_json, environment=ENVIRONMENT)
        engine.resume(s, msg_resume)
        json.dumps(s.to_json(), default=str)

    bench("[b] resume: read_session(dict) + resume (engine, in memory)", in_memory, 3_000, 10_000)
    bench("[b] resume: mailroom path (JSON -> resume -> to_json -> JSON)", mailroom_path, 3_000, 10_000)
    bench("    same, with the stdlib json module instead of orjson", mailroom_path_stdlib_json, 3_000)

    def start_roundtrip() -> None:
        session, _ = engine.new_session(assets, CONTACT, trigger, environment=ENVIRONMENT)
        restored = engine.read_session(assets, session.to_json(), environment=ENVIRONMENT)
        engine.resume(restored, msg_resume)

    bench("flow: start, to_json, read_session, resume", start_roundtrip, 1_000)

    start_figure(engine)


# [s] mailroom's runner._start for a flow start: a one-node flow whose only action is a send_msg, and a
# fresh contact per call (as load_contacts builds it) with its own number, so no per-number cache helps
START_FLOW_UUID = "9b1b3c0e-2f6a-4b7e-8d0e-5a8a6c1f0a01"
START_FLOW: dict[str, Any] = {
    "uuid": START_FLOW_UUID,
    "name": "Hello",
    "spec_version": "14.4.2",
    "language": "eng",
    "type": "messaging",
    "revision": 1,
    "expire_after_minutes": 10080,
    "nodes": [
        {
            "uuid": "a1000000-0000-4000-8000-000000000001",
            "actions": [
                {
                    "uuid": "b1000000-0000-4000-8000-000000000001",
                    "type": "send_msg",
                    "text": "Hello @contact.name",
                }
            ],
            "exits": [{"uuid": "e1000000-0000-4000-8000-000000000001", "destination_uuid": None}],
        }
    ],
}
START_ENVIRONMENT: dict[str, Any] = {
    "date_format": "MM-DD-YYYY",
    "time_format": "tt:mm",
    "timezone": "America/New_York",
    "allowed_languages": ["eng"],
    "redaction_policy": "none",
    "default_country": "US",
}


def start_figure(engine: Any) -> None:
    from upesi.flows.assets import Assets

    assets = Assets({**ASSETS, "flows": [START_FLOW]})
    counter = iter(range(10_000_000))

    def contact() -> dict[str, Any]:
        n = next(counter)
        return {
            "uuid": f"5d76d86b-3bb9-4d5a-b822-{n:012d}",
            "id": 100_000 + n,
            "status": "active",
            "created_on": "2024-01-01T00:00:00.123456Z",
            "urns": [f"tel:+1202{2000000 + n:07d}?id={n + 5}"],
            "groups": [{"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"}],
            "fields": {},
            "name": f"Contact {n}",
        }

    def trigger() -> dict[str, Any]:
        return {
            "type": "manual",
            "flow": {"uuid": START_FLOW_UUID, "name": "Hello"},
            "triggered_on": "2025-05-04T12:00:00.123456Z",
            "origin": "ui",
        }

    session, sprint = engine.new_session(assets, contact(), trigger(), environment=START_ENVIRONMENT)
    assert session.status == "completed", session.status
    msg = next(e for e in sprint.events if e["type"] == "msg_created")["msg"]
    assert msg["text"] == "Hello Contact 0", msg

    def start() -> None:
        s, _ = engine.new_session(assets, contact(), trigger(), environment=START_ENVIRONMENT)
        s.to_json()

    bench("[s] start: new_session + to_json for a send_msg flow, distinct contacts", start, 3_000)


def main() -> None:
    global REPEAT
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument("--only", choices=["templates", "engine", "start"])
    args = p.parse_args()
    REPEAT = args.repeat
    if args.only in (None, "templates"):
        templates()
    if args.only == "start":
        from upesi.flows.engine import Engine

        start_figure(Engine())
    elif args.only != "templates":
        engine_figures()


if __name__ == "__main__":
    main()
