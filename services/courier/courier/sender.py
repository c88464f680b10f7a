"""The send path: a pool of workers pops messages from the fair, TPS-limited outgoing queues, sends each
with its channel's handler inside the second its pop booked (upesi.queues.outgoing), and records the result
(W wired, E errored and retried by mailroom, F failed) through the batched status writer. A dethrottler puts
throttled and deferred queues back every second. Idle workers are woken by a push (a waker blocks on the
queues' signal list, as mailroom's foreman does), not by polling. Per send: one Redis round trip to pop, one
for the guards before it (dedup, sent, sending mark) and one after (sent, mark removed, queue completed)."""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from courier import dedup
from courier.handlers import get_handler
from courier.handlers.base import MsgOut, SendError, SendResult
from courier.ids import uuid7
from courier.logs import ChannelLogBuilder
from courier.outbound import Outbound
from courier.runtime import Runtime
from courier.store import PendingEvent, StatusUpdate
from upesi.metrics import MSGS_OUT
from upesi.queues.outgoing import BOOKING_GUARD

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # seconds an idle worker waits without a push (only a message queued for later needs it)
SEND_TIMEOUT = 35.0


@dataclass
class Done:
    """The queue a send was popped from, completed with the send's last round trip (else by its worker)."""

    queue: str
    completed: bool = False


class Sender:
    def __init__(self, rt: Runtime, workers: int) -> None:
        self.rt = rt
        self.workers = workers
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = False
        # replaced on every wake: a worker takes the current one before it pops, so a push between its empty
        # pop and its wait still wakes it
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._dethrottler()))
        self._tasks.append(asyncio.create_task(self._waker()))

    def wake(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def _waker(self) -> None:
        while not self._stopping:
            try:
                if await self.rt.queues.wait_for_pushes(timeout=1.0, most=self.workers):
                    self.wake()
            except Exception as e:
                log.warning("waiting for pushes failed", extra={"error": str(e)})
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.wait(self._tasks, timeout=SEND_TIMEOUT)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _dethrottler(self) -> None:
        while not self._stopping:
            # just after each second boundary, when TPS budgets renew
            await asyncio.sleep(1.0 - (time.time() % 1.0) + 0.005)
            try:
                await self.rt.queues.dethrottle()
            except Exception as e:
                log.warning("dethrottle failed", extra={"error": str(e)})
            self.wake()  # budgets renewed and deferred messages due: idle workers look again

    async def _worker(self) -> None:
        while not self._stopping:
            wake = self._wake
            try:
                popped = await self.rt.queues.pop()
            except Exception as e:
                log.warning("queue pop failed", extra={"error": str(e)})
                await asyncio.sleep(1.0)
                continue
            if popped is None:
                try:
                    await asyncio.wait_for(wake.wait(), IDLE_WAIT)
                except TimeoutError:
                    pass
                continue
            if isinstance(popped, str):  # "retry": a queue was just throttled or deferred
                continue
            queue, raw, booked = popped
            done = Done(queue)
            try:
                await asyncio.wait_for(self.send(raw, booked, done), SEND_TIMEOUT + 5)
            except Exception:
                log.exception("send crashed", extra={"msg_uuid": raw.get("uuid")})
            finally:
                if not done.completed:
                    try:
                        await self.rt.queues.complete(queue)
                    except Exception as e:
                        log.warning("queue complete failed", extra={"error": str(e)})

    async def _on_time(self, queue: str | None, booked: int | None, cost: int) -> None:
        """Wait for the booked second; a worker too late for it (less than the guard left) books a later
        one, so the send still starts where the provider counts it against that second's budget."""
        if queue is None or booked is None:
            return
        while True:
            now = time.time()
            if now < booked:
                await asyncio.sleep(booked - now)
                continue
            if now < booked + 1 - BOOKING_GUARD:
                return
            booked = await self.rt.queues.rebook(queue, cost)

    async def send(self, raw: dict[str, Any], booked: int | None = None, done: "Done | None" = None) -> str:
        """Send one message and record its status; returns the status written. `booked` is the second the
        pop booked the send in, `done` completes the queue with the last Redis round trip."""
        msg = MsgOut(raw)
        channel = await self.rt.channels.by_uuid(raw.get("channel_uuid", ""))
        clog = ChannelLogBuilder("msg_send", channel.id if channel else None, msg_uuid=msg.uuid)
        result = SendResult()
        status = "W"
        handler = get_handler(channel.channel_type) if channel else None
        guard = "send"
        if channel is None or handler is None:
            status = "F"
            clog.error("channel_config", "channel is gone or has no handler")
            guard = await self._prepare(raw.get("channel_uuid", ""), msg.urn, "")
        else:
            guard = await self._prepare(channel.uuid, msg.urn, msg.uuid)
        if status == "F":
            pass
        elif guard == "sent":
            pass  # queued twice: the first send went out, so just say wired again
        elif guard == "sending":
            # another copy is being sent, or a courier died sending it: whether it reached the provider is
            # unknown, so it is not sent again; mailroom's sweep_queued fails it if no status comes
            log.warning("message already being sent: not sent again", extra={"msg_uuid": msg.uuid})
            return "Q"
        elif guard == "unknown":
            # Redis did not answer the double-send guard (popped just before an outage): sending now could send
            # a copy that went out already, so it stays queued (Q, unmarked) and mailroom's sweep_queued queues
            # it again once the guard can answer
            log.warning("double-send guard unreachable: not sent, left queued", extra={"msg_uuid": msg.uuid})
            return "Q"
        else:
            assert channel is not None and handler is not None
            clog.add_secrets(handler.redact_values(channel))
            s = self.rt.settings
            clog.add_secrets(
                [s.facebook_application_secret, s.facebook_webhook_secret, s.whatsapp_admin_system_user_token]
            )
            out = Outbound(self.rt.session, clog, s.allow_private_networks)
            queue = done.queue if done else None
            await self._on_time(queue, booked, int(raw.get("tps_cost") or 1))
            try:
                await asyncio.wait_for(handler.send(msg, channel, out, result), SEND_TIMEOUT)
            except SendError as e:
                status = "E" if e.retryable else "F"
                clog.error(e.code, e.message, e.ext_code)
                if e.code == "contact_stopped":
                    await self._stop_contact(channel, msg, clog)
            except TimeoutError:
                status = "E"
                clog.error("connection_failed", "send timed out")
            except Exception as e:
                log.exception("handler error", extra={"msg_uuid": msg.uuid})
                status = "E"
                clog.error("internal_error", str(e))
        if channel is not None:
            fire = None
            session = msg.session
            if status == "W" and session and session.get("timeout") and msg.contact.get("id"):
                fire = {
                    "org_id": raw.get("org_id", channel.org_id), "contact_id": msg.contact["id"],
                    "session_uuid": session.get("uuid"), "sprint_uuid": session.get("sprint_uuid"),
                    "timeout": session["timeout"],
                }  # fmt: skip
            update = StatusUpdate(
                status=status, channel_id=channel.id, msg_id=msg.id, msg_uuid=msg.uuid or None,
                external_id=result.external_ids[0] if result.external_ids else None, log_uuid=clog.uuid, fire=fire,
            )  # fmt: skip
            self.rt.logs.queue(clog)
            await self.rt.statuses.submit(update)
            MSGS_OUT.labels(channel.channel_type, channel.uuid, status).inc()
        elif msg.id is not None or msg.uuid:
            # the channel is gone (deleted or deactivated): fail the message rather than leave it queued
            await self.rt.statuses.submit(
                StatusUpdate(
                    status="F", channel_id=0, msg_id=msg.id, msg_uuid=msg.uuid or None, any_channel=True
                )
            )
        if channel is not None and status == "W" and result.new_urn and msg.contact.get("id"):
            await self._add_urn(channel, msg.contact["id"], result.new_urn)
        # the status is recorded (or spooled): the sending mark can go, and the queue is done
        try:
            sent_set, ttl = dedup.sent_record(status)
            await self.rt.queues.complete(done.queue if done else "", msg.uuid or "", sent_set, ttl)
            if done is not None:
                done.completed = True
        except Exception as e:
            log.warning("finishing a send failed", extra={"error": str(e), "msg_uuid": msg.uuid})
        return status

    async def _prepare(self, channel_uuid: str, urn: str, msg_uuid: str) -> str:
        """dedup.prepare_send: 'send' (the sending mark is ours), 'sent', 'sending', or 'unknown' when Redis did
        not answer. Never 'send' without the mark: a copy queued again by sweep_queued would otherwise go out a
        second time (found by tests/faults: a message popped just before a Redis restart was sent unmarked, and
        the sweep's copy went out again)."""
        try:
            return await dedup.prepare_send(self.rt.redis, channel_uuid, urn, msg_uuid)
        except Exception:
            return "unknown"

    async def _add_urn(self, channel: Any, contact_id: int, urn: str) -> None:
        """The provider told us another address of this contact (a WhatsApp BSUID): append it to the contact
        unless some contact already has it. The reference asks mailroom to do this (contact_changed)."""
        scheme, _, path = urn.partition(":")
        try:
            await self.rt.db.execute(
                """INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, channel_id, auth_tokens)
                   VALUES ($1, $2, $3, $4, $5, 999, $6, '{}') ON CONFLICT (org_id, identity) DO NOTHING""",
                channel.org_id, contact_id, scheme, path, urn, channel.id,
            )  # fmt: skip
        except Exception as e:
            log.warning("new urn not added", extra={"error": str(e)})

    async def _stop_contact(self, channel: Any, msg: MsgOut, clog: ChannelLogBuilder) -> None:
        await self.rt.events.submit(
            PendingEvent(
                uuid=uuid7(),
                org_id=channel.org_id,
                channel_id=channel.id,
                channel_uuid=channel.uuid,
                event_type="stop_contact",
                urn=msg.urn.split("?", 1)[0],
                extra={},
                occurred_on=datetime.now(UTC).isoformat(),
                contact_name=None,
                log_uuid=clog.uuid,
            )
        )
