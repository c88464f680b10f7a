"""Conversion of legacy RapidPro flow definitions (v11.x: action_sets / rule_sets) to spec 13.0.0."""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from upesi.flows.definition.errors import FlowMigrationError
from upesi.flows.migrations.legacy_expressions import migrate_legacy_template as mt
from upesi.flows.runs import result_key

FLOW_TYPES = {
    "F": "messaging",
    "M": "messaging",
    "V": "voice",
    "S": "messaging_offline",
    "B": "messaging_background",
}
MEDIA_BASE = "https://myfiles.com/"


def _uuid4() -> str:
    return str(uuidlib.uuid4())


class _Ctx:
    def __init__(self, base: str, new_uuid: Callable[[], str] = _uuid4) -> None:
        self.base = base
        # goflow's tests seed their UUID generator; generating in goflow's order with the same
        # source gives the same UUIDs
        self.new_uuid = new_uuid
        self.localization: dict[str, dict[str, dict[str, list[str]]]] = {}
        self.node_uis: dict[str, dict[str, Any]] = {}  # node UUID -> editor type and config

    def text(self, v: Any) -> str:
        """The base-language text of a translations dict (or a plain string)."""
        if isinstance(v, dict):
            if self.base in v:
                return v[self.base] or ""
            return next(iter(v.values()), "") or ""
        return v or ""

    def localize(self, item: str, prop: str, v: Any, transform: Any = mt) -> None:
        if not isinstance(v, dict):
            return
        for lang, text in v.items():
            if lang == self.base or text is None or lang == "base":
                continue
            self.localization.setdefault(lang, {}).setdefault(item, {})[prop] = [transform(text)]


def _media(m: str) -> str:
    ct, sep, url = m.partition(":")
    if not sep or ("/" not in ct and not url):
        return f"image:{MEDIA_BASE}{m}" if not m.startswith("http") else m
    if not url.startswith("http") and not url.startswith("@"):
        url = MEDIA_BASE + url
    return f"{ct}:{url}"


def _refs(items: list[Any], key: str = "name_match") -> list[dict[str, Any]]:
    out = []
    for g in items or []:
        if isinstance(g, str):
            out.append({key: mt(g)})
        elif g.get("uuid"):
            out.append({"uuid": g["uuid"], "name": g.get("name", "")})
        else:
            out.append({key: g.get("name", "")})
    return out


def convert_action(a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    t = a.get("type")
    u = a.get("uuid") or ctx.new_uuid()
    if t == "reply" or t == "send":
        out: dict[str, Any] = {
            "type": "send_msg" if t == "reply" else "send_broadcast",
            "uuid": u,
            "text": mt(ctx.text(a.get("msg"))),
        }
        ctx.localize(u, "text", a.get("msg"))
        media = a.get("media") or {}
        if media:
            base = ctx.text(media)
            if base:
                out["attachments"] = [_media(mt(base))]
            ctx.localize(u, "attachments", media, lambda m: _media(mt(m)))
        qrs = a.get("quick_replies") or []
        if qrs:
            out["quick_replies"] = [mt(ctx.text(q)) for q in qrs]
            for lang in {lang for q in qrs if isinstance(q, dict) for lang in q if lang != ctx.base}:
                ctx.localization.setdefault(lang, {}).setdefault(u, {})["quick_replies"] = [
                    mt(q.get(lang, "")) if isinstance(q, dict) else "" for q in qrs
                ]
        if t == "reply" and a.get("send_all"):
            out["all_urns"] = True
        if t == "send":
            if a.get("contacts"):
                out["contacts"] = [{"uuid": c["uuid"], "name": c.get("name", "")} for c in a["contacts"]]
            if a.get("groups"):
                out["groups"] = _refs(a["groups"])
            if a.get("variables"):
                out["legacy_vars"] = [mt(v.get("id", "")) for v in a["variables"]]
        return out
    if t == "add_group":
        return {"type": "add_contact_groups", "uuid": u, "groups": _refs(a.get("groups") or [])}
    if t == "del_group":
        if not a.get("groups"):
            return {"type": "remove_contact_groups", "uuid": u, "all_groups": True}
        return {"type": "remove_contact_groups", "uuid": u, "groups": _refs(a["groups"])}
    if t == "add_label":
        return {"type": "add_input_labels", "uuid": u, "labels": _refs(a.get("labels") or [])}
    if t == "channel":
        return {
            "type": "set_contact_channel",
            "uuid": u,
            "channel": {"uuid": a.get("channel"), "name": a.get("name", "")},
        }
    if t == "email":
        return {
            "type": "send_email",
            "uuid": u,
            "addresses": [mt(e) for e in a.get("emails") or []],
            "subject": mt(a.get("subject") or ""),
            # goflow reads an email's message as plain text; a translation map gives its base text
            "body": mt(ctx.text(a.get("msg"))),
        }
    if t == "lang":
        return {"type": "set_contact_language", "uuid": u, "language": a.get("lang", "")}
    if t == "play":
        return {"type": "play_audio", "uuid": u, "audio_url": mt(a.get("url") or "")}
    if t == "say":
        out = {"type": "say_msg", "uuid": u, "text": mt(ctx.text(a.get("msg")))}
        ctx.localize(u, "text", a.get("msg"))
        rec = a.get("recording") or {}
        base = ctx.text(rec) if rec else ""
        if base:
            out["audio_url"] = MEDIA_BASE + base
            ctx.localize(u, "audio_url", rec, lambda r: MEDIA_BASE + r)
        return out
    if t == "save":
        field, value = a.get("field", ""), mt(a.get("value") or "")
        if value == '@("")':
            value = ""
        if field == "name":
            return {"type": "set_contact_name", "uuid": u, "name": value}
        if field == "first_name":
            return {
                "type": "set_contact_name",
                "uuid": u,
                "name": f"{value} @(word_slice(contact.name, 1, -1))",
            }
        if field in ("tel", "tel_e164", "twitter", "mailto", "telegram", "facebook", "whatsapp"):
            return {
                "type": "add_contact_urn",
                "uuid": u,
                "scheme": "tel" if field == "tel_e164" else field,
                "path": value,
            }
        return {
            "type": "set_contact_field",
            "uuid": u,
            "field": {"key": field, "name": a.get("label", "")},
            "value": value,
        }
    if t == "flow":
        return {"type": "enter_flow", "uuid": u, "flow": a.get("flow"), "terminal": True}
    if t == "trigger-flow":
        out = {"type": "start_session", "uuid": u}
        if a.get("contacts"):
            out["contacts"] = [{"uuid": c["uuid"], "name": c.get("name", "")} for c in a["contacts"]]
        if a.get("groups"):
            out["groups"] = _refs(a["groups"])
        # "@new_contact" among the variables isn't a recipient: it asks for a new contact
        var_ids = [v.get("id", "") for v in a.get("variables") or []]
        if legacy_vars := [mt(v) for v in var_ids if v != "@new_contact"]:
            out["legacy_vars"] = legacy_vars
        out["flow"] = a.get("flow")
        if "@new_contact" in var_ids:
            out["create_contact"] = True
        return out
    if t == "api":
        return {
            "type": "call_webhook",
            "uuid": u,
            "method": a.get("action") or "POST",
            "url": mt(a.get("webhook", "")),
        }
    raise FlowMigrationError(f"unable to migrate legacy action type '{t}'")


_TESTS = {
    "contains": "has_all_words", "contains_any": "has_any_word", "contains_only_phrase": "has_only_phrase",
    "contains_phrase": "has_phrase", "starts": "has_beginning", "regex": "has_pattern", "number": "has_number",
    "lt": "has_number_lt", "lte": "has_number_lte", "gt": "has_number_gt", "gte": "has_number_gte",
    "eq": "has_number_eq", "between": "has_number_between", "date": "has_date", "date_before": "has_date_lt",
    "date_equal": "has_date_eq", "date_after": "has_date_gt", "phone": "has_phone", "has_email": "has_email",
    "state": "has_state", "district": "has_district", "ward": "has_ward", "not_empty": "has_text",
    "in_group": "has_group", "subflow": "has_only_text", "webhook_status": "has_only_text",
    "airtime_status": "has_category", "interrupted_status": "has_only_text",
}  # fmt: skip


def convert_test(test: dict[str, Any], case_uuid: str, ctx: _Ctx) -> tuple[str, list[str]]:
    t = test.get("type", "")
    new = _TESTS.get(t)
    if new is None:
        raise FlowMigrationError(f"unable to migrate legacy test type '{t}'")
    if t == "between":
        return new, [mt(test.get("min", "")), mt(test.get("max", ""))]
    if t == "in_group":
        g = test.get("test") or {}
        return new, [g.get("uuid", ""), g.get("name", "")]
    if t == "subflow":
        return new, [test.get("exit_type", "")]
    if t == "webhook_status":
        return new, ["Success" if test.get("status") == "success" else "Failure"]
    if t == "airtime_status":
        return new, ["Success" if test.get("exit_status") == "success" else "Failure"]
    if t == "ward":
        return new, [mt(test.get("district", "")), mt(test.get("state", ""))]
    if t in ("date_equal", "date_after", "date_before"):
        # dates compared by tests stay unformatted (goflow's RawDates)
        return new, [mt(test.get("test") or "", raw_dates=True)]
    if t == "district":
        return new, [mt(ctx.text(test.get("test")))]
    if "test" in test and t not in ("date", "number", "phone", "has_email", "state", "not_empty"):
        v = test["test"]
        if isinstance(v, int | float) and not isinstance(v, bool):
            v = str(v)  # numeric tests may hold a JSON number rather than text
        ctx.localize(case_uuid, "arguments", v)
        return new, [mt(ctx.text(v))]
    return new, []


def _operand(rs: dict[str, Any]) -> str:
    rtype = rs.get("ruleset_type") or "wait_message"
    op = rs.get("operand") or "@step.value"
    if rtype in ("wait_message", "wait_audio", "wait_video", "wait_photo", "wait_gps", "wait_recording"):
        return "@input"
    if rtype == "wait_digits" or rtype == "wait_digit":
        return "@input.text"
    if rtype == "subflow":
        return "@child.status"
    if rtype in ("webhook", "resthook"):
        return f"@results.{_key(rs.get('label', ''))}.category"
    if rtype == "airtime":
        return f"@results.{_key(rs.get('label', ''))}"
    if rtype == "group":
        return "@contact.groups"
    if rtype == "form_field":
        cfg = rs.get("config") or {}
        inner = mt(op).removeprefix("@")
        return f'@(field({inner}, {cfg.get("field_index", 0)}, "{cfg.get("field_delimiter", " ")}"))'
    # expression operands that error evaluate to their original text (goflow's DefaultToSelf)
    return mt(op, default_to_self=rtype == "expression") or "@input"


def _key(name: str) -> str:
    return result_key(name)


_RULESET_UI_TYPES = {
    "subflow": "split_by_subflow", "webhook": "split_by_webhook", "resthook": "split_by_resthook",
    "form_field": "split_by_run_result_delimited", "group": "split_by_groups",
    "flow_field": "split_by_run_result", "contact_field": "split_by_contact_field",
    "expression": "split_by_expression", "random": "split_by_random", "airtime": "split_by_airtime",
}  # fmt: skip
_RELATIVE_DATE = re.compile(r"@\(date\.today\s+(\+|\-)\s+(\d+)\)")


def _ruleset_ui(rs: dict[str, Any], rtype: str, case_uis: dict[str, Any]) -> dict[str, Any]:
    """The editor's node type and config for a ruleset, as goflow derives them."""
    ui_type = "wait_for_response" if rtype.startswith("wait_") else _RULESET_UI_TYPES.get(rtype, "")
    config: dict[str, Any] = {}
    operand = rs.get("operand") or ""
    field_key = operand.rsplit(".", 1)[1] if "." in operand else None
    if field_key is not None and rtype == "form_field":
        cfg = rs.get("config") or {}
        config["operand"] = {"id": field_key}
        config["delimiter"] = cfg.get("field_delimiter", "")
        config["index"] = cfg.get("field_index", 0)
    elif field_key is not None and rtype == "flow_field":
        config["operand"] = {"id": field_key}
    elif field_key is not None and rtype == "contact_field":
        from upesi.flows.contact import URN_SCHEMES

        if field_key == "name":
            config["operand"] = {"type": "property", "id": "name", "name": "Name"}
        elif field_key == "groups":
            ui_type = "split_by_expression"
        elif field_key in URN_SCHEMES:
            config["operand"] = {"type": "scheme", "id": field_key}
        else:
            config["operand"] = {"type": "field", "id": field_key}
    if case_uis:
        config["cases"] = case_uis
    ui: dict[str, Any] = {"type": ui_type, "position": {"left": rs.get("x", 0), "top": rs.get("y", 0)}}
    if config:
        ui["config"] = config
    return ui


def _categories_and_exits(
    rs: dict[str, Any], ctx: _Ctx
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """A category and exit per distinct category name (an "Other" rule always gets its own); the
    rule's UUID becomes its exit's, as legacy path data refers to rules."""
    categories: list[dict[str, Any]] = []
    exits: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    by_rule: dict[str, dict[str, Any]] = {}
    for rule in rs.get("rules") or []:
        name = ctx.text(rule.get("category")) or "Other"
        cat = by_name.get(name) if (rule.get("test") or {}).get("type") != "true" else None
        if cat is None:
            ex: dict[str, Any] = {"uuid": rule["uuid"]}
            if rule.get("destination"):
                ex["destination_uuid"] = rule["destination"]
            exits.append(ex)
            cat = {"uuid": ctx.new_uuid(), "name": name, "exit_uuid": rule["uuid"]}
            categories.append(cat)
        by_rule[rule["uuid"]] = by_name[name] = cat
        ctx.localize(cat["uuid"], "name", rule.get("category"), lambda s: s)
    return categories, exits, by_rule


def convert_ruleset(rs: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """A legacy ruleset as a node with a router (plus the action a webhook, resthook, subflow or
    airtime ruleset performs); its editor info is left in ctx.node_uis. UUIDs are drawn in goflow's
    order: categories, then cases, then the action."""
    rtype = rs.get("ruleset_type") or "wait_message"
    config = rs.get("config") or {}
    label = rs.get("label") or ""
    categories, exits, cat_by_rule = _categories_and_exits(rs, ctx)
    cases: list[dict[str, Any]] = []
    case_uis: dict[str, Any] = {}
    default_cat = None
    timeout = None
    for rule in rs.get("rules") or []:
        cat = cat_by_rule[rule["uuid"]]
        test = rule.get("test") or {}
        ttype = test.get("type")
        if ttype == "true":  # an implicit Other rule becomes the router's default
            default_cat = cat
            continue
        if ttype == "timeout":
            timeout = {"seconds": int(test.get("minutes", 0)) * 60, "category_uuid": cat["uuid"]}
            continue
        if ttype in ("webhook_status", "airtime_status"):
            default_cat = cat  # the last of these (the failure) is the default
        case_uuid = ctx.new_uuid()
        if ttype == "airtime_status" and test.get("exit_status") != "success":
            continue  # airtime failure is only the default
        ctype, args = convert_test(test, case_uuid, ctx)
        case: dict[str, Any] = {
            "uuid": case_uuid,
            "type": ctype,
            "arguments": args,
            "category_uuid": cat["uuid"],
        }
        if not args:
            case.pop("arguments")
        cases.append(case)
        if ttype in ("date_equal", "date_after", "date_before"):
            m = _RELATIVE_DATE.search(ctx.text(test.get("test")))
            delta = (int(m.group(2)) * (-1 if m.group(1) == "-" else 1)) if m else 0
            case_uis[case_uuid] = {"arguments": [str(delta)]}
    node: dict[str, Any] = {"uuid": rs["uuid"], "actions": []}
    if rtype == "webhook":
        method = (config.get("webhook_action") or rs.get("webhook_action") or "POST").upper()
        hook: dict[str, Any] = {
            "type": "call_webhook",
            "uuid": ctx.new_uuid(),
            "method": method,
            "url": migrate_url(config.get("webhook") or rs.get("webhook") or ""),
        }
        headers = {
            h["name"]: mt(h.get("value", "")) for h in config.get("webhook_headers") or [] if h.get("name")
        }
        if method == "POST":
            headers["Content-Type"] = "application/json"
            hook["headers"] = dict(sorted(headers.items()))
            hook["body"] = LEGACY_WEBHOOK_BODY
        elif headers:
            hook["headers"] = dict(sorted(headers.items()))
        hook["result_name"] = label
        node["actions"].append(hook)
    elif rtype == "resthook":
        node["actions"].append(
            {
                "type": "call_resthook",
                "uuid": ctx.new_uuid(),
                "resthook": config.get("resthook", ""),
                "result_name": label,
            }
        )
    elif rtype == "subflow":
        node["actions"].append({"type": "enter_flow", "uuid": ctx.new_uuid(), "flow": config.get("flow")})
    elif rtype == "airtime":
        amounts = {
            c["currency_code"]: c["amount"]
            for c in config.values()
            if isinstance(c, dict) and c.get("currency_code")
        }
        node["actions"].append(
            {"type": "transfer_airtime", "uuid": ctx.new_uuid(), "amounts": amounts, "result_name": label}
        )
    router: dict[str, Any] = {"type": "random" if rtype == "random" else "switch"}
    if rtype.startswith("wait_"):
        router["wait"] = {"type": "msg"}
        hint: dict[str, Any] | None = _HINTS.get(rtype)
        if rtype == "wait_digits":
            hint = {"type": "digits", "terminated_by": rs.get("finished_key") or "#"}
        elif rtype == "wait_digit":
            hint = {"type": "digits", "count": 1}
        if hint:
            router["wait"]["hint"] = dict(hint)
        if timeout:
            router["wait"]["timeout"] = timeout
    if label and rtype not in ("webhook", "resthook", "airtime"):
        router["result_name"] = label
    router["categories"] = categories
    if rtype != "random":
        router["operand"] = _operand(rs)
        router["cases"] = cases
        # goflow writes the field even when there's no default (no "true" rule)
        router["default_category_uuid"] = default_cat["uuid"] if default_cat is not None else ""
    if not node["actions"]:
        node.pop("actions")
    node["router"] = router
    node["exits"] = exits
    ctx.node_uis[node["uuid"]] = _ruleset_ui(rs, rtype, case_uis)
    return node


def migrate_url(url: str) -> str:
    """URLs from legacy webhooks: expressions in them are URL-encoded, as the old engine did."""
    return mt(url, url_encode=True)


LEGACY_WEBHOOK_BODY = """@(json(object(
  "contact", object("uuid", contact.uuid, "name", contact.name, "urn", contact.urn),
  "flow", run.flow,
  "path", run.path,
  "results", foreach_value(results, extract_object, "category", "category_localized", "created_on", "input", "name", "node_uuid", "value"),
  "run", object("uuid", run.uuid, "created_on", run.created_on),
  "input", if(
    input,
    object(
      "attachments", foreach(input.attachments, attachment_parts),
      "channel", input.channel,
      "created_on", input.created_on,
      "text", input.text,
      "type", input.type,
      "urn", if(
        input.urn,
        object(
          "display", default(format_urn(input.urn), ""),
          "path", urn_parts(input.urn).path,
          "scheme", urn_parts(input.urn).scheme
        ),
        null
      ),
      "uuid", input.uuid
    ),
    null
  ),
  "channel", default(input.channel, null)
)))"""

_HINTS = {
    "wait_photo": {"type": "image"}, "wait_video": {"type": "video"}, "wait_audio": {"type": "audio"},
    "wait_gps": {"type": "location"}, "wait_recording": {"type": "audio"},
}  # fmt: skip


def _legacy_version(d: dict[str, Any]) -> tuple[int, ...]:
    """A legacy definition's version ("11.7", 10, missing: the oldest)."""
    try:
        return tuple(int(p) for p in str(d.get("version", "0")).split("."))
    except ValueError:
        return (0,)


def _renew_duplicate_rule_uuids(d: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """RapidPro's 11.8 step: a rule whose UUID is missing or already seen gets a new one (rule UUIDs
    become exit UUIDs, which must be unique). Returns a copy; d is left alone."""
    seen: set[str] = set()
    rule_sets = []
    for rs in d.get("rule_sets") or []:
        rules = []
        for rule in rs.get("rules") or []:
            if not rule.get("uuid") or rule["uuid"] in seen:
                rule = {**rule, "uuid": ctx.new_uuid()}
            seen.add(rule["uuid"])
            rules.append(rule)
        rule_sets.append({**rs, "rules": rules})
    return {**d, "rule_sets": rule_sets}


def migrate_legacy(d: dict[str, Any], new_uuid: Callable[[], str] = _uuid4) -> dict[str, Any]:
    """Convert a legacy definition to spec 13.0.0 (later migrations take it to the current spec).
    new_uuid is the source of the UUIDs the conversion has to make up."""
    if not isinstance(d, dict):
        raise FlowMigrationError("legacy flow definition must be an object")
    meta = d.get("metadata") or {}
    base = d.get("base_language") or "base"
    ctx = _Ctx(base, new_uuid)
    if _legacy_version(d) < (11, 8):
        d = _renew_duplicate_rule_uuids(d, ctx)
    nodes: list[dict[str, Any]] = []
    for aset in d.get("action_sets") or []:
        node = {
            "uuid": aset["uuid"],
            **({"actions": [convert_action(a, ctx) for a in aset["actions"]]} if aset.get("actions") else {}),
            "exits": [
                {
                    "uuid": aset.get("exit_uuid") or ctx.new_uuid(),
                    **({"destination_uuid": aset["destination"]} if aset.get("destination") else {}),
                }
            ],
        }
        nodes.append(node)
        ctx.node_uis[node["uuid"]] = {
            "type": "execute_actions",
            "position": {"left": aset.get("x", 0), "top": aset.get("y", 0)},
        }
    nodes.extend(convert_ruleset(rs, ctx) for rs in d.get("rule_sets") or [])
    # drop exits pointing nowhere (legacy flows often have stale destinations)
    for n in nodes:
        for e in n["exits"]:
            if e.get("destination_uuid") and e["destination_uuid"] not in ctx.node_uis:
                e.pop("destination_uuid")
    # the entry node first, then the rest by how far down the canvas they are (a stable sort)
    entry = d.get("entry")
    nodes.sort(key=lambda n: (n["uuid"] != entry, ctx.node_uis[n["uuid"]]["position"]["top"]))
    stickies = {}
    for note in meta.get("notes") or []:
        stickies[ctx.new_uuid()] = {
            "position": {"left": int(note.get("x", 0)), "top": int(note.get("y", 0))},
            "title": note.get("title", ""),
            "body": note.get("body", ""),
            "color": "yellow",
        }
    expires = meta.get("expires") or 0
    return {
        "uuid": meta.get("uuid") or d.get("uuid") or ctx.new_uuid(),
        "name": meta.get("name") or d.get("name") or "",
        "spec_version": "13.0.0",
        "language": base,
        "type": FLOW_TYPES.get(d.get("flow_type") or "M", "messaging"),
        "revision": meta.get("revision") or 0,
        "expire_after_minutes": expires,
        "localization": ctx.localization,
        "nodes": nodes,
        "_ui": {"nodes": ctx.node_uis, "stickies": stickies},
    }
