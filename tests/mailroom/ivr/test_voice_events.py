"""Every event type the engine can emit (upesi.flows.events.types) is either rendered by a voice answer or
named as silent on a call; an event of a type in neither fails the answer (TwiML and Vonage alike) instead of
being left out of it."""

from typing import Any

import httpx
import pytest

from mailroom.ivr import twiml
from mailroom.ivr.clogs import ChannelLog
from mailroom.ivr.services import service_for
from mailroom.ivr.twiml import SILENT_EVENTS, SPOKEN_EVENTS, TwiMLError
from tests.mailroom.ivr.test_vonage import channel
from upesi.flows.events.types import EVENT_TYPES

RESUME = "http://temba.io/resume?session=1"
SAY = {"type": "ivr_created", "msg": {"urn": "tel:+12067799294", "text": "hello"}}
UNKNOWN = {"type": "contact_teleported"}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_engine_event_has_a_voice_owner(event_type: str) -> None:
    assert (event_type in SPOKEN_EVENTS) != (event_type in SILENT_EVENTS), (
        f"{event_type}: say how a call renders it (SPOKEN_EVENTS) or that it says nothing (SILENT_EVENTS)"
    )


def test_voice_owns_nothing_the_engine_cannot_emit() -> None:
    assert SPOKEN_EVENTS | SILENT_EVENTS <= set(EVENT_TYPES)


def test_silent_events_are_left_out_of_a_twiml_answer() -> None:
    events: list[dict[str, Any]] = [{"type": "msg_created", "msg": {"text": "an SMS"}}, SAY]
    assert twiml.response_for_events(events, RESUME, "eng-US") == twiml.response_for_events(
        [SAY], RESUME, "eng-US"
    )


def test_an_unknown_event_fails_the_twiml_answer() -> None:
    with pytest.raises(TwiMLError, match="contact_teleported"):
        twiml.response_for_events([SAY, UNKNOWN], RESUME, "eng-US")


async def test_an_unknown_event_fails_the_vonage_answer() -> None:
    svc = service_for(channel())
    async with httpx.AsyncClient() as client:
        with pytest.raises(TwiMLError, match="contact_teleported"):
            await svc.response_for_events(
                client, [SAY, UNKNOWN], RESUME, "eng-US", "", ChannelLog("t", 1, [])
            )
