"""Channels as courier needs them, read from Postgres and cached briefly (the reference caches a minute)."""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

# seconds a looked-up channel is reused; tests that rewrite channels between requests set 0
CACHE_TTL = float(os.environ.get("COURIER_CHANNEL_CACHE_TTL", "10"))


@dataclass
class ChannelRec:
    id: int
    uuid: str
    org_id: int
    channel_type: str
    address: str
    country: str | None
    schemes: list[str]
    config: dict[str, Any] = field(default_factory=dict)
    tps: int = 10
    role: str = "SR"

    def cfg(self, key: str, default: Any = "") -> Any:
        value = self.config.get(key)
        return default if value is None or value == "" else value

    @property
    def scheme(self) -> str:
        return self.schemes[0] if self.schemes else "tel"


_SELECT = """
SELECT id, uuid::text, org_id, channel_type, address, country, schemes, config, tps, role
FROM channels WHERE is_active
"""


def _rec(row: asyncpg.Record) -> ChannelRec:
    config = row["config"]
    if isinstance(config, str):
        import json

        config = json.loads(config)
    return ChannelRec(
        row["id"], row["uuid"], row["org_id"], row["channel_type"], row["address"] or "", row["country"],
        list(row["schemes"] or ["tel"]), config or {}, row["tps"] or 0, row["role"] or "SR",
    )  # fmt: skip


class ChannelCache:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._by_uuid: dict[str, tuple[float, ChannelRec | None]] = {}
        self._by_address: dict[tuple[str, str], tuple[float, ChannelRec | None]] = {}
        self._known: dict[str, ChannelRec] = {}
        self._known_address: dict[tuple[str, str], ChannelRec] = {}
        # one lookup per key at a time: when an entry expires, the 100 senders (or 50 concurrent requests)
        # that all miss it at once share one query instead of making one each
        self._loading: dict[Any, asyncio.Future[asyncpg.Record | None]] = {}

    async def _fetch_once(self, key: Any, fetch: Callable[[], Awaitable[asyncpg.Record | None]]) -> Any:
        future = self._loading.get(key)
        if future is None:
            future = self._loading[key] = asyncio.ensure_future(fetch())
            future.add_done_callback(lambda _: self._loading.pop(key, None))
        return await asyncio.shield(future)  # a caller cancelled does not cancel the others' lookup

    async def by_uuid(self, channel_uuid: str, channel_type: str | None = None) -> ChannelRec | None:
        hit = self._by_uuid.get(channel_uuid)
        if hit and hit[0] > time.monotonic():
            channel = hit[1]
        else:
            try:
                row = await self._fetch_once(
                    channel_uuid, lambda: self.pool.fetchrow(_SELECT + " AND uuid = $1::uuid", channel_uuid)
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                # Postgres is down: a channel we knew keeps working, so its callbacks can be spooled
                if channel_uuid in self._known:
                    return self._known[channel_uuid]
                raise
            channel = _rec(row) if row else None
            if channel:
                self._known[channel_uuid] = channel
            if CACHE_TTL > 0:
                self._by_uuid[channel_uuid] = (time.monotonic() + CACHE_TTL, channel)
        if channel and channel_type and channel.channel_type.upper() != channel_type.upper():
            return None
        return channel

    async def by_address(self, channel_type: str, address: str) -> ChannelRec | None:
        key = (channel_type, address)
        hit = self._by_address.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        try:
            row = await self._fetch_once(
                key,
                lambda: self.pool.fetchrow(
                    _SELECT + " AND channel_type = $1 AND address = $2", channel_type, address
                ),
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            if key in self._known_address:
                return self._known_address[key]
            raise
        channel = _rec(row) if row else None
        if channel:
            self._known_address[key] = channel
        if CACHE_TTL > 0:
            self._by_address[key] = (time.monotonic() + CACHE_TTL, channel)
        return channel
