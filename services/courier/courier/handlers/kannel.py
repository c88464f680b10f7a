"""Kannel (KN): an SMS gateway we call with GET requests; delivery reports come back on a dlr-url we build.

Receive: POST /c/kn/{uuid}/receive?sender=%2B250788383383&message=Hi&ts=1493735509&id=abc
Status:  GET  /c/kn/{uuid}/status?uuid=<msg uuid>&status=1   (1 delivered, 2 failed, 4/8 sent, 16 rejected)
Send:    GET  <send_url>?username=..&password=..&from=..&to=..&text=..&dlr-url=..&dlr-mask=27
"""

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    SendResult,
    StatusIn,
    channel_config_error,
    status_for_response,
)
from courier.ids import is_uuid
from courier.outbound import Outbound
from courier.phones import national_number, urn_for
from courier.textutil import is_gsm7, replace_non_gsm7, text_and_attachments
from upesi.channeltypes import codes
from upesi.channeltypes.kannel import TYPES as DECLARED_TYPES
from upesi.config import get_settings

STATUSES = {"1": "D", "2": "E", "4": "S", "8": "S", "16": "E"}


class KannelHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        return [
            Route(("POST", "GET"), "receive", self.receive, "msg_receive"),
            Route(("GET", "POST"), "status", self.status, "msg_status"),
        ]

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        for field in ("sender", "id", "ts"):
            if not req.param(field):
                raise HandlerError(f"field '{field}' required")
        try:
            received_on = datetime.fromtimestamp(int(req.param("ts")), UTC)
        except ValueError as e:
            raise HandlerError("invalid ts, must be a unix timestamp") from e
        urn = urn_for("tel", req.param("sender"), channel.country)
        return [
            MsgIn(urn=urn, text=req.param("message"), external_id=req.param("id"), received_on=received_on)
        ]

    async def status(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        code = req.param("status")
        if not code or code == "0":
            raise HandlerError("field 'status' required")
        ident = req.param("uuid") or req.param("id")
        if not ident:
            raise HandlerError("field 'uuid' required")
        status = STATUSES.get(code)
        if status is None:
            ctx.clog.error("external", f"unknown delivery report status '{code}'", f"dlr:{code}")
            return [Ignored(f"ignoring unknown status '{code}'")]
        if status == "S" and channel.cfg("ignore_sent"):
            return [Ignored("ignoring sent report (message aleady wired)")]
        if ident.isdigit():
            return [StatusIn(status=status, msg_id=int(ident))]
        if not is_uuid(ident):
            raise HandlerError("uuid must be a message UUID")
        return [StatusIn(status=status, msg_uuid=ident.lower())]

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        send_url = channel.cfg("send_url")
        if not send_url:
            raise channel_config_error("no send_url set for KN channel")
        text = text_and_attachments(msg.text, msg.attachments)
        encoding = channel.cfg("encoding", "S")
        to = msg.urn_path
        if channel.cfg("use_national"):
            to = national_number(to, channel.country)
        callback = (
            f"{get_settings().courier_url.rstrip('/')}/c/kn/{channel.uuid}/status?uuid={msg.uuid}&status=%d"
        )
        params: list[tuple[str, str | bytes]] = [
            ("username", channel.cfg("username")), ("password", channel.cfg("password")), ("from", channel.address),
            ("to", to), ("dlr-url", callback), ("dlr-mask", str(channel.cfg("dlr_mask", "27"))),
        ]  # fmt: skip
        if encoding == "S":
            text = replace_non_gsm7(text)
        if encoding == "U" or not is_gsm7(text):
            params += [("text", text.encode("utf-16-be")), ("coding", "2")]
        else:
            params.append(("text", text))
        if msg.high_priority:
            params.append(("priority", "1"))
        parts = urlsplit(send_url)
        query = urlencode(parse_qsl(parts.query) + params)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        resp = await out.request("GET", url)
        error = status_for_response(resp.status)
        if error:
            raise error
