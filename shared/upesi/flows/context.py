"""Builds the Excellent root context (@contact, @results, @input, @run, ...) for a run.

Everything is wrapped in Lazy so that evaluating `@contact.name` doesn't build @run or @webhook.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from upesi.excellent.types.convert import from_json, to_text
from upesi.excellent.types.values import Lazy, XObject
from upesi.flows.clock import parse_iso
from upesi.flows.contact import URN_SCHEMES, contact_urns, first_name, urn_text
from upesi.flows.legacy_extra import legacy_extra
from upesi.flows.urns import format_urn

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def _dt(s: Any) -> dt.datetime | None:
    return parse_iso(s) if isinstance(s, str) else None


def _redact(session: Session) -> bool:
    return session.env.redaction_policy == "urns"


def urn_value(session: Session, u: Any) -> str:
    if _redact(session):
        return f"{u.scheme}:********"
    return urn_text(u)


def field_value(session: Session, fdef: dict[str, Any], value: dict[str, Any] | None) -> Any:
    """A contact field as a typed value according to the field's type; unset is nil."""
    if not value:
        return None
    ftype = fdef.get("type") or "text"
    if ftype == "number":
        n = value.get("number")
        return Decimal(str(n)) if n is not None else None
    if ftype == "datetime":
        return _dt(value.get("datetime"))
    if ftype in ("state", "district", "ward"):
        v = value.get(ftype)
        return v.rsplit(" > ", 1)[-1] if isinstance(v, str) and False else v
    return value.get("text")


def fields_context(session: Session, contact: dict[str, Any]) -> XObject:
    values = contact.get("fields") or {}
    props: dict[str, Any] = {}
    lines = []
    for key, fdef in sorted(session.assets.fields.items(), key=lambda kv: kv[0]):
        v = field_value(session, fdef, values.get(key))
        props[key] = v
        if v is not None:
            lines.append((fdef.get("name") or key, to_text(v)))
    default = "\n".join(f"{n}: {v}" for n, v in sorted(lines))
    return XObject(props, default=default)


def urns_context(session: Session, contact: dict[str, Any]) -> XObject:
    props: dict[str, Any] = {s: None for s in URN_SCHEMES}
    for u in contact_urns(contact):
        if props.get(u.scheme) is None:
            props[u.scheme] = urn_value(session, u)
    return XObject(props)


def channel_context(ch: dict[str, Any] | None) -> XObject | None:
    if not ch:
        return None
    return XObject(
        {"uuid": ch.get("uuid"), "name": ch.get("name"), "address": ch.get("address", "")},
        default=ch.get("name"),
    )


def contact_context(session: Session, contact: dict[str, Any]) -> XObject:
    urns = contact_urns(contact)
    name = contact.get("name") or ""
    pref = urns[0] if urns else None
    if name:
        default: Any = name
    elif pref is not None:
        default = format_urn(pref, redact=_redact(session))
    else:
        default = ""
    channel = None
    if pref is not None:
        from upesi.flows.contact import channel_for_urn

        channel = channel_for_urn(pref, session.assets.channels)
    props: dict[str, Any] = {
        "uuid": contact.get("uuid"),
        "id": str(contact.get("id") or "0"),
        "ref": contact.get("ref", ""),
        "name": name,
        "first_name": first_name(name),
        "language": contact.get("language") or "",
        "status": contact.get("status") or "active",
        "timezone": contact.get("timezone") or None,
        "created_on": _dt(contact.get("created_on")),
        "last_seen_on": _dt(contact.get("last_seen_on")),
        "urns": Lazy(lambda: [urn_value(session, u) for u in urns]),
        # goflow's preferred URN is one a message could go out on (it has a usable channel)
        "urn": urn_value(session, pref) if pref is not None and channel is not None else None,
        "groups": Lazy(
            lambda: [
                XObject({"uuid": g.get("uuid"), "name": g.get("name")}) for g in contact.get("groups") or []
            ]
        ),
        "fields": Lazy(lambda: fields_context(session, contact)),
        "channel": Lazy(lambda: channel_context(channel)),
        "tickets": Lazy(lambda: [_contact_ticket(t) for t in contact.get("tickets") or []]),
    }
    ctx = XObject(props, default=default)
    ctx.deprecated_keys = {
        "id": "@contact.id is deprecated, use @contact.ref instead",
        "tickets": "@contact.tickets is deprecated, use @ticket instead",
    }
    return ctx


def result_context(r: dict[str, Any]) -> XObject:
    return XObject(
        {
            "name": r.get("name"),
            "value": r.get("value"),
            "category": r.get("category") or "",
            "category_localized": r.get("category_localized") or r.get("category") or "",
            "input": r.get("input") or "",
            "extra": from_json(r.get("extra")),
            "node_uuid": r.get("node_uuid"),
            "created_on": _dt(r.get("created_on")),
        },
        default=r.get("value"),
    )


def results_context(run: Run) -> XObject:
    props = {k: Lazy(lambda r=r: result_context(r)) for k, r in run.results.items()}
    default = "\n".join(f"{r.get('name')}: {r.get('value')}" for _, r in sorted(run.results.items()))
    return XObject(props, default=default)


def input_context(session: Session) -> XObject | None:
    i = session.input
    if not i:
        return None
    atts = list(i.get("attachments") or [])
    default = "\n".join([i.get("text") or ""] + [a.partition(":")[2] for a in atts])
    return XObject(
        {
            "uuid": i.get("uuid"),
            "type": i.get("type", "msg"),
            "created_on": _dt(i.get("created_on")),
            "channel": channel_context(i.get("channel")),
            "urn": i.get("urn"),
            "text": i.get("text") or "",
            "attachments": atts,
            "external_id": i.get("external_id") or "",
            "payload": from_json(i.get("payload") or {}),
        },
        default=default,
    )


def flow_context(ref: dict[str, Any], revision: int) -> XObject:
    return XObject(
        {"uuid": ref.get("uuid"), "name": ref.get("name"), "revision": Decimal(revision)},
        default=ref.get("name"),
    )


def run_context(session: Session, run: Run) -> XObject:
    contact = session.contact
    return XObject(
        {
            "uuid": run.uuid,
            "contact": Lazy(lambda: contact_context(session, contact)),
            "flow": flow_context(run.flow_ref, run.flow.revision if run.flow else 0),
            "status": run.status,
            "results": Lazy(lambda: results_context(run)),
            "created_on": run.created_on,
            "exited_on": run.exited_on,
            "path": Lazy(lambda: [_step_context(s) for s in run.path]),
            "locals": Lazy(lambda: from_json(run.locals)),
        },
        default=Lazy(lambda: f"{contact_context(session, contact).default}@{run.flow_ref.get('name')}"),
    )


def related_run_context(session: Session, run: Run, contact: dict[str, Any], role: str = "child") -> XObject:
    cctx = contact_context(session, contact)
    ctx = XObject(
        {
            "uuid": run.uuid,
            "contact": cctx,
            "flow": flow_context(run.flow_ref, run.flow.revision if run.flow else 0),
            "fields": Lazy(lambda: fields_context(session, contact)),
            "urns": Lazy(lambda: urns_context(session, contact)),
            "results": Lazy(lambda: results_context(run)),
            "status": run.status,
            "run": XObject({"status": run.status}),
        },
        default=f"{cctx.default}@{run.flow_ref.get('name')}",
    )
    ctx.deprecated_keys = {"run": f"@{role}.run.status is deprecated, use @{role}.status instead"}
    return ctx


def parent_from_trigger(session: Session) -> XObject | None:
    """@parent for a session started by a flow_action trigger: from the trigger's run summary."""
    t = session.trigger
    summary = t.get("run_summary")
    if t.get("type") != "flow_action" or not summary:
        return None
    from upesi.flows.runs import Run

    run = Run(
        uuid=summary.get("uuid"),
        flow=None,
        flow_ref=summary.get("flow") or {},
        status=summary.get("status") or "active",
        created_on=session.created_on,
        modified_on=session.created_on,
        results=summary.get("results") or {},
    )
    return related_run_context(session, run, summary.get("contact") or {}, "parent")


def webhook_context(run: Run) -> Any:
    w = run.webhook
    if not w:
        return None
    body = w.get("json")
    json_value = from_json(body)
    return XObject(
        {
            "status": Decimal(w.get("status") or 0),
            "headers": XObject(dict(w.get("headers") or {})),
            "json": json_value,
        },
        default=json_value if json_value is not None else f"{w.get('method', 'GET')} {w.get('url', '')}",
    )


def node_context(run: Run) -> XObject | None:
    step = run.current_step
    if step is None or run.flow is None:
        return None
    node = run.flow.node(step.node_uuid)
    cats = [c.name for c in node.router.categories] if node and node.router else []
    return XObject(
        {"uuid": step.node_uuid, "categories": cats, "visit_count": Decimal(run.node_visits(step.node_uuid))},
        default=step.node_uuid,
    )


def globals_context(session: Session) -> XObject:
    return XObject({g["key"]: g.get("value") for g in session.assets.globals})


def _user_context(session: Session, ref: dict[str, Any] | None) -> XObject | None:
    if not ref:
        return None
    user = next(
        (
            u
            for u in session.assets.users
            if (ref.get("uuid") and u.get("uuid") == ref["uuid"])
            or (ref.get("email") and u.get("email") == ref["email"])
        ),
        ref,
    )
    name = user.get("name") or ""
    return XObject(
        {"email": user.get("email", ""), "name": name, "first_name": first_name(name)}, default=name
    )


def _contact_ticket(t: dict[str, Any]) -> Any:
    # the contact's ticket JSON also has its status, which @contact.tickets doesn't show
    return from_json({"uuid": t.get("uuid"), "topic": t.get("topic"), "assignee": t.get("assignee")})


def _ticket_context(ticket: dict[str, Any] | None) -> XObject | None:
    if not ticket:
        return None
    topic = ticket.get("topic")
    return XObject(
        {
            "uuid": ticket.get("uuid"),
            "topic": XObject(
                {"uuid": topic.get("uuid"), "name": topic.get("name")}, default=topic.get("name")
            )
            if topic
            else None,
            "assignee": from_json(ticket.get("assignee")),
        }
    )


def trigger_context(session: Session) -> XObject:
    t = session.trigger
    event = t.get("event") or {}
    campaign = event.get("campaign") if t.get("type") == "campaign" else None
    return XObject(
        {
            "type": t.get("type"),
            "params": from_json(t.get("params") or event.get("params") or {}),
            "keyword": (t.get("keyword_match") or {}).get("keyword") or t.get("keyword") or "",
            "user": _user_context(session, t.get("user")),
            "origin": t.get("origin") or "",
            "ticket": _ticket_context(t.get("ticket")),
            "campaign": XObject({"uuid": campaign.get("uuid"), "name": campaign.get("name")})
            if campaign
            else None,
        }
    )


def build_context(session: Session, run: Run) -> XObject:
    contact = session.contact

    def child() -> Any:
        c = session.child_of(run)
        return related_run_context(session, c, contact) if c else None

    def parent() -> Any:
        p = session.parent_of(run)
        if p is not None:
            return related_run_context(session, p, contact, "parent")
        return parent_from_trigger(session)

    root = XObject(
        {
            "contact": Lazy(lambda: contact_context(session, contact)),
            "fields": Lazy(lambda: fields_context(session, contact)),
            "urns": Lazy(lambda: urns_context(session, contact)),
            "results": Lazy(lambda: results_context(run)),
            "locals": Lazy(lambda: from_json(run.locals)),
            "input": Lazy(lambda: input_context(session)),
            "run": Lazy(lambda: run_context(session, run)),
            "child": Lazy(child),
            "parent": Lazy(parent),
            "webhook": Lazy(lambda: webhook_context(run)),
            "node": Lazy(lambda: node_context(run)),
            "globals": Lazy(lambda: globals_context(session)),
            "trigger": Lazy(lambda: trigger_context(session)),
            "resume": Lazy(lambda: resume_context(session)),
            "ticket": Lazy(lambda: from_json((session.trigger or {}).get("ticket"))),
            "legacy_extra": Lazy(lambda: legacy_extra(session, run)),
        }
    )
    root.deprecated_keys = {"legacy_extra": "@legacy_extra is deprecated"}
    return root


def resume_context(session: Session) -> XObject | None:
    r = session.resume
    if not r:
        return None
    props: dict[str, Any] = {"type": r.get("type", "")}
    dial = (r.get("event") or {}).get("dial") or r.get("dial")
    if dial:
        props["dial"] = XObject(
            {"status": dial.get("status", ""), "duration": Decimal(dial.get("duration") or 0)}
        )
    return XObject(props)


def _step_context(step: Any) -> XObject:
    props: dict[str, Any] = {"arrived_on": step.arrived_on, "node_uuid": step.node_uuid}
    if step.exit_uuid:
        props["exit_uuid"] = step.exit_uuid
    return XObject(props)
