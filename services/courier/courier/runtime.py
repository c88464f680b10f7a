"""Everything a running courier shares: database pool, Redis, channel cache, batched writers with their
spool fallback, the channel-log writer, the outbound HTTP session, the send queues. Started and stopped
by the app's lifespan."""

import asyncio
import json
import logging
import os
from typing import Any

import aiohttp
import asyncpg

from courier.batcher import Batcher
from courier.channels import ChannelCache
from courier.dedup import Claim, claim_many
from courier.logs import ChannelLogWriter, insert_logs
from courier.spool import Spool
from courier.store import (
    PendingEvent,
    PendingMsg,
    StatusUpdate,
    pending_event_from_json,
    pending_msg_from_json,
    requeue_events,
    status_from_json,
    write_events,
    write_msgs,
    write_statuses,
)
from upesi.config import get_settings
from upesi.db.engine import dispose_engine
from upesi.queues.outgoing import OutgoingQueues
from upesi.queues.redis import close_redis, get_redis

log = logging.getLogger(__name__)
REQUEUE_SECONDS = 2.0

SPOOL_FLUSH_SECONDS = float(os.environ.get("COURIER_SPOOL_FLUSH_SECONDS", "5"))
SPOOLED = {"spooled": True}


async def _init_conn(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Connections go back to the pool as they are: courier sets no session state (no SET, LISTEN, advisory
    locks or cursors), so asyncpg's default reset query would be a round trip per checkout for nothing (4 %
    of courier's CPU when sending). An open transaction is still rolled back by the pool itself."""


class Runtime:
    def __init__(self) -> None:
        self.settings = get_settings()
        self.pool: asyncpg.Pool | None = None
        self.http: aiohttp.ClientSession | None = None
        self.spool = Spool(self.settings.spool_dir)
        self.redis = get_redis()
        self.queues = OutgoingQueues(self.redis)
        # incoming messages go through one batcher for their three steps (dedup claims in Redis, rows in
        # Postgres, the hand-over to mailroom in Redis): a request waits for one batch, not two
        self.msgs: Batcher[tuple[Claim, PendingMsg], dict[str, Any]] = Batcher(self._receive_msgs)
        self.events: Batcher[PendingEvent, dict[str, Any]] = Batcher(self._write_events)
        self.statuses: Batcher[StatusUpdate, Any] = Batcher(self._write_statuses, max_batch=1000)
        self._tasks: list[asyncio.Task[Any]] = []
        self.sender: Any = None

    @property
    def db(self) -> asyncpg.Pool:
        assert self.pool is not None, "runtime not started"
        return self.pool

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self.http is not None, "runtime not started"
        return self.http

    async def start(self, with_sender: bool = True) -> None:
        if not self.settings.facebook_application_secret:
            from courier.handlers.meta import MISSING_SECRET

            log.error(
                f"{MISSING_SECRET}: WhatsApp and Messenger callbacks will be refused (503) until it is set"
            )
        # min_size=0: courier must start (and spool) even while Postgres is down
        self.pool = await asyncpg.create_pool(
            self.settings.asyncpg_dsn, min_size=0, max_size=20, init=_init_conn, timeout=5, command_timeout=30,
            reset=_keep_session,
        )  # fmt: skip
        self.channels = ChannelCache(self.pool)
        self.logs = ChannelLogWriter(self.pool, self.spool)
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200, ttl_dns_cache=300))
        for batcher in (self.msgs, self.events, self.statuses):
            batcher.start()
        self.logs.start()
        self._tasks.append(asyncio.create_task(self.spool.run(self._replay, SPOOL_FLUSH_SECONDS)))
        self._tasks.append(asyncio.create_task(self._requeue_events()))
        if with_sender and self.settings.courier_senders > 0:
            from courier.sender import Sender

            self.sender = Sender(self, self.settings.courier_senders)
            self.sender.start()

    async def _requeue_events(self) -> None:
        """Hand mailroom the events of messages stored while Redis was down, as soon as it answers again."""
        while True:
            await asyncio.sleep(REQUEUE_SECONDS)
            try:
                if sent := await requeue_events():
                    log.info("events requeued", extra={"count": sent})
            except Exception as e:
                log.warning("events still waiting for Redis", extra={"error": repr(e)})

    async def stop(self) -> None:
        if self.sender:
            await self.sender.stop()  # in-flight sends finish first, as the reference shuts down
        for batcher in (self.msgs, self.events, self.statuses):
            await batcher.stop()
        await self.logs.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http:
            await self.http.close()
        if self.pool:
            await self.pool.close()
        await dispose_engine()
        await close_redis()

    async def _receive_msgs(self, batch: list[tuple[Claim, PendingMsg]]) -> list[dict[str, Any]]:
        """Claim each message (one Redis script for the batch, in order, so the second of two identical
        messages is the duplicate), then write the new ones; a duplicate's result is {"duplicate_of": uuid}."""
        try:
            duplicates: list[str | None] = await claim_many(self.redis, [claim for claim, _ in batch])
        except Exception as e:  # Redis down: better a rare duplicate than a lost message
            log.warning("dedup unavailable", extra={"error": str(e)})
            duplicates = [None] * len(batch)
        fresh = [msg for (_, msg), dup in zip(batch, duplicates, strict=True) if dup is None]
        written = iter(await self._write_msgs(fresh) if fresh else [])
        return [{"duplicate_of": dup} if dup else next(written) for dup in duplicates]

    # --- writes with spool fallback: a batch that fails is retried item by item; what still fails is spooled

    async def _write_msgs(self, batch: list[PendingMsg]) -> list[dict[str, Any]]:
        return await self._with_spool("msgs", batch, self._store_msgs)

    async def _write_events(self, batch: list[PendingEvent]) -> list[dict[str, Any]]:
        return await self._with_spool("events", batch, self._store_events)

    async def _store_msgs(self, batch: list[PendingMsg]) -> list[dict[str, Any]]:
        return await write_msgs(self.db, batch)

    async def _store_events(self, batch: list[PendingEvent]) -> list[dict[str, Any]]:
        return await write_events(self.db, batch)

    async def _write_statuses(self, batch: list[StatusUpdate]) -> list[Any]:
        assert self.pool is not None
        pool = self.pool

        async def write(items: list[StatusUpdate]) -> list[Any]:
            return await write_statuses(pool, items)

        return await self._with_spool("statuses", batch, write)

    async def record_statuses(self, batch: list[StatusUpdate]) -> list[Any]:
        """Statuses written in one batch, or spooled when Postgres is down (the sender's finishers batch
        them already: no group-commit queue in between)."""
        return await self._write_statuses(batch)

    async def _with_spool(self, kind: str, batch: list[Any], write: Any) -> list[Any]:
        try:
            return await write(batch)
        except Exception as e:
            log.warning("batch write failed", extra={"kind": kind, "size": len(batch), "error": repr(e)})
        results: list[Any] = []
        for item in batch if len(batch) > 1 else []:
            try:
                results.append((await write([item]))[0])
            except Exception:
                await asyncio.to_thread(self.spool.write, kind, [item.to_json()])  # fsync off the event loop
                results.append(SPOOLED)
        if len(batch) == 1:
            await asyncio.to_thread(self.spool.write, kind, [batch[0].to_json()])
            results = [SPOOLED]
        return results

    async def _replay_msgs(self, items: list[dict[str, Any]]) -> None:
        await write_msgs(self.db, [pending_msg_from_json(i) for i in items])

    async def _replay_events(self, items: list[dict[str, Any]]) -> None:
        await write_events(self.db, [pending_event_from_json(i) for i in items])

    async def _replay_statuses(self, items: list[dict[str, Any]]) -> None:
        assert self.pool is not None
        await write_statuses(self.pool, [status_from_json(i) for i in items])

    async def _replay_logs(self, items: list[dict[str, Any]]) -> None:
        from datetime import datetime

        assert self.pool is not None
        await insert_logs(
            self.pool, [dict(i, created_on=datetime.fromisoformat(i["created_on"])) for i in items]
        )

    @property
    def _replay(self) -> dict[str, Any]:
        return {
            "msgs": self._replay_msgs,
            "events": self._replay_events,
            "statuses": self._replay_statuses,
            "logs": self._replay_logs,
        }
