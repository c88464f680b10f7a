"""Keyset cursors over each kind of ordering: descending, reverse (ascending), and the sent folder's
sent_on ordering, walked forwards to the end and back again."""

from datetime import UTC, datetime, timedelta

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import Contact, FlowRun, Msg
from web.api.v2.pagination import _decode, _encode


async def walk(api: API, path: str, **params: str) -> tuple[list[str], list[dict]]:
    """Every uuid in page order following `next`, and the pages' bodies."""
    bodies = [(await api.get(path, **params)).json()]
    while bodies[-1]["next"]:
        bodies.append((await api.client.get(bodies[-1]["next"], headers=api.headers())).json())
    return [r["uuid"] for b in bodies for r in b["results"]], bodies


async def test_sent_folder_orders_by_sent_on_across_pages(api: API) -> None:
    bob = await f.contact(api.ws.org_id)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    async with transaction() as s:
        # sent_on runs opposite to creation order, and some share a timestamp
        s.add_all([
            Msg(uuid=f.uid(), org_id=api.ws.org_id, contact_id=bob.id, text=str(i), direction="O", status="S",
                sent_on=base - timedelta(minutes=i // 2))
            for i in range(260)
        ])  # fmt: skip
    uuids, bodies = await walk(api, "messages.json", folder="sent")
    assert len(uuids) == 260 and len(set(uuids)) == 260
    sent_on = [r["sent_on"] for b in bodies for r in b["results"]]
    assert sent_on == sorted(sent_on, reverse=True)
    back = (await api.client.get(bodies[1]["previous"], headers=api.headers())).json()
    assert [r["uuid"] for r in back["results"]] == uuids[:250] and back["previous"] is None


async def test_reverse_runs_walk_forward_and_back(api: API) -> None:
    flow = await f.flow(api.ws.org_id)
    bob = await f.contact(api.ws.org_id)
    now = datetime.now(UTC)
    async with transaction() as s:
        s.add_all([
            FlowRun(uuid=f.uid(), org_id=api.ws.org_id, flow_id=flow.id, contact_id=bob.id, session_uuid=f.uid(),
                    status="C", modified_on=now + timedelta(seconds=i))
            for i in range(255)
        ])  # fmt: skip
    uuids, bodies = await walk(api, "runs.json", reverse="true")
    modified = [r["modified_on"] for b in bodies for r in b["results"]]
    assert len(uuids) == 255 and modified == sorted(modified)
    assert "reverse=true" in bodies[0]["next"]
    back = (await api.client.get(bodies[1]["previous"], headers=api.headers())).json()
    assert [r["uuid"] for r in back["results"]] == uuids[:250]


async def test_contacts_with_identical_modified_on_are_not_skipped(api: API) -> None:
    same = datetime(2026, 5, 5, tzinfo=UTC)
    async with transaction() as s:
        s.add_all(
            [Contact(uuid=f.uid(), org_id=api.ws.org_id, fields={}, modified_on=same) for _ in range(251)]
        )
    uuids, bodies = await walk(api, "contacts.json")
    assert len(bodies) == 2 and len(set(uuids)) == 251


def test_cursor_round_trip() -> None:
    position = [datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), 42]
    assert _decode(_encode(position, True)) == (position, True)
