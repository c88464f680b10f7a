"""call_resthook: POSTs the run's standard payload to every subscriber of a resthook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.actions.call_webhook import clear_webhook, save_webhook
from upesi.flows.payload import webhook_payload
from upesi.flows.webhooks import call

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("resthook",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    clear_webhook(run)
    slug = action["resthook"]
    hook = session.assets.resthooks.get(slug)
    if hook is None:
        return  # an unknown resthook is a no-op, as in goflow
    payload = webhook_payload(session, run)
    session.log({"type": "resthook_called", "resthook": slug, "payload": payload})
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    calls = []
    for url in hook.get("subscribers") or []:
        wc = call(session, "POST", url, {"Content-Type": "application/json"}, body)
        if wc.status_code == 410:  # the subscriber asked to be removed; the host unsubscribes it
            wc.status = "subscriber_gone"
        session.log({**wc.event(), "resthook": slug})
        calls.append(wc)
    if not calls:
        return
    # the call that best represents the outcome (goflow's pickResultCall): the last failure, else the
    # last success, else the last 410
    failed = [c for c in calls if c.status not in ("success", "subscriber_gone")]
    succeeded = [c for c in calls if c.status == "success"]
    best = failed[-1] if failed else (succeeded[-1] if succeeded else calls[-1])
    save_webhook(session, run, node, action.get("result_name") or "", best)
