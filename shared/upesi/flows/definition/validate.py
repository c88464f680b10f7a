"""Structural validation of a read flow: references between nodes, exits, categories and cases."""

from __future__ import annotations

from functools import cache

from upesi.flows.definition.errors import FlowReadError
from upesi.flows.definition.model import Flow


def validate_flow(flow: Flow, check_types: bool = True) -> None:
    from upesi.flows.actions import ACTIONS, validate_action

    seen: set[str] = set()
    item_uuids: set[str] = set()
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
            item_uuids.add(a["uuid"])
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
            item_uuids.add(c.uuid)
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
                item_uuids.add(case.uuid)
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
        for item_uuid, props in items.items():
            if item_uuid not in item_uuids:
                raise FlowReadError(
                    f"localization[{lang}]: item {item_uuid} isn't a localizable item in this flow"
                )
            if not isinstance(props, dict):
                raise FlowReadError(f"localization[{lang}][{item_uuid}]: must be an object")
            for key, _vals in props.items():
                if not key:
                    raise FlowReadError(f"localization[{lang}][{item_uuid}]: invalid property '{key}'")


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
