"""The spool's file handling on its own: atomic writes, replay order, retries kept on failure, corrupt
files set aside. The database side is covered by test_spool.py against a real Postgres."""

from pathlib import Path
from typing import Any

import asyncpg

from courier.spool import Spool
from upesi.metrics import REGISTRY


def _leftovers(path: Path) -> list[Path]:
    return list(path.rglob("*.tmp"))


async def test_replayed_files_are_removed_and_failures_kept_for_the_next_round(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.write("msgs", [{"uuid": "a"}, {"uuid": "b"}])
    spool.write("statuses", [{"uuid": "c"}])
    assert spool.count() == 2
    assert not _leftovers(tmp_path)

    seen: list[tuple[str, list[dict[str, Any]]]] = []
    down = True

    async def replay_msgs(items: list[dict[str, Any]]) -> None:
        if down:
            raise asyncpg.exceptions.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )
        seen.append(("msgs", items))

    async def replay_statuses(items: list[dict[str, Any]]) -> None:
        seen.append(("statuses", items))

    replay = {
        "msgs": replay_msgs,
        "events": replay_statuses,
        "statuses": replay_statuses,
        "logs": replay_statuses,
    }
    assert await spool.flush(replay) == 0  # stops at the first failure: the database is probably still down
    assert spool.count() == 2

    down = False
    assert await spool.flush(replay) == 2
    assert spool.count() == 0
    assert seen == [("msgs", [{"uuid": "a"}, {"uuid": "b"}]), ("statuses", [{"uuid": "c"}])]


async def test_corrupt_files_are_set_aside(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    (tmp_path / "events" / "1-bad.jsonl").write_text("{not json\n")

    async def replay(items: list[dict[str, Any]]) -> None:
        raise AssertionError("a corrupt file must not be replayed")

    assert await spool.flush({"msgs": replay, "events": replay, "statuses": replay, "logs": replay}) == 0
    assert spool.count() == 0
    assert (tmp_path / "events" / "1-bad.corrupt").exists()
    assert REGISTRY.get_sample_value("upesi_spool_corrupt_total", {"kind": "events"}) >= 1


def _replay_all(fn: Any) -> dict[str, Any]:
    return {kind: fn for kind in ("msgs", "events", "statuses", "logs")}


async def test_files_wait_out_an_outage_of_any_length(tmp_path: Path) -> None:
    """Issue #22 point 2: a file was renamed .corrupt after 50 failed rounds (about 250 s of outage) and its
    message lost; now it waits for as long as the database is down."""
    spool = Spool(tmp_path)
    spool.write("msgs", [{"uuid": "a"}])
    seen: list[list[dict[str, Any]]] = []
    down = True

    async def replay(items: list[dict[str, Any]]) -> None:
        if down:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
        seen.append(items)

    for _ in range(200):
        assert await spool.flush(_replay_all(replay)) == 0
    assert spool.count() == 1 and not list(tmp_path.rglob("*.corrupt"))
    down = False
    assert await spool.flush(_replay_all(replay)) == 1
    assert seen == [[{"uuid": "a"}]] and spool.count() == 0


async def test_a_file_the_database_refuses_is_kept_and_holds_nobody_up(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.write("msgs", [{"uuid": "poison"}])
    spool.write("msgs", [{"uuid": "fine"}])
    seen: list[str] = []

    async def replay(items: list[dict[str, Any]]) -> None:
        if items[0]["uuid"] == "poison":
            raise asyncpg.exceptions.DataError("invalid input")
        seen.append(items[0]["uuid"])

    assert await spool.flush(_replay_all(replay)) == 1
    assert seen == ["fine"] and spool.count() == 1 and not list(tmp_path.rglob("*.corrupt"))
    assert REGISTRY.get_sample_value("upesi_spool_refused_total", {"kind": "msgs"}) >= 1
