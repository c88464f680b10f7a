"""The airtime service: sends mobile credit to a phone number (transfer_airtime action)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from upesi.flows.services.base import HTTPLogger


@dataclass(frozen=True)
class AirtimeTransfer:
    external_id: str
    sender: str  # a URN, or "" when the contact has no channel for the recipient's scheme
    recipient: str
    currency: str
    amount: Decimal


class AirtimeService(Protocol):
    def create(
        self,
        transfer_uuid: str,
        sender: str,
        recipient: str,
        amounts: dict[str, Decimal],
        log_http: HTTPLogger,
    ) -> AirtimeTransfer:
        """Start a transfer in one of the currencies of `amounts` (the provider picks the one the
        recipient's operator uses). transfer_uuid is the airtime_created event's uuid, which the
        provider can keep as a stable reference. Raise ServiceError if it can't be made."""
        ...
