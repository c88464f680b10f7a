"""say_msg (voice): text to speak or an audio recording to play."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import VOICE
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_text, localize

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = VOICE


def ivr_msg(session: Session, text: str, audio_url: str, lang: str) -> dict[str, Any]:
    """An IVR message as goflow's NewIVRMsgOut: to the call's URN and channel (the contact's route when
    there is no call), with the locale of the text's language and the merged environment's country."""
    from upesi.flows.contact import sendable_destination, urn_text

    msg: dict[str, Any] = {}
    call = session.call or {}
    if call.get("urn") and call.get("channel"):
        msg["urn"] = call["urn"]
        msg["channel"] = call["channel"]
    else:
        urn, channel = sendable_destination(session.contact, session.assets.channels)
        if urn is not None and channel is not None:
            msg["urn"] = urn_text(urn)
            msg["channel"] = {"uuid": channel["uuid"], "name": channel.get("name", "")}
    msg["text"] = text
    if audio_url:
        msg["attachments"] = [f"audio:{audio_url}"]
    if lang:
        country = session.env.default_country
        msg["locale"] = f"{lang}-{country}" if country else lang
    return msg


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    texts, lang = localize(session, run, action["uuid"], "text", [action.get("text") or ""])
    text = evaluate_text(session, run, texts[0]).strip()
    # as goflow, the audio URL is localized but not evaluated
    audios, _ = localize(session, run, action["uuid"], "audio_url", [action.get("audio_url") or ""])
    audio = audios[0] if audios else ""
    if not text and not audio:
        session.log(error_event("Can't say message without audio URL or backdown text"))
        return
    session.log({"type": "ivr_created", "msg": ivr_msg(session, text, audio, lang)})
