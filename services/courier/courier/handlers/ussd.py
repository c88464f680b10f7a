"""USSD channels (ATU: Africa's Talking USSD, EXU: External USSD): each request is one input of a USSD session,
answered in the same HTTP request by courier/ussd.py with "CON <text>" (the flow waits for more) or
"END <text>" (the session is over). This module only reads requests; it never sends: a USSD channel cannot
reach anyone outside a session the person dialled, so a message queued to it is refused, loudly.

    POST /c/at/{uuid}/ussd   sessionId=ATUid_1&serviceCode=*384*12%23&phoneNumber=%2B254711000111&networkCode=63902&text=1*2
      -> MsgIn(urn="tel:+254711000111", text="2", external_id="ATUid_1#2",
               payload={"ussd": {"session_id": "ATUid_1", "service_code": "*384*12#", "inputs": ["1", "2"], ...}})
    POST /c/at/{uuid}/ussd_end  sessionId=ATUid_1&status=Incomplete&...   (the end-of-session notification)
    POST /c/exu/{uuid}/ussd  fields named by the channel's config (session_id_field, from_field, text_field,
      service_code_field); text_mode "joined" (every input so far, joined by "*", as Africa's Talking) or "last"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from courier.channels import ChannelRec
from courier.handlers.base import (
    Handler,
    HandlerError,
    Ignored,
    Item,
    MsgIn,
    MsgOut,
    ReceiveContext,
    Request,
    Route,
    SendError,
    SendResult,
)
from courier.outbound import Outbound
from courier.phones import urn_for
from upesi.channeltypes import codes
from upesi.channeltypes.ussd import TYPES as DECLARED_TYPES

AT_FIELDS = {"session_id": "sessionId", "from": "phoneNumber", "text": "text", "service_code": "serviceCode"}
DEFAULT_ANSWER_SECONDS = 4.0  # how long courier waits for the flow's answer before it answers END itself
# Africa's Talking's end-of-session statuses: Success (we ended it), Incomplete (the user cancelled or the
# network timed the session out), Failed (a network error)
END_STATUSES = ("Success", "Incomplete", "Failed")


@dataclass
class UssdIn:
    """One USSD request. `inputs` are every input of the session so far when the provider sends them joined
    (so `hops` counts them and a repeated request can be recognised), else just this one."""

    session_id: str
    urn: str
    service_code: str
    network_code: str
    inputs: list[str]
    joined: bool

    @property
    def input(self) -> str:
        return self.inputs[-1] if self.inputs else ""

    @property
    def hops(self) -> int | None:
        return len(self.inputs) if self.joined else None

    def as_payload(self) -> dict[str, Any]:
        return {
            "ussd": {
                "session_id": self.session_id,
                "service_code": self.service_code,
                "network_code": self.network_code,
                "inputs": self.inputs,
                "hops": self.hops,
            }
        }


def _field_names(channel: ChannelRec) -> dict[str, str]:
    if channel.channel_type == "ATU":
        return AT_FIELDS
    return {
        "session_id": str(channel.cfg("session_id_field", AT_FIELDS["session_id"])),
        "from": str(channel.cfg("from_field", AT_FIELDS["from"])),
        "text": str(channel.cfg("text_field", AT_FIELDS["text"])),
        "service_code": str(channel.cfg("service_code_field", AT_FIELDS["service_code"])),
    }


def answer_seconds(channel: ChannelRec) -> float:
    try:
        return max(0.1, float(channel.cfg("answer_seconds", DEFAULT_ANSWER_SECONDS)))
    except (TypeError, ValueError):
        return DEFAULT_ANSWER_SECONDS


def parse(req: Request, channel: ChannelRec) -> UssdIn:
    names = _field_names(channel)
    for key in ("session_id", "from"):
        if not req.param(names[key]).strip():
            raise HandlerError(f"field '{names[key]}' required")
    text = req.param(names["text"])
    joined = channel.channel_type == "ATU" or channel.cfg("text_mode", "joined") != "last"
    if joined:
        inputs = text.split("*") if text != "" else []
    else:
        inputs = [text] if text != "" else []
    return UssdIn(
        session_id=req.param(names["session_id"]).strip(),
        urn=urn_for("tel", req.param(names["from"]), channel.country),
        service_code=req.param(names["service_code"]).strip() or channel.address,
        network_code=req.param("networkCode"),
        inputs=inputs,
        joined=joined,
    )


class UssdHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        # served by courier/ussd.py (app.py routes /c/{slug}/{uuid}/{action} of these types to it), which
        # calls these to read the request and answers in-request itself
        return [
            Route(("POST", "GET"), "ussd", self.receive, "msg_receive"),
            Route(("POST",), "ussd_end", self.session_end, "event_receive"),
        ]

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        ussd = parse(req, channel)
        external_id = f"{ussd.session_id}#{ussd.hops}" if ussd.hops is not None else None
        return [MsgIn(urn=ussd.urn, text=ussd.input, external_id=external_id, payload=ussd.as_payload())]

    async def session_end(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        if not req.param("sessionId"):
            raise HandlerError("field 'sessionId' required")
        status = req.param("status")
        if status not in END_STATUSES:
            raise HandlerError(f"unknown status '{status}'")
        return [Ignored(f"session {req.param('sessionId')} ended: {status}")]

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        raise SendError(
            "channel_config",
            False,
            "a USSD channel answers only within a USSD session the contact dialled: nothing was sent",
        )
