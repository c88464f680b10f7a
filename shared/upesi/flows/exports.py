"""Reading RapidPro definition exports: {version, site, flows, campaigns, triggers, fields, groups}.

Every flow is brought to the current spec (legacy v3-v11 flows are converted first) and then read,
so an export that imports is one the engine can run. Anything invalid is refused with a message
naming the flow and the problem; nothing is partially returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from upesi.flows.definition import CURRENT_SPEC_VERSION, FlowValidationError, migrate_flow, read_flow

_FLOW_MARKERS = ("action_sets", "rule_sets", "nodes", "definition", "spec_version", "base_language")
_TRIGGER_TYPES = {"K", "C", "M", "N", "R", "V", "T", "O", "S", "X", "I", "F", "P", "W", "E", "L"}


class ExportError(FlowValidationError):
    """The export can't be imported; the message says why (and which flow)."""


@dataclass
class Export:
    version: str
    site: str
    flows: list[dict[str, Any]]
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "site": self.site,
            "flows": self.flows,
            "campaigns": self.campaigns,
            "triggers": self.triggers,
            "fields": self.fields,
            "groups": self.groups,
        }


def _version_number(v: Any) -> float:
    try:
        parts = str(v).split(".")
        return float(parts[0]) + (float(parts[1]) / 100 if len(parts) > 1 else 0)
    except (ValueError, IndexError):
        return 0.0


def _unwrap_old_flow(fl: dict[str, Any]) -> dict[str, Any]:
    """Exports before v8 wrap each definition as {definition, name, flow_type, id, uuid}."""
    if "definition" not in fl:
        return fl
    d = dict(fl["definition"] or {})
    meta = dict(d.get("metadata") or {})
    meta.setdefault("name", fl.get("name", ""))
    if fl.get("uuid"):
        meta.setdefault("uuid", fl["uuid"])
    d["metadata"] = meta
    d.setdefault("flow_type", fl.get("flow_type", "F"))
    d.setdefault("entry", fl.get("entry") or d.get("entry"))
    return d


def _flow_name(fl: dict[str, Any]) -> str:
    return fl.get("name") or (fl.get("metadata") or {}).get("name") or fl.get("uuid") or "(unnamed)"


def _check_localized(fl: dict[str, Any], name: str) -> None:
    """Legacy flows that declare a base language must have every text translated into it."""
    if "base_language" not in fl:
        return  # very old, never-localized flows
    base = fl.get("base_language")
    if not base:
        raise ExportError(f"flow '{name}' has no base language")

    def check(v: Any, what: str) -> None:
        if v is None or isinstance(v, str):
            return  # a plain text is taken as the base language text, as RapidPro does
        if not isinstance(v, dict):
            raise ExportError(f"flow '{name}': {what} is not text or translations")
        if base not in v:
            raise ExportError(f"flow '{name}': {what} has no text in the base language '{base}'")

    for aset in fl.get("action_sets") or []:
        for a in aset.get("actions") or []:
            if a.get("type") in ("reply", "send", "say"):
                check(a.get("msg"), f"message action in node {aset.get('uuid')}")
    for rs in fl.get("rule_sets") or []:
        for r in rs.get("rules") or []:
            check(r.get("category"), f"rule category in node {rs.get('uuid')}")


def _fix_legacy(fl: dict[str, Any]) -> dict[str, Any]:
    """Repairs RapidPro's own migrations make: missing uuids, doubly nested translations."""
    import uuid as uuidlib

    def unnest(v: Any, base: str) -> Any:
        if isinstance(v, str):
            return {base: v}
        while isinstance(v, dict) and isinstance(v.get(base), dict):
            v = {**v, base: v[base].get(base, "")}
        return v

    base = fl.get("base_language") or "base"
    for aset in fl.get("action_sets") or []:
        aset.setdefault("exit_uuid", str(uuidlib.uuid4()))
        for a in aset.get("actions") or []:
            a.setdefault("uuid", str(uuidlib.uuid4()))
            if "msg" in a:
                a["msg"] = unnest(a["msg"], base)
    for rs in fl.get("rule_sets") or []:
        for r in rs.get("rules") or []:
            r.setdefault("uuid", str(uuidlib.uuid4()))
    return fl


def read_export_flow(fl: Any, export_version: float) -> dict[str, Any]:
    if not isinstance(fl, dict):
        raise ExportError("each item in 'flows' must be a flow definition object")
    name = _flow_name(fl)
    if "spec_version" not in fl:
        fl = _unwrap_old_flow(fl)
        name = _flow_name(fl)
        _check_localized(fl, name)
        fl = _fix_legacy(_deep_copy(fl))
        fl.setdefault("version", str(export_version))
        meta = fl.setdefault("metadata", {})
        if not meta.get("name"):
            meta["name"] = "Imported Flow"  # very old exports may carry flows without a name
    try:
        migrated = migrate_flow(fl, CURRENT_SPEC_VERSION)
        read_flow(migrated, validate_types=True)
    except FlowValidationError as e:
        raise ExportError(f"flow '{name}' is invalid: {e}") from e
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ExportError(f"flow '{name}' can't be migrated: {type(e).__name__}: {e}") from e
    return migrated


def _deep_copy(d: Any) -> Any:
    import copy

    return copy.deepcopy(d)


def _list_of_dicts(d: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = d.get(key) or []
    if not isinstance(v, list) or not all(isinstance(i, dict) for i in v):
        raise ExportError(f"'{key}' must be a list of objects")
    return v


def read_export(d: Any) -> Export:
    """Validate an export and migrate its flows to the current spec; raises ExportError if invalid."""
    if not isinstance(d, dict):
        raise ExportError("an export must be a JSON object with version and flows")
    if "flows" not in d and any(k in d for k in _FLOW_MARKERS):
        problem = ""
        try:
            if "spec_version" not in d:
                _check_localized(_unwrap_old_flow(d), _flow_name(d))
        except ExportError as e:
            problem = f"; the flow itself is also invalid: {e}"
        raise ExportError(
            "this file is a single flow definition, not a RapidPro export "
            f"(an export has 'version', 'site' and a 'flows' list){problem}"
        )
    if "version" not in d:
        raise ExportError("export has no 'version'")
    flows = d.get("flows")
    if not isinstance(flows, list):
        raise ExportError("export has no 'flows' list")
    version = _version_number(d["version"])
    migrated = [read_export_flow(fl, version) for fl in flows]
    uuids = [f["uuid"] for f in migrated]
    if len(set(uuids)) != len(uuids):
        raise ExportError("export contains the same flow twice")
    triggers = _list_of_dicts(d, "triggers")
    for t in triggers:
        if t.get("trigger_type") not in _TRIGGER_TYPES:
            raise ExportError(f"trigger has an unknown trigger_type '{t.get('trigger_type')}'")
    campaigns = _list_of_dicts(d, "campaigns")
    for c in campaigns:
        if not c.get("name") or not isinstance(c.get("events", []), list):
            raise ExportError("each campaign needs a name and a list of events")
    return Export(
        version=str(d["version"]),
        site=str(d.get("site") or ""),
        flows=migrated,
        campaigns=campaigns,
        triggers=triggers,
        fields=_list_of_dicts(d, "fields"),
        groups=_list_of_dicts(d, "groups"),
    )


def read_export_text(text: str | bytes) -> Export:
    """Parse and read an export file's text; a file that isn't JSON is refused with a clear message."""
    import orjson

    try:
        d = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise ExportError(f"this file is not valid JSON (is it a fragment of an export?): {e}") from e
    return read_export(d)
