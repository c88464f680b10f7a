"""RapidPro's temba/api/v2/tests/test_definitions.py, ported: a parent flow starting two child flows, used by a
campaign event and a keyword trigger, exported with each `dependencies` choice; flows and campaigns as the
starting point; permissions and the anonymous docs page."""

import pytest

from tests.upesi.domain.exports_builder import action_node, export, flow, keyword_trigger, ref, send_node, u
from tests.upesi.domain.imports_support import do_import
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error

URL = "definitions.json"


async def _scenario(org_id: int) -> tuple[str, str]:
    """RapidPro's: Parent Flow starts Child Flow 1 and 2, a campaign on Others starts the parent a day after
    `registered`, a keyword trigger "test" starts it too. The parent's and the campaign's UUIDs."""
    child1, child2 = flow("Child Flow 1", [send_node("one")]), flow("Child Flow 2", [send_node("two")])
    parent = flow("Parent Flow", [action_node({"type": "enter_flow", "flow": ref(child1)}),
                                  action_node({"type": "enter_flow", "flow": ref(child2)})])  # fmt: skip
    group = u()
    campaign = {"uuid": u(), "name": "Reminders", "group": {"uuid": group, "name": "Others"}, "events": [
        {"uuid": u(), "offset": 1, "unit": "D", "event_type": "F", "delivery_hour": -1,
         "relative_to": {"key": "registered", "label": "Registered"}, "flow": ref(parent)}]}  # fmt: skip
    await do_import(org_id, export(
        flows=[parent, child1, child2], campaigns=[campaign], groups=[{"uuid": group, "name": "Others", "query": None}],
        fields=[{"key": "registered", "name": "Registered", "type": "datetime"}], triggers=[keyword_trigger(parent, "test")],
    ))  # fmt: skip
    return parent["uuid"], campaign["uuid"]


async def test_permissions_and_docs(api: API) -> None:
    assert (await api.client.get(f"/api/v2/{URL}")).status_code == 403
    assert (await api.get(URL, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post(URL, {})).status_code == 405
    assert (await api.delete(URL)).status_code == 405
    docs = await api.client.get("/api/v2/definitions")
    assert docs.status_code == 200 and "Deprecated endpoint" in docs.text


@pytest.mark.parametrize(
    ("query", "flows", "campaigns", "triggers"),
    [
        ({}, set(), 0, 0),  # nothing asked, nothing exported
        ({"flow": "parent"}, {"Parent Flow", "Child Flow 1", "Child Flow 2"}, 1, 1),  # all by default
        ({"flow": "parent", "dependencies": "all"}, {"Parent Flow", "Child Flow 1", "Child Flow 2"}, 1, 1),
        ({"flow": "parent", "dependencies": "none"}, {"Parent Flow"}, 0, 0),
        ({"flow": "parent", "dependencies": "flows"}, {"Parent Flow", "Child Flow 1", "Child Flow 2"}, 0, 1),
        ({"campaign": "campaign"}, {"Parent Flow", "Child Flow 1", "Child Flow 2"}, 1, 1),
    ],
)
async def test_dependencies(
    api: API, query: dict[str, str], flows: set[str], campaigns: int, triggers: int
) -> None:
    parent, campaign = await _scenario(api.ws.org_id)
    given = {"parent": parent, "campaign": campaign}
    resp = await api.get(URL, token=api.ws.tokens["editor"], **{k: given.get(v, v) for k, v in query.items()})
    body = resp.json()
    assert {f["name"] for f in body["flows"]} == flows
    assert (len(body["campaigns"]), len(body["triggers"])) == (campaigns, triggers)


async def test_invalid_dependencies_and_flows_migrated(api: API) -> None:
    parent, _ = await _scenario(api.ws.org_id)
    resp = await api.get(URL, flow=parent, dependencies="xx")
    assert_error(resp, None, "dependencies must be one of none, flows, all")
    exported = (await api.get(URL, flow=parent, dependencies="none")).json()["flows"]
    assert (
        exported[0]["spec_version"] == "14.4.2"
    )  # the current spec version, as RapidPro's CURRENT_SPEC_VERSION
