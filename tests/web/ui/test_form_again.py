"""Issue #22 point 11 for the UI: a form post with a NUL or a value the database cannot take (an invalid UUID, a
number past bigint) gives the form again, in the layout, with the message naming the field, never a 500 or a
bare error page. A table over every UI form route: the form is read from the page that shows it and sent as a
browser would, one field at a time made hostile; routes whose form needs objects the site lacks get every
usual field name at once."""

import re
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.web.ui.helpers import Site, csrf_from
from tests.web.ui.test_hostile_input import DELIBERATE, FIELDS, _routes

HOSTILE = ["bad\x00value", "not-a-uuid", "99999999999999999999"]
# the page that shows each route's form ({flow}: the site's flow); routes left out are posted from the
# dashboard with every usual field name, since their form needs an object (a ticket, a channel...) first
FORM_PAGES = {
    "/campaign/create/": "/campaign/",
    "/channels/channel/claim/": "/channels/channel/claim/",
    "/contact/create/": "/contact/",
    "/contact/fields/": "/contact/fields/",
    "/contact/group/create/": "/contact/",
    "/flow/create/": "/flow/",
    "/flow/start/{flow_uuid}/": "/flow/editor/{flow}/",
    "/msg/send/": "/msg/inbox/",
    "/org/create/": "/org/create/",
    "/org/edit/": "/org/edit/",
    "/org/invite/": "/org/manage_accounts/",
    "/trigger/create/": "/trigger/",
    "/user/edit/": "/user/edit/",
}
SIGNED_OUT = {
    "/org/signup/": "/org/signup/",
    "/user/forget/": "/user/forget/",
    "/users/login/": "/users/login/",
}
NOT_FORMS = {  # posted by scripts (JSON answers) or not a form a person fills
    "/flow/revisions/{flow_uuid}/", "/flow/simulate/{flow_uuid}/", "/msg/media_upload/",
    "/flow/preview_start/{flow_uuid}/", "/users/logout/",
}  # fmt: skip
TYPED = re.compile(r"^(text|email|search|url|tel|number|textarea|select)$")


class Forms(HTMLParser):
    """The fields of each form of a page: {action: [(name, type, value)]}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str, str]]] = {}
        self.current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = a.get("action", "")
            self.forms.setdefault(self.current, [])
        elif tag in ("input", "textarea", "select") and self.current is not None and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self.forms[self.current].append((a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def form_of(html: str, action: str) -> list[tuple[str, str, str]] | None:
    parser = Forms()
    parser.feed(html)
    return parser.forms.get(action)


def shown_again(resp: httpx.Response, action: str, field: str, signed_in: bool) -> list[str]:
    """What is wrong with an answer that should be the form again naming `field` (empty when nothing)."""
    problems = []
    if resp.status_code != 400:
        problems.append(f"status {resp.status_code}")
    if '<div class="layout">' not in resp.text or ('class="nav"' not in resp.text and signed_in):
        problems.append("not in the layout")
    note = re.search(r'id="field-error" data-field="([^"]*)">([^<]*)<', resp.text)
    if note is None or note.group(1) != field or not note.group(2).startswith(f"{field}: "):
        problems.append(f"no message naming {field}: {note.groups() if note else None}")
    if f'action="{action}"' not in resp.text:
        problems.append("the form is not on the page")
    return problems


async def _table(client: httpx.AsyncClient, pages: dict[str, str], site: Site, signed_in: bool) -> list[Any]:
    failures = []
    for route, page in pages.items():
        action = route.replace("{flow_uuid}", site.flow_uuid)
        url = page.replace("{flow}", site.flow_uuid)
        html = (await client.get(url)).text
        fields = form_of(html, action)
        assert fields, (route, "no form on", url)
        typed = [name for name, kind, _ in fields if TYPED.match(kind) and "password" not in name]
        assert typed, (route, fields)
        for name in typed:
            for bad in HOSTILE:
                data = [
                    (n, bad if n == name else v)
                    for n, kind, v in fields
                    if kind not in ("submit", "checkbox")
                ]
                data = [(n, csrf_from(html) if n == "csrf_token" else v) for n, v in data]
                resp = await client.post(
                    action,
                    data=dict(data),
                    headers={"accept": "text/html", "referer": f"http://testserver{url}"},
                )
                if resp.status_code >= 500 and resp.status_code != DELIBERATE:
                    failures.append((route, name, bad, resp.status_code))
                elif resp.status_code == 400 and f'action="{action}"' not in resp.text:
                    failures.append((route, name, bad, "a 400 without the form"))  # the route's own refusal
                elif bad == HOSTILE[0] and (wrong := shown_again(resp, action, name, signed_in)):
                    failures.append((route, name, "NUL", wrong))
    return failures


async def test_every_form_is_shown_again_naming_the_hostile_field(site: Site) -> None:
    async with site.signed_in("administrator") as client:
        failures = await _table(client, FORM_PAGES, site, True)
    async with site.client() as client:
        failures += await _table(client, SIGNED_OUT, site, False)
    assert failures == [], "\n".join(map(str, failures))


async def test_forms_needing_an_object_never_answer_500(site: Site) -> None:
    """The other form routes, posted from the dashboard with every usual field hostile: never a 5xx, and a
    NUL is answered in the layout naming the field."""
    covered = set(FORM_PAGES) | set(SIGNED_OUT) | NOT_FORMS
    async with site.signed_in("administrator") as client:
        token = csrf_from((await client.get("/dashboard/")).text)
        failures = []
        for path in _routes("POST"):
            if path in covered:
                continue
            url = re.sub(r"\{[^}]+\}", site.flow_uuid if "flow" in path else "not-a-uuid", path)
            for bad in HOSTILE:
                form = {field: bad for field in FIELDS} | {"csrf_token": token}
                resp = await client.post(
                    url, data=form, headers={"accept": "text/html", "referer": "http://testserver/dashboard/"}
                )
                if resp.status_code >= 500 and resp.status_code != DELIBERATE:
                    failures.append((path, bad, resp.status_code))
                elif bad == HOSTILE[0] and not (resp.status_code == 400 and 'class="nav"' in resp.text
                                                and "contains a NUL character" in resp.text):  # fmt: skip
                    failures.append((path, "NUL", resp.status_code))
    assert failures == [], "\n".join(map(str, failures))
