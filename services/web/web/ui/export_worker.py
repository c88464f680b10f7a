"""The background worker that builds exports. It runs inside each web process (started by the app's
lifespan): web owns the pages that ask for exports and serves the files, so the files stay beside their
server. Any number of workers may run: an export is claimed with SELECT ... FOR UPDATE SKIP LOCKED, and
its `modified_on` is bumped every batch, so an export whose worker died (in progress, not touched for
`stalled_after` seconds) is claimed again and rebuilt from the start into a new file."""

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update

from upesi.config import get_settings
from upesi.db.engine import sessionmaker, transaction
from upesi.db.models import Export
from web.ui.export_sources import ExportParamsError, load_source
from web.ui.exports import open_writer

log = logging.getLogger(__name__)
BATCH_SIZE = 1000
STALLED_AFTER = 300.0  # seconds; a batch takes well under a second, so five minutes means a dead worker
POLL_SECONDS = 2.0

_wake: asyncio.Event | None = None  # the running worker's, set up on its own event loop


def exports_dir() -> Path:
    return get_settings().exports_dir


def wake_worker() -> None:
    """A new export was asked for: the worker in this process needn't wait for its next poll."""
    if _wake is not None:
        _wake.set()


async def claim_next(stalled_after: float = STALLED_AFTER) -> Export | None:
    """Take the oldest pending (or stalled) export, giving it a new file path that is also the claim: a
    worker that lost its claim finds its path replaced and stops."""
    stale = datetime.now(UTC) - timedelta(seconds=stalled_after)
    async with transaction() as s:
        export = (
            await s.execute(
                select(Export)
                .where(or_(Export.status == "P", and_(Export.status == "O", Export.modified_on < stale)))
                .order_by(Export.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if export is None:
            return None
        previous = export.path
        export.status = "O"
        export.num_records = 0
        export.path = f"{export.org_id}/{export.uuid}-{secrets.token_hex(4)}.{export.file_format}"
        export.modified_on = datetime.now(UTC)
    if previous:  # the dead worker's partial file
        (exports_dir() / previous).unlink(missing_ok=True)
    return export


async def _still_ours(export: Export, values: dict[str, object]) -> bool:
    """Write progress (or the outcome) only while the claim is ours; False when another worker took it."""
    async with transaction() as s:
        result = await s.execute(
            update(Export)
            .where(Export.id == export.id, Export.path == export.path)
            .values(modified_on=datetime.now(UTC), **values)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


async def _in_thread(call: Callable[..., None], *args: Any) -> None:
    """A writer call in a thread (CPU and disk, kept off the event loop). When the build is cancelled the
    call still finishes before cancellation goes on: the writer must never be used by two threads."""
    running = asyncio.ensure_future(asyncio.to_thread(call, *args))
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        raise


async def build(export: Export, batch_size: int = BATCH_SIZE) -> None:
    """Write the export's file a batch at a time, recording progress after each batch."""
    assert export.path is not None
    try:
        async with sessionmaker()() as s:
            source = await load_source(s, export)
            total = await source.count(s)
    except ExportParamsError as e:
        await _still_ours(export, {"status": "F", "error": str(e)})
        return
    if not await _still_ours(export, {"total": total}):
        return
    writer = open_writer(export.file_format, exports_dir() / export.path, source.header, source.sheet)
    done, after = 0, None
    try:
        while True:
            async with sessionmaker()() as s:
                rows, after = await source.batch(s, after, batch_size)
            if not rows:
                break
            await _in_thread(writer.write, rows)
            done += len(rows)
            if not await _still_ours(export, {"num_records": done}):
                log.warning("export %s was claimed by another worker; abandoning this build", export.uuid)
                await _in_thread(writer.discard)
                return
        await _in_thread(writer.close)
    except BaseException:
        await _in_thread(writer.discard)
        raise
    # rows added while the export ran may take it past the first count
    finished = {
        "status": "C",
        "num_records": done,
        "total": max(total, done),
        "completed_on": datetime.now(UTC),
    }
    await _still_ours(export, finished)


async def run_one(stalled_after: float = STALLED_AFTER, batch_size: int = BATCH_SIZE) -> Export | None:
    """Claim and build one export; the export built (None when there was nothing to do)."""
    export = await claim_next(stalled_after)
    if export is None:
        return None
    try:
        await build(export, batch_size)
    except asyncio.CancelledError:
        # the process is stopping: hand the export back so the next worker starts it at once
        await asyncio.shield(_still_ours(export, {"status": "P", "num_records": 0}))
        raise
    except Exception as e:
        log.exception("export %s failed", export.uuid)
        await _still_ours(export, {"status": "F", "error": f"The export could not be built: {e}"})
    return export


async def run_forever(stalled_after: float = STALLED_AFTER, poll: float = POLL_SECONDS) -> None:
    """The worker loop: build exports until cancelled, polling between them; a database outage is
    logged and waited out."""
    global _wake
    wake = _wake = asyncio.Event()
    while True:
        try:
            if await run_one(stalled_after) is not None:
                continue
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("export worker: could not claim an export")
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), timeout=poll)
        except TimeoutError:
            pass


class ExportWorker:
    """The worker task of one web process, started and stopped by the app's lifespan."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(run_forever(), name="export-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
