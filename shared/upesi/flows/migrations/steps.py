"""The individual spec-version migrations (13.1.0 … 14.4.2), registered in order.

Each takes the flow dict (already a private copy) and returns it; `_ui` is never touched.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from upesi.flows.migrations.templates import iter_actions, rewrite_all_templates

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: list[tuple[tuple[int, ...], Migration]] = []

MAX_RESULT_NAME = 64
MAX_CATEGORY_NAME = 36


def migration(version: str) -> Callable[[Migration], Migration]:
    def deco(fn: Migration) -> Migration:
        MIGRATIONS.append((tuple(int(p) for p in version.split(".")), fn))
        MIGRATIONS.sort(key=lambda m: m[0])
        return fn

    return deco


def _new_uuid() -> str:
    return str(uuidlib.uuid4())


def _routers(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [n["router"] for n in d.get("nodes") or [] if n.get("router")]


@migration("13.1.0")
def add_templating_uuids(d: dict[str, Any]) -> dict[str, Any]:
    for a in iter_actions(d):
        if a.get("type") == "send_msg" and a.get("templating") and not a["templating"].get("uuid"):
            a["templating"] = {"uuid": _new_uuid(), **a["templating"]}
    return d


@migration("13.2.0")
def base_to_und(d: dict[str, Any]) -> dict[str, Any]:
    if d.get("language") == "base":
        d["language"] = "und"
        (d.get("localization") or {}).pop("und", None)
    return d


_WEBHOOK_RE = re.compile(r"(?<![\w.])webhook(?![\w])(?!\.json)")


@migration("13.3.0")
def webhook_to_webhook_json(d: dict[str, Any]) -> dict[str, Any]:
    rewrite_all_templates(d, lambda e: _WEBHOOK_RE.sub("webhook.json", e))
    return d


@migration("13.4.0")
def templating_components(d: dict[str, Any]) -> dict[str, Any]:
    loc = d.get("localization") or {}
    for a in iter_actions(d):
        t = a.get("templating")
        if a.get("type") != "send_msg" or not t or "variables" not in t:
            continue
        comp_uuid = _new_uuid()
        old_uuid = t.get("uuid")
        a["templating"] = {
            "template": t.get("template"),
            "components": [{"uuid": comp_uuid, "name": "body", "params": list(t.get("variables") or [])}],
        }
        for items in loc.values():
            if old_uuid in items:
                vals = items.pop(old_uuid)
                items[comp_uuid] = {"params": vals.get("variables", [])}
    return d


@migration("13.5.0")
def templating_to_template(d: dict[str, Any]) -> dict[str, Any]:
    loc = d.get("localization") or {}
    for a in iter_actions(d):
        t = a.get("templating")
        if a.get("type") != "send_msg" or not t:
            continue
        comps = t.get("components") or []
        a.pop("templating")
        a["template"] = t.get("template")
        a["template_variables"] = [p for c in comps for p in c.get("params") or []]
        for items in loc.values():
            if not any(c["uuid"] in items for c in comps):
                continue
            merged: list[Any] = []
            for c in comps:
                vals = (items.pop(c["uuid"], None) or {}).get("params")
                merged.extend(vals if vals is not None else c.get("params") or [])
            items.setdefault(a["uuid"], {})["template_variables"] = merged
    return d


@migration("13.6.0")
def truncate_names(d: dict[str, Any]) -> dict[str, Any]:
    for a in iter_actions(d):
        if a.get("type") == "set_run_result":
            if a.get("name"):
                a["name"] = a["name"][:MAX_RESULT_NAME].strip()
            if a.get("category"):
                a["category"] = a["category"][:MAX_CATEGORY_NAME].strip()
    for r in _routers(d):
        if r.get("result_name"):
            r["result_name"] = r["result_name"][:MAX_RESULT_NAME].strip()
        for c in r.get("categories") or []:
            if c.get("name"):
                c["name"] = c["name"][:MAX_CATEGORY_NAME].strip()
    return d


_RESULT_REF_RE = re.compile(r"(?<![\w.])(results|run\.results)\.([a-z0-9_]{65,})")


@migration("13.6.1")
def truncate_result_refs(d: dict[str, Any]) -> dict[str, Any]:
    rewrite_all_templates(
        d, lambda e: _RESULT_REF_RE.sub(lambda m: f"{m.group(1)}.{m.group(2)[:MAX_RESULT_NAME]}", e)
    )
    return d


@migration("14.0.0")
def fix_expires_and_categories(d: dict[str, Any]) -> dict[str, Any]:
    exp = d.get("expire_after_minutes")
    if exp:
        cap = 15 if d.get("type") == "voice" else 20160
        if exp > cap or exp < 1:
            d["expire_after_minutes"] = cap
    for r in _routers(d):
        for c in r.get("categories") or []:
            if not (c.get("name") or "").strip():
                c["name"] = "Match"
    return d


def _result_key(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name.strip().lower()).strip("_")


def _webhook_node(node: dict[str, Any]) -> dict[str, Any] | None:
    for a in node.get("actions") or []:
        if a.get("type") in ("call_webhook", "call_resthook"):
            return a
    return None


def _split_on_status(d: dict[str, Any], node: dict[str, Any], operand: str) -> None:
    """Make a webhook node's router a Success (200-299) / Failure split on the given operand."""
    r = node["router"]
    cats = r.get("categories") or []
    success = next((c for c in cats if c.get("name") == "Success"), None)
    first = (r.get("cases") or [{}])[0]
    cat_uuid = success["uuid"] if success else first.get("category_uuid")
    if not cat_uuid:
        return  # nothing to split into (e.g. a legacy webhook node with a single category)
    case_uuid = first.get("uuid") or _new_uuid()
    old_case_uuids = {c.get("uuid") for c in r.get("cases") or []}
    r["operand"] = operand
    r["cases"] = [
        {
            "uuid": case_uuid,
            "type": "has_number_between",
            "arguments": ["200", "299"],
            "category_uuid": cat_uuid,
        }
    ]
    for items in (d.get("localization") or {}).values():
        for u in old_case_uuids:
            items.pop(u, None)


@migration("14.1.0")
def webhook_split_on_status(d: dict[str, Any]) -> dict[str, Any]:
    for node in d.get("nodes") or []:
        a = _webhook_node(node)
        r = node.get("router")
        if a and r and a.get("result_name"):
            if r.get("operand") == f"@results.{_result_key(a['result_name'])}.category":
                _split_on_status(d, node, "@webhook.status")
    for a in iter_actions(d):
        if a.get("type") == "send_msg" and len(a.get("quick_replies") or []) > 10:
            a["quick_replies"] = a["quick_replies"][:10]
    return d


_LANG_RE = re.compile(r"^[a-z]{3}$")


@migration("14.2.0")
def ticket_body_to_note(d: dict[str, Any]) -> dict[str, Any]:
    for a in iter_actions(d):
        if a.get("type") == "open_ticket" and "body" in a:
            a["note"] = a.pop("body")
    loc = d.get("localization")
    if isinstance(loc, dict):
        for lang in [k for k in loc if not _LANG_RE.match(k)]:
            loc.pop(lang)
    return d


@migration("14.3.0")
def split_on_output_locals(d: dict[str, Any]) -> dict[str, Any]:
    locals_for = {"open_ticket": "_new_ticket", "transfer_airtime": "_new_transfer"}
    for node in d.get("nodes") or []:
        r = node.get("router")
        for a in node.get("actions") or []:
            local = locals_for.get(a.get("type", ""))
            if not local or not r or not a.get("result_name"):
                continue
            if r.get("operand") != f"@results.{_result_key(a['result_name'])}":
                continue
            r["result_name"] = a.pop("result_name")
            r["operand"] = f"@locals.{local}"
            for c in r.get("cases") or []:
                if c.get("type") == "has_category":
                    c["type"] = "has_text"
                    c["arguments"] = []
    return d


_MULTI_ARG_TESTS = {
    "has_any_word",
    "has_all_words",
    "has_phrase",
    "has_only_phrase",
    "has_beginning",
    "has_text",
}


@migration("14.3.1")
def join_multi_arg_cases(d: dict[str, Any]) -> dict[str, Any]:
    loc = d.get("localization") or {}
    for r in _routers(d):
        for c in r.get("cases") or []:
            if c.get("type") in _MULTI_ARG_TESTS and len(c.get("arguments") or []) > 1:
                c["arguments"] = [" ".join(c["arguments"])]
                for items in loc.values():
                    args = (items.get(c["uuid"]) or {}).get("arguments")
                    if args and len(args) > 1:
                        items[c["uuid"]]["arguments"] = [" ".join(args)]
    return d


@migration("14.4.0")
def drop_all_urns(d: dict[str, Any]) -> dict[str, Any]:
    for a in iter_actions(d):
        if a.get("type") == "send_msg":
            a.pop("all_urns", None)
    return d


@migration("14.4.1")
def webhook_json_status_split(d: dict[str, Any]) -> dict[str, Any]:
    for node in d.get("nodes") or []:
        r = node.get("router")
        if _webhook_node(node) and r and r.get("operand") == "@webhook.json.status":
            _split_on_status(d, node, "@webhook.status")
    return d


@migration("14.4.2")
def webhook_status_default(d: dict[str, Any]) -> dict[str, Any]:
    for node in d.get("nodes") or []:
        r = node.get("router")
        if _webhook_node(node) and r and r.get("operand") == "@webhook.status":
            r["operand"] = "@(default(webhook.status, 0))"
    return d
