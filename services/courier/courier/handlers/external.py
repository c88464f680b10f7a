"""External API (EX): a generic HTTP channel whose send request is a template in the channel config.

Receive: GET/POST /c/ex/{uuid}/receive  with `from` (or `sender`) and `text`, form or query, e.g.
    POST /c/ex/{uuid}/receive  from=%2B250788383383&text=Join&date=2017-06-23T12:30:00Z
Status:  GET/POST /c/ex/{uuid}/sent|delivered|failed?id=<msg uuid or id>
Stopped: GET/POST /c/ex/{uuid}/stopped?from=%2B250788383383
Send config, e.g. {"send_url": "https://example.com/send?to={{to}}&text={{text}}", "method": "GET"} or
    {"send_url": "https://example.com/send", "method": "POST", "content_type": "json",
     "body": "{\"to\": {{to}}, \"text\": {{text}}}", "headers": {"Authorization": "Token abc"}}
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from urllib.parse import quote_plus
from xml.sax.saxutils import escape as xml_escape

from courier.channels import ChannelRec
from courier.handlers.base import (
    EventIn,
    Handler,
    HandlerError,
    Item,
    MsgIn,
    MsgOut,
    ReceiveContext,
    Request,
    Response,
    Route,
    SendResult,
    StatusIn,
    channel_config_error,
    response_content,
    status_for_response,
)
from courier.ids import is_uuid
from courier.outbound import Outbound
from courier.phones import national_number, urn_for
from courier.textutil import replace_non_gsm7, split_text, text_and_attachments
from upesi.channeltypes import codes
from upesi.channeltypes.external import TYPES as DECLARED_TYPES

DEFAULT_BODY = (
    "id={{id}}&text={{text}}&to={{to}}&to_no_plus={{to_no_plus}}&from={{from}}&from_no_plus={{from_no_plus}}"
    "&channel={{channel}}"
)
CONTENT_TYPES = {
    "urlencoded": "application/x-www-form-urlencoded",
    "json": "application/json",
    "xml": "text/xml; charset=utf-8",
}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_STATUS_ACTIONS = {"sent": "S", "delivered": "D", "failed": "F"}


def parse_rfc3339(value: str) -> datetime:
    if not _RFC3339.match(value):
        raise HandlerError("invalid date format, must be RFC 3339")
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


def _xml_escape_go(value: str) -> str:
    """As Go's xml.EscapeText, which the reference uses (newlines become &#xA;)."""
    return xml_escape(value, {'"': "&#34;", "'": "&#39;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"})


def _xpath_text(root: ET.Element, path: str) -> str | None:
    """The text of the first element named by a `//name` path, ignoring namespaces."""
    name = path.strip().lstrip("/").split("/")[-1]
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == name:
            return el.text or ""
    return None


class ExternalHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        both = ("GET", "POST")
        routes = [
            Route(both, "receive", self.receive, "msg_receive"),
            Route(both, "stopped", self.stopped, "event_receive"),
        ]
        for action in _STATUS_ACTIONS:
            routes.append(Route(both, action, self.status, "msg_status"))
        return routes

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        from_xpath, text_xpath = channel.cfg("from_xpath"), channel.cfg("text_xpath")
        date_value = ""
        if from_xpath and text_xpath:
            try:
                root = ET.fromstring(req.body)
            except ET.ParseError as e:
                raise HandlerError(f"unable to parse request XML: {e}") from e
            sender = _xpath_text(root, from_xpath)
            text = _xpath_text(root, text_xpath)
            if not sender:
                raise HandlerError("missing from")
            if text is None:
                raise HandlerError("missing text")
        else:
            from_field = channel.cfg("mo_from_field")
            text_field = channel.cfg("mo_text_field", "text")
            date_field = channel.cfg("mo_date_field")
            if from_field:
                sender = req.param(from_field)
            else:
                sender = req.param("from") or req.param("sender")
            if not sender:
                raise HandlerError("must have one of 'sender' or 'from' set")
            if not req.has_param(text_field):
                raise HandlerError(f"field '{text_field}' required")
            text = req.param(text_field)
            date_value = req.param(date_field) if date_field else (req.param("date") or req.param("time"))
        received_on = parse_rfc3339(date_value) if date_value else None
        urn = urn_for(channel.scheme, sender, channel.country)
        return [MsgIn(urn=urn, text=text or "", received_on=received_on)]

    async def status(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        action = req.path.rstrip("/").rsplit("/", 1)[-1]
        ident = req.param("id") or req.param("uuid")
        if not ident:
            raise HandlerError("parameters id or uuid should not be empty")
        status = _STATUS_ACTIONS[action]
        if ident.isdigit():
            return [StatusIn(status=status, msg_id=int(ident))]
        if not is_uuid(ident):
            raise HandlerError("parameters id or uuid must be a message UUID")
        return [StatusIn(status=status, msg_uuid=ident.lower())]

    async def stopped(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        sender = req.param("from")
        if not sender:
            raise HandlerError("field 'from' required")
        return [EventIn("stop_contact", urn_for(channel.scheme, sender, channel.country))]

    def write_response(
        self, request: Request, channel: ChannelRec | None, items: list[Item]
    ) -> Response | None:
        # a configured answer replaces the JSON only for incoming messages, as the reference
        if channel and channel.cfg("mo_response") and any(isinstance(i, MsgIn) for i in items):
            return Response(
                channel.cfg("mo_response"), 200, channel.cfg("mo_response_content_type", "text/plain")
            )
        return None

    # ------------------------------------------------------------------------------------------- send

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        send_url = channel.cfg("send_url")
        if not send_url:
            raise channel_config_error("no send_url set for EX channel")
        method = str(channel.cfg("method", channel.cfg("send_method", "POST"))).upper()
        content_type = channel.cfg("content_type", "urlencoded")
        body_template = channel.cfg("body", channel.cfg("send_body", DEFAULT_BODY))
        max_length = int(channel.cfg("max_length", channel.cfg("send_max_length", 160)) or 160)
        check = channel.cfg("mt_response_check")
        headers = {"Content-Type": CONTENT_TYPES.get(content_type, content_type)}
        headers.update({str(k): str(v) for k, v in (channel.cfg("headers", {}) or {}).items()})
        if channel.cfg("send_authorization"):
            headers["Authorization"] = channel.cfg("send_authorization")

        to = msg.urn_path
        if channel.cfg("use_national"):
            to = national_number(to, channel.country)
        text = text_and_attachments(msg.text, msg.attachments)
        if channel.cfg("encoding") == "S":
            text = replace_non_gsm7(text)
        parts = split_text(text, max_length)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            values = {
                "id": str(msg.id if msg.id is not None else msg.uuid),
                "uuid": msg.uuid,
                "text": part,
                "to": to,
                "to_no_plus": to.lstrip("+"),
                "from": channel.address,
                "from_no_plus": channel.address.lstrip("+"),
                "channel": channel.uuid,
                "session_status": (msg.session or {}).get("status", "") if msg.session else "",
            }
            qrs = msg.quick_reply_texts if last else []
            url = _render(send_url, values, qrs, "urlencoded")
            body = None if method == "GET" else _render(body_template, values, qrs, content_type)
            resp = await out.request(
                method, url, headers=headers, data=body.encode() if body is not None else None
            )
            error = status_for_response(resp.status)
            if error:
                raise error
            if check and check not in resp.text:
                raise response_content()


def _render(template: str, values: dict[str, str], quick_replies: list[str], content_type: str) -> str:
    """Fill {{var}} placeholders, escaping values for where they land."""
    esc: Callable[[str], str]
    if content_type == "json":
        esc = partial(json.dumps, ensure_ascii=False)
        qr = json.dumps(quick_replies, ensure_ascii=False, separators=(",", ":"))
    elif content_type == "xml":
        esc = _xml_escape_go
        qr = "".join(f"<item>{_xml_escape_go(q)}</item>" for q in quick_replies)
    else:
        esc = partial(quote_plus, safe="")
        qr = "".join(f"&quick_reply={quote_plus(q, safe='')}" for q in quick_replies)
    out = template
    for key, value in values.items():
        placeholder = "{{" + key + "}}"
        if placeholder in out:  # escaping every value for every send cost 2 % of a send's CPU
            out = out.replace(placeholder, esc(value))
    return out.replace("{{quick_replies}}", qr)
