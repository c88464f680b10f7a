import json

import pytest
from sqlalchemy import text

from upesi.db.engine import transaction
from upesi.db.ops.orgs import create_workspace
from upesi.db.raw import asyncpg_of


async def test_raw_statements_share_the_session_transaction(db: None) -> None:
    async with transaction() as s:
        org_id = (await create_workspace(s, "Raw", "raw@example.com", "pw")).org.id

    with pytest.raises(RuntimeError):
        async with transaction() as s:
            pg = await asyncpg_of(s)  # before any SQLAlchemy statement: the transaction must be open
            await pg.execute("UPDATE orgs SET name = 'Changed' WHERE id = $1", org_id)
            raise RuntimeError("roll back")
    async with transaction() as s:
        assert (
            await s.execute(text("SELECT name FROM orgs WHERE id = :id"), {"id": org_id})
        ).scalar() == "Raw"

    async with transaction() as s:
        pg = await asyncpg_of(s)
        await pg.execute("UPDATE orgs SET config = $2::jsonb WHERE id = $1", org_id, json.dumps({"k": [1]}))
        config = await pg.fetchval("SELECT config FROM orgs WHERE id = $1", org_id)
    assert config == {"k": [1]}  # JSONB goes in as text and comes back decoded
    async with transaction() as s:
        stored = (await s.execute(text("SELECT config FROM orgs WHERE id = :id"), {"id": org_id})).scalar()
    assert stored == {"k": [1]}
