"""One asyncio Redis client per process, from REDIS_URL."""

import weakref

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError, TimeoutError

from upesi.config import get_settings

_client: aioredis.Redis | None = None

# A process's connections to Redis. When all are in use a command waits for one (up to POOL_WAIT seconds)
# rather than failing: redis-py's default pool raises "Too many connections" at 100, which courier's 100+
# senders reached under load; each failed guard left a message unsent for mailroom's 15-minute sweep and each
# failed completion left a sending mark behind (bench_courier_send.py with 20,000 messages never finished).
MAX_CONNECTIONS = 100
POOL_WAIT = 20.0


def get_redis() -> aioredis.Redis:
    global _client
    if _client is None:
        # after a Redis restart every pooled connection is dead: without retries the first command on each
        # fails (a write answered 500 that mailroom was never told about); a retry reconnects. A command
        # whose connection broke mid-flight may run twice: every task and event handler is idempotent.
        pool = aioredis.BlockingConnectionPool.from_url(
            get_settings().redis_url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_WAIT,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.02), 3),
            retry_on_error=[ConnectionError, TimeoutError],
        )
        _client = aioredis.Redis.from_pool(pool)
    return _client


async def close_redis() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
    _client = None


_scripts: "weakref.WeakKeyDictionary[aioredis.Redis, dict[str, AsyncScript]]" = weakref.WeakKeyDictionary()


def script(redis: aioredis.Redis, source: str) -> AsyncScript:
    """A Lua script registered once per client: registering hashes the source, and hot paths (queue
    objects made per push, per-contact event handling) would otherwise do it on every call."""
    registered = _scripts.setdefault(redis, {})
    found = registered.get(source)
    if found is None:
        found = registered[source] = redis.register_script(source)
    return found
