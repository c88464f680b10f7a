"""Telegram (TG): a bot's webhook receives JSON Updates; sends go to the Bot API with the bot token.

Receive: POST /c/tg/{uuid}/receive {"update_id": 1, "message": {"message_id": 41, "from": {"id": 3527065,
             "first_name": "Nic", "username": "nicpottier"}, "date": 1454119029, "text": "Hello"}}
Send:    POST https://api.telegram.org/bot<token>/sendMessage  chat_id=3527065&text=Hi&parse_mode=Markdown&reply_markup=...
"""

import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

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
    Route,
    SendError,
    SendResult,
    connection_failed,
    contact_stopped,
    rejected,
    response_content,
    response_status,
    split_attachment,
    throttled,
)
from courier.outbound import Outbound
from courier.textutil import split_text
from upesi.channeltypes import WEBHOOK_SECRET, codes
from upesi.channeltypes.telegram import TYPES as DECLARED_TYPES

API = "https://api.telegram.org"
MAX_LENGTH = 4096
MAX_PHOTO_BYTES = 100 * 1024
MEDIA = {"image": ("sendPhoto", "photo"), "video": ("sendVideo", "video"), "audio": ("sendAudio", "audio"),
         "application": ("sendDocument", "document")}  # fmt: skip
REMOVE_KEYBOARD = '{"remove_keyboard":true}'


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramHandler(Handler):
    channel_types = codes(DECLARED_TYPES)

    def routes(self) -> list[Route]:
        return [Route(("POST",), "receive", self.receive, "msg_receive")]

    async def receive(self, req: Request, channel: ChannelRec | None, ctx: ReceiveContext) -> list[Item]:
        assert channel is not None
        # the secret_token given to setWebhook comes back in this header (the reference does not check it);
        # channels added before there was one have none, and are accepted as before (see NOTES.md)
        secret = channel.cfg(WEBHOOK_SECRET)
        if secret and not hmac.compare_digest(req.header(SECRET_HEADER).encode(), str(secret).encode()):
            raise HandlerError("invalid secret token", 401)
        update = req.json()
        message = update.get("message") if isinstance(update, dict) else None
        if not message or not message.get("message_id"):
            return [Ignored("Ignoring request, no message")]
        sender = message.get("from") or {}
        username = (sender.get("username") or "").lower()
        urn = f"telegram:{sender.get('id')}" + (f"#{username}" if username else "")
        name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p) or sender.get(
            "username"
        )
        received_on = datetime.fromtimestamp(int(message.get("date") or 0), UTC)
        text = message.get("text") or ""
        if text == "/start":
            return [EventIn("new_conversation", urn, {}, received_on, contact_name=name)]
        text = text or message.get("caption") or ""

        attachments: list[str] = []
        payload = None
        file_id = None
        if message.get("photo"):
            photos = message["photo"]
            fitting = [p for p in photos if (p.get("file_size") or 0) <= MAX_PHOTO_BYTES]
            file_id = (fitting[-1] if fitting else photos[0]).get("file_id")
        elif message.get("video"):
            file_id = message["video"].get("file_id")
        elif message.get("voice"):
            file_id = message["voice"].get("file_id")
        elif message.get("sticker"):
            file_id = ((message["sticker"].get("thumb") or {}).get("file_id")) or message["sticker"].get(
                "file_id"
            )
        elif message.get("document"):
            file_id = message["document"].get("file_id")
        elif message.get("venue"):
            venue = message["venue"]
            loc = venue.get("location") or {}
            text = ", ".join(p for p in (venue.get("title"), venue.get("address")) if p)
            attachments.append(f"geo:{loc.get('latitude', 0):.6f},{loc.get('longitude', 0):.6f}")
        elif message.get("location"):
            loc = message["location"]
            attachments.append(f"geo:{loc.get('latitude', 0):.6f},{loc.get('longitude', 0):.6f}")
        elif message.get("contact"):
            contact = message["contact"]
            who = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
            text = f"{who} ({contact.get('phone_number', '')})"
        elif message.get("web_app_data"):
            data = message["web_app_data"]
            raw = data.get("data", "")
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                payload, text = parsed, data.get("button_text") or text
            else:
                ctx.clog.error("invalid_payload", "web_app_data data is not a valid JSON object")
                text = raw
        if file_id:
            url, problem = await self._file_url(channel, file_id, ctx)
            if url:
                attachments.append(url)
            elif not text:
                return [Ignored(f"unable to resolve file: {problem}")]
        return [
            MsgIn(urn=urn, text=text, external_id=str(message["message_id"]), received_on=received_on,
                  attachments=attachments, contact_name=name, payload=payload)
        ]  # fmt: skip

    async def _file_url(
        self, channel: ChannelRec, file_id: str, ctx: ReceiveContext
    ) -> tuple[str | None, str]:
        token = channel.cfg("auth_token")
        try:
            resp = await ctx.out.request("POST", f"{API}/bot{token}/getFile", data={"file_id": file_id})
        except SendError:
            return None, "connection failed"
        try:
            body = resp.json()
        except ValueError:
            ctx.clog.error("response_unparseable", "Unable to parse response as JSON.")
            return None, "unable to parse response"
        if not isinstance(body, dict):
            ctx.clog.error("response_unparseable", "Unable to parse response as JSON.")
            return None, "unable to parse response"
        if body.get("error_code"):
            ctx.clog.error("external", body.get("description", ""), str(body["error_code"]))
            return None, body.get("description", "error")
        if not body.get("ok"):
            return None, "'ok' not present or false in response"
        path = (body.get("result") or {}).get("file_path")
        if not path:
            return None, "no 'result.file_path' in response"
        return f"{API}/file/bot{token}/{path}", ""

    # ------------------------------------------------------------------------------------------- send

    async def send(self, msg: MsgOut, channel: ChannelRec, out: Outbound, result: SendResult) -> None:
        token = channel.cfg("auth_token")
        markup = self._keyboard(msg.quick_replies, out)
        chat_id = msg.urn_path
        requests: list[tuple[str, dict[str, str]]] = []
        attachments = msg.attachments
        if len(attachments) == 1:
            method, field = self._media(attachments[0], out)
            if method:
                requests.append((method, {field: split_attachment(attachments[0])[1], "caption": msg.text}))
        else:
            for part in split_text(msg.text, MAX_LENGTH) if msg.text else []:
                requests.append(("sendMessage", {"text": part}))
            for attachment in attachments:
                method, field = self._media(attachment, out)
                if method:
                    requests.append((method, {field: split_attachment(attachment)[1], "caption": ""}))
        for i, (method, form) in enumerate(requests):
            form.update({"chat_id": chat_id, "parse_mode": "Markdown"})
            form["reply_markup"] = markup if i == len(requests) - 1 else REMOVE_KEYBOARD
            resp = await out.request("POST", f"{API}/bot{token}/{method}", data=form)
            if resp.status == 429:
                raise throttled()
            if resp.status >= 500:
                raise connection_failed()
            try:
                body = resp.json()
            except ValueError:
                raise response_status() if resp.status >= 300 else response_content() from None
            if not body.get("ok"):
                description = body.get("description", "")
                if body.get("error_code") == 403 and (
                    "bot was blocked by the user" in description or "user is deactivated" in description
                ):
                    raise contact_stopped()
                if body.get("error_code"):
                    raise rejected(str(body["error_code"]), description)
                raise response_status()
            message_id = (body.get("result") or {}).get("message_id")
            if not message_id:
                raise response_content()
            result.add_external_id(message_id)

    @staticmethod
    def _media(attachment: str, out: Outbound) -> tuple[str | None, str]:
        content_type = split_attachment(attachment)[0]
        kind = content_type.split("/")[0]
        if kind in MEDIA:
            return MEDIA[kind]
        out.clog.error("media_unsupported", f"Unsupported attachment media type: {content_type}.")
        return None, ""

    @staticmethod
    def _keyboard(qrs: list[dict[str, Any]], out: Outbound) -> str:
        """A reply keyboard for text/location/form quick replies, or inline link buttons for url ones."""
        reply_types = {"text", "location", "form"}
        has_reply = any(q.get("type", "text") in reply_types for q in qrs)
        buttons: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        one_time = True
        for q in qrs:
            kind = q.get("type", "text")
            if kind == "text":
                buttons.append({"text": q.get("text", "")})
            elif kind == "location":
                buttons.append({"text": q.get("text") or "Send Location", "request_location": True})
                one_time = False
            elif kind == "form":
                if not q.get("extra"):
                    out.clog.error(
                        "message_invalid",
                        "quick reply of type form is missing its extra value and can't be sent",
                    )
                    continue
                buttons.append({"text": q.get("text", ""), "web_app": {"url": q["extra"]}})
                one_time = False
            elif kind == "url" and not has_reply:
                link = q.get("extra")
                if not link:
                    out.clog.error(
                        "message_invalid",
                        "quick reply of type url is missing its extra value and can't be sent",
                    )
                    continue
                parts = urlsplit(link)
                if (
                    parts.scheme not in ("http", "https")
                    or not parts.netloc
                    or parts.hostname == "localhost"
                    or " " in link
                ):
                    out.clog.error(
                        "message_invalid",
                        f"quick reply of type url has an invalid URL and can't be sent: {link}",
                    )
                    continue
                links.append({"text": q.get("text") or "Open Link", "url": link})
            else:
                out.clog.error(
                    "message_invalid",
                    f"quick reply of type {kind} isn't supported by this channel and can't be sent",
                )
        if buttons:
            return json.dumps(
                {"keyboard": [buttons], "resize_keyboard": True, "one_time_keyboard": one_time},
                ensure_ascii=False, separators=(",", ":"),
            )  # fmt: skip
        if links:
            return json.dumps({"inline_keyboard": [links]}, ensure_ascii=False, separators=(",", ":"))
        return REMOVE_KEYBOARD
