"""The WhatsApp 24-hour window check in inspection."""

from __future__ import annotations

from upesi.flows.inspect import inspect_flow


def _flow(timeout_seconds: int, template: bool) -> dict:
    send: dict = {"uuid": "b0000000-0000-4000-8000-000000000002", "type": "send_msg", "text": "Still there?"}
    if template:
        send["template"] = {"uuid": "c0000000-0000-4000-8000-000000000009", "name": "reminder"}
        send["template_variables"] = []
    return {
        "uuid": "f0000000-0000-4000-8000-000000000001",
        "name": "Reminder",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [
                    {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "send_msg", "text": "Reply?"}
                ],
                "router": {
                    "type": "switch",
                    "operand": "@input.text",
                    "cases": [],
                    "wait": {
                        "type": "msg",
                        "timeout": {
                            "seconds": timeout_seconds,
                            "category_uuid": "c0000000-0000-4000-8000-000000000002",
                        },
                    },
                    "categories": [
                        {
                            "uuid": "c0000000-0000-4000-8000-000000000001",
                            "name": "All",
                            "exit_uuid": "e0000000-0000-4000-8000-000000000001",
                        },
                        {
                            "uuid": "c0000000-0000-4000-8000-000000000002",
                            "name": "No Response",
                            "exit_uuid": "e0000000-0000-4000-8000-000000000002",
                        },
                    ],
                    "default_category_uuid": "c0000000-0000-4000-8000-000000000001",
                },
                "exits": [
                    {"uuid": "e0000000-0000-4000-8000-000000000001"},
                    {
                        "uuid": "e0000000-0000-4000-8000-000000000002",
                        "destination_uuid": "a0000000-0000-4000-8000-000000000002",
                    },
                ],
            },
            {
                "uuid": "a0000000-0000-4000-8000-000000000002",
                "actions": [send],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000003"}],
            },
        ],
    }


def test_long_timeout_then_free_text_is_flagged() -> None:
    issues = inspect_flow(_flow(2 * 86400, template=False))["issues"]
    assert [i["type"] for i in issues] == ["whatsapp_window"]
    assert issues[0]["action_uuid"] == "b0000000-0000-4000-8000-000000000002"


def test_short_timeout_or_template_is_fine() -> None:
    assert inspect_flow(_flow(3600, template=False))["issues"] == []
    assert inspect_flow(_flow(2 * 86400, template=True))["issues"] == []
