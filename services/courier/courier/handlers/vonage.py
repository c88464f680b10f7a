"""Vonage, formerly Nexmo (NX): SMS API with form posts; inbound and delivery reports by GET or POST.

Receive: GET /c/nx/{uuid}/receive?to=2020&msisdn=250788383383&text=Hi&messageId=abc
Status:  GET /c/nx/{uuid}/status?messageId=abc&status=delivered&err-code=0
Send:    POST https://rest.nexmo.com/sms/json  api_key=..&api_secret=..&from=2020&to=250788383383&text=Hi&type=text
"""

from courier.channels import ChannelRec
from courier.handlers.base import (
    Handler,
    Ignored,
    Item,
    MsgIn,
    MsgOut,
    ReceiveContext,
    Request,
    Route,
    SendResult,
    StatusIn,
    rejected,
    response_unparseable,
    status_for_response,
    throttled,
)
from courier.outbound import Outbound
from courier.phones import urn_for
from courier.textutil import is_gsm7, split_text, text_and_attachments
from upesi.channeltypes import codes
from upesi.channeltypes.vonage import TYPES as DECLARED_TYPES
from upesi.config import get_settings

SEND_URL = "https://rest.nexmo.com/sms/json"
MAX_LENGTH = 160
STATUSES = {
    "delivered": "D",
    "accepted": "S",
    "buffered": "S",
    "failed": "F",
    "expired": "F",
    "rejected": "F",
}
DLR_ERRORS = {
    "1": "Unknown", "2": "Absent Subscriber - Temporary", "3": "Absent Subscriber - Permanent",
    "4": "Call barred by user", "5": "Portability Error", "6": "Anti-Spam Rejection", "7": "Handset Busy",
    "8": "Network Error", "9": "Illegal Number", "10": "Illegal Message", "11": "Unroutable",
    "12": "Destination Unreachable", "13": "Subscriber Age Restriction", "14": "Number Blocked by Carrier",
    "15": "Pre-Paid - Insufficient funds", "99": "General Error",
}  # fmt: skip
SEND_ERRORS = {
    "1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters", "4": "Invalid Credentials",
    "5": "Internal Error", "6": "Invalid Message", "7": "Number Barred", "8": "Partner Account Barred",
    "9": "Partner Quota Violation", "10": "Too Many Existing Binds", "11": "Account Not Enabled For HTTP",
    "12": "Message Too Long", "14": "Invalid Signature", "15": "Invalid Sender Address", "22": "Invalid Network Code",
    "23": "Invalid Callback URL", "29": "Non-Whitelisted Destination", "32": "Signature And API Secret Disallowed",
    "33": "Number De-activated",
}  # fmt: skip


class VonageHandler(Handler):
    channel_types = codes(DECLARED_TYPES)
    redact_config_keys = ("nexmo_api_secret", "nexmo_app_private_key", "api_secret")

    def routes(self) -> list[Route]:
        both = ("GET", "POST")
        return [
            Route(both, "receive", self.receive, "msg_receive"),
            Route(both, "status", self.status, "msg_status"),
        ]

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        if not req.param("to"):
            return [Ignored("no to parameter, ignored")]
        urn = urn_for("tel", req.param("msisdn"), channel.country)
        return [MsgIn(urn=urn, text=req.param("text"), external_id=req.param("messageId") or None)]

    async def status(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        if not req.param("messageId"):
            return [Ignored("no messageId parameter, ignored")]
        status = STATUSES.get(req.param("status"))
        if status is None:
            return [Ignored("ignoring unknown status report")]
        code = req.param("err-code")
        if code and code != "0":
            ctx.clog.error("external", DLR_ERRORS.get(code, f"unknown error {code}"), f"dlr:{code}")
        return [StatusIn(status=status, external_id=req.param("messageId"))]

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        text = text_and_attachments(msg.text, msg.attachments)
        callback = f"{get_settings().courier_url.rstrip('/')}/c/nx/{channel.uuid}/status"
        for part in split_text(text, MAX_LENGTH):
            form = {
                "api_key": channel.cfg("nexmo_api_key"), "api_secret": channel.cfg("nexmo_api_secret"),
                "from": channel.address.lstrip("+"), "to": msg.urn_path.lstrip("+"), "text": part,
                "status-report-req": "1", "callback": callback, "type": "text" if is_gsm7(part) else "unicode",
            }  # fmt: skip
            resp = await out.request("POST", SEND_URL, data=form)
            error = status_for_response(resp.status)
            if error:
                raise error
            try:
                message = (resp.json().get("messages") or [{}])[0]
            except (ValueError, AttributeError) as e:
                raise response_unparseable() from e
            status = str(message.get("status", ""))
            if status != "0":
                if "Throughput Rate Exceeded" in message.get("error-text", ""):
                    raise throttled()
                raise rejected(f"send:{status}", SEND_ERRORS.get(status, message.get("error-text", "")))
            result.add_external_id(message.get("message-id"))
