"""Contact imports run in the background of the web process, a chunk of rows per transaction, so the page
can show a progress bar and everything before a failure stays imported. Progress and the refused rows live
in Redis for a week (an import's report is looked at once, then forgotten; no table is needed for it).
An import whose process died stops being bumped and is reported as stopped, with how far it got."""

import asyncio
import json
import logging
import time
import uuid as uuidlib
from dataclasses import asdict, dataclass

from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from web.mailroom_tasks import contacts_changed
from web.ui.contact_import_rows import Layout, RowError, import_chunk

log = logging.getLogger(__name__)
CHUNK_SIZE = 500
KEEP_SECONDS = 7 * 24 * 3600
STALLED_AFTER = 120.0  # seconds without a chunk done: the process running it is gone
_running: set[asyncio.Task[None]] = set()  # strong references, or the loop may drop a running import


@dataclass
class ImportState:
    uuid: str
    org_id: int
    filename: str
    group_name: str
    total: int
    status: str = "pending"  # pending, in progress, complete, failed
    done: int = 0
    created: int = 0
    updated: int = 0
    error: str = ""
    touched_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in ("complete", "failed")

    @property
    def percent(self) -> int:
        return (
            100
            if self.status == "complete"
            else (min(99, 100 * self.done // self.total) if self.total else 0)
        )


def _key(import_uuid: str) -> str:
    return f"contact_import:{import_uuid}"


async def _save(state: ImportState) -> None:
    state.touched_at = time.time()
    redis = get_redis()
    await redis.set(_key(state.uuid), json.dumps(asdict(state)), ex=KEEP_SECONDS)


async def _add_errors(import_uuid: str, errors: list[RowError]) -> None:
    if errors:
        key = _key(import_uuid) + ":errors"
        await get_redis().rpush(key, *(json.dumps([e.row, e.field, e.message]) for e in errors))
        await get_redis().expire(key, KEEP_SECONDS)


async def load_state(import_uuid: str) -> ImportState | None:
    raw = await get_redis().get(_key(import_uuid))
    if raw is None:
        return None
    state = ImportState(**json.loads(raw))
    if not state.finished and time.time() - state.touched_at > STALLED_AFTER:
        state.status = "failed"
        state.error = f"The import stopped after {state.done} of {state.total} rows (the server restarted)."
    return state


async def load_errors(import_uuid: str) -> list[RowError]:
    raw = await get_redis().lrange(_key(import_uuid) + ":errors", 0, -1)
    return [RowError(*json.loads(r)) for r in raw]


async def start_import(
    org_id: int,
    country: str | None,
    layout: Layout,
    rows: list[list[str]],
    group: tuple[int, str] | None,
    filename: str,
) -> str:
    """Record the import and start it; its uuid, for the progress page. `rows` exclude the header."""
    state = ImportState(str(uuidlib.uuid4()), org_id, filename, group[1] if group else "", len(rows))
    await _save(state)
    task = asyncio.create_task(_run(state, country, layout, rows, group[0] if group else None))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return state.uuid


async def wait_for_imports() -> None:
    """Let the imports started by this process finish (tests, and a clean shutdown)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


async def _run(
    state: ImportState, country: str | None, layout: Layout, rows: list[list[str]], group_id: int | None
) -> None:
    state.status = "in progress"
    try:
        for start in range(0, len(rows), CHUNK_SIZE):
            # the header is row 1 in the spreadsheet the user looks at
            chunk = [(start + i + 2, row) for i, row in enumerate(rows[start : start + CHUNK_SIZE])]
            try:
                async with transaction() as s:
                    result = await import_chunk(s, state.org_id, country, layout, chunk, group_id)
            except Exception as e:  # e.g. a URN taken by another import at the same moment
                log.exception("contact import %s: chunk at row %d failed", state.uuid, chunk[0][0])
                await _add_errors(
                    state.uuid, [RowError(n, "", f"This row could not be saved: {e}") for n, _ in chunk]
                )
            else:
                await contacts_changed(state.org_id, result.contact_ids)  # campaign fires for them
                await _add_errors(state.uuid, result.errors)
                state.created += result.created
                state.updated += result.updated
            state.done += len(chunk)
            await _save(state)
        state.status = "complete"
    except Exception as e:
        log.exception("contact import %s failed", state.uuid)
        state.status, state.error = "failed", f"The import stopped: {e}"
    await _save(state)
