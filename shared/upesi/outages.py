"""Telling an outage (Postgres or Redis not answering) from an error in what was asked of them: an outage is
waited out and retried (or answered 503 so the caller retries), an error is reported. Drivers wrap their
errors (SQLAlchemy around asyncpg, asyncpg around socket errors), so the whole chain is looked at."""

from collections.abc import Iterator

import asyncpg
import redis.exceptions
import sqlalchemy.exc

_POSTGRES_DOWN: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.OperatorInterventionError,  # 57: shutting down, starting up (CannotConnectNow)
    asyncpg.exceptions.ConnectionDoesNotExistError,
)
_REDIS_DOWN: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def down_service(exc: BaseException) -> str | None:
    """'postgres' or 'redis' when `exc` says that service is not answering, else None."""
    for e in _chain(exc):
        if isinstance(e, _REDIS_DOWN):
            return "redis"
        if isinstance(e, _POSTGRES_DOWN):
            return "postgres"
        if isinstance(e, sqlalchemy.exc.DBAPIError) and e.connection_invalidated:
            return "postgres"
        if isinstance(e, sqlalchemy.exc.TimeoutError):  # no pooled connection came free
            return "postgres"
        # asyncpg raises plain socket errors when it cannot connect (redis-py always wraps its own); a socket
        # error from anything else (SMTP, a webhook) is not a database outage
        if isinstance(e, OSError | TimeoutError) and _raised_in_asyncpg(e):
            return "postgres"
    return None


def _raised_in_asyncpg(e: BaseException) -> bool:
    tb = e.__traceback__
    while tb is not None:
        if "/asyncpg/" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False
