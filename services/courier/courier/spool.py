"""The spool: when Postgres is down, incoming messages, events, statuses and channel logs are written as
JSON-lines files under SPOOL_DIR/{msgs,events,statuses,logs}/, and the provider still gets its success.
A flusher retries the files every few seconds for as long as the database is down (as the reference
courier does: an outage of any length loses nothing); writes are idempotent by uuid, so a file replayed after
a partial success stores nothing twice. A file the database answers but refuses stays in place, is retried
every round without holding up the others, and is logged as an error each time. Only a file that cannot be
parsed is set aside (renamed *.corrupt), with an error in the log and upesi_spool_corrupt_total."""

import asyncio
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from upesi.metrics import SPOOL_CORRUPT, SPOOL_REFUSED
from upesi.outages import down_service

log = logging.getLogger(__name__)

KINDS = ("msgs", "events", "statuses", "logs")


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        for kind in KINDS:
            (self.directory / kind).mkdir(parents=True, exist_ok=True)
        probe = self.directory / ".probe"
        probe.write_text("ok")  # fail at startup, not at the first outage, when the directory isn't writable
        probe.unlink()

    def write(self, kind: str, items: list[dict[str, Any]]) -> Path:
        """Write items atomically (temp file + rename) so the flusher never reads half a file."""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.jsonl"
        final = self.directory / kind / name
        tmp = self.directory / kind / (name + ".tmp")
        with open(tmp, "w") as f:
            for item in items:
                f.write(json.dumps({"attempts": 0, "item": item}, default=str) + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.rename(final)
        _fsync_dir(final.parent)  # the rename itself survives a power cut before the 200 goes out
        return final

    def pending(self, kind: str) -> list[Path]:
        return sorted((self.directory / kind).glob("*.jsonl"))

    def count(self) -> int:
        return sum(len(self.pending(kind)) for kind in KINDS)

    async def flush(self, replay: dict[str, Callable[[list[dict[str, Any]]], Awaitable[None]]]) -> int:
        """Replay every spooled file; returns how many files were written and removed. Stops at the first
        outage (the rest would only wait for the same timeout) and tries again next round."""
        done = 0
        for kind in KINDS:
            for path in self.pending(kind):
                try:
                    items = [
                        json.loads(line)["item"] for line in path.read_text().splitlines() if line.strip()
                    ]
                except (ValueError, KeyError, TypeError):
                    path.rename(path.with_suffix(".corrupt"))
                    SPOOL_CORRUPT.labels(kind).inc()
                    log.error("corrupt spool file set aside", extra={"path": str(path)})
                    continue
                try:
                    await replay[kind](items)
                except Exception as e:
                    if down_service(e):
                        log.warning(
                            "spool flush waits for the database", extra={"kind": kind, "error": str(e)}
                        )
                        return done
                    SPOOL_REFUSED.labels(kind).inc()
                    log.error(
                        "spool file refused, kept for retry", extra={"path": str(path), "error": repr(e)}
                    )
                    continue
                path.unlink()
                done += 1
        return done

    async def run(
        self, replay: dict[str, Callable[[list[dict[str, Any]]], Awaitable[None]]], interval: float
    ) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                flushed = await self.flush(replay)
                if flushed:
                    log.info("spool flushed", extra={"files": flushed})
            except Exception:
                log.exception("spool flush crashed")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
