from typing import Any

from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import Org
from web.api.v2.throttle import parse_rate


async def test_root_lists_endpoints(api: API) -> None:
    # JSON for /api/v2/.json or a client that asks for JSON only; a browser gets the docs (tests/web/api/rapidpro)
    for path, accept in (
        ("/api/v2/.json", "*/*"),
        ("/api/v2/", "application/json"),
        ("/api/v2", "application/json"),
    ):
        resp = await api.client.get(path, headers={"Accept": accept})
        assert resp.status_code == 200
        body = resp.json()
        assert body["contacts"] == "http://testserver/api/v2/contacts"
        assert "flow_starts" in body and "org" not in body and "boundaries" not in body


async def test_openapi_and_explorer(api: API) -> None:
    spec = (await api.client.get("/api/v2/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]["/contacts.json"]) == {"get", "post", "delete"}
    names = {p["name"] for p in spec["paths"]["/contacts.json"]["get"]["parameters"]}
    assert {"uuid", "urn", "group", "deleted", "before", "after", "reverse", "cursor"} <= names
    assert "multipart/form-data" in spec["paths"]["/media.json"]["post"]["requestBody"]["content"]
    schemas = spec["components"]["schemas"]

    def resolved(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[-1]]

    page = resolved(
        spec["paths"]["/contacts.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert "urns" in resolved(page["properties"]["results"]["items"])["properties"]
    workspace = resolved(
        spec["paths"]["/workspace.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert "anon" in workspace["properties"]
    # the page itself needs a login (tests/web/api/rapidpro/test_docs.py); its files do not
    script = await api.client.get("/api/v2/explorer/explorer.js")
    assert script.status_code == 200 and "openapi.json" in script.text
    assert (await api.client.get("/api/v2/explorer/secrets.txt")).status_code == 404


def test_parse_rate() -> None:
    assert parse_rate("3600/hour") == (3600, 3600)
    assert parse_rate("10/m") == (10, 60)
    assert parse_rate("lots") is None


async def test_throttle_per_workspace_and_scope(api: API) -> None:
    async with transaction() as s:
        org = await s.get(Org, api.ws.org_id)
        org.config = {"api_rates": {"v2.contacts": "2/hour"}}
    assert (await api.get("contacts.json")).status_code == 200
    assert (await api.get("contacts.json", token=api.ws.tokens["editor"])).status_code == 200
    resp = await api.get("contacts.json")
    assert resp.status_code == 429
    retry = int(resp.headers["Retry-After"])
    assert 0 < retry <= 3600
    assert resp.json() == {"detail": f"Request was throttled. Expected available in {retry} seconds."}
    # other scopes and other workspaces have their own buckets
    assert (await api.get("groups.json")).status_code == 200
    assert (await api.get("contacts.json", token=api.other.token)).status_code == 200


async def test_throttle_rates_from_environment(api: API, monkeypatch) -> None:
    monkeypatch.setenv("API_THROTTLE_RATES", '{"v2": "1/minute"}')
    assert (await api.get("groups.json")).status_code == 200
    assert (await api.get("fields.json")).status_code == 429  # same v2 scope
    assert (await api.get("contacts.json")).status_code == 200  # v2.contacts keeps its default
