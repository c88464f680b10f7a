"""What a channel handler is made of: the items a callback produces (messages, statuses, events), the
errors it may raise, and the outgoing message it is asked to send.

A handler never touches the database or Redis: it turns a provider's request into items and a message
into provider requests. The receiver and the sender write the results, in batches.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from courier.channels import ChannelRec
    from courier.logs import ChannelLogBuilder
    from courier.outbound import Outbound


# ---------------------------------------------------------------------------------------------- receive


@dataclass
class MsgIn:
    """An incoming message, e.g. {"urn": "tel:+250788383383", "text": "Join", "external_id": "SM123"}."""

    urn: str
    text: str
    external_id: str | None = None
    received_on: datetime | None = None
    attachments: list[str] = field(default_factory=list)
    contact_name: str | None = None
    urn_auth_tokens: dict[str, str] = field(default_factory=dict)
    new_urn: dict[str, str] | None = None
    payload: Any = None
    uuid: str = ""  # set by the receiver (or replaced by the original's on a duplicate)
    channel: Any = None  # the channel, when a route finds it in the payload (WAC, FBA)


@dataclass
class StatusIn:
    """A delivery report, by our msg uuid when we gave the provider one, else by external id."""

    status: str  # W S D R E F
    msg_uuid: str | None = None
    external_id: str | None = None
    msg_id: int | None = None
    channel: Any = None


@dataclass
class EventIn:
    """A channel event: stop_contact, new_conversation, referral, mo_miss, optin, optout, welcome_message..."""

    event_type: str
    urn: str
    extra: dict[str, Any] = field(default_factory=dict)
    occurred_on: datetime | None = None
    contact_name: str | None = None
    uuid: str = ""
    channel: Any = None


@dataclass
class Ignored:
    """A request (or part of one) understood but producing nothing (answered 200 'Ignored'); `error` marks
    a part that was refused while the rest was handled (Meta webhooks)."""

    reason: str
    error: bool = False


Item = MsgIn | StatusIn | EventIn | Ignored


class HandlerError(Exception):
    """Bad input from the provider: answered (400 by default) with the message, nothing stored."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Request:
    """The inbound HTTP request as a handler sees it. `url` is the public URL the provider called
    (https://host + path, or X-Forwarded-Path), which signature checks use."""

    method: str
    url: str
    path: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, list[str]]
    body: bytes
    form_multi: dict[str, list[str]]  # urlencoded or multipart body fields

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def param(self, name: str) -> str:
        """A form field, else a query parameter, as the reference's decoders do."""
        if self.form_multi.get(name):
            return self.form_multi[name][0]
        if self.query.get(name):
            return self.query[name][0]
        return ""

    def has_param(self, name: str) -> bool:
        return name in self.form_multi or name in self.query

    @property
    def form(self) -> dict[str, str]:
        """Query then form fields, first value each."""
        merged = {k: v[0] for k, v in self.query.items() if v}
        merged.update({k: v[0] for k, v in self.form_multi.items() if v})
        return merged

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise HandlerError(f"unable to parse request JSON: {e}") from e
        except RecursionError as e:  # 100,000 nested arrays: refused, not a 500
            raise HandlerError("unable to parse request JSON: nested too deeply") from e

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def parse_form_body(content_type: str, body: bytes) -> dict[str, list[str]]:
    if "application/x-www-form-urlencoded" in content_type or (
        not content_type and body and b"=" in body and not body.lstrip().startswith((b"{", b"<"))
    ):
        return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {}


@dataclass
class Response:
    """A handler-specific answer (TwiML XML, a configured EX body, a webhook challenge)."""

    body: str | bytes
    status: int = 200
    content_type: str = "application/json"


RouteFunc = Callable[["Request", "ChannelRec | None", "ReceiveContext"], Awaitable["list[Item] | Response"]]


@dataclass
class Route:
    methods: tuple[str, ...]
    action: str
    func: RouteFunc
    log_type: str  # msg_receive, msg_status, event_receive, multi_receive, webhook_verify
    needs_channel: bool = True  # False for /c/wac/receive style routes that find the channel in the payload


# ------------------------------------------------------------------------------------------------- send


@dataclass
class MsgOut:
    """An outgoing message as mailroom queues it (see ARCHITECTURE contracts), e.g.
    {"id": 1, "uuid": "...", "urn": "tel:+250788383383", "text": "Hi", "attachments": ["image/jpeg:https://..."],
     "quick_replies": ["Yes", "No"], "channel_uuid": "...", "contact": {"id": 100, "uuid": "..."}}"""

    raw: dict[str, Any]

    @property
    def id(self) -> int | None:
        return self.raw.get("id")

    @property
    def uuid(self) -> str:
        return self.raw.get("uuid", "")

    @property
    def text(self) -> str:
        return self.raw.get("text") or ""

    @property
    def urn(self) -> str:
        return self.raw.get("urn") or ""

    @property
    def urn_path(self) -> str:
        return self.urn.split(":", 1)[1].split("?", 1)[0].split("#", 1)[0] if ":" in self.urn else self.urn

    @property
    def urn_scheme(self) -> str:
        return self.urn.split(":", 1)[0]

    @property
    def urn_auth(self) -> str:
        return self.raw.get("urn_auth") or ""

    @property
    def attachments(self) -> list[str]:
        return list(self.raw.get("attachments") or [])

    @property
    def quick_replies(self) -> list[dict[str, Any]]:
        """Quick replies as {type, text, extra}; mailroom may queue plain strings."""
        out = []
        for qr in self.raw.get("quick_replies") or []:
            out.append({"type": "text", "text": qr} if isinstance(qr, str) else qr)
        return out

    @property
    def quick_reply_texts(self) -> list[str]:
        return [qr.get("text", "") for qr in self.quick_replies]

    @property
    def locale(self) -> str:
        return self.raw.get("locale") or ""

    @property
    def high_priority(self) -> bool:
        return bool(self.raw.get("high_priority"))

    @property
    def origin(self) -> str:
        return self.raw.get("origin") or ""

    @property
    def templating(self) -> dict[str, Any] | None:
        return self.raw.get("templating")

    @property
    def response_to_external_id(self) -> str:
        return self.raw.get("response_to_external_id") or ""

    @property
    def session(self) -> dict[str, Any] | None:
        return self.raw.get("session")

    @property
    def contact(self) -> dict[str, Any]:
        return self.raw.get("contact") or {}


def split_attachment(attachment: str) -> tuple[str, str]:
    """'image/jpeg:https://...' -> ('image/jpeg', 'https://...')."""
    content_type, _, url = attachment.partition(":")
    return content_type, url


class SendError(Exception):
    """A send that did not succeed; `code` is the reference's channel-log code (connection_failed...)."""

    def __init__(self, code: str, retryable: bool = False, message: str = "", ext_code: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.retryable = retryable
        self.message = message
        self.ext_code = ext_code


def channel_config_error(message: str) -> SendError:
    return SendError("channel_config", False, message)


def connection_failed() -> SendError:
    return SendError("connection_failed", True)


def throttled() -> SendError:
    return SendError("connection_throttled", True)


def response_status() -> SendError:
    return SendError("response_status", False)


def response_content() -> SendError:
    return SendError("response_content", False)


def response_unparseable() -> SendError:
    return SendError("response_unparseable", False)


def response_unexpected(message: str = "") -> SendError:
    return SendError("response_unexpected", False, message)


def contact_stopped() -> SendError:
    return SendError("contact_stopped", False)


def rejected(ext_code: str, message: str, retryable: bool = False) -> SendError:
    return SendError("rejected_with_reason", retryable, message, ext_code)


def message_invalid(message: str) -> SendError:
    return SendError("message_invalid", False, message)


@dataclass
class SendResult:
    external_ids: list[str] = field(default_factory=list)
    new_urn: str | None = None

    def add_external_id(self, value: Any) -> None:
        if value not in (None, ""):
            self.external_ids.append(str(value))


def status_for_response(status: int) -> SendError | None:
    """The reference's common mapping: 5xx -> connection_failed, 429 -> throttled, other non-2xx final."""
    if 200 <= status < 300:
        return None
    if status == 429:
        return throttled()
    if status >= 500:
        return connection_failed()
    return response_status()


class Handler:
    """One channel family. Subclasses set `channel_types`, register routes and implement `send`."""

    channel_types: tuple[str, ...] = ()
    response_message: str | None = None  # one envelope message for every answer ("Events Handled" for Meta)
    redact_config_keys: tuple[str, ...] = (
        "auth_token",
        "api_key",
        "secret",
        "password",
        "send_authorization",
    )

    def routes(self) -> list[Route]:
        return []

    def redact_values(self, channel: ChannelRec) -> list[str]:
        return [str(channel.config[k]) for k in self.redact_config_keys if channel.config.get(k)]

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        raise SendError("channel_config", False, f"no send support for {channel.channel_type}")

    def write_response(
        self, request: Request, channel: ChannelRec | None, items: list[Item]
    ) -> Response | None:
        """A handler-specific success body (TwiML...), or None for the standard JSON envelope."""
        return None

    def error_response(self, request: Request, error: HandlerError) -> Response | None:
        """A handler-specific error body, or None for the standard JSON envelope."""
        return None

    async def describe_urn(self, channel: ChannelRec, urn: str, out: Outbound) -> dict[str, str]:
        """Extra details (a name) for a new contact, looked up at the provider."""
        return {}


@dataclass
class LogError:
    code: str
    message: str = ""
    ext_code: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "ext_code": self.ext_code, "message": self.message}


@dataclass
class ReceiveContext:
    """Things a receive route may need beyond the request: outbound HTTP (media lookups) and the log."""

    out: Outbound
    clog: ChannelLogBuilder
    channels: Any = None  # the channel cache, for routes that find their channel in the payload
