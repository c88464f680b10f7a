"""GET /health answers 503 naming what is down, over a real (closed) port."""

import httpx

from tests.support.processes import free_port
from upesi.config import reset_settings


async def test_health_names_postgres_when_it_is_down(env: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from web.app import create_app

    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    reset_settings()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app()), base_url="http://t"
    ) as client:
        r = await client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["down"] == ["postgres"]
    assert body["checks"]["redis"] == "ok"


async def test_health_names_redis_when_it_is_down(env: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from upesi.queues.redis import close_redis
    from web.app import create_app

    await close_redis()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_settings()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app()), base_url="http://t"
    ) as client:
        r = await client.get("/health")
    await close_redis()
    assert r.status_code == 503
    assert r.json()["down"] == ["redis"]
