"""The export builder (upesi.domain.exports): RapidPro's dependency graph in both directions, and the
round trip: every export of the corpus imported into a fresh workspace and exported again gives the same
definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.upesi.domain.exports_builder import action_node, export, flow, keyword_trigger, ref, send_node, u
from tests.upesi.domain.imports_support import do_import, rows, workspace
from tests.upesi.domain.test_imports_corpus import VALID_FILES, _id
from upesi.db.engine import transaction
from upesi.domain.exports import export_definitions
from upesi.domain.imports.campaigns import _message
from upesi.domain.imports.reading import read_file
from upesi.domain.imports.triggers import SKIPPED


async def _export(
    org_id: int, flows: list[str], campaigns: list[str] = (), deps: str = "all"
) -> dict[str, Any]:  # type: ignore[assignment]
    async with transaction() as s:
        return await export_definitions(
            s, org_id=org_id, flow_uuids=flows, campaign_uuids=campaigns, dependencies=deps
        )


def _graph_export() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    target = flow("Target", [send_node("hi")])
    starter = flow("Starter", [action_node({"type": "enter_flow", "flow": ref(target)})])
    grouper = flow(
        "Grouper",
        [action_node({"type": "add_contact_groups", "groups": [{"uuid": (g := u()), "name": "Moms"}]})],
    )
    lonely = flow("Lonely", [send_node("alone")])
    campaign = {"uuid": u(), "name": "Care", "group": {"uuid": g, "name": "Moms"}, "events": [
        {"uuid": u(), "offset": 1, "unit": "D", "event_type": "F", "delivery_hour": -1,
         "relative_to": {"key": "edd", "label": "EDD"}, "flow": ref(target)}]}  # fmt: skip
    doc = export(flows=[target, starter, grouper, lonely], campaigns=[campaign], groups=[{"uuid": g, "name": "Moms", "query": None}],
                 triggers=[keyword_trigger(target, "go")])  # fmt: skip
    return doc, {f["name"]: f for f in doc["flows"]}


@pytest.mark.parametrize(
    ("deps", "flows", "campaigns", "triggers", "fields", "groups"),
    [
        # the flow that starts Target, the campaign whose event starts it and, through the campaign's group,
        # the flow that adds contacts to that group; the trigger that starts it; their fields and groups
        ("all", ["Grouper", "Starter", "Target"], ["Care"], [["go"]], ["edd"], ["Moms"]),
        # without campaigns in the graph, still the flow that starts it and the trigger (before: no trigger)
        ("flows", ["Starter", "Target"], [], [["go"]], [], []),
        ("none", ["Target"], [], [], [], []),
    ],
)
async def test_definitions_bring_what_rapidpro_graph_brings(
    db: None, deps: str, flows: list[str], campaigns: list[str], triggers: list[list[str]], fields: list[str],
    groups: list[str],
) -> None:  # fmt: skip
    doc, by_name = _graph_export()
    org_id = await workspace()
    await do_import(org_id, doc)
    got = await _export(org_id, [by_name["Target"]["uuid"]], deps=deps)
    assert sorted(f["name"] for f in got["flows"]) == flows
    assert [c["name"] for c in got["campaigns"]] == campaigns
    assert [t["keywords"] for t in got["triggers"]] == triggers
    assert [f["key"] for f in got["fields"]] == fields and [g["name"] for g in got["groups"]] == groups
    assert got["version"] == "13" and all(f["spec_version"] == "14.4.2" for f in got["flows"])


def _difference(a: Any, b: Any, path: str = "") -> str | None:
    """The first place two JSON documents differ, for a readable failure."""
    if type(a) is not type(b):
        return f"{path}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k}: only in {'export' if k in a else 'file'}"
            if (d := _difference(a[k], b[k], f"{path}/{k}")) is not None:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next(
            (
                d
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                if (d := _difference(x, y, f"{path}[{i}]"))
            ),
            None,
        )
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def _event_key(e: dict[str, Any]) -> tuple[Any, ...]:
    message = json.dumps(_message(e), sort_keys=True) if e.get("event_type") == "M" else None
    return (e["uuid"], e["offset"], e["unit"], e["event_type"], e.get("delivery_hour", -1), e["relative_to"]["key"],
            e.get("start_mode") or "I", (e.get("flow") or {}).get("uuid") if e["event_type"] == "F" else None, message)  # fmt: skip


def _trigger_key(t: dict[str, Any], names: dict[str, str]) -> tuple[Any, ...]:
    keywords = t.get("keywords") or ([t["keyword"]] if t.get("keyword") else [])
    flow = names.get(t["flow"].get("uuid") or "", t["flow"].get("name"))
    return (t["trigger_type"], tuple(k.lower() for k in keywords) if t["trigger_type"] == "K" else (),
            flow, tuple(sorted(g["name"] for g in t.get("groups") or [])))  # fmt: skip


def _strip(f: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in f.items() if k != "revision"}


def _same_flows(got: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
    exported = {f["uuid"]: _strip(f) for f in got}
    assert sorted(exported) == sorted(f["uuid"] for f in wanted)
    for f in wanted:
        assert _difference(exported[f["uuid"]], _strip(f)) is None, f["name"]


@pytest.mark.parametrize("path", VALID_FILES, ids=_id)
async def test_an_export_imported_into_a_fresh_workspace_exports_the_same_definitions(
    db: None, path: Path
) -> None:
    raw = json.loads(path.read_text())
    read = read_file(raw).export
    org_id = await workspace()
    await do_import(org_id, raw)
    uuids = [
        f["uuid"] for f in (await _export(org_id, [], deps="none"))["flows"]
    ]  # nothing asked, nothing out
    assert uuids == []
    flows = [r[0] for r in await rows("SELECT uuid::text FROM flows WHERE org_id = :o", o=org_id)]
    campaigns = [r[0] for r in await rows("SELECT uuid::text FROM campaigns WHERE org_id = :o", o=org_id)]
    got = await _export(org_id, flows, campaigns)

    # flows written at (or migrated deterministically to) the current spec come back exactly as in the file;
    # older ones get element UUIDs at migration, so for them the migrated definition is what must hold
    if read.flows == read_file(raw).export.flows:
        _same_flows(got["flows"], read.flows)
    assert {c["uuid"]: (c["name"], c["group"]["uuid"], sorted(map(_event_key, c["events"]))) for c in got["campaigns"]} == {
        c["uuid"]: (c["name"], c["group"]["uuid"], sorted(map(_event_key, c["events"]))) for c in read.campaigns
    }  # fmt: skip
    names = {f["uuid"]: f["name"] for f in [*read.flows, *got["flows"]]}
    wanted = {_trigger_key(t, names) for t in read.triggers if t["trigger_type"] not in SKIPPED}
    assert {_trigger_key(t, names) for t in got["triggers"]} == wanted
    file_fields = {f["key"]: f["type"] for f in read.fields}
    for f in got["fields"]:
        assert file_fields.get(f["key"], f["type"]) == f["type"]
    file_groups = {g["uuid"]: g for g in read.groups}
    for g in got["groups"]:
        if g["uuid"] in file_groups:
            assert (g["name"], g["query"]) == (
                file_groups[g["uuid"]]["name"],
                file_groups[g["uuid"]].get("query") or None,
            )

    # and the export is a fixed point: imported again and exported, it is the same document
    await do_import(org_id, got)
    again = await _export(org_id, flows, campaigns)
    _same_flows(again["flows"], got["flows"])
    assert {k: v for k, v in again.items() if k != "flows"} == {k: v for k, v in got.items() if k != "flows"}
