"""Structural validation of a read flow: references between nodes, exits, categories and cases."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from upesi.flows.definition.errors import FlowReadError
from upesi.flows.definition.model import Flow


def validate_flow(flow: Flow, check_types: bool = True) -> None:
    from upesi.flows.actions import ACTIONS, validate_action

    seen: set[str] = set()
    for node in flow.nodes:
        where = f"node[uuid={node.uuid}]"
        if node.uuid in seen:
            raise FlowReadError(f"{where}: node UUID {node.uuid} isn't unique")
        seen.add(node.uuid)
        exit_uuids = {e.uuid for e in node.exits}
        for e in node.exits:
            if e.destination_uuid and flow.node(e.destination_uuid) is None:
                raise FlowReadError(
                    f"{where}: destination {e.destination_uuid} of exit[uuid={e.uuid}] isn't a known node"
                )
        for a in node.actions:
            atype = a["type"]
            aw = f"{where} action[uuid={a['uuid']}, type={atype}]"
            if atype not in ACTIONS:
                raise FlowReadError(f"{aw}: unknown action type '{atype}'")
            if check_types:
                allowed = ACTIONS[atype].FLOW_TYPES
                if flow.type not in allowed:
                    raise FlowReadError(
                        f"{aw}: action type '{atype}' is not allowed in a flow of type '{flow.type}'"
                    )
            validate_action(a, aw)
        r = node.router
        if r is None:
            continue
        rw = f"{where} router"
        cat_uuids = set()
        for c in r.categories:
            cat_uuids.add(c.uuid)
            if c.exit_uuid not in exit_uuids:
                raise FlowReadError(f"{rw}: category[uuid={c.uuid}]: exit {c.exit_uuid} is not a valid exit")
        if r.type == "switch":
            if r.default_category_uuid and r.default_category_uuid not in cat_uuids:
                raise FlowReadError(
                    f"{rw}: default category {r.default_category_uuid} is not a valid category"
                )
            from upesi.excellent.cases import CASE_TESTS

            for case in r.cases:
                if case.category_uuid not in cat_uuids:
                    raise FlowReadError(
                        f"{rw}: invalid case[uuid={case.uuid}]: category {case.category_uuid} is not a valid category"
                    )
                if case.type not in CASE_TESTS:
                    raise FlowReadError(
                        f"{rw}: invalid case[uuid={case.uuid}]: {case.type} is not a registered test function"
                    )
        if r.wait is not None:
            if r.wait.type not in ("msg", "dial"):
                raise FlowReadError(f"{rw}: unknown wait type '{r.wait.type}'")
            if check_types:
                allowed_types = (
                    ("messaging", "messaging_offline", "voice") if r.wait.type == "msg" else ("voice",)
                )
                if flow.type not in allowed_types:
                    raise FlowReadError(
                        f"{rw}: wait type '{r.wait.type}' is not allowed in a flow of type '{flow.type}'"
                    )
            if r.wait.timeout and r.wait.timeout.category_uuid not in cat_uuids:
                raise FlowReadError(
                    f"{rw}: timeout category {r.wait.timeout.category_uuid} is not a valid category"
                )
    for lang, items in flow.localization.items():
        if not _valid_lang(lang):
            raise FlowReadError(f"localization: invalid language code '{lang}'")
        if not isinstance(items, dict):
            raise FlowReadError(f"localization[{lang}]: must be an object")
        _validate_language_translation(lang, items)


# goflow's limits (flows/interfaces.go): localizable items are actions, cases and categories
MAX_ITEMS_PER_LANGUAGE = 1000 * (100 + 100 + 100)
MAX_PROPERTIES_PER_ITEM = 10
MAX_VALUES_PER_PROPERTY = 10
MAX_TRANSLATION_VALUE_CHARS = 10000
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _validate_language_translation(lang: str, items: dict[str, Any]) -> None:
    """As goflow's languageTranslation.validate: only the form of each item's UUID is checked, so a
    translation of an item no longer in the flow is kept (and never used) rather than refusing the flow."""
    where = f"localization[{lang}]"
    if len(items) > MAX_ITEMS_PER_LANGUAGE:
        raise FlowReadError(
            f"{where}: can't have more than {MAX_ITEMS_PER_LANGUAGE} item translations (has {len(items)})"
        )
    for item_uuid, props in items.items():
        if not _UUID_RE.match(item_uuid):
            raise FlowReadError(f"{where}: invalid item uuid '{item_uuid}'")
        if not isinstance(props, dict):
            raise FlowReadError(f"{where}[{item_uuid}]: must be an object")
        if len(props) > MAX_PROPERTIES_PER_ITEM:
            raise FlowReadError(
                f"{where}[{item_uuid}]: can't have more than {MAX_PROPERTIES_PER_ITEM} properties (has {len(props)})"
            )
        for key, value in props.items():
            if not key or len(key) > 64:
                shown = key if len(key) <= 32 else key[:31] + "…"
                raise FlowReadError(f"{where}[{item_uuid}]: invalid property name '{shown}'")
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and len(value) > MAX_VALUES_PER_PROPERTY:
                raise FlowReadError(
                    f"{where}[{item_uuid}]: translation for '{key}' can't have more than "
                    f"{MAX_VALUES_PER_PROPERTY} values (has {len(value)})"
                )
            for v in values:
                _check_translation_value(f"{where}[{item_uuid}]", key, v)


def _check_translation_value(where: str, key: str, v: Any) -> None:
    # values should be text, but editors put other things here (_ui metadata): tolerated, size-limited
    if isinstance(v, str):
        if len(v) > MAX_TRANSLATION_VALUE_CHARS:
            raise FlowReadError(
                f"{where}: translation value for '{key}' can't be longer than {MAX_TRANSLATION_VALUE_CHARS} "
                f"chars (is {len(v)})"
            )
        return
    size = len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_TRANSLATION_VALUE_CHARS:
        raise FlowReadError(
            f"{where}: translation value for '{key}' can't be larger than {MAX_TRANSLATION_VALUE_CHARS} "
            f"bytes (is {size})"
        )


def _valid_lang(lang: str) -> bool:
    """Whether lang is a real ISO 639-3 code, as goflow's check (x/text's language registry) has it."""
    return lang in _iso639_codes()


@cache
def _iso639_codes() -> frozenset[str]:
    import pycountry

    # ISO 639-3 languages with their ISO 639-2/B alternatives (e.g. "fre", found in RapidPro exports)
    # and the ISO 639-5 collections (e.g. "bnt"), all known to the registry goflow checks against;
    # loaded on first use, as reading pycountry's tables takes a moment
    codes = {lang.alpha_3 for lang in pycountry.languages}
    codes |= {b for lang in pycountry.languages if (b := getattr(lang, "bibliographic", None))}
    codes |= {family.alpha_3 for family in pycountry.language_families}
    return frozenset(codes)
