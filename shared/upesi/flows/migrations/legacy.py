"""Conversion of legacy RapidPro flow definitions (v11.x: action_sets / rule_sets) to spec 13.0.0."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from upesi.flows.definition.errors import FlowMigrationError
from upesi.flows.migrations.legacy_expressions import migrate_legacy_template as mt

FLOW_TYPES = {
    "F": "messaging",
    "M": "messaging",
    "V": "voice",
    "S": "messaging_offline",
    "B": "messaging_background",
}
MEDIA_BASE = "https://myfiles.com/"


def _u() -> str:
    return str(uuidlib.uuid4())


class _Ctx:
    def __init__(self, base: str) -> None:
        self.base = base
        self.localization: dict[str, dict[str, dict[str, list[str]]]] = {}

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
    u = a.get("uuid") or _u()
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
            "body": mt(a.get("msg") or ""),
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
        if a.get("variables"):
            out["legacy_vars"] = [mt(v.get("id", "")) for v in a["variables"]]
        out["flow"] = a.get("flow")
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
    if t == "district":
        return new, [mt(ctx.text(test.get("test")))]
    if "test" in test and t not in ("date", "number", "phone", "has_email", "state", "not_empty"):
        v = test["test"]
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
    if rtype == "contact_field":
        key = op.lstrip("@").split(".", 1)[-1].lower()
        if key == "groups":
            return '@(join(contact.groups, ","))'
        from upesi.flows.contact import URN_SCHEMES

        if key in URN_SCHEMES:
            return f'@(default(urn_parts(urns.{key}).path, ""))'
    if rtype == "form_field":
        cfg = rs.get("config") or {}
        inner = mt(op)[1:]
        return f'@(field({inner}, {cfg.get("field_index", 0)}, "{cfg.get("field_delimiter", " ")}"))'
    migrated = mt(op)
    if (
        rtype == "expression"
        and migrated.startswith("@")
        and not migrated.startswith("@(")
        and op != migrated
    ):
        # an expression that might error (an unset field) falls back to its original text
        inner = migrated[1:]
        return f'@(if(is_error({inner}), "{op}", {inner}))'
    return migrated


def _key(name: str) -> str:
    import re

    return re.sub(r"[^\w]+", "_", name.strip().lower()).strip("_")


def convert_ruleset(rs: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    rtype = rs.get("ruleset_type") or "wait_message"
    node: dict[str, Any] = {"uuid": rs["uuid"], "actions": []}
    config = rs.get("config") or {}
    label = rs.get("label") or ""
    if rtype == "webhook":
        method = config.get("webhook_action") or rs.get("webhook_action") or "POST"
        hook: dict[str, Any] = {
            "type": "call_webhook",
            "uuid": _u(),
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
                "uuid": _u(),
                "resthook": config.get("resthook", ""),
                "result_name": label,
            }
        )
    elif rtype == "subflow":
        node["actions"].append({"type": "enter_flow", "uuid": _u(), "flow": config.get("flow")})
    elif rtype == "airtime":
        amounts = {
            c["currency_code"]: c["amount"]
            for c in config.values()
            if isinstance(c, dict) and c.get("currency_code")
        }
        node["actions"].append(
            {"type": "transfer_airtime", "uuid": _u(), "amounts": amounts, "result_name": label}
        )
    categories: list[dict[str, Any]] = []
    cat_by_name: dict[str, dict[str, Any]] = {}
    exits: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    default_cat = None
    timeout = None
    failure_cat = None
    for rule in rs.get("rules") or []:
        name = ctx.text(rule.get("category")) or "Other"
        # rules share a category when they have the same name and go to the same place
        cat_key = f"{name.lower()}|{rule.get('destination') or ''}"
        cat = cat_by_name.get(cat_key)
        if cat is None:
            cat = {"uuid": _u(), "name": name, "exit_uuid": rule["uuid"]}
            cat_by_name[cat_key] = cat
            categories.append(cat)
            ex: dict[str, Any] = {"uuid": rule["uuid"]}
            if rule.get("destination"):
                ex["destination_uuid"] = rule["destination"]
            exits.append(ex)
            ctx.localize(cat["uuid"], "name", rule.get("category"), lambda s: s)
        test = rule.get("test") or {}
        ttype = test.get("type")
        if ttype == "true":
            default_cat = cat
            continue
        if ttype == "timeout":
            timeout = {"seconds": int(test.get("minutes", 0)) * 60, "category_uuid": cat["uuid"]}
            continue
        if (
            ttype in ("webhook_status", "airtime_status")
            and (test.get("status") or test.get("exit_status")) != "success"
        ):
            failure_cat = cat
            if ttype == "airtime_status":
                continue  # airtime splits only test for success
        case_uuid = _u()
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
    router: dict[str, Any] = {"type": "random" if rtype == "random" else "switch"}
    if rtype.startswith("wait_") or rs.get("ruleset_type") is None:
        router["wait"] = {"type": "msg"}
        hint = _HINTS.get(rtype)
        if rtype in ("wait_digits", "wait_digit"):
            hint = {"type": "digits", "terminated_by": rs.get("finished_key") or "#"}
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
        if default_cat is None and failure_cat is not None:
            default_cat = failure_cat
        if default_cat is not None:
            router["default_category_uuid"] = default_cat["uuid"]
        elif rtype == "subflow":
            router["default_category_uuid"] = ""
    if not node["actions"]:
        node.pop("actions")
    node["router"] = router
    node["exits"] = exits
    return node


def migrate_url(url: str) -> str:
    """URLs from legacy webhooks: expressions in them are URL-encoded, as the old engine did."""
    from upesi.flows.migrations.templates import rewrite_template

    migrated = mt(url)
    if "@" not in migrated:
        return migrated
    return rewrite_template(migrated, lambda e: f"url_encode({e})", wrap=True)


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


def migrate_legacy(d: dict[str, Any]) -> dict[str, Any]:
    """Convert a legacy definition to spec 13.0.0 (later migrations take it to the current spec)."""
    if not isinstance(d, dict):
        raise FlowMigrationError("legacy flow definition must be an object")
    meta = d.get("metadata") or {}
    base = d.get("base_language") or "base"
    ctx = _Ctx(base)
    nodes_by_uuid: dict[str, dict[str, Any]] = {}
    ui_nodes: dict[str, Any] = {}
    order: list[tuple[int, int, str]] = []
    for aset in d.get("action_sets") or []:
        node = {
            "uuid": aset["uuid"],
            **({"actions": [convert_action(a, ctx) for a in aset["actions"]]} if aset.get("actions") else {}),
            "exits": [
                {
                    "uuid": aset.get("exit_uuid") or _u(),
                    **({"destination_uuid": aset["destination"]} if aset.get("destination") else {}),
                }
            ],
        }
        nodes_by_uuid[node["uuid"]] = node
        ui_nodes[node["uuid"]] = {
            "type": "execute_actions",
            "position": {"left": aset.get("x", 0), "top": aset.get("y", 0)},
        }
        order.append((aset.get("y", 0), aset.get("x", 0), node["uuid"]))
    for rs in d.get("rule_sets") or []:
        node = convert_ruleset(rs, ctx)
        nodes_by_uuid[node["uuid"]] = node
        ui_nodes[node["uuid"]] = {
            "type": "wait_for_response" if "wait" in node["router"] else "split_by_expression",
            "position": {"left": rs.get("x", 0), "top": rs.get("y", 0)},
        }
        order.append((rs.get("y", 0), rs.get("x", 0), node["uuid"]))
    # drop exits pointing nowhere (legacy flows often have stale destinations)
    for n in nodes_by_uuid.values():
        for e in n["exits"]:
            if e.get("destination_uuid") and e["destination_uuid"] not in nodes_by_uuid:
                e.pop("destination_uuid")
    entry = d.get("entry")
    ordered = [u for _, _, u in sorted(order)]
    if entry in nodes_by_uuid:
        ordered.remove(entry)
        ordered.insert(0, entry)
    stickies = {}
    for note in meta.get("notes") or []:
        stickies[_u()] = {
            "position": {"left": int(note.get("x", 0)), "top": int(note.get("y", 0))},
            "title": note.get("title", ""),
            "body": note.get("body", ""),
            "color": "yellow",
        }
    expires = meta.get("expires") or 0
    return {
        "uuid": meta.get("uuid") or d.get("uuid") or _u(),
        "name": meta.get("name") or d.get("name") or "",
        "spec_version": "13.0.0",
        "language": base,
        "type": FLOW_TYPES.get(d.get("flow_type") or "M", "messaging"),
        "revision": meta.get("revision") or 0,
        "expire_after_minutes": expires,
        "localization": ctx.localization,
        "nodes": [nodes_by_uuid[u] for u in ordered],
        "_ui": {"nodes": ui_nodes, "stickies": stickies},
    }
