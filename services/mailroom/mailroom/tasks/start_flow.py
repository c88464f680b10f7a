"""Task `start_flow` (tasks:batch): resolve a flow start's recipients and queue its batches.

{"type": "start_flow", "task": {"start_id": 12}}
"""

from typing import Any

from mailroom.starts import split_start
from upesi.queues.tasks import StartFlow

TASK = StartFlow


async def handle(org_id: int, body: dict[str, Any]) -> None:
    await split_start(org_id, StartFlow.decode(body).start_id)
