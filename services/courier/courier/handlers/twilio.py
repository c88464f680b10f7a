"""The Twilio family: Twilio (T), Twilio Messaging Service (TMS), TwiML API (TW), Twilio WhatsApp (TWA) and
SignalWire (SW). Callbacks are form posts signed with X-Twilio-Signature (SW is not checked).

Receive: POST /c/t/{uuid}/receive  MessageSid=SM123&AccountSid=AC1&From=%2B14133881111&To=%2B12028831111&Body=Hi
Status:  POST /c/t/{uuid}/status?uuid=<msg uuid>  MessageSid=SM123&MessageStatus=delivered
Send:    POST {base}/2010-04-01/Accounts/{account_sid}/Messages.json (form, Basic auth), answered {"sid": "SM123"}
"""

import base64
import hashlib
import hmac
import json
import re

from courier.channels import ChannelRec
from courier.handlers.base import (
    EventIn,
    Handler,
    HandlerError,
    Ignored,
    Item,
    MsgIn,
    MsgOut,
    ReceiveContext,
    Request,
    Response,
    Route,
    SendError,
    SendResult,
    StatusIn,
    contact_stopped,
    message_invalid,
    rejected,
    split_attachment,
    status_for_response,
    throttled,
)
from courier.ids import is_uuid
from courier.outbound import Outbound
from courier.phones import urn_for
from courier.textutil import split_text
from upesi.channeltypes import codes
from upesi.channeltypes.twilio import TYPES as DECLARED_TYPES
from upesi.config import get_settings

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
API_BASE = "https://api.twilio.com"
MAX_LENGTH = 160
STATUSES = {"queued": "S", "sent": "S", "delivered": "D", "read": "R", "failed": "F", "undelivered": "F"}
# Twilio's texts for the error codes we see most (the reference embeds Twilio's whole errors.json)
ERRORS = {
    "21211": "Invalid 'To' Phone Number",
    "21408": "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    "21610": "Attempt to send to unsubscribed recipient",
    "21612": "The 'To' phone number is not currently reachable via SMS",
    "21614": "'To' number is not a valid mobile number",
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered",
    "30008": "Unknown error",
    "63016": "Failed to send freeform message because you are outside the allowed window.",
    "63018": "Rate limit exceeded for Channel",
}
_BSUID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9]+$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+=*$")


def error_message(code: str) -> str:
    return ERRORS.get(code, f"Service specific error: {code}.")


def signature(url: str, form: dict[str, list[str]], token: str) -> str:
    payload = url + "".join(key + "".join(form[key]) for key in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def decode_possible_base64(text: str) -> str:
    """Twilio sometimes delivers long concatenated messages base64-encoded; decode those, as the reference."""
    stripped = text.replace("\r", "").replace("\n", "").strip()
    if len(stripped) < 60 or len(stripped) % 4 != 0 or not _BASE64.match(stripped):
        return text
    try:
        decoded = base64.b64decode(stripped, validate=True).decode("utf-8", errors="ignore")
    except ValueError:
        return text
    ascii_count = sum(1 for c in decoded if ord(c) < 128)
    return decoded if decoded and ascii_count >= len(decoded) / 2 else text


class TwilioHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        return [
            Route(("POST",), "receive", self.receive, "msg_receive"),
            Route(("POST",), "status", self.status, "msg_status"),
        ]

    def redact_values(self, channel: ChannelRec) -> list[str]:
        values = super().redact_values(channel)
        sid, token = channel.cfg("account_sid"), channel.cfg("auth_token")
        if sid and token:
            values.append(_basic(sid, token))
        return values

    def _validate(self, req: Request, channel: ChannelRec) -> None:
        if channel.channel_type == "SW":
            return
        given = req.header("X-Twilio-Signature")
        if not given:
            raise HandlerError("missing request signature")
        expected = signature(req.url, req.form_multi, channel.cfg("auth_token"))
        if not hmac.compare_digest(given, expected):
            raise HandlerError("invalid request signature")

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        self._validate(req, channel)
        for field in ("MessageSid", "AccountSid", "From", "To"):
            if not req.param(field):
                raise HandlerError(f"field '{field.lower()}' required")
        sender = req.param("From")
        new_urn = None
        if channel.scheme == "whatsapp":
            sender = sender.removeprefix("whatsapp:")
            urn = f"whatsapp:{sender.lstrip('+')}"
            external_user = req.param("ExternalUserId").removeprefix("whatsapp:")
            if external_user and _BSUID.match(external_user) and external_user != sender:
                new_urn = {"Value": f"whatsapp:{external_user}", "Action": "append"}
        else:
            urn = urn_for(channel.scheme, sender, req.param("FromCountry") or channel.country)
        text = decode_possible_base64(req.param("Body"))
        if channel.scheme == "whatsapp" and req.param("ButtonText"):
            text = req.param("ButtonText")
        count = int(req.param("NumMedia") or 0)
        attachments = [req.param(f"MediaUrl{i}") for i in range(count) if req.param(f"MediaUrl{i}")]
        return [
            MsgIn(
                urn=urn,
                text=text,
                external_id=req.param("MessageSid"),
                attachments=attachments,
                new_urn=new_urn,
            )
        ]

    async def status(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        self._validate(req, channel)
        state = req.param("MessageStatus")
        if not state:
            return [Ignored("no msg status, ignoring")]
        if state not in STATUSES:
            raise HandlerError(f"unknown status '{state}'")
        status = STATUSES[state]
        items: list[Item] = []
        code = req.param("ErrorCode")
        if code:
            ctx.clog.error("external", error_message(code), code)
            if code == "21610" and req.param("To"):
                items.append(
                    EventIn(
                        "stop_contact",
                        urn_for(channel.scheme, req.param("To").removeprefix("whatsapp:"), channel.country),
                    )
                )
            if code == "63018":
                status = "E"
        if channel.cfg("ignore_dlrs") and status not in ("F", "E"):
            return [Ignored("ignoring non error delivery report")]
        msg_uuid = req.query.get("uuid", [""])[0]
        if is_uuid(msg_uuid):
            items.insert(
                0,
                StatusIn(
                    status=status, msg_uuid=msg_uuid.lower(), external_id=req.param("MessageSid") or None
                ),
            )
        else:
            items.insert(0, StatusIn(status=status, external_id=req.param("MessageSid")))
        return items

    def write_response(
        self, request: Request, channel: ChannelRec | None, items: list[Item]
    ) -> Response | None:
        if request.path.rstrip("/").endswith("/receive"):
            ignored = [i for i in items if isinstance(i, Ignored)]
            if ignored and len(ignored) == len(items):
                return Response(
                    TWIML.replace("<Response/>", f"<!-- {ignored[0].reason} --><Response/>"), 200, "text/xml"
                )
            return Response(TWIML, 200, "text/xml")
        return None

    # ------------------------------------------------------------------------------------------- send

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        sid, token = channel.cfg("account_sid"), channel.cfg("auth_token")
        if not sid or not token:
            raise SendError("channel_config", False, "missing account_sid or auth_token")
        if channel.channel_type in ("TW", "SW"):
            base = channel.cfg("send_url", channel.cfg("base_url", API_BASE))
        else:
            base = API_BASE
        url = base.rstrip("/") + f"/2010-04-01/Accounts/{sid}/Messages.json"
        callback_base = get_settings().courier_url.rstrip("/")
        if channel.cfg("callback_domain"):
            callback_base = "https://" + channel.cfg("callback_domain")
        callback = f"{callback_base}/c/{channel.channel_type.lower()}/{channel.uuid}/status?uuid={msg.uuid}&action=callback"
        whatsapp = channel.scheme == "whatsapp" or msg.urn_scheme in ("whatsapp", "bsuid")
        to = msg.urn_path
        if whatsapp:
            to = "whatsapp:" + (to if _BSUID.match(to) else "+" + to.lstrip("+"))
        headers = {"Authorization": _basic(sid, token), "Accept": "application/json"}

        templating = msg.templating if whatsapp else None
        if templating is not None:
            if not templating.get("external_id"):
                raise message_invalid("template missing Twilio content SID (external_id)")
            parts: list[str | None] = [None]
        else:
            parts = list(split_text(msg.text, MAX_LENGTH)) if msg.text else [""]
        for i, part in enumerate(parts):
            form: list[tuple[str, str]] = [("To", to)]
            if part is not None:
                form.append(("Body", part))
            form.append(("StatusCallback", callback))
            if i == 0 and templating is None:
                form += [("MediaUrl", split_attachment(a)[1]) for a in msg.attachments]
            if channel.cfg("messaging_service_sid"):
                form.append(("MessagingServiceSid", channel.cfg("messaging_service_sid")))
                if channel.cfg("link_shortening"):
                    form.append(("ShortenUrls", "true"))
            if channel.address:
                form.append(("From", ("whatsapp:" + channel.address) if whatsapp else channel.address))
            if templating is not None:
                form.append(("ContentSid", templating["external_id"]))
                form.append(("ContentVariables", _content_variables(templating)))
            resp = await out.request("POST", url, headers=headers, data=form)
            if resp.status == 429:
                raise throttled()
            try:
                body = resp.json()
            except ValueError:
                body = {}
            code = str(body.get("code") or "") if isinstance(body, dict) else ""
            if code:
                if code == "21610":
                    raise contact_stopped()
                raise rejected(code, error_message(code))
            error = status_for_response(resp.status)
            if error:
                raise error
            sid_value = body.get("sid") if isinstance(body, dict) else None
            if sid_value:
                result.add_external_id(sid_value)
            else:
                out.clog.error("response_value_missing", "Unable to find 'sid' response.")


def _basic(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def _content_variables(templating: dict) -> str:
    variables = templating.get("variables") or []
    values: dict[str, str] = {}
    for component in templating.get("components") or []:
        for key, index in (component.get("variables") or {}).items():
            if isinstance(index, int) and index < len(variables):
                var = variables[index]
                value = var.get("value", "")
                if var.get("type") != "text" and ":" in value:
                    value = split_attachment(value)[1]
                values[key] = value
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
