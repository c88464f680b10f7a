"""Builds the Excellent root context (@contact, @results, @input, @run, ...) for a run.

Every context is an object over a shared table of deferred properties, so evaluating `@contact.name`
doesn't build @run or @webhook, nor even the contact's URNs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from upesi.excellent.types.convert import from_json, to_text
from upesi.excellent.types.values import Deferred, Lazy, XObject
from upesi.flows.contact import URN_SCHEMES, contact_urns, first_name, urn_text
from upesi.flows.legacy_extra import legacy_extra
from upesi.flows.runs import read_time
from upesi.urns import format_urn

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def _dt(s: Any) -> dt.datetime | None:
    return read_time(s)[0] if isinstance(s, str) else None


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


class _FieldsContext(XObject):
    """@fields: every field of the workspace, each typed only when a template reads it."""

    __slots__ = ("session", "values")

    def __init__(self, session: Session, contact: dict[str, Any]) -> None:
        super().__init__(dict.fromkeys(sorted(session.assets.fields), _FIELD_VALUE), default=_FIELDS_TEXT)
        self.session = session
        self.values: dict[str, Any] = contact.get("fields") or {}

    def value(self, key: str) -> Any:
        return field_value(self.session, self.session.assets.fields[key], self.values.get(key))

    def text(self) -> str:
        fields = self.session.assets.fields
        lines = []
        for key in self.keys():
            v = self.get(key)
            if v is not None:
                lines.append((fields[key].get("name") or key, to_text(v)))
        return "\n".join(f"{n}: {v}" for n, v in sorted(lines))


_FIELD_VALUE = Deferred(lambda c, key: c.value(key))
_FIELDS_TEXT = Deferred(lambda c, _: c.text())


def fields_context(session: Session, contact: dict[str, Any]) -> XObject:
    return _FieldsContext(session, contact)


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


_NO_CHANNEL: Any = object()


class _ContactContext(XObject):
    """@contact, rebuilt for every template evaluated: one copy of a shared table of deferred properties,
    each computed (URNs parsed, channel found, dates read) only when a template uses it."""

    __slots__ = ("_channel", "_urns", "contact", "session")

    def __init__(self, session: Session, contact: dict[str, Any]) -> None:
        super().__init__(_CONTACT_PROPS, default=_CONTACT_DEFAULT)
        self.deprecated_keys = _CONTACT_DEPRECATED
        self.session = session
        self.contact = contact
        self._urns: list[Any] | None = None
        self._channel: Any = _NO_CHANNEL

    def parsed_urns(self) -> list[Any]:
        if self._urns is None:
            self._urns = contact_urns(self.contact)
        return self._urns

    def preferred_urn(self) -> Any:
        urns = self.parsed_urns()
        return urns[0] if urns else None

    def channel(self) -> dict[str, Any] | None:
        if self._channel is _NO_CHANNEL:
            pref = self.preferred_urn()
            self._channel = None
            if pref is not None:
                from upesi.flows.contact import channel_for_urn

                self._channel = channel_for_urn(pref, self.session.assets.channels)
        return self._channel

    def default_text(self) -> str:
        name = self.contact.get("name")
        if name:
            return name
        pref = self.preferred_urn()
        return format_urn(pref, redact=_redact(self.session)) if pref is not None else ""

    def preferred_urn_value(self) -> str | None:
        # goflow's preferred URN is one a message could go out on (it has a usable channel)
        pref = self.preferred_urn()
        if pref is None or self.channel() is None:
            return None
        return urn_value(self.session, pref)


_CONTACT_DEFAULT = Deferred(lambda c, _: c.default_text())
_CONTACT_PROPS: dict[str, Any] = {
    "uuid": Deferred(lambda c, _: c.contact.get("uuid")),
    "id": Deferred(lambda c, _: str(c.contact.get("id") or "0")),
    "ref": Deferred(lambda c, _: c.contact.get("ref", "")),
    "name": Deferred(lambda c, _: c.contact.get("name") or ""),
    "first_name": Deferred(lambda c, _: first_name(c.contact.get("name") or "")),
    "language": Deferred(lambda c, _: c.contact.get("language") or ""),
    "status": Deferred(lambda c, _: c.contact.get("status") or "active"),
    "timezone": Deferred(lambda c, _: c.contact.get("timezone") or None),
    "created_on": Deferred(lambda c, _: _dt(c.contact.get("created_on"))),
    "last_seen_on": Deferred(lambda c, _: _dt(c.contact.get("last_seen_on"))),
    "urns": Deferred(lambda c, _: [urn_value(c.session, u) for u in c.parsed_urns()]),
    "urn": Deferred(lambda c, _: c.preferred_urn_value()),
    "groups": Deferred(
        lambda c, _: [
            XObject({"uuid": g.get("uuid"), "name": g.get("name")}) for g in c.contact.get("groups") or []
        ]
    ),
    "fields": Deferred(lambda c, _: fields_context(c.session, c.contact)),
    "channel": Deferred(lambda c, _: channel_context(c.channel())),
    "tickets": Deferred(lambda c, _: [_contact_ticket(t) for t in c.contact.get("tickets") or []]),
}
_CONTACT_DEPRECATED = {
    "id": "@contact.id is deprecated, use @contact.ref instead",
    "tickets": "@contact.tickets is deprecated, use @ticket instead",
}


def contact_context(session: Session, contact: dict[str, Any]) -> XObject:
    return _ContactContext(session, contact)


class _ResultContext(XObject):
    """One result (@results.x): its value renders it; the rest is read from the result on use."""

    __slots__ = ("result",)

    def __init__(self, r: dict[str, Any]) -> None:
        super().__init__(_RESULT_PROPS, default=r.get("value"))
        self.result = r


_RESULT_PROPS: dict[str, Any] = {
    "name": Deferred(lambda c, _: c.result.get("name")),
    "value": Deferred(lambda c, _: c.result.get("value")),
    "category": Deferred(lambda c, _: c.result.get("category") or ""),
    "category_localized": Deferred(
        lambda c, _: c.result.get("category_localized") or c.result.get("category") or ""
    ),
    "input": Deferred(lambda c, _: c.result.get("input") or ""),
    "extra": Deferred(lambda c, _: from_json(c.result.get("extra"))),
    "node_uuid": Deferred(lambda c, _: c.result.get("node_uuid")),
    "created_on": Deferred(lambda c, _: _dt(c.result.get("created_on"))),
}


def result_context(r: dict[str, Any]) -> XObject:
    return _ResultContext(r)


class _ResultsContext(XObject):
    """@results: each result's context is made when a template reads it."""

    __slots__ = ("results",)

    def __init__(self, results: dict[str, dict[str, Any]]) -> None:
        super().__init__(dict.fromkeys(results, _RESULT_BY_KEY), default=_RESULTS_TEXT)
        self.results = results


_RESULT_BY_KEY = Deferred(lambda c, key: _ResultContext(c.results[key]))
_RESULTS_TEXT = Deferred(
    lambda c, _: "\n".join(f"{r.get('name')}: {r.get('value')}" for _, r in sorted(c.results.items()))
)


def results_context(run: Run) -> XObject:
    return _ResultsContext(run.results)


class _InputContext(XObject):
    """@input: the message (or other input) the session was started or resumed with."""

    __slots__ = ("input",)

    def __init__(self, i: dict[str, Any]) -> None:
        super().__init__(_INPUT_PROPS, default=_INPUT_TEXT)
        self.input = i


def _input_text(c: _InputContext) -> str:
    i = c.input
    return "\n".join([i.get("text") or ""] + [a.partition(":")[2] for a in c.get("attachments")])


_INPUT_TEXT = Deferred(lambda c, _: _input_text(c))
_INPUT_PROPS: dict[str, Any] = {
    "uuid": Deferred(lambda c, _: c.input.get("uuid")),
    "type": Deferred(lambda c, _: c.input.get("type", "msg")),
    "created_on": Deferred(lambda c, _: _dt(c.input.get("created_on"))),
    "channel": Deferred(lambda c, _: channel_context(c.input.get("channel"))),
    "urn": Deferred(lambda c, _: c.input.get("urn")),
    "text": Deferred(lambda c, _: c.input.get("text") or ""),
    "attachments": Deferred(lambda c, _: list(c.input.get("attachments") or [])),
    "external_id": Deferred(lambda c, _: c.input.get("external_id") or ""),
    "payload": Deferred(lambda c, _: from_json(c.input.get("payload") or {})),
}


def input_context(session: Session) -> XObject | None:
    i = session.input
    if not i:
        return None
    return _InputContext(i)


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


class _RunContext(XObject):
    """The root context of a run. Built for every template evaluated, so it is one object over a shared
    table of deferred properties: nothing is computed until a template asks for it."""

    __slots__ = ("run", "session")

    def __init__(self, session: Session, run: Run) -> None:
        self.session = session
        self.run = run
        super().__init__(_ROOT_DEFERRED)
        self.deprecated_keys = _ROOT_DEPRECATED

    def child(self) -> Any:
        c = self.session.child_of(self.run)
        return related_run_context(self.session, c, self.session.contact) if c else None

    def parent(self) -> Any:
        p = self.session.parent_of(self.run)
        if p is not None:
            return related_run_context(self.session, p, self.session.contact, "parent")
        return parent_from_trigger(self.session)


_ROOT_DEFERRED: dict[str, Any] = {
    "contact": Deferred(lambda c, _: _ContactContext(c.session, c.session.contact)),
    "fields": Deferred(lambda c, _: fields_context(c.session, c.session.contact)),
    "urns": Deferred(lambda c, _: urns_context(c.session, c.session.contact)),
    "results": Deferred(lambda c, _: _ResultsContext(c.run.results)),
    "locals": Deferred(lambda c, _: from_json(c.run.locals)),
    "input": Deferred(lambda c, _: input_context(c.session)),
    "run": Deferred(lambda c, _: run_context(c.session, c.run)),
    "child": Deferred(lambda c, _: c.child()),
    "parent": Deferred(lambda c, _: c.parent()),
    "webhook": Deferred(lambda c, _: webhook_context(c.run)),
    "node": Deferred(lambda c, _: node_context(c.run)),
    "globals": Deferred(lambda c, _: globals_context(c.session)),
    "trigger": Deferred(lambda c, _: trigger_context(c.session)),
    "resume": Deferred(lambda c, _: resume_context(c.session)),
    "ticket": Deferred(lambda c, _: from_json((c.session.trigger or {}).get("ticket"))),
    "legacy_extra": Deferred(lambda c, _: legacy_extra(c.session, c.run)),
}
_ROOT_DEPRECATED = {"legacy_extra": "@legacy_extra is deprecated"}


def build_context(session: Session, run: Run) -> XObject:
    return _RunContext(session, run)


def resume_context(session: Session) -> XObject | None:
    r = session.resume
    if not r:
        return None
    props: dict[str, Any] = {"type": r.get("type", "")}
    dial = (r.get("event") or {}).get("dial")
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
