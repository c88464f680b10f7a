"""Task `send_broadcast_batch` (tasks:throttled, or tasks:realtime for a single contact): send a broadcast
to up to 100 of its contacts.

    {"type": "send_broadcast_batch", "task": {"broadcast_id": 7, "batch_index": 0, "contact_ids": [101, 102]}}
"""

from typing import Any

from mailroom.broadcasts import SEND_BATCH, send_batch

TYPE = SEND_BATCH


async def handle(org_id: int, body: dict[str, Any]) -> None:
    await send_batch(
        org_id, int(body["broadcast_id"]), int(body["batch_index"]), [int(c) for c in body["contact_ids"]]
    )
