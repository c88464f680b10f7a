"""What each engine event means to the database: one module per event type (handlers/<event>.py, its
EVENT constant naming the type), each adding to the Batch that commit_sprints writes in a fixed number of
statements whatever the number of events, plus NOOP, the events that need nothing stored. The engine's
own registry (upesi.flows.events.types) is the list that must be covered; tests check it is.

An event of a type with no handler and not on NOOP is an error: the batch is not written (the contact
event is retried, then dropped loudly), rather than committed without it."""

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

Handler = Callable[[Batch, Sprint, dict[str, Any]], None]

# events that change nothing stored, and why
NOOP: dict[str, str] = {
    "error": "a flow problem; kept in the session's sprint only, as RapidPro does",
    "warning": "as error",
    "failure": "the session's failed status is written from the session itself",
    "run_started": "runs are written from the session JSON",
    "run_ended": "runs are written from the session JSON",
    "run_result_changed": "run results are written from the session JSON",
    "email_sent": "the engine's email service already sent it (mailroom gives the engine an SMTP sender)",
    "llm_called": "RapidPro only counts these for its dashboards",
    "ivr_created": "said or played in the call's TwiML answer (mailroom.ivr.twiml); not stored as a voice msg"
    " row yet, as RapidPro does (see NOTES, IVR)",
}


class UnhandledEvent(RuntimeError):
    """An engine event type mailroom has no owner for."""


def _discover() -> dict[str, Handler]:
    handlers: dict[str, Handler] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "batch":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        handlers[module.EVENT] = module.handle
    return handlers


HANDLERS: dict[str, Handler] = _discover()


def collect(batch: Batch, sprints: list[Sprint]) -> Batch:
    """Give every event of every sprint to its handler, in order."""
    for s in sprints:
        for e in s.events:
            event_type = e.get("type", "")
            handler = HANDLERS.get(event_type)
            if handler is not None:
                handler(batch, s, e)
            elif event_type not in NOOP:
                raise UnhandledEvent(f"no handler for engine event {event_type!r} (contact {s.contact_id})")
    return batch
