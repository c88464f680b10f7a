"""Task `start_flow_batch` (tasks:throttled, or tasks:realtime for a single contact): start up to 25
contacts of a flow start in the flow.

    {"type": "start_flow_batch", "task": {"start_id": 12, "batch_index": 0, "contact_ids": [101, 102, 103]}}
"""

from typing import Any

from mailroom.starts import START_BATCH, start_batch

TYPE = START_BATCH


async def handle(org_id: int, body: dict[str, Any]) -> None:
    await start_batch(
        org_id, int(body["start_id"]), int(body["batch_index"]), [int(c) for c in body["contact_ids"]]
    )
