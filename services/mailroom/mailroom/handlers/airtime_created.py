"""airtime_created: an airtime transfer row, and the provider calls as HTTP logs."""

from typing import Any

from mailroom.handlers.batch import Batch, flow_uuid_of
from mailroom.runner import Sprint

EVENT = "airtime_created"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.airtime.append(
        {
            "uuid": event["uuid"],
            "contact_id": sprint.contact_id,
            "status": "S",  # the engine logs the event only for a transfer the provider made
            "external_id": event.get("external_id") or "",
            "sender": event.get("sender") or "",
            "recipient": event.get("recipient") or "",
            "currency": event.get("currency") or "",
            "amount": event.get("amount") or 0,
            "created_on": event.get("created_on"),
        }
    )
    for log in event.get("http_logs") or []:
        batch.http_logs.append(
            {
                "flow_uuid": flow_uuid_of(sprint),
                "log_type": "airtime_transferred",
                "url": log.get("url", ""),
                "status_code": log.get("status_code") or None,
                "request": log.get("request") or "",
                "response": log.get("response") or None,
                "elapsed_ms": int(log.get("elapsed_ms") or 0),
                "retries": int(log.get("retries") or 0),
                "is_error": log.get("status") not in (None, "success"),
                "created_on": log.get("created_on") or event.get("created_on"),
            }
        )
