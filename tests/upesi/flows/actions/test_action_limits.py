"""goflow's size limits of call_webhook (url, body) and transfer_airtime (amounts), checked by each action's
own validate when a flow is read; the generic limits (result names, headers, quick replies) come first."""

from typing import Any

import pytest

from upesi.flows.definition import read_flow
from upesi.flows.definition.errors import FlowReadError


def _flow(action: dict[str, Any]) -> dict[str, Any]:
    action = {"uuid": "b0000000-0000-4000-8000-000000000001", **action}
    return {"uuid": "76f0a02f-3b75-4b86-9064-e9195e1b3a02", "name": "F", "spec_version": "14.2.0",
            "language": "eng", "type": "messaging", "nodes": [{"uuid": "a0000000-0000-4000-8000-000000000001",
            "actions": [action], "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}]}]}  # fmt: skip


WEBHOOK = {"type": "call_webhook", "method": "GET", "url": "http://example.com/"}


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (
            {**WEBHOOK, "url": "http://example.com/" + "x" * 8192},
            "field 'url' must be less than or equal to 8192",
        ),
        (
            {**WEBHOOK, "method": "POST", "body": "x" * 20001},
            "field 'body' must be less than or equal to 20000",
        ),
        (
            {**WEBHOOK, "url": "http://example.com/" + "x" * 8192, "method": "FETCH"},
            "field 'url'",
        ),  # before method
        ({"type": "transfer_airtime", "amounts": {"USD": 0}}, "amount for 'USD' is out of range"),
        ({"type": "transfer_airtime", "amounts": {"USD": 1e15}}, "amount for 'USD' is out of range"),
        ({"type": "transfer_airtime", "amounts": {"USD": "5"}}, "number value is out of permitted range"),
    ],
)
def test_an_action_over_its_limits_is_refused(action: dict[str, Any], error: str) -> None:
    with pytest.raises(FlowReadError, match=error):
        read_flow(_flow(action))


def test_actions_within_their_limits_are_read() -> None:
    read_flow(
        _flow({**WEBHOOK, "url": "http://example.com/" + "x" * 8000, "method": "POST", "body": "x" * 20000})
    )
    read_flow(_flow({"type": "transfer_airtime", "amounts": {"USD": 0.5, "RWF": 500}}))
