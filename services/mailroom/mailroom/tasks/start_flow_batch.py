"""Task `start_flow_batch` (tasks:throttled, or tasks:realtime for a single contact): start up to 25
contacts of a flow start in the flow.

    {"type": "start_flow_batch", "task": {"start_id": 12, "batch_index": 0, "contact_ids": [101, 102, 103]}}
"""

from typing import Any

from mailroom.starts import start_batch
from upesi.queues.tasks import StartFlowBatch

TASK = StartFlowBatch


async def handle(org_id: int, body: dict[str, Any]) -> None:
    task = StartFlowBatch.decode(body)
    await start_batch(org_id, task.start_id, task.batch_index, task.contact_ids)
