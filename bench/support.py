"""Benchmarks run against a database and Redis index of their own, made and dropped here."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402
from upesi.config import reset_settings  # noqa: E402


@contextmanager
def bench_environment() -> Iterator[dict[str, str]]:
    template = services.create_template_database()
    db_name = services.clone_database(template)
    redis_index = services.claim_redis_db()
    values = {
        "DATABASE_URL": services.pg_dsn(db_name),
        "REDIS_URL": services.redis_url(redis_index),
        "ALLOW_PRIVATE_NETWORKS": "true",
        "MAILROOM_AUTH_TOKEN": "bench-token",
    }
    os.environ.update(values)
    reset_settings()
    try:
        yield values
    finally:
        import redis

        redis.Redis.from_url(values["REDIS_URL"]).flushdb()
        services.release_redis_db(redis_index)
        services.drop_database(db_name)
        services.drop_database(template)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"
