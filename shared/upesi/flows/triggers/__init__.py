"""Triggers: how a session starts. A msg trigger's message becomes the session input."""

from __future__ import annotations

from typing import Any

TRIGGER_TYPES = ("manual", "msg", "flow_action", "campaign", "channel", "call", "chat", "ticket", "optin")


class TriggerError(ValueError):
    """The trigger JSON is invalid; the message lists the problems like goflow's validation."""


def validate_trigger(t: Any) -> None:
    if not isinstance(t, dict):
        raise TriggerError("trigger must be an object")
    problems = []
    ttype = t.get("type")
    if ttype not in TRIGGER_TYPES:
        raise TriggerError(f"unknown trigger type '{ttype}'")
    if not isinstance(t.get("flow"), dict) or not t["flow"].get("uuid"):
        problems.append("field 'flow' is required")
    if ttype == "channel" and not t.get("event"):
        problems.append("field 'event' is required")
    if ttype == "flow_action" and not t.get("run_summary"):
        problems.append("field 'run_summary' is required")
    if ttype == "ticket" and not t.get("ticket"):
        problems.append("field 'ticket' is required")
    if ttype == "msg" and isinstance(t.get("keyword_match"), dict) and not t["keyword_match"].get("type"):
        problems.append("field 'keyword_match.type' is required")
    if problems:
        raise TriggerError(", ".join(problems))
    if ttype == "campaign" and (t.get("event") or {}).get("type") != "campaign_fired":
        raise TriggerError("campaign trigger event must be of type campaign_fired")


def input_from_trigger(
    trigger: dict[str, Any], channels: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    if trigger.get("type") != "msg":
        return None
    ev = trigger.get("event") or {}
    msg = ev.get("msg") or trigger.get("msg") or {}
    if not msg:
        return None
    return msg_input(
        ev.get("uuid") or msg.get("uuid"), ev.get("created_on") or trigger.get("triggered_on"), msg, channels
    )


def msg_input(
    uuid: str | None, created_on: str | None, msg: dict[str, Any], channels: dict[str, Any] | None = None
) -> dict[str, Any]:
    i: dict[str, Any] = {"type": "msg", "uuid": uuid or msg.get("uuid")}
    if msg.get("channel"):
        # the channel reference is resolved against the assets (their name wins)
        # the channel is resolved against the assets (their name wins); unknown channels are dropped
        ch = (channels or {}).get(msg["channel"].get("uuid", ""))
        if ch:
            i["channel"] = {"uuid": ch["uuid"], "name": ch.get("name", "")}
    i["created_on"] = created_on
    if msg.get("urn"):
        i["urn"] = msg["urn"]
    i["text"] = msg.get("text") or ""
    if msg.get("attachments"):
        i["attachments"] = msg["attachments"]
    if msg.get("external_id"):
        i["external_id"] = msg["external_id"]
    return i
