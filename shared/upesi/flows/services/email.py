"""The email service: sends an email (send_email action)."""

from __future__ import annotations

from typing import Protocol


class EmailService(Protocol):
    def send(self, addresses: list[str], subject: str, body: str) -> None:
        """Send the email; raise ServiceError if it can't be sent."""
        ...
