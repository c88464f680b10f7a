"""The JSON payload resthooks (and legacy webhooks) send: contact, flow, path, results, run, input."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from upesi.flows.clock import iso, parse_iso
from upesi.flows.contact import contact_urns
from upesi.urns import format_urn

REDACTED = "********"

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def _urn_parts(s: str, redact: bool) -> dict[str, Any] | None:
    from upesi.urns import split_urn

    u = split_urn(s)
    if u is None:
        return None
    if redact:
        return {"scheme": u.scheme, "path": REDACTED, "display": REDACTED}
    return {"scheme": u.scheme, "path": u.path, "display": format_urn(u)}


def _iso_micro(s: str | None) -> str | None:
    t = parse_iso(s)
    return iso(t) if t is not None else s


def _step(s: Any) -> dict[str, Any]:
    d = {"node_uuid": s.node_uuid, "arrived_on": iso(s.arrived_on)}
    if s.exit_uuid:
        d["exit_uuid"] = s.exit_uuid
    return d


def webhook_payload(session: Session, run: Run) -> dict[str, Any]:
    c = session.contact
    urns = contact_urns(c)
    redact = session.env.redaction_policy == "urns"
    contact: dict[str, Any] = {"uuid": c.get("uuid"), "name": c.get("name", "")}
    contact["urn"] = f"{urns[0].scheme}:{REDACTED if redact else urns[0].path}" if urns else None
    # goflow's payload template writes contact.language, which is "" for a contact without one
    contact["language"] = c.get("language") or ""
    inp = session.input
    input_json = None
    if inp:
        input_json = {
            "uuid": inp.get("uuid"),
            "type": inp.get("type", "msg"),
            "channel": inp.get("channel"),
            # as any datetime in the payload: microsecond precision
            "created_on": _iso_micro(inp.get("created_on")),
            "text": inp.get("text", ""),
            "attachments": [
                {"content_type": a.partition(":")[0], "url": a.partition(":")[2]}
                for a in inp.get("attachments") or []
            ],
            "urn": _urn_parts(inp["urn"], redact) if inp.get("urn") else None,
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
