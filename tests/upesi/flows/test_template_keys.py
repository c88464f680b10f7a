"""The template keys of actions, declared once (upesi.flows.template_keys) and read by inspection and the spec
migrations: both see the same templates (they used to keep two lists that disagreed on name, language and
group/label name_match; goflow's template catalog lists all three as templates)."""

from typing import Any

import pytest

from upesi.flows.inspect.deps import action_templates as deps_templates
from upesi.flows.migrations.templates import rewrite_all_templates
from upesi.flows.template_keys import action_templates

CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"type": "set_contact_name", "uuid": "a", "name": "@fields.nick"}, ["@fields.nick"]),
    ({"type": "set_contact_language", "uuid": "a", "language": "@fields.lang"}, ["@fields.lang"]),
    (
        {
            "type": "add_contact_groups",
            "uuid": "a",
            "groups": [{"uuid": "g", "name": "Kigali"}, {"name_match": "@fields.district"}],
        },
        ["@fields.district"],
    ),
    (
        {"type": "set_contact_field", "uuid": "a", "field": {"key": "age", "name": "Age"}, "value": "@input"},
        ["@input"],
    ),
    (
        {
            "type": "call_webhook",
            "uuid": "a",
            "method": "POST",
            "url": "http://x/@contact.uuid",
            "headers": {"X-Id": "@run.uuid"},
            "body": "@(json(contact))",
            "result_name": "Result",
        },
        ["http://x/@contact.uuid", "@run.uuid", "@(json(contact))", "Result"],
    ),
    (
        {
            "type": "send_msg",
            "uuid": "a",
            "text": "Hi @contact",
            "attachments": ["image:@fields.pic"],
            "templating": {
                "uuid": "t",
                "template": {"uuid": "w", "name": "welcome"},
                "variables": ["@contact.name"],
            },
        },
        ["Hi @contact", "image:@fields.pic", "@contact.name"],
    ),
    ({"type": "enter_flow", "uuid": "a", "flow": {"uuid": "f", "name": "@not.a.template"}}, []),
    (
        {
            "type": "start_session",
            "uuid": "a",
            "flow": {"uuid": "f", "name": "F"},
            "contacts": [{"uuid": "c", "name": "@bob"}],
            "contact_query": "name = @fields.x",
        },
        ["name = @fields.x"],
    ),
    ({"type": "set_contact_status", "uuid": "a", "status": "blocked"}, []),
    (
        {"type": "set_run_local", "uuid": "a", "local": "n", "operation": "increment", "value": "@fields.x"},
        ["@fields.x"],
    ),
]


@pytest.mark.parametrize(("action", "expected"), CASES)
def test_inspection_and_migrations_see_the_same_templates(
    action: dict[str, Any], expected: list[str]
) -> None:
    assert action_templates(action) == expected
    assert deps_templates(action) == expected

    rewritten: list[str] = []

    def mark(expr: str) -> str:
        rewritten.append(expr)
        return expr.upper()

    flow = {"nodes": [{"uuid": "n", "actions": [action], "exits": []}]}
    rewrite_all_templates(flow, mark)
    new_action = flow["nodes"][0]["actions"][0]
    # the migration rewrote exactly the expressions inside the templates, and nothing outside them
    assert rewritten == [e for t in expected for e in _expressions(t)]
    assert action_templates(new_action) == [_upper_exprs(t) for t in expected]


def _expressions(template: str) -> list[str]:
    from upesi.excellent.template import parse_template

    out = []
    for part in parse_template(template):
        if not isinstance(part, str):
            src = part[0]
            out.append(src[2:-1] if src.startswith("@(") else src[1:])
    return out


def _upper_exprs(template: str) -> str:
    from upesi.flows.migrations.templates import rewrite_template

    return rewrite_template(template, str.upper)
