"""Triggers: how a session starts. A msg trigger's message becomes the session input."""

from __future__ import annotations

from typing import Any


def input_from_trigger(trigger: dict[str, Any], channels: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if trigger.get("type") != "msg":
        return None
    ev = trigger.get("event") or {}
    msg = ev.get("msg") or trigger.get("msg") or {}
    if not msg:
        return None
    return msg_input(ev.get("uuid") or msg.get("uuid"), ev.get("created_on") or trigger.get("triggered_on"), msg, channels)


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
