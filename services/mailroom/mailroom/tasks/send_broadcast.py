"""Task `send_broadcast` (tasks:batch): resolve a broadcast's recipients and queue its batches.

{"type": "send_broadcast", "task": {"broadcast_id": 7}}
"""

from typing import Any

from mailroom.broadcasts import split_broadcast
from upesi.queues.tasks import SendBroadcast

TASK = SendBroadcast


async def handle(org_id: int, body: dict[str, Any]) -> None:
    await split_broadcast(org_id, SendBroadcast.decode(body).broadcast_id)
