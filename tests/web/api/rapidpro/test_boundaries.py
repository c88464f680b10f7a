"""boundaries: RapidPro's test_boundaries.py, as far as it applies. RapidPro lists the workspace country's
administrative boundaries (OSM ids, parents, aliases, geometry); we have no locations model (NOTES.md), so every
workspace answers as RapidPro's does for a workspace without a country: an empty page. The permissions and the
allowed methods are RapidPro's."""

from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import set_org


async def test_endpoint(api: API) -> None:
    url = "/api/v2/boundaries.json"
    assert (await api.client.get(url)).status_code == 403
    assert (await api.post("boundaries.json", {})).status_code == 405
    assert (await api.delete("boundaries.json")).status_code == 405

    for role in ("editor", "administrator"):
        resp = await api.get("boundaries.json", token=api.ws.tokens[role])
        assert resp.status_code == 200
        assert resp.json() == {"next": None, "previous": None, "results": []}

    # a workspace without a country: no results, as RapidPro
    await set_org(api.ws.org_id, country=None)
    assert (await api.get("boundaries.json")).json()["results"] == []
    # geometry is a parameter RapidPro takes (with or without shapes): still answered
    assert (await api.get("boundaries.json", geometry="true")).status_code == 200
