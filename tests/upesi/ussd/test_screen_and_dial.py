"""What fits a USSD screen, what a numbered reply picks, which trigger a dialled code picks, and the flow
inspection issue for a message longer than a screen."""

import pytest

from tests.courier.ussd.flows import LONG_TEXT, menu_flow
from upesi.flows.inspect import inspect_flow
from upesi.ussd.dial import is_service_code, split_extra
from upesi.ussd.screen import CUT_MARKER, MAX_SCREEN, choose, fit, menu


@pytest.mark.parametrize(
    ("text", "quick_replies", "expected"),
    [
        ("Register?", ["Yes", "No"], "Register?\n1. Yes\n2. No"),
        ("Hello", [], "Hello"),
        ("", ["A"], "1. A"),
    ],
)
def test_menu(text: str, quick_replies: list[str], expected: str) -> None:
    assert menu(text, quick_replies) == expected


@pytest.mark.parametrize(
    ("text", "shown_length", "cut"),
    [("a" * MAX_SCREEN, MAX_SCREEN, False), ("a" * (MAX_SCREEN + 1), MAX_SCREEN, True), ("short", 5, False)],
)
def test_fit(text: str, shown_length: int, cut: bool) -> None:
    shown, was_cut = fit(text)
    assert (len(shown), was_cut) == (shown_length, cut)
    assert shown.endswith(CUT_MARKER) == cut


@pytest.mark.parametrize(
    ("reply", "quick_replies", "expected"),
    [("2", ["Yes", "No"], "No"), ("3", ["Yes", "No"], "3"), ("0", ["Yes"], "0"), ("Yes", ["Yes"], "Yes"),
     ("1", [], "1"), (" 1 ", ["Yes"], "Yes")],
)  # fmt: skip
def test_choose(reply: str, quick_replies: list[str], expected: str) -> None:
    assert choose(reply, quick_replies) == expected


@pytest.mark.parametrize(
    ("dialled", "code", "expected"),
    [("*384*12#", "*384*12#", []), ("*384*12*3#", "*384*12#", ["3"]), ("*384*12*3*1#", "*384*12#", ["3", "1"]),
     ("*384*123#", "*384*12#", None), ("*384#", "*384*12#", None), ("*999#", "*384*12#", None)],
)  # fmt: skip
def test_split_extra(dialled: str, code: str, expected: list[str] | None) -> None:
    assert split_extra(dialled, code) == expected


@pytest.mark.parametrize(
    ("value", "ok"), [("*384*12#", True), ("*1#", True), ("384", False), ("*38a#", False)]
)
def test_is_service_code(value: str, ok: bool) -> None:
    assert is_service_code(value) is ok


def test_inspection_reports_a_message_longer_than_a_screen_only_when_asked() -> None:
    flow = menu_flow()
    assert not [i for i in inspect_flow(flow)["issues"] if i["type"] == "ussd_screen"]
    [issue] = [i for i in inspect_flow(flow, screen_limit=MAX_SCREEN)["issues"] if i["type"] == "ussd_screen"]
    status_node = next(n for n in flow["nodes"] if n["actions"] and n["actions"][0]["text"] == LONG_TEXT)
    assert issue["node_uuid"] == status_node["uuid"]
    assert issue["action_uuid"] == status_node["actions"][0]["uuid"]
    assert issue["description"] == f"message of {len(LONG_TEXT)} characters does not fit a USSD screen (182)"


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        ("tel:+254711000111", "sms"),
        ("tel:+254711000111?channel=ussd", "sms"),
    ],  # affinity to USSD is not enough
)
def test_a_ussd_channel_is_never_picked_to_send(urn: str, expected: str) -> None:
    from upesi.db.ops.assets import CHANNEL_ROLES
    from upesi.flows.contact import channel_for_urn
    from upesi.urns import split_urn

    channels = {
        "sms": {"uuid": "sms", "address": "+254700000000", "schemes": ["tel"], "roles": ["send", "receive"]},
        "ussd": {"uuid": "ussd", "address": "*384*12#", "schemes": ["tel"], "roles": [CHANNEL_ROLES["U"]]},
    }
    u = split_urn(urn)
    assert u is not None
    found = channel_for_urn(u, channels)
    assert found is not None and found["uuid"] == expected
