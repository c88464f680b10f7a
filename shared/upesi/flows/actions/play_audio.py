"""play_audio (voice): plays a recording from a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import VOICE
from upesi.flows.actions.say_msg import ivr_msg
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_or_skip, localize

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = VOICE
REQUIRED = ("audio_url",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    audios, lang = localize(session, run, action["uuid"], "audio_url", [action.get("audio_url") or ""])
    audio = evaluate_or_skip(session, run, audios[0])
    if audio is None:
        return
    if not audio:
        session.log(error_event("Audio URL evaluated to empty, skipping"))
        return
    session.log({"type": "ivr_created", "msg": ivr_msg(session, "", audio, lang)})
