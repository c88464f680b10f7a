"""A bulk action on "all N matching this search" runs in the background of the web process, a chunk of
contacts per transaction, found by keyset over their ids (never every id in memory at once), so the page can
show its progress and a large list does not hold a request open. Progress lives in Redis for a day, as a
contact import's; a job whose process died stops being bumped and is reported as stopped, with how far it
got."""

import asyncio
import json
import logging
import time
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactGroup
from upesi.domain.contact_actions import apply_action, check_action
from upesi.domain.errors import DomainError
from upesi.queues.redis import get_redis
from web.mailroom_tasks import contacts_changed, interrupt_contacts

log = logging.getLogger(__name__)
CHUNK = 1000
KEEP_SECONDS = 24 * 3600
STALLED_AFTER = 120.0  # seconds without a chunk done: the process running it is gone
_running: set[asyncio.Task[None]] = set()  # strong references, or the loop may drop a running job


@dataclass
class BulkState:
    uuid: str
    org_id: int
    action: str
    total: int
    back: str  # the list the action came from
    status: str = "pending"  # pending, in progress, complete, failed
    done: int = 0
    error: str = ""
    touched_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in ("complete", "failed")

    @property
    def percent(self) -> int:
        if self.status == "complete":
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0


def _key(job_uuid: str) -> str:
    return f"contact_bulk:{job_uuid}"


async def _save(state: BulkState) -> None:
    state.touched_at = time.time()
    await get_redis().set(_key(state.uuid), json.dumps(asdict(state)), ex=KEEP_SECONDS)


async def load_state(job_uuid: str, org_id: int) -> BulkState | None:
    raw = await get_redis().get(_key(job_uuid))
    if raw is None:
        return None
    state = BulkState(**json.loads(raw))
    if state.org_id != org_id:  # another workspace's job is no job of ours
        return None
    if not state.finished and time.time() - state.touched_at > STALLED_AFTER:
        state.status = "failed"
        state.error = (
            f"The action stopped after {state.done} of {state.total} contacts (the server restarted)."
        )
    return state


async def count_matching(session: AsyncSession, where: Sequence[Any]) -> int:
    return int((await session.execute(select(func.count()).select_from(Contact).where(*where))).scalar_one())


async def start_job(
    org_id: int, action: str, where: Sequence[Any], total: int, group_id: int | None, back: str
) -> str:
    """Record the job and start it; its uuid, for the progress page. `where` selects the list's contacts."""
    state = BulkState(str(uuidlib.uuid4()), org_id, action, total, back)
    await _save(state)
    task = asyncio.create_task(_run(state, list(where), group_id))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return state.uuid


async def wait_for_jobs() -> None:
    """Let the jobs started by this process finish (tests, and a clean shutdown)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


async def _run(state: BulkState, where: list[Any], group_id: int | None) -> None:
    state.status = "in progress"
    await _save(state)
    after = 0
    try:
        while True:
            async with transaction() as s:
                group = await s.get(ContactGroup, group_id) if group_id is not None else None
                rows = (
                    await s.execute(
                        select(Contact.id, Contact.uuid, Contact.status)
                        .where(*where, Contact.id > after)
                        .order_by(Contact.id)
                        .limit(CHUNK)
                    )
                ).all()
                if not rows:
                    break
                check_action(
                    state.action, group, {r.id: r.status for r in rows}, {r.id: str(r.uuid) for r in rows}
                )
                outcome = await apply_action(
                    s, org_id=state.org_id, action=state.action, contact_ids=[r.id for r in rows], group=group
                )
            after = rows[-1].id
            await interrupt_contacts(state.org_id, outcome.interrupt_ids)
            await contacts_changed(state.org_id, outcome.changed_ids)
            state.done += len(rows)
            await _save(state)
        state.status = "complete"
    except DomainError as e:
        state.status, state.error = "failed", f"The action stopped after {state.done} contacts: {e.message}"
    except Exception as e:
        log.exception("contact bulk action %s failed", state.uuid)
        state.status, state.error = "failed", f"The action stopped after {state.done} contacts: {e}"
    await _save(state)
