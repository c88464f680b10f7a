"""Reading an export file, lenient where RapidPro is lenient: translations of items no longer in a flow
are dropped and names longer than RapidPro allows are shortened (both reported as warnings), triggers of
old exports that name their flow by id are pointed at that flow's UUID. Everything else the engine's
export reader refuses is refused, with its message naming the flow and the node."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from upesi.domain.imports.report import ImportRefused
from upesi.flows.exports import Export, ExportError, read_export

MAX_NAME_LEN = 64  # RapidPro's TembaModel.MAX_NAME_LEN, for flows, groups, campaigns, labels, topics


def clean_name(original: str, max_len: int = MAX_NAME_LEN) -> str:
    """RapidPro's clean_name: stripped, cut to the limit, quotes and backslashes replaced, NULs removed."""
    return original.strip()[:max_len].strip().replace('"', "'").replace("\\", "/").replace("\0", "")


@dataclass
class ReadFile:
    export: Export
    warnings: list[str]


def _localizable_items(flow: dict[str, Any]) -> set[str]:
    """The UUIDs a flow's localization may translate: actions, router categories and cases."""
    items: set[str] = set()
    for node in flow.get("nodes") or []:
        if not isinstance(node, dict):
            continue
        items.update(a["uuid"] for a in node.get("actions") or [] if isinstance(a, dict) and "uuid" in a)
        router = node.get("router") or {}
        if isinstance(router, dict):
            for key in ("categories", "cases"):
                items.update(i["uuid"] for i in router.get(key) or [] if isinstance(i, dict) and "uuid" in i)
    return items


def _drop_orphan_translations(flow: dict[str, Any], warnings: list[str]) -> None:
    localization = flow.get("localization")
    if not isinstance(localization, dict):
        return
    items = _localizable_items(flow)
    for lang, translated in localization.items():
        if not isinstance(translated, dict):
            continue
        orphans = [uuid for uuid in translated if uuid not in items]
        for uuid in orphans:
            del translated[uuid]
        if orphans:
            warnings.append(
                f"flow '{flow.get('name', '')}': dropped {len(orphans)} '{lang}' translation(s) of items no "
                f"longer in the flow ({', '.join(orphans)})"
            )


def _shorten_names(fl: dict[str, Any], warnings: list[str]) -> None:
    holders = [fl, fl.get("metadata"), (fl.get("definition") or {}).get("metadata")]
    for holder in holders:
        if (
            isinstance(holder, dict)
            and isinstance(holder.get("name"), str)
            and len(holder["name"]) > MAX_NAME_LEN
        ):
            short = clean_name(holder["name"])
            warnings.append(
                f"flow '{holder['name']}': name shortened to '{short}' ({MAX_NAME_LEN} characters)"
            )
            holder["name"] = short


def read_file(raw: Any) -> ReadFile:
    """Validate and migrate an export; raises ImportRefused naming what is wrong."""
    if not isinstance(raw, dict):
        raise ImportRefused("an export must be a JSON object with version and flows")
    raw = copy.deepcopy(raw)  # the caller's document is never changed
    warnings: list[str] = []
    flows = raw.get("flows")
    if isinstance(flows, list):
        for fl in flows:
            if not isinstance(fl, dict):
                continue
            _shorten_names(fl, warnings)
            if "spec_version" in fl:
                _drop_orphan_translations(fl, warnings)
    try:
        export = read_export(raw)
    except ExportError as e:
        raise ImportRefused(str(e)) from e
    # exports before version 9 name a trigger's flow by its id within the file
    ids = {
        fl.get("id"): migrated["uuid"]
        for fl, migrated in zip(raw.get("flows") or [], export.flows, strict=True)
        if isinstance(fl, dict) and fl.get("id") is not None
    }
    for t in export.triggers:
        ref = t.get("flow")
        if isinstance(ref, dict) and not ref.get("uuid") and ref.get("id") in ids:
            t["flow"] = {"uuid": ids[ref["id"]], "name": ref.get("name", "")}
    for c in export.campaigns:
        for event in c.get("events") or []:
            ref = event.get("flow") if isinstance(event, dict) else None
            if isinstance(ref, dict) and not ref.get("uuid") and ref.get("id") in ids:
                event["flow"] = {"uuid": ids[ref["id"]], "name": ref.get("name", "")}
    return ReadFile(export, warnings)
