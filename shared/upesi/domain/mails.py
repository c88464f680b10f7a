"""Emails the web sends people (password resets, invitations): written by the domain rules, sent by the
caller after its transaction commits, so a refused change never sends anything."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from upesi.config import get_settings
from upesi.mail import MailError, send_mail_async

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def link(path: str) -> str:
    """An absolute link to a page of ours, on the public address people use (the WEB_URL setting)."""
    return get_settings().web_url.rstrip("/") + path


def email_configured() -> bool:
    return bool(get_settings().smtp_url)


async def deliver(email: Email) -> None:
    """Send after the response (a background task): a failure is logged as an error naming the recipient,
    never raised into a page that already answered."""
    try:
        await send_mail_async(get_settings().smtp_url, [email.to], email.subject, email.body)
    except MailError as e:
        log.error("email %r to %s not sent: %s", email.subject, email.to, e)
