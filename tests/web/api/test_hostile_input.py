"""Issue #22 point 11 for the API: every write (and read) given NUL characters, invalid UUIDs, numbers too big
for bigint and JSON nested 100,000 deep answers 4xx, never 500; a NUL names its field."""

import pytest

from tests.web.api.conftest import API
from tests.web.ui.test_hostile_input import _routes

BAD_VALUES = ["bad\x00value", "not-a-uuid", "99999999999999999999"]
KEYS = ["name", "text", "uuid", "contact", "contacts", "urns", "urn", "groups", "group", "flow", "label", "labels",
        "key", "value", "fields", "language", "channel", "message", "messages", "action", "broadcast", "query",
        "target_url", "event", "resthook", "topic", "ticket", "tickets", "assignee", "note", "label_type", "type",
        "value_type", "extra", "params", "address", "body", "campaign", "relative_to", "offset", "unit", "email"]  # fmt: skip


def _endpoint(path: str) -> str:
    return path.removeprefix("/api/v2/")


@pytest.mark.parametrize("bad", BAD_VALUES)
async def test_api_writes_never_answer_500(api: API, bad: str) -> None:
    failures = []
    for path in _routes("POST", api=True):
        if "{" in path:
            continue
        body = {key: bad for key in KEYS} | {
            "urns": [bad],
            "groups": [bad],
            "contacts": [bad],
            "fields": {bad: bad},
        }
        for params in ({}, {"uuid": bad}):
            resp = await api.post(_endpoint(path), body, **params)
            if resp.status_code >= 500:
                failures.append((path, params, resp.status_code))
    assert failures == []


@pytest.mark.parametrize("bad", BAD_VALUES)
async def test_api_reads_never_answer_500(api: API, bad: str) -> None:
    failures = []
    for path in _routes("GET", api=True):
        if "{" in path:
            continue
        resp = await api.get(
            _endpoint(path), uuid=bad, contact=bad, group=bad, flow=bad, before=bad, cursor=bad
        )
        if resp.status_code >= 500:
            failures.append((path, resp.status_code))
    assert failures == []


async def test_nul_names_the_field_and_deep_json_is_refused(api: API) -> None:
    resp = await api.post("contacts.json", {"name": "Bad\x00Name"})
    assert resp.status_code == 400 and resp.json() == {"name": ["Null characters are not allowed."]}
    # nested by key and index, as RapidPro's serializers nest them
    resp = await api.post(
        "broadcasts.json", {"urns": ["tel:+250788123123", "tel:\x00"], "text": {"eng": "hi"}}
    )
    assert resp.status_code == 400 and resp.json() == {"urns": {"1": ["Null characters are not allowed."]}}
    deep = "[" * 100_000 + "]" * 100_000
    resp = await api.client.post(
        "/api/v2/contacts.json", content=deep, headers=api.headers() | {"content-type": "application/json"}
    )
    assert resp.status_code == 400 and "nested too deeply" in resp.text
