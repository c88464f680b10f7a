"""Africa's Talking (AT): form callbacks for messages and delivery reports; sends with an API key header.

Receive: POST /c/at/{uuid}/receive  id=abc&text=Hi&from=%2B254791541111&to=21512&date=2017-05-03T06:04:45Z
Status:  POST /c/at/{uuid}/status   id=ATXid_1&status=Success
Send:    POST https://api.africastalking.com/version1/messaging  username=..&to=..&message=..&from=..  (apikey header)
"""

from datetime import UTC, datetime

from courier.channels import ChannelRec
from courier.handlers.base import (
    Handler,
    HandlerError,
    Item,
    MsgIn,
    MsgOut,
    ReceiveContext,
    Request,
    Route,
    SendResult,
    StatusIn,
    response_content,
    status_for_response,
)
from courier.outbound import Outbound
from courier.phones import urn_for
from courier.textutil import text_and_attachments
from upesi.channeltypes import codes
from upesi.channeltypes.africastalking import TYPES as DECLARED_TYPES

SEND_URL = "https://api.africastalking.com/version1/messaging"
STATUSES = {"Success": "D", "Sent": "S", "Buffered": "S", "Rejected": "F", "Failed": "F", "Expired": "F"}


def parse_date(value: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise HandlerError(f"invalid date format: {value}")


class AfricasTalkingHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        return [
            Route(("POST",), "receive", self.receive, "msg_receive"),
            Route(("POST",), "callback", self.receive, "msg_receive"),
            Route(("POST",), "delivery", self.status, "msg_status"),
            Route(("POST",), "status", self.status, "msg_status"),
        ]

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        for field in ("id", "text", "from", "to", "date"):
            if not req.param(field):
                raise HandlerError(f"field '{field}' required")
        received_on = parse_date(req.param("date"))
        urn = urn_for("tel", req.param("from"), channel.country)
        return [MsgIn(urn=urn, text=req.param("text"), external_id=req.param("id"), received_on=received_on)]

    async def status(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        for field in ("id", "status"):
            if not req.param(field):
                raise HandlerError(f"field '{field}' required")
        status = STATUSES.get(req.param("status"))
        if status is None:
            raise HandlerError(f"unknown status '{req.param('status')}'")
        return [StatusIn(status=status, external_id=req.param("id"))]

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        form = {
            "username": channel.cfg("username"),
            "to": msg.urn_path,
            "message": text_and_attachments(msg.text, msg.attachments),
        }
        if not channel.cfg("is_shared"):
            form["from"] = channel.address
        headers = {"apikey": channel.cfg("api_key"), "Accept": "application/json"}
        resp = await out.request("POST", channel.cfg("send_url", SEND_URL), headers=headers, data=form)
        error = status_for_response(resp.status)
        if error:
            raise error
        try:
            recipient = (resp.json()["SMSMessageData"]["Recipients"] or [{}])[0]
        except (ValueError, KeyError, TypeError, IndexError) as e:
            raise response_content() from e
        if recipient.get("status") != "Success":
            raise response_content()
        result.add_external_id(recipient.get("messageId"))
