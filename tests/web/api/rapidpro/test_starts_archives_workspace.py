"""flow_starts, archives, workspace, media and definitions: RapidPro's tests for them, ported."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of, set_org
from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.db.models import Archive, Media
from web.api.v2 import media
from web.api.v2.extra import normalize_extra


async def test_flow_starts(api: API) -> None:
    url = "flow_starts.json"
    assert (await api.delete(url)).status_code == 405
    flow = await f.flow(api.ws.org_id, "Test")
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    hans = await f.contact(api.ws.org_id, "Hans Gruber", urns=["tel:+4921551511"])
    hans_group = await f.group(api.ws.org_id, "hans", [hans])
    assert_error(await api.post(url, {}, token=api.ws.tokens["editor"]), "flow", "This field is required.")
    resp = await api.post(url, {"flow": flow.uuid, "contacts": [joe.uuid]})
    assert resp.status_code == 201
    full = {"urns": ["tel:+12067791212"], "contacts": [joe.uuid], "groups": [str(hans_group.uuid)], "flow": flow.uuid,
            "restart_participants": False}  # fmt: skip
    resp = await api.post(
        url, full | {"extra": {"first_name": "Ryan"}, "params": {"first_name": "Bob", "last_name": "Marley"}}
    )
    assert resp.status_code == 201
    start = resp.json()
    assert start["params"] == start["extra"] == {"first_name": "Bob", "last_name": "Marley"}
    assert (start["flow"], start["status"], start["progress"]) == (
        {"uuid": flow.uuid, "name": "Test"}, "pending", {"total": -1, "started": 0})  # fmt: skip
    assert start["contacts"] == [{"uuid": str(joe.uuid), "name": "Joe Blow"}]
    assert start["groups"] == [{"uuid": str(hans_group.uuid), "name": "hans"}]
    assert (start["restart_participants"], start["exclude_active"]) == (False, False)
    # RapidPro's answer keys: the URNs asked for are stored, not shown
    assert set(start) == {"uuid", "flow", "status", "progress", "groups", "contacts", "params", "created_on",
                          "modified_on", "id", "extra", "restart_participants", "exclude_active"}  # fmt: skip

    resp = await api.post(url, {"flow": flow.uuid, "restart_participants": True})
    assert_error(resp, "non_field_errors", "Must specify at least one group, contact or URN")
    for name, value in (("extra", "YES"), ("extra", [1]), ("params", "YES"), ("params", [1])):
        assert_error(await api.post(url, full | {name: value}), name, "Must be a valid JSON object")
    resp = await api.post(url, full | {"params": {"foo": "a" * 10000}})
    assert_error(resp, "params", "Cannot exceed 10,000 characters encoded.")
    resp = await api.post(url, {"flow": flow.uuid, "urns": ["foo:bar"], "contacts": [joe.uuid]})
    assert_error(resp, ("urns", "0"), "Invalid URN: foo:bar. Ensure phone numbers contain country codes.")
    resp = await api.post(url, {"flow": flow.uuid, "urns": ["tel:+12067791212"], "contacts": ["abcde"]})
    assert_error(resp, "contacts", "No such object: abcde")
    resp = await api.post(url, {"flow": flow.uuid, "urns": ["tel:+12067791212"], "groups": ["abcde"]})
    assert_error(resp, "groups", "No such object: abcde")
    assert_error(
        await api.post(url, {"flow": "abcde", "urns": ["tel:+12067791212"]}), "flow", "No such object: abcde"
    )
    resp = await api.post(url, {"flow": flow.uuid, "groups": [f.uid() for _ in range(101)]})
    assert_error(resp, "groups", "Ensure this field has no more than 100 elements.")

    assert len(ids_of(await api.get(url))) == 2
    assert ids_of(await api.get(url, uuid=start["uuid"])) == [start["uuid"]]
    assert_error(await api.get(url, uuid="xyz"), None, "Param 'uuid': xyz is not a valid UUID.")


async def test_archives(api: API) -> None:
    url = "archives.json"
    assert (await api.client.get("/api/v2/archives.json")).status_code == 403
    assert (await api.get(url, token=api.ws.tokens["agent"])).status_code == 403
    assert [(await api.post(url, {})).status_code, (await api.delete(url)).status_code] == [405, 405]

    def archive(org_id: int, start: date, typ: str, period: str, **kw: object) -> Archive:
        return Archive(org_id=org_id, start_date=start, archive_type=typ, period=period, record_count=34, size=345,
                       hash=f"h{start.isoformat()}", url=f"https://archives.test/{start}", **kw)  # fmt: skip

    await f.add(
        Archive(org_id=api.ws.org_id, start_date=date(2017, 4, 5), archive_type="message", period="D")
    )
    a2 = await f.add(archive(api.ws.org_id, date(2017, 5, 1), "message", "M"))
    await f.add(archive(api.ws.org_id, date(2017, 6, 5), "run", "D"))
    await f.add(archive(api.ws.org_id, date(2017, 7, 1), "run", "M"))
    await f.add(
        archive(api.ws.org_id, date(2017, 5, 1), "run", "D", rollup_id=a2.id)
    )  # rolled up: not listed
    await f.add(archive(api.other.org_id, date(2017, 5, 1), "run", "D"))
    results = (await api.get(url)).json()["results"]
    assert [(r["type"], r["start_date"], r["period"]) for r in results] == [
        ("run", "2017-07-01", "monthly"), ("run", "2017-06-05", "daily"), ("message", "2017-05-01", "monthly"),
        ("message", "2017-04-05", "daily")]  # fmt: skip
    # an archive with nothing in it has no hash and no download URL; the deprecated archive_type is still sent
    assert results[3] == {"type": "message", "download_url": None, "hash": None, "period": "daily", "record_count": 0,
                          "size": 0, "start_date": "2017-04-05", "archive_type": "message"}  # fmt: skip
    assert results[0]["archive_type"] == "run"
    assert [r["start_date"] for r in (await api.get(url, after="2017-05-01")).json()["results"]] == [
        "2017-07-01", "2017-06-05", "2017-05-01"]  # fmt: skip
    assert len((await api.get(url, after="2017-05-01", type="run")).json()["results"]) == 2
    assert (await api.get(url, type="invalid")).json()["results"] == []
    resp = await api.get(url, after="2017-05-01", archive_type="run", period="daily")
    assert [r["start_date"] for r in resp.json()["results"]] == ["2017-06-05"]
    assert len((await api.get(url, period="monthly")).json()["results"]) == 2


async def test_workspace(api: API) -> None:
    await set_org(api.ws.org_id, timezone="Africa/Kigali", date_format="D")
    assert (await api.client.get("/api/v2/workspace.json")).status_code == 403
    assert [(await api.post("workspace.json", {})).status_code,
            (await api.delete("workspace.json")).status_code] == [405, 405]  # fmt: skip
    for role in ("agent", "editor", "administrator"):
        resp = await api.get("workspace.json", token=api.ws.tokens[role])
        assert resp.status_code == 200
    assert resp.json() == {
        "uuid": api.ws.org_uuid, "name": "Nyaruka", "country": "RW", "languages": ["eng", "kin"],
        "primary_language": "eng", "timezone": "Africa/Kigali", "date_style": "day_first",
        "credits": {"used": -1, "remaining": -1}, "anon": False,
    }  # fmt: skip
    await set_org(api.ws.org_id, languages=["kin"])
    resp = await api.get("workspace.json", token=api.ws.tokens["agent"])
    assert (resp.json()["languages"], resp.json()["primary_language"]) == (["kin"], "kin")


async def test_media(api: API, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    url = "/api/v2/media.json"
    assert (await api.get("media.json")).status_code == 405
    assert (await api.delete("media.json")).status_code == 405
    assert (await api.client.post(url, files={"file": ("a.jpg", b"x", "image/jpeg")})).status_code == 403
    resp = await api.client.post(url, headers=api.headers(), data={})
    assert_error(resp, "file", "No file was submitted.")
    xlsx = ("simple.xlsx", b"PK..", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp = await api.client.post(url, headers=api.headers(api.ws.tokens["agent"]), files={"file": xlsx})
    assert_error(resp, "file", "Unsupported file type.")
    monkeypatch.setattr(media, "MAX_BYTES", 1024)
    resp = await api.client.post(url, headers=api.headers(api.ws.tokens["editor"]),
                                 files={"file": ("snow.mp4", b"v" * 2048, "video/mp4")})  # fmt: skip
    assert_error(resp, "file", "Limit for file uploads is 0.0009765625 MB.")
    monkeypatch.undo()
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    jpeg = b"\xff\xd8\xff" + b"j" * 7458
    resp = await api.client.post(
        url, headers=api.headers(), files={"file": ("steve marten.jpg", jpeg, "image/jpeg")}
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body == {"uuid": body["uuid"], "content_type": "image/jpeg",
                    "url": f"{get_settings().web_url.rstrip('/')}/api/v2/media/{body['uuid']}/steve%20marten.jpg",
                    "filename": "steve marten.jpg", "size": 7461}  # fmt: skip
    async with transaction() as s:
        stored = (await s.execute(select(Media).where(Media.uuid == body["uuid"]))).scalar_one()
    assert (stored.org_id, stored.filename, stored.size) == (api.ws.org_id, "steve marten.jpg", 7461)
    served = await api.client.get(body["url"].removeprefix(get_settings().web_url.rstrip("/")))
    assert served.status_code == 200 and served.content == jpeg


@pytest.mark.parametrize(
    ("given", "content_type", "cleaned"),
    [("steve marten.jpg", "image/jpeg", "steve marten.jpg"), ("../../etc/passwd", "image/png", "passwd.png"),
     ("<b>.jpg", "image/jpeg", "b.jpg"), ("!!!.mp4", "video/mp4", "file.mp4"), ("photo.j%g", "image/jpeg", "photo.jpg")],
)  # fmt: skip
def test_media_names_are_cleaned_as_rapidpro_does(given: str, content_type: str, cleaned: str) -> None:
    assert media.clean_name(given, content_type) == cleaned


async def test_definitions_dependencies(api: API) -> None:
    flow = await f.flow(api.ws.org_id, "Test")
    resp = await api.get("definitions.json", flow=flow.uuid, dependencies="xx")
    assert_error(resp, None, "dependencies must be one of none, flows, all")
    resp = await api.get("definitions.json", flow=flow.uuid)
    assert resp.status_code == 200 and len(resp.json()["flows"]) == 1


def test_normalize_extra() -> None:
    # RapidPro's test_normalize_extra, with its patched size of 4
    assert normalize_extra({}, size=4) == {}
    assert normalize_extra(["a", True, Decimal("1.0"), None], size=4) == {
        "0": "a",
        "1": True,
        "2": Decimal("1.0"),
        "3": "",
    }
    assert normalize_extra({"%3 !x": "z"}, size=4) == {"_3__x": "z"}
    assert normalize_extra(["a", "b", "c", "d", "e"], size=4) == {"0": "a", "1": "b", "2": "c", "3": "d"}
    assert normalize_extra({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}, size=4) == {
        "a": 1,
        "b": 2,
        "c": 3,
        "d": 4,
    }
    assert normalize_extra({"a": "x" * 641}, size=4) == {"a": "x" * 640}


async def test_extra_is_normalized_on_a_start(api: API) -> None:
    flow = await f.flow(api.ws.org_id, "Test")
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    resp = await api.post("flow_starts.json", {"flow": flow.uuid, "contacts": [joe.uuid],
                                               "extra": {"first name": "Ryan", "kids": ["Ann", None]}})  # fmt: skip
    assert resp.status_code == 201
    assert resp.json()["extra"] == {"first_name": "Ryan", "kids": {"0": "Ann", "1": ""}}
