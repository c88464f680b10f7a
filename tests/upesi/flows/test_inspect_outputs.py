"""Every action type the engine reads (upesi.flows.actions.ACTIONS) says what results and locals it leaves for
later nodes (or that it leaves none): inspecting an action no table lists is an error, not an empty answer."""

import pytest

from upesi.flows.actions import ACTIONS
from upesi.flows.inspect.outputs import (
    ACTION_LOCALS,
    ACTION_RESULTS,
    NO_LOCALS,
    NO_RESULTS,
    UninspectedAction,
    action_locals,
    action_results,
)


@pytest.mark.parametrize("action_type", sorted(ACTIONS))
def test_every_action_type_says_what_it_writes(action_type: str) -> None:
    assert (action_type in ACTION_RESULTS) != (action_type in NO_RESULTS), f"{action_type}: results?"
    assert (action_type in ACTION_LOCALS) != (action_type in NO_LOCALS), f"{action_type}: locals?"


def test_the_tables_list_only_action_types() -> None:
    assert set(ACTION_RESULTS) | NO_RESULTS | set(ACTION_LOCALS) | NO_LOCALS <= set(ACTIONS)


def test_what_actions_write() -> None:
    assert action_results({"type": "call_classifier", "result_name": "Intent"}) == [
        ("Intent", ["Success", "Skipped", "Failure"])
    ]
    assert action_results({"type": "set_run_result", "name": "Age", "category": "Adult"}) == [
        ("Age", ["Adult"])
    ]
    assert action_results({"type": "call_webhook"}) == []  # no result name: no result
    assert action_locals({"type": "call_llm", "output_local": "_llm_output"}) == ["_llm_output"]
    assert action_locals({"type": "open_ticket"}) == ["_new_ticket"]
    assert action_locals({"type": "send_msg", "text": "hi"}) == []


def test_an_action_no_table_lists_is_an_error() -> None:
    with pytest.raises(UninspectedAction, match="teleport_contact"):
        action_results({"type": "teleport_contact"})
    with pytest.raises(UninspectedAction, match="teleport_contact"):
        action_locals({"type": "teleport_contact"})
