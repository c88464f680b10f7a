"""Bad input anywhere is a 4xx, never a 500: every write endpoint's declared body fields (routing.ENDPOINTS,
the same declarations as the routes and the docs), each given values of the wrong shape."""

from typing import Any

import pytest

from tests.web.api import factories as f
from tests.web.api.conftest import API
from web.api.v2.routing import ENDPOINTS

ODD_VALUES: list[Any] = [
    None,
    "",
    12345,
    True,
    [],
    {},
    ["x", 1, None],
    {"eng": ["x"]},
    {"a": {"b": []}},
    "x" * 5000,
]
WRITES = sorted(
    (name, op.method, op.body) for name, doc in ENDPOINTS.items() for op in doc.operations
    if op.method == "POST" and op.body and op.body != ["file"]
)  # fmt: skip


def test_every_write_is_covered() -> None:
    # contacts, broadcasts, flow_starts, campaign_events...: a new write endpoint joins this table by declaring
    # its body fields
    assert {name for name, _, _ in WRITES} >= {"contacts", "contact_actions", "broadcasts", "messages",
                                               "message_actions", "flow_starts", "campaign_events", "fields"}  # fmt: skip


@pytest.mark.parametrize(("name", "method", "fields"), WRITES, ids=[w[0] for w in WRITES])
async def test_odd_values_are_refused_with_a_4xx(api: API, name: str, method: str, fields: list[str]) -> None:
    await f.contact(api.ws.org_id, "Joe", urns=["tel:+250788123123"])
    for field in fields:
        for value in ODD_VALUES:
            resp = await api.post(f"{name}.json", {field: value})
            assert resp.status_code < 500, (name, field, value, resp.text)
            if resp.status_code == 400:
                assert isinstance(resp.json(), dict)
    # a body that is not an object at all
    resp = await api.client.post(f"/api/v2/{name}.json", content=b"[1, 2]", headers=api.headers() | {
        "Content-Type": "application/json"})  # fmt: skip
    assert resp.status_code == 400
    resp = await api.client.post(f"/api/v2/{name}.json", content=b"{not json", headers=api.headers() | {
        "Content-Type": "application/json"})  # fmt: skip
    assert resp.status_code == 400
