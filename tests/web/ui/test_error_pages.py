"""Errors a person sees are pages in the layout (with the menu when signed in), naming the field at fault;
never FastAPI's JSON, never a bare "Internal Server Error"."""

import httpx

from tests.web.ui.helpers import Site, csrf_from, sign_in

HTML = {"Accept": "text/html"}


async def test_a_value_of_the_wrong_kind_names_the_field(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/campaign/")).text)
    response = await admin.post(
        "/campaign/event/create/", data={"offset": "soon", "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Offset: Input should be a valid integer" in response.text
    assert 'class="nav"' in response.text  # in the layout, with the menu
    # sent from the campaigns page (as a browser says in Referer): that page again, the message by the field
    again = await admin.post(
        "/campaign/event/create/",
        data={"offset": "soon", "campaign": "c", "relative_to": "created_on", "csrf_token": token},
        headers=HTML | {"Referer": "http://testserver/campaign/"},
    )
    assert again.status_code == 400 and 'class="nav"' in again.text
    assert 'data-field="offset">offset: enter a whole number</div>' in again.text
    assert "<title>Campaigns · Upesi</title>" in again.text


async def test_not_found_and_forbidden_keep_the_menu(site: Site, admin: httpx.AsyncClient) -> None:
    missing = await admin.get("/flow/editor/3b1e2a7c-0000-4000-8000-000000000000/", headers=HTML)
    assert missing.status_code == 404 and 'class="nav"' in missing.text
    async with site.signed_in("viewer") as viewer:
        forbidden = await viewer.get("/org/edit/", headers=HTML)
    assert forbidden.status_code == 403 and 'class="nav"' in forbidden.text
    assert "You do not have permission to do that." in forbidden.text


async def _crashing(site: Site, path: str, signed_in: bool = False) -> httpx.Response:
    """GET a route added to the app at `path` that raises, through a client that sees the 500 the app sends."""

    async def boom() -> None:
        raise RuntimeError("the database fell over")

    site.transport.app.add_api_route(path, boom, methods=["GET"])
    transport = httpx.ASGITransport(app=site.transport.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        if signed_in:
            await sign_in(client, site.emails["administrator"])
        return await client.get(path, headers=HTML)


async def test_a_crash_is_a_page_in_the_layout(site: Site) -> None:
    response = await _crashing(site, "/flow/boom/", signed_in=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text and 'class="nav"' in response.text
    assert "the database fell over" not in response.text and "Internal Server Error" not in response.text


async def test_a_crash_on_the_api_answers_rapidpros_words(site: Site) -> None:
    response = await _crashing(site, "/api/v2/boom.json")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server Error. Site administrators have been notified."}
