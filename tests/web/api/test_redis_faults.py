"""Issue #22 point 4, with a Redis of the test's own: an API write just after a Redis restart is carried out
once and answered 201 (the client's pooled connections were dead: the write answered 500 although it was
carried out, so a retrying client sent the broadcast twice); while Redis is down a write answers 503 naming
Redis and writes nothing."""

from pathlib import Path

import pytest
import redis as sync_redis

from tests.support.own_servers import own_redis
from tests.support.processes import free_port
from tests.web.api.conftest import API
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.queues.redis import close_redis


async def _broadcasts() -> int:
    from sqlalchemy import text

    async with transaction() as s:
        return (await s.execute(text("SELECT count(*) FROM broadcasts"))).scalar_one()


async def test_writes_after_a_redis_restart_and_during_an_outage(
    api: API, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with own_redis(free_port(), tmp_path / "redis.log") as server:
        await close_redis()
        monkeypatch.setenv("REDIS_URL", server.url)
        reset_settings()
        body = {"urns": ["tel:+250788123123"], "text": "Your visit is due"}
        assert (await api.post("broadcasts.json", body)).status_code == 201  # warms the connection pool

        server.stop()
        server.start()
        after_restart = await api.post("broadcasts.json", body)
        assert after_restart.status_code == 201, after_restart.text
        queued = sync_redis.Redis(port=server.port).zcard("{tasks:batch}:queued")
        assert queued == 1  # the second broadcast's task reached the restarted Redis

        server.stop()
        down = await api.post("broadcasts.json", body)
        assert down.status_code == 503 and down.json() == {"detail": "redis is unavailable, try again later"}
        assert await _broadcasts() == 2
        await close_redis()
