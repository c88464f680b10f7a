"""Contact modifiers: changes made to a contact outside a flow (the API's contact modify), producing
the same events and query-group updates a flow would.

    contact, events = apply_modifiers(assets, contact, [{"type": "name", "name": "Bob"}, ...])
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from upesi.excellent.env import Environment
from upesi.flows.assets import Assets
from upesi.flows.clock import iso, real_clock, uuid7
from upesi.flows.events import error_event
from upesi.flows.events.types import check_event_type
from upesi.urns import normalize_urn, split_urn

MAX_NAME_CHARS = 128
MAX_FIELD_CHARS = 256  # what goflow's field modifier keeps (its conformance data truncates at 256)
MAX_URNS = 50
_TICKET_TYPES = (
    "ticket_open",
    "ticket_close",
    "ticket_reopen",
    "ticket_assignee",
    "ticket_note",
    "ticket_topic",
)


class _Ctx:
    """Just enough of a session for the shared helpers (field parsing, query groups)."""

    def __init__(
        self,
        assets: Assets,
        contact: dict[str, Any],
        env: Environment,
        clock: Callable[[], dt.datetime],
        uuids: Callable[[], str],
    ) -> None:
        self.assets = assets
        self.contact = contact
        self.env = env
        self.clock = clock
        self.uuids = uuids
        self.events: list[dict[str, Any]] = []

    def log(self, event: dict[str, Any]) -> None:
        check_event_type(event["type"])
        full = {"uuid": self.uuids(), "type": event["type"], "created_on": iso(self.clock())}
        full.update({k: v for k, v in event.items() if k != "type"})
        self.events.append(full)

    def now(self) -> dt.datetime:
        return self.clock()

    def new_uuid(self) -> str:
        return self.uuids()


def _urn_key(u: str) -> str:
    return u.split("?", 1)[0].split("#", 1)[0]


def _normalize(ctx: _Ctx, raw: str) -> str | None:
    u = split_urn(
        raw.replace(" ", "").replace("(", "").replace(")", "").replace("-", "")
        if raw.startswith("tel:")
        else raw
    )
    if u is None:
        return None
    from upesi.flows.contact import URN_SCHEMES

    if u.scheme not in URN_SCHEMES:
        return None
    return normalize_urn(u.scheme, u.path, ctx.env.default_country)


def _set_urns(ctx: _Ctx, new: list[str]) -> None:
    if len(new) > MAX_URNS:
        ctx.log(error_event(f"Contact has too many URNs, limit is {MAX_URNS}"))
        new = new[:MAX_URNS]
    if new != list(ctx.contact.get("urns") or []):
        if new:
            ctx.contact["urns"] = new
        else:
            ctx.contact.pop("urns", None)
        ctx.log({"type": "contact_urns_changed", "urns": new})


def _with_channel(urn: str, channel_uuid: str | None) -> str:
    base = _urn_key(urn)
    return f"{base}?channel={channel_uuid}" if channel_uuid else base


def _mod_urns(ctx: _Ctx, m: dict[str, Any], taken: Callable[[str], bool]) -> None:
    routes = [{"urn": u} for u in m.get("urns") or []] if m["type"] == "urns" else list(m.get("routes") or [])
    mode = m.get("modification") or "append"
    current = list(ctx.contact.get("urns") or [])
    existing = {_urn_key(u): u for u in current}
    wanted: list[tuple[str, str | None, bool]] = []  # (identity, channel uuid, channel given)
    for r in routes:
        norm = _normalize(ctx, r["urn"])
        if norm is None:
            ctx.log(error_event(f"'{r['urn']}' is not valid URN", "urn:invalid", {"urn": r["urn"]}))
            continue
        if mode != "remove" and norm not in existing and taken(norm):
            ctx.log(error_event("URN is taken by another contact", "urn:taken", {"urn": norm}))
            continue
        ch = r.get("channel")
        wanted.append((norm, ch.get("uuid") if ch else None, "channel" in r and ch is not None))
    if mode == "remove":
        drop = {w[0] for w in wanted}
        _set_urns(ctx, [u for u in current if _urn_key(u) not in drop])
    elif mode == "set":
        new = []
        for ident, ch, given in wanted:
            if given:
                new.append(_with_channel(ident, ch))
            else:
                new.append(existing.get(ident, ident))
        _set_urns(ctx, new)
    else:
        new = list(current)
        for ident, ch, given in wanted:
            if ident in existing or any(_urn_key(u) == ident for u in new):
                continue  # appending doesn't change an existing URN's affinity
            new.append(_with_channel(ident, ch) if given else ident)
        _set_urns(ctx, new)


def _mod_channel(ctx: _Ctx, m: dict[str, Any]) -> None:
    ref = m.get("channel")
    urns = list(ctx.contact.get("urns") or [])
    if not ref:
        _set_urns(ctx, [_urn_key(u) + ("#" + u.split("#", 1)[1] if "#" in u else "") for u in urns])
        return
    ch = ctx.assets.channels.get(ref.get("uuid", ""))
    if ch is None:
        return
    if "send" not in (ch.get("roles") or ["send"]):
        ctx.log(error_event("Can't set channel that can't send as the preferred channel"))
        return
    from upesi.flows.actions.set_contact_channel import set_channel_affinity

    set_channel_affinity(ctx, ch)  # type: ignore[arg-type]


def _mod_affinity(ctx: _Ctx, m: dict[str, Any]) -> None:
    target = _normalize(ctx, m.get("urn") or "")
    urns = list(ctx.contact.get("urns") or [])
    idx = next((i for i, u in enumerate(urns) if _urn_key(u) == target), None)
    if idx is None:
        return
    ch = (m.get("channel") or {}).get("uuid")
    u = split_urn(urns[idx])
    display = f"#{u.display}" if u and u.display else ""
    moved = _with_channel(urns[idx], ch) + display
    _set_urns(ctx, [moved] + [x for i, x in enumerate(urns) if i != idx])


def _mod_groups(ctx: _Ctx, m: dict[str, Any]) -> None:
    add = (m.get("modification") or "add") == "add"
    if add and (ctx.contact.get("status") or "active") != "active":
        ctx.log(error_event("Can't add blocked or stopped contacts to groups"))
        return
    current = {g["uuid"] for g in ctx.contact.get("groups") or []}
    changed = []
    for ref in m.get("groups") or []:
        g = ctx.assets.groups.get(ref.get("uuid", "")) or ref
        if g.get("query"):
            verb = "add contacts to" if add else "remove contacts from"
            ctx.log(error_event(f"Can't {verb} the query based group '{g.get('name', '')}'"))
            continue
        gref = {"uuid": g["uuid"], "name": g.get("name", "")}
        if add and g["uuid"] not in current:
            ctx.contact.setdefault("groups", []).append(gref)
            current.add(g["uuid"])
            changed.append(gref)
        elif not add and g["uuid"] in current:
            ctx.contact["groups"] = [x for x in ctx.contact.get("groups") or [] if x["uuid"] != g["uuid"]]
            if not ctx.contact["groups"]:
                ctx.contact.pop("groups")
            current.discard(g["uuid"])
            changed.append(gref)
    if changed:
        ctx.log({"type": "contact_groups_changed", ("groups_added" if add else "groups_removed"): changed})


def _mod_simple(ctx: _Ctx, m: dict[str, Any]) -> None:
    t = m["type"]
    c = ctx.contact
    if t == "name":
        name = (m.get("name") or "").strip()[:MAX_NAME_CHARS]
        if name != (c.get("name") or ""):
            if name:
                c["name"] = name
            else:
                c.pop("name", None)
            ctx.log({"type": "contact_name_changed", "name": name})
    elif t == "language":
        lang = m.get("language") or ""
        if lang != (c.get("language") or ""):
            if lang:
                c["language"] = lang
            else:
                c.pop("language", None)
            ctx.log({"type": "contact_language_changed", "language": lang})
    elif t == "timezone":
        tz = m.get("timezone") or ""
        if tz != (c.get("timezone") or ""):
            if tz:
                c["timezone"] = tz
            else:
                c.pop("timezone", None)
            ctx.log({"type": "contact_timezone_changed", "timezone": tz})
    elif t == "seen":
        seen = m.get("seen_on")
        if seen and seen != c.get("last_seen_on"):
            c["last_seen_on"] = seen
            ctx.log({"type": "contact_last_seen_changed", "last_seen_on": seen})
    elif t == "field":
        from upesi.flows.fields import field_value_for

        key = (m.get("field") or {}).get("key", "")
        fdef = ctx.assets.field_by_key(key) or {
            "key": key,
            "name": (m.get("field") or {}).get("name", ""),
            "type": "text",
        }
        raw = (m.get("value") or "").strip()[:MAX_FIELD_CHARS]
        new = field_value_for(ctx, fdef, raw) if raw else None  # type: ignore[arg-type]
        fields = c.setdefault("fields", {})
        if fields.get(key) != new:
            if new is None:
                fields.pop(key, None)
            else:
                fields[key] = new
            ctx.log(
                {
                    "type": "contact_field_changed",
                    "field": {"key": key, "name": fdef.get("name", "")},
                    "value": new,
                }
            )
        if not fields:
            c.pop("fields", None)
    elif t == "status":
        status = m.get("status") or "active"
        if status != (c.get("status") or "active"):
            c["status"] = status
            ctx.log({"type": "contact_status_changed", "status": status})
            if status != "active" and c.get("groups"):
                from upesi.flows.groups import removal_order

                removed = removal_order(ctx.assets, c["groups"])
                c.pop("groups")
                ctx.log({"type": "contact_groups_changed", "groups_removed": removed})


def _mod_ticket(ctx: _Ctx, m: dict[str, Any]) -> None:
    from upesi.flows import tickets

    t = m["type"]
    uuid = m.get("ticket_uuid") or ""
    # the refs in a modifier name assets the caller has already looked up; an unknown one is used as given
    topic = _asset_or_ref(ctx.assets.topics, m.get("topic"))
    assignee = _asset_or_ref({u["uuid"]: u for u in ctx.assets.users if u.get("uuid")}, m.get("assignee"))
    if t == "ticket_open":
        tickets.open_ticket(ctx, topic, assignee, (m.get("note") or "").strip())
    elif t == "ticket_close":
        tickets.close_ticket(ctx, uuid)
    elif t == "ticket_reopen":
        tickets.reopen_ticket(ctx, uuid)
    elif t == "ticket_assignee":
        tickets.assign_ticket(ctx, uuid, assignee)
    elif t == "ticket_note":
        tickets.add_ticket_note(ctx, uuid, m.get("note") or "")
    elif t == "ticket_topic":
        tickets.change_ticket_topic(ctx, uuid, topic)


def _asset_or_ref(assets: dict[str, dict[str, Any]], ref: dict[str, Any] | None) -> dict[str, Any] | None:
    if not ref or not ref.get("uuid"):
        return None
    return assets.get(ref["uuid"]) or ref


def apply_modifiers(
    assets: dict[str, Any] | Assets,
    contact: dict[str, Any],
    modifiers: list[dict[str, Any]],
    environment: dict[str, Any] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    uuids: Callable[[], str] | None = None,
    urn_taken: Callable[[str], bool] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Apply modifiers to a copy of the contact; returns the new contact and the events."""
    from upesi.flows.envmerge import merged_env
    from upesi.flows.groups import reevaluate_query_groups

    a = assets if isinstance(assets, Assets) else Assets(assets)
    c = copy.deepcopy(contact)
    env = merged_env(Environment.from_json(environment), c)
    ctx = _Ctx(a, c, env, clock or real_clock, uuids or uuid7)
    taken = urn_taken or (lambda urn: False)
    for m in modifiers:
        t = m.get("type")
        before = len(ctx.events)
        if t in ("urns", "routes"):
            _mod_urns(ctx, m, taken)
        elif t == "channel":
            _mod_channel(ctx, m)
        elif t == "affinity":
            _mod_affinity(ctx, m)
        elif t == "groups":
            _mod_groups(ctx, m)
        elif t in ("name", "language", "timezone", "seen", "field", "status"):
            _mod_simple(ctx, m)
        elif t in _TICKET_TYPES:
            _mod_ticket(ctx, m)
        else:
            raise ValueError(f"unsupported modifier type '{t}'")
        if len(ctx.events) > before:  # query groups follow actual changes only
            reevaluate_query_groups(ctx)  # type: ignore[arg-type]
            if not c.get("groups"):  # goflow's contact JSON has no groups key rather than an empty one
                c.pop("groups", None)
    return c, ctx.events
