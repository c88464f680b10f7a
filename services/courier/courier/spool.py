"""The spool: when Postgres is down, incoming messages, events, statuses and channel logs are written as
JSON-lines files under SPOOL_DIR/{msgs,events,statuses,logs}/, and the provider still gets its success.
A flusher retries the files every few seconds; writes are idempotent by uuid, so a file replayed after a
partial success stores nothing twice. Files that can't be parsed are renamed *.corrupt."""

import asyncio
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("msgs", "events", "statuses", "logs")
MAX_ATTEMPTS = 50  # a file failing this often holds something the database refuses, not an outage


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
        return final

    def pending(self, kind: str) -> list[Path]:
        return sorted((self.directory / kind).glob("*.jsonl"))

    def count(self) -> int:
        return sum(len(self.pending(kind)) for kind in KINDS)

    async def flush(self, replay: dict[str, Callable[[list[dict[str, Any]]], Awaitable[None]]]) -> int:
        """Replay every spooled file; returns how many files were written and removed."""
        done = 0
        for kind in KINDS:
            for path in self.pending(kind):
                try:
                    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
                except (ValueError, OSError):
                    path.rename(path.with_suffix(".corrupt"))
                    log.error("corrupt spool file", extra={"path": str(path)})
                    continue
                try:
                    await replay[kind]([line["item"] for line in lines])
                except Exception as e:
                    attempts = max((line.get("attempts", 0) for line in lines), default=0) + 1
                    if attempts >= MAX_ATTEMPTS:
                        path.rename(path.with_suffix(".corrupt"))
                    else:
                        text = "".join(
                            json.dumps({"attempts": attempts, "item": line["item"]}) + "\n" for line in lines
                        )
                        tmp = path.with_suffix(".tmp")
                        tmp.write_text(text)
                        tmp.rename(path)
                    log.warning("spool flush failed", extra={"kind": kind, "error": str(e)})
                    return done  # the database is likely still down: try again next round
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
