"""Mailroom's cached assets are never stale: every write to an asset table, by any code path, moves the
workspace's asset version (database triggers), and the next task reloads at the new version."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from mailroom.scene import assets_version, load_org_scene
from tests.mailroom.test_event_persistence import api, hooks, rows, send, start_flow  # noqa: F401
from tests.mailroom.webhook_target import Reply, Target
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models.asset_versions import ASSET_TABLES


async def version(org_id: int) -> int:
    async with transaction() as s:
        return await assets_version(s, org_id)


async def test_every_asset_table_has_the_trigger(api: API) -> None:  # noqa: F811
    found = {
        r.tbl
        for r in await rows(
            "SELECT c.relname AS tbl FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE '%_bump_asset_version'"
        )
    }
    assert found == set(ASSET_TABLES)


async def _sql(sql: str, **params: Any) -> None:
    async with transaction() as s:
        await s.execute(text(sql), params)


def writes(api: API) -> dict[str, Callable[[], Awaitable[Any]]]:  # noqa: F811
    org = api.ws.org_id
    return {
        "field": lambda: api.post("fields.json", {"name": "Shoe Size", "type": "number"}),
        "group": lambda: api.post("groups.json", {"name": "Members"}),
        "label": lambda: api.post("labels.json", {"name": "Important"}),
        "global": lambda: api.post("globals.json", {"name": "Org Name", "value": "Clinic"}),
        "topic": lambda: _sql("INSERT INTO topics (uuid, org_id, name) VALUES (gen_random_uuid(), :o, 'Sales')", o=org),
        "resthook": lambda: _sql("INSERT INTO resthooks (org_id, slug) VALUES (:o, 'hook')", o=org),
        "user": lambda: _sql("UPDATE users SET first_name = 'Renamed' WHERE id = :u", u=api.ws.user_id),
        "workspace": lambda: _sql("UPDATE orgs SET timezone = 'Africa/Kigali' WHERE id = :o", o=org),
        "channel": lambda: _sql("UPDATE channels SET name = 'Renamed' WHERE org_id = :o", o=org),
    }  # fmt: skip


@pytest.mark.parametrize(
    "kind", ["field", "group", "label", "global", "topic", "resthook", "user", "workspace", "channel"]
)
async def test_a_write_moves_the_version_and_the_scene_reloads(api: API, kind: str) -> None:  # noqa: F811
    org = api.ws.org_id
    await start_flow(api, [{"type": "set_contact_name", "name": "Bob"}])  # a channel, a flow
    async with transaction() as s:
        before = await load_org_scene(s, org)
    await writes(api)[kind]()
    assert await version(org) > before.version
    async with transaction() as s:
        after = await load_org_scene(s, org)
    assert after is not before and after.version == await version(org)
    async with transaction() as s:
        assert await load_org_scene(s, org) is after  # unchanged: the cached scene is kept


async def test_a_subscriber_added_after_the_assets_were_loaded_is_called(
    api: API,  # noqa: F811
    hooks: Target,  # noqa: F811
) -> None:
    await _sql("INSERT INTO resthooks (org_id, slug) VALUES (:o, 'new-order')", o=api.ws.org_id)
    channel_uuid, _ = await start_flow(api, [{"type": "call_resthook", "resthook": "new-order"}])
    await send(api, channel_uuid, "tel:+250788111230", "go")  # no subscriber yet; assets cached
    url = hooks.script("/orders", Reply(200))
    r = await api.post("resthook_subscribers.json", {"resthook": "new-order", "target_url": url})
    assert r.status_code == 201
    await send(api, channel_uuid, "tel:+250788111230", "go")
    assert hooks.hits("/orders") == 1
    events = (await api.get("resthook_events.json")).json()["results"]
    assert [e["resthook"] for e in events] == ["new-order", "new-order"]
