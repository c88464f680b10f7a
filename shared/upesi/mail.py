"""Sending email over SMTP, configured by one URL (the SMTP_URL setting, RapidPro's form):

    smtp://user:password@host:587/?from=Upesi%20<no-reply@example.org>&tls=true

smtp:// talks plain SMTP (STARTTLS when tls=true), smtps:// implicit TLS; the port defaults to 25 and
465. User and password are optional (URL-encoded), `from` is the sender (default no-reply@<host>).

The standard library's smtplib does the talking: mailroom's engine sends from a worker thread (goflow's
engines send synchronously too), and async callers use send_mail_async, which runs it in a thread."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT_SECONDS = 15.0


class MailError(Exception):
    """The email could not be sent; the message says why (for an error event or a form error)."""


@dataclass(frozen=True)
class SMTPServer:
    host: str
    port: int
    username: str
    password: str
    sender: str
    implicit_tls: bool
    starttls: bool


def parse_smtp_url(url: str) -> SMTPServer:
    if not url:
        raise MailError("no email server is configured (SMTP_URL is not set)")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("SMTP_URL must look like smtp://user:password@host:port/?from=sender")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError as e:
        raise MailError(f"SMTP_URL has an invalid port: {e}") from e
    return SMTPServer(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        sender=query.get("from") or f"no-reply@{parts.hostname}",
        implicit_tls=implicit,
        starttls=query.get("tls", "").lower() in ("1", "true", "yes"),
    )


def build_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid()
    msg.set_content(body)
    return msg


def send_mail(
    smtp_url: str, to: list[str], subject: str, body: str, timeout: float = TIMEOUT_SECONDS
) -> None:
    """Send one email to every address in `to`; MailError (with the server's reason) if it isn't accepted."""
    server = parse_smtp_url(smtp_url)
    if not to:
        raise MailError("no recipients")
    msg = build_message(server.sender, to, subject, body)
    try:
        client: smtplib.SMTP
        if server.implicit_tls:
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.starttls:
                client.starttls(context=ssl.create_default_context())
            if server.username:
                client.login(server.username, server.password)
            refused = client.send_message(msg)
    except (smtplib.SMTPException, OSError) as e:
        raise MailError(f"{server.host}:{server.port}: {e}") from e
    if refused:
        raise MailError(f"recipients refused: {', '.join(sorted(refused))}")


async def send_mail_async(smtp_url: str, to: list[str], subject: str, body: str) -> None:
    await asyncio.to_thread(send_mail, smtp_url, to, subject, body)
