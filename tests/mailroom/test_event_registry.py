"""Every event type the engine can emit (its own registry, upesi.flows.events.types) has an owner in
mailroom: a handler module or a place on the no-op list, never both; an event of an unknown type stops the
write instead of being skipped."""

import pytest

from mailroom.handlers import HANDLERS, NOOP, UnhandledEvent, collect
from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint
from upesi.flows.events.types import EVENT_TYPES, UnknownEventType, check_event_type


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_engine_event_has_an_owner(event_type: str) -> None:
    assert (event_type in HANDLERS) != (event_type in NOOP), f"{event_type}: needs a handler or a NOOP entry"


def test_mailroom_owns_nothing_the_engine_cannot_emit() -> None:
    assert set(HANDLERS) | set(NOOP) <= set(EVENT_TYPES)


def test_handler_modules_are_named_after_their_event() -> None:
    for event_type, handler in HANDLERS.items():
        assert handler.__module__ == f"mailroom.handlers.{event_type}"


def test_an_unknown_event_stops_the_batch() -> None:
    sprint = Sprint(contact_id=1, session={"uuid": "s"}, status="completed", contact={}, events=[
        {"type": "contact_name_changed", "name": "Ann"}, {"type": "contact_teleported"}])  # fmt: skip
    with pytest.raises(UnhandledEvent, match="contact_teleported"):
        collect(Batch(1, scene=None), [sprint])  # type: ignore[arg-type]


def test_the_engine_refuses_to_emit_an_undeclared_event() -> None:
    with pytest.raises(UnknownEventType):
        check_event_type("contact_teleported")


def test_a_session_logs_only_declared_events() -> None:
    from upesi.flows.engine import Engine

    flow = {"uuid": "5b6c1d2e-0000-4000-8000-000000000001", "name": "F", "spec_version": "14.4.2",
            "language": "eng", "type": "messaging", "nodes": []}  # fmt: skip
    contact = {"uuid": "5b6c1d2e-0000-4000-8000-000000000002", "created_on": "2026-01-01T00:00:00Z"}
    trigger = {
        "type": "manual",
        "flow": {"uuid": flow["uuid"], "name": "F"},
        "triggered_on": "2026-01-01T00:00:00Z",
    }
    session, _ = Engine().new_session({"flows": [flow]}, contact, trigger)
    session.log({"type": "warning", "text": "fine"})
    with pytest.raises(UnknownEventType):
        session.log({"type": "contact_teleported"})
