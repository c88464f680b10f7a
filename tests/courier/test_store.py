"""courier.store.write_msgs against a real database: a batch of messages, their contacts and the URN auth
tokens some providers give (merged into what the URN already has), in a few statements."""

import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from courier import store
from courier.store import PendingMsg, write_msgs
from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.orgs import create_workspace


def pending(org_id: int, channel_id: int, channel_uuid: str, urn: str, tokens: dict[str, str]) -> PendingMsg:
    return PendingMsg(
        uuid=str(uuid.uuid4()), org_id=org_id, channel_id=channel_id, channel_uuid=channel_uuid, urn=urn,
        text="hi", attachments=[], external_id=None, received_on=None, contact_name=None,
        log_uuid=str(uuid.uuid4()), urn_auth_tokens=tokens,
    )  # fmt: skip


async def test_batch_stores_messages_and_merges_urn_auth_tokens(db: None) -> None:
    async with transaction() as s:
        ws = await create_workspace(s, "Clinic", "c@example.com", "pw")
        channel = await add_channel(s, ws.org.id, "WAC", "12345", {})
    org, ch_id, ch_uuid = ws.org.id, channel.id, channel.uuid

    async with asyncpg.create_pool(get_settings().asyncpg_dsn, min_size=1, max_size=2) as pool:
        await write_msgs(pool, [pending(org, ch_id, ch_uuid, "whatsapp:250788000001", {"optin:1": "a"})])
        results = await write_msgs(
            pool,
            [
                pending(org, ch_id, ch_uuid, "whatsapp:250788000001", {"optin:2": "b"}),
                pending(org, ch_id, ch_uuid, "whatsapp:250788000002", {"optin:1": "c"}),
                pending(org, ch_id, ch_uuid, "whatsapp:250788000003", {}),
            ],
        )
    assert all(r["inserted"] for r in results)
    async with transaction() as s:
        tokens = dict(
            (await s.execute(text("SELECT path, auth_tokens FROM contact_urns ORDER BY path"))).all()
        )
        stored = (await s.execute(text("SELECT count(*) FROM msgs WHERE direction = 'I'"))).scalar_one()
    assert tokens == {
        "250788000001": {"optin:1": "a", "optin:2": "b"},
        "250788000002": {"optin:1": "c"},
        "250788000003": {},
    }
    assert stored == 4


async def test_a_message_without_a_resolved_contact_fails_the_batch(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """resolve_contacts giving no contact for a URN (contention outlasting its retries) fails the batch rather
    than answering the message as stored while writing nothing (the caller then retries each item, then spools)."""
    async with transaction() as s:
        ws = await create_workspace(s, "Clinic", "c@example.com", "pw")
        channel = await add_channel(s, ws.org.id, "WAC", "12345", {})
    org, ch_id, ch_uuid = ws.org.id, channel.id, channel.uuid
    real = store.resolve_contacts

    async def losing_one(*args: Any, **kwargs: Any) -> dict[str, Any]:
        found = await real(*args, **kwargs)
        found.pop("whatsapp:250788000002", None)
        return found

    monkeypatch.setattr(store, "resolve_contacts", losing_one)
    batch = [pending(org, ch_id, ch_uuid, f"whatsapp:25078800000{n}", {}) for n in (1, 2)]
    async with asyncpg.create_pool(get_settings().asyncpg_dsn, min_size=1, max_size=2) as pool:
        with pytest.raises(store.UnresolvedContacts, match="whatsapp:250788000002"):
            await write_msgs(pool, batch)
    async with transaction() as s:
        assert (await s.execute(text("SELECT count(*) FROM msgs"))).scalar_one() == 0  # nothing half-written
