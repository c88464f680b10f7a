"""USSD callbacks, answered in the same HTTP request: the input is stored as an incoming message through the
receiver's usual writer (so it is kept whatever happens next, spooled if Postgres is down), then courier waits
for mailroom's screen on a Redis reply key (upesi.ussd.handoff) and answers "CON <text>" or "END <text>".

If mailroom does not answer within the channel's answer_seconds, courier answers END with TOO_LATE and records
the failure in the request's channel log (error ussd_no_answer); mailroom, finding that nobody waits any more,
fails the answer it made and ends the flow session. The end-of-session notification (ussd_end) expires the
flow session of that USSD session at once (a cancel, a network timeout), instead of waiting for the expiry.
"""

import logging
import time

from starlette.requests import Request as HTTPRequest
from starlette.responses import Response as HTTPResponse

from courier.channels import ChannelRec
from courier.handlers import get_handler
from courier.handlers.base import HandlerError, MsgIn, ReceiveContext, Request
from courier.handlers.ussd import answer_seconds
from courier.ids import uuid7
from courier.logs import ChannelLogBuilder
from courier.outbound import Outbound
from courier.receiver import BodyTooLarge, Receiver, _trace_request, build_request
from upesi.channeltypes import ChannelType
from upesi.channeltypes.ussd import TYPES
from upesi.outages import down_service
from upesi.queues.contacts import queue_contact_event
from upesi.ussd import handoff, state
from upesi.ussd.handoff import Reply

log = logging.getLogger(__name__)

TOO_LATE = "Sorry, we could not answer in time. Please dial again."
UNAVAILABLE = "Sorry, this service is not available right now. Please try again later."
NOT_FOUND = "Sorry, this service does not exist."
BAD_REQUEST = "Sorry, your request could not be read."
REPEATED = "Sorry, your request was already answered. Please dial again."

# the {slug} and action of every USSD callback, e.g. ("at", "ussd") -> ATU
ROUTES: dict[tuple[str, str], ChannelType] = {(t.slug, action): t for t in TYPES for action in t.callbacks}


def text_answer(reply: Reply) -> str:
    return ("END " if reply.end else "CON ") + reply.text


class UssdReceiver:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.rt = receiver.rt

    async def handle(self, http: HTTPRequest, slug: str, channel_uuid: str, action: str) -> HTTPResponse:
        declared = ROUTES[(slug, action)]
        try:
            channel = await self.rt.channels.by_uuid(channel_uuid, declared.code)
        except Exception as e:
            if down_service(e) is None:
                raise
            return _plain(f"END {UNAVAILABLE}", 503)
        if channel is None:
            return _plain(f"END {NOT_FOUND}", 404)
        try:
            req = await build_request(http)
        except BodyTooLarge:
            return _plain(f"END {BAD_REQUEST}", 413)
        handler = get_handler(declared.code)
        assert handler is not None
        route = next(r for r in handler.routes() if r.action == action)
        clog = ChannelLogBuilder(route.log_type, channel.id)
        clog.add_secrets(handler.redact_values(channel))
        ctx = ReceiveContext(Outbound(self.rt.session, clog, self.rt.settings.allow_private_networks), clog)
        start = time.monotonic()
        try:
            items = await route.func(req, channel, ctx)
            assert isinstance(items, list)
            if action == "ussd_end":
                status, body = 200, await self._session_end(req, channel, clog)
            else:
                msg = items[0]
                assert isinstance(msg, MsgIn)
                status, body = 200, await self._answer(msg, channel, clog)
        except HandlerError as e:
            clog.error("request_error", e.message)
            status, body = e.status, f"END {BAD_REQUEST}"
        except Exception as e:
            if down_service(e) is None:
                raise
            clog.error("internal_error", f"{down_service(e)} is unavailable")
            status, body = 503, f"END {UNAVAILABLE}"
        clog.http(
            req.url, status, _trace_request(req), f"HTTP/1.1 {status}\r\n\r\n{body}",
            int((time.monotonic() - start) * 1000),
        )  # fmt: skip
        self.rt.logs.queue(clog)
        return _plain(body, status)

    async def _answer(self, msg: MsgIn, channel: ChannelRec, clog: ChannelLogBuilder) -> str:
        redis = self.rt.redis
        msg.uuid = uuid7()
        mine = msg.uuid
        waiting = True
        seconds = answer_seconds(channel)
        try:
            await handoff.start_waiting(redis, mine, seconds)
        except Exception as e:  # Redis is down: store the input all the same, mailroom hears of it later
            if down_service(e) is None:
                raise
            waiting = False
        await self.receiver.write_items([msg], channel, clog)  # stored (or spooled) before we answer
        clog.msg_uuid = msg.uuid
        if not waiting:
            clog.error("ussd_no_answer", "Redis is unavailable: the input was stored, the session ended")
            return f"END {UNAVAILABLE}"
        if msg.uuid != mine:  # the provider repeated a request we already stored
            await redis.delete(handoff.wait_key(mine))
            return await self._repeat(msg, channel, clog)
        reply = await handoff.await_reply(redis, mine, seconds)
        if reply is None:
            clog.error(
                "ussd_no_answer", f"the flow did not answer within {seconds:g} s: the session was ended"
            )
            return f"END {TOO_LATE}"
        if reply.error:
            clog.error(reply.error, reply.text)
        if reply.cut:
            clog.error("ussd_text_cut", "the answer was longer than a USSD screen and was cut")
        return text_answer(reply)

    async def _repeat(self, msg: MsgIn, channel: ChannelRec, clog: ChannelLogBuilder) -> str:
        """A request seen before (same session, same number of inputs): the same answer again."""
        ussd = (msg.payload or {}).get("ussd") or {}
        found = await state.load(self.rt.redis, channel.uuid, str(ussd.get("session_id", "")))
        if found is not None and found.hops == ussd.get("hops"):
            return text_answer(Reply.decode(found.answer))
        clog.error("ussd_repeated", "a repeated request whose answer is no longer known")
        return f"END {REPEATED}"

    async def _session_end(self, req: Request, channel: ChannelRec, clog: ChannelLogBuilder) -> str:
        """The provider ended the session (the user cancelled, the network timed it out, or our END): the flow
        session of that USSD session expires now, through mailroom's usual expiry of a wait."""
        session_id = req.param("sessionId")
        found = await state.load(self.rt.redis, channel.uuid, session_id)
        if found is not None:
            await state.forget(self.rt.redis, channel.uuid, session_id)
            if found.flow_session_uuid:
                await queue_contact_event(
                    self.rt.redis, channel.org_id, found.contact_id, "wait_expired",
                    {"contact_id": found.contact_id, "session_uuid": found.flow_session_uuid},
                )  # fmt: skip
        return "OK"


def _plain(body: str, status: int) -> HTTPResponse:
    return HTTPResponse(body, status_code=status, media_type="text/plain")
