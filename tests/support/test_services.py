"""The test harness's Redis index claims: a killed session's index is handed over empty."""

import redis

from tests.support import services


def test_an_index_taken_over_from_a_dead_holder_is_emptied() -> None:
    claims = redis.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=0)
    mine = services.claim_redis_db()
    try:
        index = services.claim_redis_db()  # a second index, then left by a "killed" session
        stale = redis.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=index)
        stale.rpush("{tasks:batch}:left-over", "a task of the dead session")
        claims.set(
            f"upesi:test-redis-db:{index}", 2**22 + 1
        )  # a pid no process has (above pid_max's default)
        assert services.claim_redis_db() == index
        assert stale.dbsize() == 0
        services.release_redis_db(index)
    finally:
        services.release_redis_db(mine)
