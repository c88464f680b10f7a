"""The send path: a dispatcher pops messages from the fair, TPS-limited outgoing queues for the idle workers
of a pool; each worker sends its message with its channel's handler inside the second its pop booked
(upesi.queues.outgoing) and hands the result (W wired, E errored and retried by mailroom, F failed) to the
finishers. A dethrottler puts throttled and deferred queues back every second. The dispatcher is woken by a
push (a waker blocks on the queues' signal list, as mailroom's foreman does), not by polling.

Per send, in Redis: a share of one pop round trip (one pops for all idle workers, and runs the double-send
guard on each message: dedup, sent check, the sending mark) and a share of one completion round trip. The
worker does not wait for its status: finishers write many sends' statuses in one statement and then complete
them in Redis in one round trip (sent record, mark removed, queue completed). The mark still goes only once
the status is durable or spooled, so a courier killed meanwhile leaves it, and mailroom's sweep fails the
message rather than send it twice."""

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
from upesi.queues.outgoing import BOOKING_GUARD, Popped

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # seconds an idle dispatcher waits without a push (only a message queued for later needs it)
SEND_TIMEOUT = 35.0
# sends whose status is being written while their workers send the next ones: past this, workers wait for
# the status writer (Postgres) rather than pile up finished sends in memory
FINISHING = 2000
FINISH_BATCH = 1000  # statuses in one statement, completions in one round trip
FINISHERS = 2


@dataclass
class Finish:
    """What is left of a send once the provider answered: its status to write, then the queue to complete
    and, for a message whose mark this worker took, the mark to remove and the sent record to add."""

    queue: str
    update: StatusUpdate | None = None
    msg_uuid: str = ""
    sent_set: str = ""
    sent_ttl: int = 0
    new_urn: tuple[Any, int, str] | None = None  # (channel, contact id, urn) the provider told us of


class Sender:
    def __init__(self, rt: Runtime, workers: int) -> None:
        self.rt = rt
        self.workers = workers
        self._stopping = False
        self._tasks: list[asyncio.Task[Any]] = []
        self._workers: list[asyncio.Task[Any]] = []
        self._finishers: list[asyncio.Task[Any]] = []
        # replaced on every wake: the dispatcher takes the current one before it pops, so a push between its
        # short pop and its wait still wakes it
        self._wake = asyncio.Event()
        self._popped: asyncio.Queue[Popped | None] = asyncio.Queue()
        self._idle = 0  # workers waiting for a message
        self._idle_changed = asyncio.Event()
        self._finishing = asyncio.Semaphore(FINISHING)
        self._done: asyncio.Queue[Finish | None] = asyncio.Queue()

    def start(self) -> None:
        self._finishers = [asyncio.create_task(self._finisher()) for _ in range(FINISHERS)]
        self._workers = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        self._tasks = [
            asyncio.create_task(self._dispatcher()),
            asyncio.create_task(self._dethrottler()),
            asyncio.create_task(self._waker()),
        ]

    def wake(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def stop(self) -> None:
        """In-flight sends finish and their statuses are written, as the reference shuts down."""
        self._stopping = True
        self.wake()
        self._idle_changed.set()
        await asyncio.wait(self._tasks, timeout=SEND_TIMEOUT)
        for _ in self._workers:
            self._popped.put_nowait(None)  # after any message already handed over
        await asyncio.wait(self._workers, timeout=SEND_TIMEOUT + 5)
        for _ in self._finishers:
            self._done.put_nowait(None)
        await asyncio.wait(self._finishers, timeout=SEND_TIMEOUT)
        for task in [*self._tasks, *self._workers, *self._finishers]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._workers, *self._finishers, return_exceptions=True)

    async def _waker(self) -> None:
        while not self._stopping:
            try:
                if await self.rt.queues.wait_for_pushes(timeout=1.0, most=self.workers):
                    self.wake()
            except Exception as e:
                log.warning("waiting for pushes failed", extra={"error": str(e)})
                await asyncio.sleep(1.0)

    async def _dethrottler(self) -> None:
        while not self._stopping:
            # just after each second boundary, when TPS budgets renew
            await asyncio.sleep(1.0 - (time.time() % 1.0) + 0.005)
            try:
                await self.rt.queues.dethrottle()
            except Exception as e:
                log.warning("dethrottle failed", extra={"error": str(e)})
            self.wake()  # budgets renewed and deferred messages due: the dispatcher looks again

    async def _dispatcher(self) -> None:
        """Pops as many messages as there are idle workers, in one round trip, so a popped message starts
        at once (inside the second it was booked in) rather than waiting in this process."""
        while not self._stopping:
            wanted = self._idle - self._popped.qsize()
            if wanted <= 0:
                self._idle_changed.clear()
                await self._idle_changed.wait()
                continue
            wake = self._wake
            try:
                # a pop that fails takes nothing: the messages stay queued
                popped = await self.rt.queues.pop_many(wanted, dedup.send_guard())
            except Exception as e:
                log.warning("queue pop failed", extra={"error": str(e)})
                await asyncio.sleep(1.0)
                continue
            for item in popped:
                self._popped.put_nowait(item)
            if len(popped) < wanted:  # nothing more may go now: wait for a push or the next second
                try:
                    await asyncio.wait_for(wake.wait(), IDLE_WAIT)
                except TimeoutError:
                    pass

    async def _worker(self) -> None:
        while True:
            self._idle += 1
            self._idle_changed.set()
            try:
                popped = await self._popped.get()
            finally:
                self._idle -= 1
            if popped is None:
                return
            queue, raw, booked, verdict = popped
            await self._finishing.acquire()
            finish = Finish(
                queue
            )  # if the send crashes: the queue is completed, the mark stays (sent or not?)
            try:
                finish = await self.send(raw, booked, queue, verdict)
            except Exception:
                log.exception("send crashed", extra={"msg_uuid": raw.get("uuid")})
            self._done.put_nowait(finish)

    async def _finisher(self) -> None:
        """Takes the finished sends queued meanwhile: their statuses written (or spooled) in one statement,
        then the sends completed in Redis in one round trip."""
        while True:
            first = await self._done.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < FINISH_BATCH and not self._done.empty():
                item = self._done.get_nowait()
                if item is None:
                    self._done.put_nowait(None)  # another finisher's (or ours, after this batch)
                    break
                batch.append(item)
            try:
                await self._finish(batch)
            finally:
                for _ in batch:
                    self._finishing.release()

    async def _finish(self, batch: list[Finish]) -> None:
        updates = [f.update for f in batch if f.update is not None]
        recorded = True
        if updates:
            try:
                await self.rt.record_statuses(updates)  # written, or spooled when Postgres is down
            except Exception as e:
                # not recorded: the marks stay, so mailroom's sweep fails the messages visibly
                log.warning("statuses not written", extra={"error": str(e), "count": len(updates)})
                recorded = False
        completions = []
        for f in batch:
            if f.update is not None and not recorded:
                completions.append((f.queue, "", "", 0))
                continue
            completions.append((f.queue, f.msg_uuid, f.sent_set, f.sent_ttl))
            if f.new_urn is not None:
                await self._add_urn(*f.new_urn)
        try:
            await self.rt.queues.complete_many(completions)
        except Exception as e:
            log.warning("finishing sends failed", extra={"error": str(e), "count": len(completions)})

    async def _on_time(self, queue: str, booked: int, cost: int) -> None:
        """Wait until the send may start: inside a second it holds a booking in, with the second
        BOOKING_GUARD later also one of its bookings, so that wherever the request lands (it reaches the
        provider within the guard) a slot of that second is its own. A worker too late for its booking
        books a later second (the first stays counted): the next one lets it go at once."""
        held = {booked}
        while True:
            now = time.time()
            if int(now) in held and int(now + BOOKING_GUARD) in held:
                return
            latest = max(held)
            if now < latest:  # booked ahead (popped near a second's end, or rebooked past full seconds)
                await asyncio.sleep(latest - now)
                continue
            held.add(await self.rt.queues.rebook(queue, cost))

    async def send(self, raw: dict[str, Any], booked: int, queue: str, verdict: str) -> Finish:
        """Send one popped message; returns what is left to record. `booked` is the second the pop booked
        the send in, `verdict` the guard's ('send', 'sent' or 'sending')."""
        msg = MsgOut(raw)
        finish = Finish(queue)
        if verdict == "sending":
            # another copy is being sent, or a courier died sending it: whether it reached the provider is
            # unknown, so it is not sent again and the mark (not ours) stays; mailroom's sweep_queued fails it
            # if no status comes
            log.warning("message already being sent: not sent again", extra={"msg_uuid": msg.uuid})
            return finish
        channel = await self.rt.channels.by_uuid(raw.get("channel_uuid", ""))
        clog = ChannelLogBuilder("msg_send", channel.id if channel else None, msg_uuid=msg.uuid)
        result = SendResult()
        status = "W"
        handler = get_handler(channel.channel_type) if channel else None
        if channel is None or handler is None:
            status = "F"
            clog.error("channel_config", "channel is gone or has no handler")
        elif verdict == "sent":
            pass  # queued twice: the first send went out, so just say wired again
        else:
            clog.add_secrets(handler.redact_values(channel))
            s = self.rt.settings
            clog.add_secrets(
                [s.facebook_application_secret, s.facebook_webhook_secret, s.whatsapp_admin_system_user_token]
            )
            out = Outbound(self.rt.session, clog, s.allow_private_networks)
            await self._on_time(queue, booked, int(raw.get("tps_cost") or 1))
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await handler.send(msg, channel, out, result)
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
            finish.update = StatusUpdate(
                status=status, channel_id=channel.id, msg_id=msg.id, msg_uuid=msg.uuid or None,
                external_id=result.external_ids[0] if result.external_ids else None, log_uuid=clog.uuid, fire=fire,
            )  # fmt: skip
            self.rt.logs.queue(clog)
            MSGS_OUT.labels(channel.channel_type, channel.uuid, status).inc()
            if status == "W" and result.new_urn and msg.contact.get("id"):
                finish.new_urn = (channel, msg.contact["id"], result.new_urn)
        elif msg.id is not None or msg.uuid:
            # the channel is gone (deleted or deactivated): fail the message rather than leave it queued
            finish.update = StatusUpdate(
                status="F", channel_id=0, msg_id=msg.id, msg_uuid=msg.uuid or None, any_channel=True
            )
        finish.msg_uuid = msg.uuid or ""
        finish.sent_set, finish.sent_ttl = dedup.sent_record(status)
        return finish

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
