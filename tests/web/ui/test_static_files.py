"""Static files: the editor's JavaScript compressed, cached for a year where the name is fingerprinted, and
a favicon."""

from tests.web.ui.helpers import Site
from web.ui.static import COMPONENTS_DIST, EDITOR_BUILD, editor_assets


async def test_editor_javascript_is_gzipped_and_fingerprinted_names_are_immutable(site: Site) -> None:
    main_js = next(path for path in editor_assets()["js"] if "main." in path)
    on_disk = (EDITOR_BUILD / main_js.removeprefix("/static/flow-editor/")).read_bytes()
    async with site.client() as client:
        response = await client.get(main_js, headers={"Accept-Encoding": "gzip"})
        raw = await client.get(main_js, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(on_disk) / 2
    assert response.content == on_disk  # httpx decodes the gzip body
    # a client that does not take gzip gets the file as it is
    assert "content-encoding" not in raw.headers and raw.content == on_disk


async def test_unfingerprinted_files_are_revalidated(site: Site) -> None:
    async with site.client() as client:
        response = await client.get("/static/temba/temba-components.js", headers={"Accept-Encoding": "gzip"})
        again = await client.get(
            "/static/temba/temba-components.js",
            headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]},
        )
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.content == (COMPONENTS_DIST / "temba-components.js").read_bytes()
    assert again.status_code == 304


async def test_favicon(site: Site) -> None:
    async with site.client() as client:
        redirect = await client.get("/favicon.ico")
        icon = await client.get(redirect.headers["location"])
        login = await client.get("/users/login/")
    assert redirect.status_code == 301 and icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/upesi/favicon.svg"' in login.text
