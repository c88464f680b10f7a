"""Importing RapidPro exports, one small export per behaviour (issue #16): copies into another workspace
get new UUIDs with every reference rewritten; a re-import updates what it matches; campaigns with their
events (scheduled by mailroom once committed); triggers replaced as RapidPro replaces them; what flows use
is created; RapidPro's leniencies; triggers naming their flow by id; a refused file changes nothing and its
message names the flow, node and reason; a preview writes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.upesi.domain.exports_builder import (
    action_node,
    export,
    flow,
    group_split,
    keyword_trigger,
    ref,
    send_node,
    u,
)  # fmt: skip
from tests.upesi.domain.imports_support import counts, do_import, rows, workspace
from upesi.db.engine import transaction
from upesi.domain.imports import ImportRefused, import_definitions, preview_import, queue_campaign_scheduling
from upesi.flows.engine import Engine
from upesi.queues.fair import QUEUE_BATCH, FairQueue, Task
from upesi.queues.redis import get_redis


async def _definition(org_id: int, name: str) -> dict[str, Any]:
    found = await rows(
        "SELECT r.definition FROM flow_revisions r JOIN flows f ON f.id = r.flow_id "
        "WHERE f.org_id = :o AND f.name = :n ORDER BY r.revision DESC LIMIT 1",
        o=org_id, n=name,
    )  # fmt: skip
    return found[0][0]


def _kit() -> dict[str, Any]:
    """A group, a child flow adding contacts to it, and a parent flow entering the child."""
    group = {"uuid": u(), "name": "Mothers", "query": None}
    child = flow(
        "Child",
        [action_node({"type": "add_contact_groups", "groups": [{"uuid": group["uuid"], "name": "Mothers"}]})],
    )
    parent = flow("Parent", [action_node({"type": "enter_flow", "flow": ref(child)})])
    return export(flows=[parent, child], groups=[group], triggers=[keyword_trigger(parent, "join")])


async def test_a_copy_into_another_workspace_gets_new_uuids_and_every_reference_rewritten(db: None) -> None:
    doc = _kit()
    first, second = await workspace("First"), await workspace("Second")
    await do_import(first, doc)
    report = await do_import(second, doc)  # before: IntegrityError uq_flows_uuid

    file_parent, file_child = doc["flows"]
    mothers = {o: (await rows("SELECT uuid::text FROM contact_groups WHERE org_id = :o AND name = 'Mothers'", o=o))[0][0]
               for o in (first, second)}  # fmt: skip
    parent_a, parent_b = await _definition(first, "Parent"), await _definition(second, "Parent")
    child_a, child_b = await _definition(first, "Child"), await _definition(second, "Child")
    # the first workspace keeps the file's UUIDs, so it exports again unchanged
    assert parent_a["uuid"] == file_parent["uuid"] and mothers[first] == doc["groups"][0]["uuid"]
    # the second gets its own, and its flows point at its own objects
    assert parent_b["uuid"] != file_parent["uuid"] and child_b["uuid"] != file_child["uuid"]
    assert mothers[second] != mothers[first]
    assert parent_b["nodes"][0]["actions"][0]["flow"]["uuid"] == child_b["uuid"]
    assert child_b["nodes"][0]["actions"][0]["groups"][0]["uuid"] == mothers[second]
    assert child_b["nodes"][0]["uuid"] != child_a["nodes"][0]["uuid"]  # a copy's elements are its own too
    assert [f["name"] for f in report.flows] == ["Parent", "Child"]
    trigger_flow = await rows(
        "SELECT f.uuid::text FROM triggers t JOIN flows f ON f.id = t.flow_id WHERE t.org_id = :o", o=second
    )
    assert trigger_flow == [(parent_b["uuid"],)]


async def test_reimport_into_the_same_workspace_updates_what_it_matches(db: None) -> None:
    doc = _kit()
    org_id = await workspace()
    await do_import(org_id, doc)
    before = await counts(org_id)
    report = await do_import(org_id, doc)
    assert await counts(org_id) == before  # no second flow, group or keyword trigger
    assert report.updated["flows"] == ["Parent", "Child"] and not report.created["flows"]
    assert report.updated["triggers"] == ["keyword join → Parent (unchanged)"]
    revisions = await rows(
        "SELECT f.name, f.revision FROM flows f WHERE f.org_id = :o ORDER BY f.name", o=org_id
    )
    assert revisions == [("Child", 2), ("Parent", 2)]


async def test_a_keyword_trigger_for_another_flow_archives_the_one_it_replaces(db: None) -> None:
    doc = _kit()
    org_id = await workspace()
    await do_import(org_id, doc)
    other = flow("Other", [send_node("hi")])
    report = await do_import(
        org_id, export(flows=[other], triggers=[keyword_trigger(other, "join", "start")])
    )
    triggers = await rows(
        "SELECT f.name, t.keywords, t.is_archived FROM triggers t JOIN flows f ON f.id = t.flow_id "
        "WHERE t.org_id = :o ORDER BY f.name", o=org_id,
    )  # fmt: skip
    assert triggers == [("Other", ["join", "start"], False), ("Parent", ["join"], True)]
    assert report.archived == ["K join (replaced by the import)"]
    # importing the first file again restores its trigger and archives the other, as RapidPro does
    await do_import(org_id, doc)
    states = await rows(
        "SELECT t.keywords, t.is_archived FROM triggers t WHERE t.org_id = :o ORDER BY t.id", o=org_id
    )
    assert states == [(["join"], False), (["join", "start"], True)]


GROUP_A = {"uuid": "a1111111-0000-4000-8000-000000000001", "name": "A", "query": None}
GROUP_B = {"uuid": "a1111111-0000-4000-8000-000000000002", "name": "B", "query": None}


def _trigger(f: dict[str, Any], ttype: str, **kw: Any) -> dict[str, Any]:
    t = {"trigger_type": ttype, "keywords": [], "match_type": None, "flow": ref(f), "groups": [],
         "exclude_groups": [], "channel": None}  # fmt: skip
    for k in ("groups", "exclude_groups"):
        kw[k] = [{"uuid": g["uuid"], "name": g["name"]} for g in kw.get(k, [])]
    return {**t, **kw}


# RapidPro's Trigger.import_def over get_conflicts (upesi.domain.triggers.find_conflicts, the same rule the
# trigger form refuses with): (case, first file's trigger, second file's trigger, same flow?, states after)
CONFLICT_CASES = [
    ("overlapping keyword, other flow: archived", dict(ttype="K", keywords=["join"]),
     dict(ttype="K", keywords=["start", "join"]), False, [True, False]),
    ("other keyword: both active", dict(ttype="K", keywords=["join"]),
     dict(ttype="K", keywords=["leave"]), False, [False, False]),
    ("keyword for another group: both active", dict(ttype="K", keywords=["join"], groups=[GROUP_A]),
     dict(ttype="K", keywords=["join"], groups=[GROUP_B]), False, [False, False]),
    ("overlapping groups: archived", dict(ttype="K", keywords=["join"], groups=[GROUP_A]),
     dict(ttype="K", keywords=["join"], groups=[GROUP_A, GROUP_B]), False, [True, False]),
    ("for everybody vs for a group: both active", dict(ttype="C"),
     dict(ttype="C", groups=[GROUP_A]), False, [False, False]),
    ("catch-all, other flow: archived", dict(ttype="C"), dict(ttype="C"), False, [True, False]),
    ("the same trigger: kept, nothing created", dict(ttype="K", keywords=["join"]),
     dict(ttype="K", keywords=["join"]), True, [False]),
    ("the same but other excluded groups: replaced", dict(ttype="K", keywords=["join"]),
     dict(ttype="K", keywords=["join"], exclude_groups=[GROUP_A]), True, [True, False]),
    ("missed call vs catch-all: other types never conflict", dict(ttype="M"), dict(ttype="C"), False,
     [False, False]),
]  # fmt: skip


@pytest.mark.parametrize(
    "first,second,same_flow,archived", [c[1:] for c in CONFLICT_CASES], ids=[c[0] for c in CONFLICT_CASES]
)
async def test_imported_triggers_follow_the_conflict_rules(
    db: None, first: dict[str, Any], second: dict[str, Any], same_flow: bool, archived: list[bool]
) -> None:
    f1 = flow("One", [send_node("one")])
    f2 = f1 if same_flow else flow("Two", [send_node("two")])
    org_id = await workspace()
    groups = [GROUP_A, GROUP_B]
    await do_import(org_id, export(flows=[f1], groups=groups, triggers=[_trigger(f1, **first)]))
    await do_import(org_id, export(flows=[f2], groups=groups, triggers=[_trigger(f2, **second)]))
    states = await rows("SELECT t.is_archived FROM triggers t WHERE t.org_id = :o ORDER BY t.id", o=org_id)
    assert [s[0] for s in states] == archived


def _campaign_export() -> dict[str, Any]:
    reminder = flow("Reminder", [send_node("Your appointment is tomorrow")])
    group = {"uuid": u(), "name": "Patients", "query": None}
    events = [
        {"uuid": u(), "offset": -1, "unit": "D", "event_type": "F", "delivery_hour": 10, "start_mode": "S",
         "relative_to": {"key": "next_visit", "label": "Next Visit"}, "flow": ref(reminder)},
        {"uuid": u(), "offset": 2, "unit": "H", "event_type": "M", "delivery_hour": -1, "start_mode": "P",
         "relative_to": {"key": "created_on", "label": "Created On"},
         "message": {"eng": "Welcome", "fra": "Bienvenue"}, "base_language": "eng"},
        {"uuid": u(), "offset": 1, "unit": "W", "event_type": "M", "delivery_hour": 9,
         "relative_to": {"key": "next_visit", "label": "Next Visit"}, "message": "Plain old text"},
    ]  # fmt: skip
    campaign = {
        "uuid": u(),
        "name": "Visits",
        "group": {"uuid": group["uuid"], "name": "Patients"},
        "events": events,
    }
    return export(flows=[reminder], groups=[group], campaigns=[campaign])


async def test_campaigns_import_with_their_events_and_are_scheduled(db: None) -> None:
    doc = _campaign_export()
    org_id = await workspace()
    report = await do_import(org_id, doc)  # before: "campaigns are not imported yet"
    events = await rows(
        "SELECT e.offset, e.unit, e.event_type, e.delivery_hour, e.start_mode, e.relative_to_key, f.name, "
        "e.translations, e.base_language, c.name, g.name FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id "
        "JOIN contact_groups g ON g.id = c.group_id LEFT JOIN flows f ON f.id = e.flow_id "
        "WHERE e.org_id = :o AND e.is_active ORDER BY e.offset", o=org_id,
    )  # fmt: skip
    assert events == [
        (-1, "D", "F", 10, "S", "next_visit", "Reminder", None, None, "Visits", "Patients"),
        (1, "W", "M", 9, "I", "next_visit", None, {"und": "Plain old text"}, "und", "Visits", "Patients"),
        (
            2,
            "H",
            "M",
            -1,
            "P",
            "created_on",
            None,
            {"eng": "Welcome", "fra": "Bienvenue"},
            "eng",
            "Visits",
            "Patients",
        ),
    ]
    field = await rows(
        "SELECT name, value_type FROM contact_fields WHERE org_id = :o AND key = 'next_visit'", o=org_id
    )
    assert field == [("Next Visit", "D")]  # created as a datetime field

    # mailroom computes the fires once the import is committed, as the campaign events API asks
    await queue_campaign_scheduling(org_id=org_id, event_ids=report.event_ids)
    queue = FairQueue(get_redis(), QUEUE_BATCH)
    queued = []
    while (popped := await queue.pop()) is not None:
        queued.append(Task.decode(*popped))
        await queue.done(*popped)
    ids = sorted(r[0] for r in await rows("SELECT id FROM campaign_events WHERE org_id = :o", o=org_id))
    assert sorted(t.task["event_id"] for t in queued) == ids and {t.type for t in queued} == {
        "schedule_campaign_event"
    }

    # a second import replaces the events (the old ones released and rescheduled away), no duplicates
    again = await do_import(org_id, doc)
    assert (await counts(org_id))["events"] == 3 and again.updated["campaigns"] == ["Visits"]
    assert set(ids) <= set(again.event_ids)


async def test_what_flows_use_is_created(db: None) -> None:
    group_uuid, label_uuid, topic_uuid = u(), u(), u()
    uses = flow("Uses", [
        send_node("Your colour is @fields.favorite_color, from @globals.org_name"),
        group_split(group_uuid, "Split Group"),
        action_node({"type": "add_input_labels", "labels": [{"uuid": label_uuid, "name": "Important"}]}),
        action_node({"type": "open_ticket", "topic": {"uuid": topic_uuid, "name": "Billing"}, "body": "", "assignee": None}),
        action_node({"type": "call_resthook", "resthook": "new-mother", "result_name": "Hook"}),
    ])  # fmt: skip
    for i, node in enumerate(uses["nodes"][:-1]):
        for e in node["exits"]:
            e["destination_uuid"] = uses["nodes"][i + 1]["uuid"]
    org_id = await workspace()
    report = await do_import(org_id, export(flows=[uses]))
    assert report.created["fields"] == ["favorite_color"] and report.created["groups"] == ["Split Group"]
    assert report.created["labels"] == ["Important"] and report.created["topics"] == ["Billing"]
    assert report.created["globals"] == ["org_name"] and report.created["resthooks"] == ["new-mother"]
    held = {
        "field": await rows(
            "SELECT key FROM contact_fields WHERE org_id = :o AND key = 'favorite_color'", o=org_id
        ),
        "group": await rows(
            "SELECT uuid::text FROM contact_groups WHERE org_id = :o AND name = 'Split Group'", o=org_id
        ),
        "label": await rows("SELECT uuid::text FROM labels WHERE org_id = :o", o=org_id),
        "topic": await rows("SELECT uuid::text FROM topics WHERE org_id = :o AND name = 'Billing'", o=org_id),
        "global": await rows("SELECT key, value FROM globals WHERE org_id = :o", o=org_id),
        "resthook": await rows("SELECT slug FROM resthooks WHERE org_id = :o", o=org_id),
    }
    assert held == {"field": [("favorite_color",)], "group": [(group_uuid,)], "label": [(label_uuid,)],
                    "topic": [(topic_uuid,)], "global": [("org_name", "")], "resthook": [("new-mother",)]}  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "status", "warned"),
    [
        ([{"key": "age", "name": "Age", "type": "number"}], "R", False),
        # the field comes only from the query, so it is text and "> 18" can't be asked of it: RapidPro
        # imports the group all the same (its evaluation fails later); we mark it invalid and say so
        ([], "V", True),
    ],
)
async def test_a_smart_group_imports_with_its_query_and_the_fields_it_uses(
    db: None, fields: list[dict[str, str]], status: str, warned: bool
) -> None:
    org_id = await workspace()
    report = await do_import(
        org_id, export(fields=fields, groups=[{"uuid": u(), "name": "Adults", "query": "age > 18"}])
    )
    assert report.created["fields"] == ["age"] and report.created["groups"] == ["Adults"]
    group = await rows(
        "SELECT group_type, query, status FROM contact_groups WHERE org_id = :o AND name = 'Adults'", o=org_id
    )
    assert group == [("Q", "age > 18", status)]
    assert any("Adults" in w for w in report.warnings) == warned


async def test_translations_of_removed_items_are_dropped_and_long_names_shortened(db: None) -> None:
    node = send_node("Hello")
    gone = u()
    lenient = flow("A" * 80, [node], localization={"fra": {node["actions"][0]["uuid"]: {"text": ["Bonjour"]},
                                                          gone: {"text": ["Perdu"]}}})  # fmt: skip
    org_id = await workspace()
    report = await do_import(org_id, export(flows=[lenient]))  # before: refused whole
    stored = await _definition(org_id, "A" * 64)
    assert stored["localization"] == {"fra": {node["actions"][0]["uuid"]: {"text": ["Bonjour"]}}}
    assert any(gone in w for w in report.warnings) and any("shortened" in w for w in report.warnings)


async def test_a_legacy_trigger_naming_its_flow_by_id_is_imported(db: None) -> None:
    entry = u()
    legacy = {
        "version": 7, "site": "https://textit.in",
        "flows": [{"id": 42, "name": "Legacy", "flow_type": "F", "uuid": u(), "definition": {
            "base_language": "eng", "entry": entry, "rule_sets": [], "metadata": {},
            "action_sets": [{"uuid": entry, "x": 0, "y": 0, "destination": None,
                             "actions": [{"type": "reply", "msg": {"eng": "Hi"}},
                                         {"type": "add_group", "groups": [{"uuid": (legacy_group := u()), "name": "Old Timers"}]}]}]}}],
        "triggers": [{"trigger_type": "K", "keyword": "old", "flow": {"id": 42, "name": "Legacy"}, "groups": []}],
    }  # fmt: skip
    org_id = await workspace()
    report = await do_import(org_id, legacy)  # before: "for a flow not in this export"
    # the group named only in a legacy group action is created too
    assert report.created["groups"] == ["Old Timers"]
    assert await rows(
        "SELECT uuid::text FROM contact_groups WHERE org_id = :o AND name = 'Old Timers'", o=org_id
    ) == [(legacy_group,)]
    assert await rows("SELECT t.keywords, f.name FROM triggers t JOIN flows f ON f.id = t.flow_id WHERE t.org_id = :o",
                      o=org_id) == [(["old"], "Legacy")]  # fmt: skip


async def test_a_refused_file_names_flow_node_and_reason_and_changes_nothing(db: None) -> None:
    good = flow("Good", [send_node("hi")])
    broken = flow("Broken", [send_node("hi")])
    broken["nodes"][0]["exits"][0]["destination_uuid"] = missing = u()
    doc = export(flows=[good, broken], groups=[{"uuid": u(), "name": "Never", "query": None}],
                 fields=[{"key": "never", "name": "Never", "type": "text"}])  # fmt: skip
    org_id = await workspace()
    before = await counts(org_id)
    with pytest.raises(ImportRefused) as refused:
        async with transaction() as s:
            await import_definitions(s, org_id=org_id, export=doc)
    message = str(refused.value)
    assert "Broken" in message and broken["nodes"][0]["uuid"] in message and missing in message
    assert await counts(org_id) == before


async def test_a_preview_reports_what_would_happen_and_writes_nothing(db: None) -> None:
    doc = _campaign_export()
    org_id = await workspace()
    before = await counts(org_id)
    async with transaction() as s:
        report = await preview_import(s, org_id=org_id, export=copy.deepcopy(doc))
    assert (
        report.dry_run
        and report.created["flows"] == ["Reminder"]
        and report.created["campaigns"] == ["Visits"]
    )
    assert len(report.created["campaign events"]) == 3 and report.event_ids == []
    assert await counts(org_id) == before
    assert report.lines()[0].startswith("would import 1 flow(s)")


async def test_a_v4_legacy_email_action_imports_and_runs(db: None) -> None:
    entry = u()
    legacy = {
        "version": 4, "site": "https://textit.in",
        "flows": [{"id": 1, "name": "Email", "flow_type": "F", "uuid": u(), "definition": {
            "entry": entry, "rule_sets": [], "metadata": {},
            "action_sets": [{"uuid": entry, "x": 0, "y": 0, "destination": None, "actions": [
                {"type": "email", "emails": ["a@example.com"], "subject": "Hi", "msg": "A new contact"}]}]}}],
    }  # fmt: skip
    org_id = await workspace()
    report = await do_import(org_id, legacy)
    definition = await _definition(org_id, report.flows[0]["name"])
    contact = {
        "uuid": u(),
        "name": "Ana",
        "status": "active",
        "created_on": "2024-01-01T00:00:00Z",
        "urns": [],
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": definition["uuid"], "name": "Email"},
        "triggered_on": "2024-01-01T00:00:00Z",
    }
    _, sprint = Engine().new_session({"flows": [definition]}, contact, trigger)
    assert "email_sent" in [e["type"] for e in sprint.events] or "error" in [e["type"] for e in sprint.events]


@pytest.mark.parametrize(
    "broken",
    [
        {"triggers": [{"trigger_type": "K", "keywords": ["x"], "flow": "not a reference"}]},
        {"campaigns": [{"name": "C", "group": {"name": "G"}, "events": ["not an event"]}]},
        {"triggers": [{"trigger_type": "Z", "flow": {"uuid": "x"}}]},
    ],
)
async def test_a_malformed_export_is_refused_with_a_message_and_changes_nothing(
    db: None, broken: dict[str, Any]
) -> None:
    org_id = await workspace()
    before = await counts(org_id)
    with pytest.raises(ImportRefused) as refused:
        async with transaction() as s:
            await import_definitions(
                s, org_id=org_id, export=export(flows=[flow("F", [send_node("hi")])], **broken)
            )
    assert str(refused.value) and await counts(org_id) == before
