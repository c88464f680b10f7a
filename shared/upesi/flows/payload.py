"""The JSON payload resthooks (and legacy webhooks) send: contact, flow, path, results, run, input."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from upesi.flows.clock import iso
from upesi.flows.contact import contact_urns
from upesi.flows.urns import format_urn

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def _urn_parts(s: str) -> dict[str, Any] | None:
    from upesi.flows.urns import parse_urn

    u = parse_urn(s)
    if u is None:
        return None
    return {"scheme": u.scheme, "path": u.path, "display": format_urn(u)}


def _step(s: Any) -> dict[str, Any]:
    d = {"node_uuid": s.node_uuid, "arrived_on": iso(s.arrived_on)}
    if s.exit_uuid:
        d["exit_uuid"] = s.exit_uuid
    return d


def webhook_payload(session: Session, run: Run) -> dict[str, Any]:
    c = session.contact
    urns = contact_urns(c)
    contact: dict[str, Any] = {"uuid": c.get("uuid"), "name": c.get("name", "")}
    if urns:
        contact["urn"] = f"{urns[0].scheme}:{urns[0].path}"
    if c.get("language"):
        contact["language"] = c["language"]
    inp = session.input
    input_json = None
    if inp:
        input_json = {
            "uuid": inp.get("uuid"),
            "type": inp.get("type", "msg"),
            "channel": inp.get("channel"),
            "created_on": inp.get("created_on"),
            "text": inp.get("text", ""),
            "attachments": [
                {"content_type": a.partition(":")[0], "url": a.partition(":")[2]}
                for a in inp.get("attachments") or []
            ],
            "urn": _urn_parts(inp["urn"]) if inp.get("urn") else None,
        }
    return {
        "contact": contact,
        "flow": {
            "uuid": run.flow_ref.get("uuid"),
            "name": run.flow_ref.get("name"),
            "revision": run.flow.revision if run.flow else 0,
        },
        "path": [_step(s) for s in run.path],
        "results": copy.deepcopy(run.results),
        "run": {"uuid": run.uuid, "created_on": iso(run.created_on)},
        "input": input_json,
        "channel": inp.get("channel") if inp else None,
    }
