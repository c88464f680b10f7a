"""transfer_airtime: sends airtime to the contact's phone through the engine's airtime service."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.contact import contact_urns, sendable_destination
from upesi.flows.definition.errors import FlowReadError
from upesi.flows.events import error_event
from upesi.flows.services import HTTPLog, ServiceError

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("amounts",)
OUTPUT_LOCAL = "_new_transfer"  # the airtime_created event's uuid, "" if no transfer was made
MAX_AIRTIME = 1e15


def validate(action: dict[str, Any], where: str) -> None:
    for cur, amount in (action.get("amounts") or {}).items():
        if not isinstance(amount, int | float) or not math.isfinite(amount):
            raise FlowReadError(f"{where}: number value is out of permitted range")
        if amount <= 0 or amount >= MAX_AIRTIME:
            raise FlowReadError(f"{where}: amount for '{cur}' is out of range")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    try:
        event_uuid = _transfer(session, action)
    except ServiceError as e:
        session.log(error_event(str(e)))
        event_uuid = ""
    run.locals[OUTPUT_LOCAL] = event_uuid


def _transfer(session: Session, action: dict[str, Any]) -> str:
    urns = contact_urns(session.contact)
    recipient = next((u for u in urns if u.scheme == "tel"), None)
    if recipient is None:
        raise ServiceError("can't transfer airtime to contact without a phone number")
    service = session.engine.airtime
    if service is None:
        raise ServiceError("no airtime service available")
    # the contact's preferred channel (the one their first sendable URN would go out on, as goflow's
    # PreferredChannel) sends, if it can send to phones
    sender = ""
    channel = sendable_destination(session.contact, session.assets.channels)[1]
    if channel is not None and recipient.scheme in (channel.get("schemes") or []):
        sender = f"{recipient.scheme}:{channel.get('address', '')}"
    logs: list[HTTPLog] = []
    # the event's uuid is allocated first so the provider can keep it as a stable reference
    event_uuid = session.new_uuid()
    amounts = {cur: Decimal(str(v)) for cur, v in action["amounts"].items()}
    transfer = service.create(event_uuid, sender, recipient.identity, amounts, logs.append)
    event = {
        "type": "airtime_created",
        "external_id": transfer.external_id,
        "sender": transfer.sender,
        "recipient": transfer.recipient,
        "currency": transfer.currency,
        "amount": _number(transfer.amount),
        "http_logs": logs,
    }
    session.log(event)["uuid"] = event_uuid  # the uuid the provider was given
    return event_uuid


def _number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)
