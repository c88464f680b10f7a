"""Meta's platforms: WhatsApp Cloud API (WAC) and Facebook Messenger (FBA). One webhook per platform, with no
channel UUID: the channel is found from the payload (phone_number_id or page id). Requests are signed with
X-Hub-Signature-256 (HMAC-SHA256 of the body with the app secret); errors are answered 200 so Meta does not
retry them forever.

WAC: POST /c/wac/receive {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
         "metadata": {"phone_number_id": "1234567890"}, "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "5678"}],
         "messages": [{"from": "5678", "id": "wamid.1", "timestamp": "1454119029", "type": "text", "text": {"body": "Hi"}}]}}]}]}
FBA: POST /c/fba/receive {"object": "page", "entry": [{"id": "<page id>", "messaging": [{"sender": {"id": "5678"},
         "recipient": {"id": "<page id>"}, "timestamp": 1459991487970, "message": {"mid": "m1", "text": "Hi"}}]}]}
Both: GET /c/{wac,fba}/receive?hub.mode=subscribe&hub.verify_token=<FACEBOOK_WEBHOOK_SECRET>&hub.challenge=X -> X
"""

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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
    connection_failed,
    rejected,
    response_status,
    response_unexpected,
    response_unparseable,
    split_attachment,
    throttled,
)
from courier.outbound import HttpResponse, Outbound
from courier.textutil import split_text
from upesi.channeltypes import codes
from upesi.channeltypes.meta import TYPES as DECLARED_TYPES
from upesi.config import get_settings

GRAPH = "https://graph.facebook.com/v25.0"
_BSUID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]+$")
WAC_STATUSES = {"sent": "S", "delivered": "D", "read": "R", "failed": "F"}
WAC_THROTTLE_CODES = {4, 80007, 130429, 131048, 131056, 133016}
LIST_BUTTON = {"spa": "Menú", "por": "Menu", "fra": "Menu", "eng": "Menu"}
# courier's stickerIDToEmoji: Messenger's three sizes of the like sticker
STICKER_EMOJI = {369239263222822: "👍", 369239343222814: "👍", 369239383222810: "👍"}


def _envelope(data: list[dict[str, Any]], message: str = "Events Handled", status: int = 200) -> Response:
    return Response(
        json.dumps({"message": message, "data": data}, ensure_ascii=False, separators=(",", ":")), status
    )


def _ts(value: Any) -> datetime:
    """Seconds or milliseconds since the epoch, as Meta sends either."""
    try:
        number = int(value)
    except (TypeError, ValueError) as e:
        raise HandlerError(f"invalid timestamp: {value}") from e
    if number > 10_000_000_000:
        return datetime.fromtimestamp(number / 1000, UTC)
    return datetime.fromtimestamp(number, UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


MISSING_SECRET = "FACEBOOK_APPLICATION_SECRET is not set, so Meta's signatures cannot be checked"


class MetaHandler(Handler):
    """WAC and FBA share the webhook mechanics; each type has its own payload and send format."""

    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        return [
            Route(("GET",), "receive", self.verify, "webhook_verify", needs_channel=False),
            Route(("POST",), "receive", self.receive, "multi_receive", needs_channel=False),
        ]

    def error_response(self, request: Request, error: HandlerError) -> Response | None:
        if error.status >= 500:
            return None  # our fault (no app secret): a 5xx makes Meta retry once it is fixed
        return _envelope([{"type": "error", "error": error.message}], "Error", 200)

    def write_response(
        self, request: Request, channel: ChannelRec | None, items: list[Item]
    ) -> Response | None:
        return None  # the receiver renders "Events Handled" for us (response_message)

    response_message = "Events Handled"

    def redact_values(self, channel: ChannelRec) -> list[str]:
        s = get_settings()
        return [
            *super().redact_values(channel),
            s.facebook_application_secret,
            s.whatsapp_admin_system_user_token,
        ]

    async def verify(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> Response:
        if req.param("hub.mode") != "subscribe":
            return _envelope([{"type": "error", "error": "unknown request"}], "Error", 200)
        if req.param("hub.verify_token") != get_settings().facebook_webhook_secret or not req.param(
            "hub.verify_token"
        ):
            return _envelope([{"type": "error", "error": "token does not match secret"}], "Error", 200)
        return Response(req.param("hub.challenge"), 200, "text/plain")

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        payload = req.json()
        if not isinstance(payload, dict):
            raise HandlerError("unable to parse request JSON: expected an object")
        obj = payload.get("object", "")
        if obj not in ("page", "instagram", "whatsapp_business_account"):
            raise HandlerError(
                f"object expected 'page', 'instagram' or 'whatsapp_business_account', found {obj}"
            )
        entries = payload.get("entry") or []
        if not entries:
            raise HandlerError("no entries found")
        self._check_signature(req)
        channels = ctx.channels
        if obj == "whatsapp_business_account":
            try:
                address = entries[0]["changes"][0]["value"]["metadata"]["phone_number_id"]
            except (KeyError, IndexError, TypeError) as e:
                raise HandlerError("no channel address found") from e
            found = await channels.by_address("WAC", str(address))
        else:
            found = await channels.by_address("FBA", str(entries[0].get("id", "")))
        if found is None:
            raise HandlerError("channel not found")
        ctx.clog.channel_id = found.id
        ctx.clog.add_secrets(self.redact_values(found))
        if obj == "whatsapp_business_account":
            items = await self._wac_items(entries, found, ctx)
        else:
            items = self._fba_items(entries, found)
        for item in items:
            if not isinstance(item, Ignored):
                item.channel = found
        return items

    def _check_signature(self, req: Request) -> None:
        secret = get_settings().facebook_application_secret
        if not secret:
            # an empty key is a key anyone can sign with: refuse rather than store what nobody verified
            raise HandlerError(f"{MISSING_SECRET}: callback refused", 503)
        given = req.header("X-Hub-Signature-256")
        if not given.startswith("sha256="):
            raise HandlerError("invalid request signature")
        expected = hmac.new(secret.encode(), req.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given[len("sha256=") :], expected):
            raise HandlerError("invalid request signature")

    # -------------------------------------------------------------------------------------- WAC receive

    async def _wac_items(self, entries: list[dict], channel: ChannelRec, ctx: ReceiveContext) -> list[Item]:
        items: list[Item] = []
        seen: set[str] = set()
        for entry in entries:
            for change in entry.get("changes") or []:
                value = change.get("value") or {}
                for error in value.get("errors") or []:
                    ctx.clog.error("external", error.get("title", ""), str(error.get("code", "")))
                contacts = value.get("contacts") or []
                for message in value.get("messages") or []:
                    if message.get("id") in seen:
                        continue
                    seen.add(message.get("id", ""))
                    item = await self._wac_message(message, contacts, ctx)
                    if item is not None:
                        items.append(item)
                for status in value.get("statuses") or []:
                    for error in status.get("errors") or []:
                        ctx.clog.error("external", error.get("title", ""), str(error.get("code", "")))
                    state = status.get("status", "")
                    if state == "deleted":
                        items.append(Ignored(f"ignoring status: {state}"))
                    elif state not in WAC_STATUSES:
                        items.append(Ignored(f"unknown status: {state}", error=True))
                    else:
                        items.append(StatusIn(status=WAC_STATUSES[state], external_id=status.get("id")))
        return items

    async def _wac_message(self, message: dict, contacts: list[dict], ctx: ReceiveContext) -> Item | None:
        if message.get("group_id"):
            return Ignored("ignoring group message")
        for error in message.get("errors") or []:
            ctx.clog.error("external", error.get("title", ""), str(error.get("code", "")))
        received_on = _ts(message.get("timestamp"))
        sender, user_id = message.get("from", ""), message.get("from_user_id", "")
        if sender:
            if not (sender.isdigit() or _BSUID.match(sender)):
                raise HandlerError("invalid whatsapp id")
            urn = f"whatsapp:{sender}"
        elif user_id and _BSUID.match(user_id):
            urn = f"whatsapp:{user_id}"
        else:
            raise HandlerError("invalid whatsapp id")
        new_urn = None
        if sender and user_id and user_id != sender and _BSUID.match(user_id):
            new_urn = {"Value": f"whatsapp:{user_id}", "Action": "append"}
        name = None
        for contact in contacts:
            if contact.get("wa_id") in (sender, None) or contact.get("user_id") in (user_id, sender):
                name = (contact.get("profile") or {}).get("name")
                break
        kind = message.get("type", "")
        text, attachments, payload = "", [], None
        if kind == "text":
            text = (message.get("text") or {}).get("body", "")
        elif kind in ("image", "video", "audio", "voice", "document", "sticker"):
            media = message.get(kind) or {}
            text = media.get("caption", "")
            url = await self._media_url(media.get("id", ""), ctx)
            if url:
                attachments.append(url)
        elif kind == "location":
            loc = message.get("location") or {}
            attachments.append(
                f"geo:{float(loc.get('latitude', 0)):.6f},{float(loc.get('longitude', 0)):.6f}"
            )
        elif kind == "button":
            text = (message.get("button") or {}).get("text", "")
        elif kind == "interactive":
            interactive = message.get("interactive") or {}
            itype = interactive.get("type")
            if itype in ("button_reply", "list_reply"):
                text = (interactive.get(itype) or {}).get("title", "")
            elif itype == "nfm_reply":
                reply = interactive.get("nfm_reply") or {}
                text = reply.get("body", "")
                try:
                    data = json.loads(reply.get("response_json") or "null")
                except ValueError:
                    data = None
                payload = data if isinstance(data, dict) else None
        else:
            return None  # unsupported types (their errors are logged above)
        return MsgIn(
            urn=urn, text=text, external_id=message.get("id"), received_on=received_on, attachments=attachments,
            contact_name=name, new_urn=new_urn, payload=payload,
        )  # fmt: skip

    async def _media_url(self, media_id: str, ctx: ReceiveContext) -> str | None:
        if not media_id:
            return None
        token = get_settings().whatsapp_admin_system_user_token
        try:
            resp = await ctx.out.request(
                "GET", f"{GRAPH}/{media_id}", headers={"Authorization": f"Bearer {token}"}
            )
            return resp.json().get("url")
        except (SendError, ValueError, AttributeError):
            ctx.clog.error("media_resolve", f"unable to resolve media id {media_id}")
            return None

    # -------------------------------------------------------------------------------------- FBA receive

    def _fba_items(self, entries: list[dict], channel: ChannelRec) -> list[Item]:
        items: list[Item] = []
        seen: set[str] = set()
        for entry in entries:
            messaging = entry.get("messaging") or []
            if not messaging:
                continue
            event = messaging[0]
            if str((event.get("recipient") or {}).get("id", "")) != channel.address:
                continue
            sender = event.get("sender") or {}
            sender_id = str(sender.get("id", ""))
            if sender_id:
                if not sender_id.isdigit():
                    raise HandlerError("invalid facebook id")
                urn = f"facebook:{sender_id}"
            elif sender.get("user_ref"):
                urn = f"facebook:ref:{sender['user_ref']}"
            else:
                raise HandlerError("missing sender")
            occurred = _ts(event.get("timestamp") or entry.get("time") or 0)
            if "optin" in event:
                optin = event["optin"] or {}
                if optin.get("type") == "notification_messages":
                    items.append(Ignored("ignoring optin"))
                else:
                    items.append(EventIn("referral", urn, {"referrer_id": optin.get("ref", "")}, occurred))
            elif "postback" in event:
                postback = event["postback"] or {}
                extra = {"title": postback.get("title", ""), "payload": postback.get("payload", "")}
                referral = postback.get("referral")
                if referral:
                    extra.update(_referral_extra(referral))
                    items.append(EventIn("referral", urn, extra, occurred))
                else:
                    items.append(EventIn("new_conversation", urn, extra, occurred))
            elif "referral" in event:
                items.append(EventIn("referral", urn, _referral_extra(event["referral"] or {}), occurred))
            elif "delivery" in event:
                for mid in (event["delivery"] or {}).get("mids") or []:
                    items.append(StatusIn(status="D", external_id=mid))
            elif "message" in event:
                message = event["message"] or {}
                if message.get("is_echo"):
                    items.append(Ignored("ignoring echo"))
                    continue
                mid = message.get("mid", "")
                if mid in seen:
                    continue
                seen.add(mid)
                text = message.get("text", "")
                attachments = []
                for att in message.get("attachments") or []:
                    # courier's handlers/meta: each test on its own (a sticker's image also has a URL)
                    kind, att_payload = att.get("type"), att.get("payload") or {}
                    if kind == "image" and att_payload.get("sticker_id"):
                        text = STICKER_EMOJI.get(att_payload["sticker_id"], "")
                    if kind == "like_heart":
                        text = "❤️"
                    if kind == "location":
                        coords = att_payload.get("coordinates") or {}
                        attachments.append(
                            f"geo:{float(coords.get('lat', 0)):.6f},{float(coords.get('long', 0)):.6f}"
                        )
                    if kind == "story_mention":
                        items.append(Ignored("ignoring story_mention"))
                        continue
                    url = str(att_payload.get("url") or "")
                    if kind != "fallback" and url.startswith("http"):
                        attachments.append(url)
                if not text and not attachments:
                    items.append(Ignored("ignoring unsupported message"))
                    continue
                items.append(
                    MsgIn(urn=urn, text=text, external_id=mid, received_on=occurred, attachments=attachments)
                )
        return items

    async def describe_urn(self, channel: ChannelRec, urn: str, out: Outbound) -> dict[str, str]:
        """A new Messenger contact's name from the Graph API (the webhook carries only their page-scoped id)."""
        if (
            channel.channel_type != "FBA"
            or not urn.startswith("facebook:")
            or urn.startswith("facebook:ref:")
        ):
            return {}
        psid = urn.partition(":")[2].partition("#")[0]
        url = f"{GRAPH}/{psid}?fields=first_name,last_name&access_token={channel.cfg('auth_token')}"
        try:
            data = (await out.request("GET", url)).json()
        except (SendError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        return {"name": name} if name else {}

    # ---------------------------------------------------------------------------------------------- send

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        if channel.channel_type == "WAC":
            await self._send_wac(msg, channel, out, result)
        else:
            await self._send_fba(msg, channel, out, result)

    async def _send_fba(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        token = channel.cfg("auth_token")
        url = f"{GRAPH}/me/messages?access_token={token}"
        base: dict[str, Any] = {}
        if msg.origin in ("chat", "ticket"):
            base = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        elif msg.response_to_external_id:
            base = {"messaging_type": "RESPONSE"}
        else:
            base = {"messaging_type": "UPDATE"}
        base["recipient"] = (
            {"notification_messages_token": msg.urn_auth} if msg.urn_auth else {"id": msg.urn_path}
        )
        bodies: list[dict[str, Any]] = []
        for attachment in msg.attachments:
            content_type, link = split_attachment(attachment)
            kind = content_type.split("/")[0]
            kind = kind if kind in ("image", "video", "audio") else "file"
            bodies.append({"attachment": {"type": kind, "payload": {"url": link, "is_reusable": True}}})
        if msg.text:
            parts = split_text(msg.text, int(channel.cfg("max_length", 1000)))
            for i, part in enumerate(parts):
                body: dict[str, Any] = {"text": part}
                if i == len(parts) - 1 and msg.quick_replies:
                    body["quick_replies"] = [
                        {"title": t, "payload": t, "content_type": "text"} for t in msg.quick_reply_texts
                    ]
                bodies.append(body)
        for body in bodies:
            resp = await out.request("POST", url, json_body={**base, "message": body})
            data = _graph_response(resp)
            error = data.get("error") if isinstance(data, dict) else None
            if error:
                raise rejected(str(error.get("code", "")), error.get("message", ""))
            if not 200 <= resp.status < 300:
                raise response_status()
            if not data.get("message_id"):
                raise response_unexpected("no message_id in response")
            result.add_external_id(data["message_id"])

    async def _send_wac(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        from courier.handlers.wac_send import build_wac_payloads

        url = f"{GRAPH}/{channel.address}/messages"
        headers = {"Authorization": f"Bearer {get_settings().whatsapp_admin_system_user_token}"}
        payloads = build_wac_payloads(msg, int(channel.cfg("max_length", 4096)), out.clog)
        recipient = msg.urn_path
        for payload in payloads:
            resp = await out.request("POST", url, headers=headers, json_body=payload)
            data = _graph_response(resp)
            error = data.get("error") if isinstance(data, dict) else None
            if error:
                code = error.get("code")
                if code in WAC_THROTTLE_CODES:
                    raise throttled()
                if code == 131053:
                    raise rejected(str(code), error.get("message", ""), retryable=True)
                raise rejected(str(code), error.get("message", ""))
            if not 200 <= resp.status < 300:
                raise response_status()
            messages = data.get("messages") or []
            if not messages or not messages[0].get("id"):
                raise response_unexpected("no message id in response")
            result.add_external_id(messages[0]["id"])
            for contact in data.get("contacts") or []:
                user_id = contact.get("user_id")
                others = msg.raw.get("contact_other_urns") or (msg.contact.get("other_urns") or [])
                if user_id and user_id != recipient and f"whatsapp:{user_id}" not in others:
                    result.new_urn = f"whatsapp:{user_id}"


def _referral_extra(referral: dict) -> dict[str, str]:
    extra = {
        "referrer_id": referral.get("ref", ""),
        "source": referral.get("source", ""),
        "type": referral.get("type", ""),
    }
    if referral.get("ad_id"):
        extra["ad_id"] = referral["ad_id"]
    return {k: v for k, v in extra.items() if v != "" or k == "referrer_id"}


def _graph_response(resp: HttpResponse) -> dict[str, Any]:
    """The JSON body, after the statuses that need no body: 5xx is a connection failure, 429 throttling."""
    if resp.status >= 500:
        raise connection_failed()
    if resp.status == 429:
        raise throttled()
    try:
        data = resp.json()
    except ValueError as e:
        raise response_unparseable() from e
    return data if isinstance(data, dict) else {}


def parse_form_extra(extra: str) -> tuple[dict[str, Any], str | None]:
    """A form quick reply's extra, `[dx:]<flow id>[/<screen>][?<data>&token=<token>]`, as flow action
    parameters; with a reason when it is malformed (then only the flow id is kept)."""
    exchange = extra.startswith("dx:")
    rest = extra[3:] if exchange else extra
    head, _, query = rest.partition("?")
    flow_id, slash, screen = head.partition("/")
    if not flow_id:
        return {"flow_id": extra}, "missing flow id"
    if slash and not screen:
        return {"flow_id": flow_id}, "missing screen id"
    if exchange and screen:
        return {"flow_id": flow_id}, "screen can't be specified with data_exchange"
    if re.search(r"%(?![0-9A-Fa-f]{2})", query):
        return {"flow_id": flow_id}, 'invalid query: invalid URL escape "%"'
    values = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    token = values.pop("token", None)
    if values and exchange:
        return {"flow_id": flow_id}, "data values can't be specified with data_exchange"
    if values and not screen:
        return {"flow_id": flow_id}, "data values require a screen"
    params: dict[str, Any] = {"flow_id": flow_id}
    if exchange:
        params["flow_action"] = "data_exchange"
    elif screen:
        params["flow_action"] = "navigate"
        action_payload: dict[str, Any] = {"screen": screen}
        if values:
            action_payload["data"] = dict(sorted(values.items()))
        params["flow_action_payload"] = action_payload
    if token:
        params["flow_token"] = token
    return params, None


def document_filename(link: str) -> str:
    return unquote(urlsplit(link).path.rsplit("/", 1)[-1])
