"""webhook_called: an HTTP log of the call (a webhook, or one resthook subscriber); a subscriber that
answered 410 is unsubscribed, RapidPro's rule."""

from typing import Any

from mailroom.handlers.batch import Batch, flow_uuid_of
from mailroom.runner import Sprint

EVENT = "webhook_called"
MAX_LOGGED_BODY = 50_000


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    resthook = event.get("resthook") or ""
    if resthook and event.get("status") == "subscriber_gone":
        batch.unsubscribes.append((resthook, event.get("url", "")))
    batch.http_logs.append(
        {
            "flow_uuid": flow_uuid_of(sprint),
            "log_type": "webhook_called",  # RapidPro logs a resthook subscriber's call as a webhook call
            "url": event.get("url", ""),
            "status_code": event.get("status_code") or None,
            "request": (event.get("request") or "")[:MAX_LOGGED_BODY],
            "response": (event.get("response") or "")[:MAX_LOGGED_BODY] or None,
            "elapsed_ms": int(event.get("elapsed_ms") or 0),
            "retries": int(event.get("retries") or 0),
            "is_error": event.get("status") not in ("success", "subscriber_gone"),
            "created_on": event.get("created_on"),
        }
    )
