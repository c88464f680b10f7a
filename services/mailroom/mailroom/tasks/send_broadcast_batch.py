"""Task `send_broadcast_batch` (tasks:throttled, or tasks:realtime for a single contact): send a broadcast
to up to 100 of its contacts.

    {"type": "send_broadcast_batch", "task": {"broadcast_id": 7, "batch_index": 0, "contact_ids": [101, 102]}}
"""

from typing import Any

from mailroom.broadcasts import send_batch
from upesi.queues.tasks import SendBroadcastBatch

TASK = SendBroadcastBatch


async def handle(org_id: int, body: dict[str, Any]) -> None:
    task = SendBroadcastBatch.decode(body)
    await send_batch(org_id, task.broadcast_id, task.batch_index, task.contact_ids)
