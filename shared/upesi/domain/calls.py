"""Voice calls as people read them: a contact's calls for their history page (the rows mailroom's IVR writes,
see mailroom/ivr/calls.py for the statuses)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Call
from upesi.db.scoping import in_workspace

STATUSES = {"P": "pending", "Q": "queued", "W": "ringing", "I": "in progress", "D": "completed",
            "E": "errored, to be retried", "F": "failed"}  # fmt: skip
ERROR_REASONS = {"P": "provider error", "B": "busy", "N": "no answer", "M": "answering machine"}


@dataclass(frozen=True)
class CallEntry:
    time: datetime
    text: str


def describe(direction: str, status: str, error_reason: str | None, duration: int) -> str:
    """e.g. "Outgoing call, completed (95 s)" or "Outgoing call, failed (busy)"."""
    text = f"{'Incoming' if direction == 'I' else 'Outgoing'} call, {STATUSES.get(status, status)}"
    if error_reason:
        return f"{text} ({ERROR_REASONS.get(error_reason, error_reason)})"
    return f"{text} ({duration} s)" if duration else text


async def contact_calls(db: AsyncSession, org_id: int, contact_id: int, limit: int = 50) -> list[CallEntry]:
    rows = await db.execute(
        select(Call)
        .where(in_workspace(Call, org_id), Call.contact_id == contact_id)
        .order_by(Call.id.desc())
        .limit(limit)
    )
    return [
        CallEntry(c.created_on, describe(c.direction, c.status, c.error_reason, c.duration))
        for c in rows.scalars()
    ]
