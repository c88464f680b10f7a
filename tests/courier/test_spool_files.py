"""The spool's file handling on its own: atomic writes, replay order, retries kept on failure, corrupt
files set aside. The database side is covered by test_spool.py against a real Postgres."""

from pathlib import Path
from typing import Any

from courier.spool import Spool


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
            raise ConnectionRefusedError("postgres is down")
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
    assert '"attempts": 1' in spool.pending("msgs")[0].read_text()

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
