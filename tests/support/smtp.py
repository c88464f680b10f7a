"""A real local SMTP server for tests (aiosmtpd over TCP on a free port) keeping every message it is given,
and SMTP_URL pointed at it (set in the environment, so services a test starts inherit it)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import processes
from upesi.config import reset_settings

SENDER = "upesi@upesi.test"


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []  # (from, to, data)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"

    def parsed(self) -> list[EmailMessage]:
        """The messages as a mail client reads them (get_content() decodes quoted-printable)."""
        return [message_from_string(data, policy=policy.default) for _, _, data in self.messages]  # type: ignore[misc]


@contextmanager
def smtp_server(sender: str = SENDER) -> Iterator[Inbox]:
    inbox = Inbox()
    port = processes.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = os.environ.get("SMTP_URL")
    os.environ["SMTP_URL"] = f"smtp://127.0.0.1:{port}/?from={sender}"
    reset_settings()
    try:
        yield inbox
    finally:
        controller.stop()
        if saved is None:
            os.environ.pop("SMTP_URL", None)
        else:
            os.environ["SMTP_URL"] = saved
        reset_settings()
