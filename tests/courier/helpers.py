"""Seeding a test database with what courier tests need, and polling for asynchronous results."""

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    return conn


async def create_org(conn: asyncpg.Connection, name: str = "Test Org", org_id: int | None = None) -> int:
    if org_id is not None:
        return await conn.fetchval(
            "INSERT INTO orgs (id, uuid, name) VALUES ($1, $2, $3) RETURNING id",
            org_id,
            str(uuid.uuid4()),
            name,
        )
    return await conn.fetchval(
        "INSERT INTO orgs (uuid, name) VALUES ($1, $2) RETURNING id", str(uuid.uuid4()), name
    )


async def create_channel(
    conn: asyncpg.Connection,
    org_id: int,
    channel_type: str,
    address: str,
    config: dict[str, Any],
    *,
    channel_uuid: str | None = None,
    country: str | None = "US",
    schemes: list[str] | None = None,
    tps: int = 10,
) -> tuple[int, str]:
    channel_uuid = channel_uuid or str(uuid.uuid4())
    channel_id = await conn.fetchval(
        """INSERT INTO channels (uuid, org_id, channel_type, name, address, country, schemes, config, tps)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
        channel_uuid, org_id, channel_type, f"{channel_type} channel", address, country, schemes or ["tel"], config, tps,
    )  # fmt: skip
    return channel_id, channel_uuid


async def create_contact(
    conn: asyncpg.Connection, org_id: int, urn: str, contact_id: int | None = None
) -> tuple[int, int]:
    cid = await conn.fetchval(
        "INSERT INTO contacts (id, uuid, org_id, status, fields) VALUES (COALESCE($1, nextval('contacts_id_seq')), $2, $3, 'A', '{}') RETURNING id",
        contact_id, str(uuid.uuid4()), org_id,
    )  # fmt: skip
    scheme, _, path = urn.partition(":")
    urn_id = await conn.fetchval(
        "INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, auth_tokens) VALUES ($1, $2, $3, $4, $5, 1000, '{}') RETURNING id",
        org_id, cid, scheme, path, urn,
    )  # fmt: skip
    return cid, urn_id


async def create_outgoing(
    conn: asyncpg.Connection,
    org_id: int,
    channel_id: int,
    contact_id: int,
    urn_id: int | None,
    text: str,
    *,
    msg_uuid: str | None = None,
    external_id: str | None = None,
    status: str = "Q",
) -> tuple[int, str]:
    msg_uuid = msg_uuid or str(uuid.uuid4())
    msg_id = await conn.fetchval(
        """INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status, external_id)
           VALUES ($1, $2, $3, $4, $5, $6, 'O', $7, $8) RETURNING id""",
        msg_uuid, org_id, channel_id, contact_id, urn_id, text, status, external_id,
    )  # fmt: skip
    return msg_id, msg_uuid


async def wait_for(check: Callable[[], Awaitable[T]], within: float = 10.0, interval: float = 0.05) -> T:
    """Poll until `check` returns something truthy, which is returned; fails the test on timeout."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s (last value {value!r})")
        await asyncio.sleep(interval)
