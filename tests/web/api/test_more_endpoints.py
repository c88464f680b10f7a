from datetime import UTC, date, datetime

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.models import Archive, ChannelEvent, OptIn, Resthook, WebhookEvent


async def test_channel_events(api: API) -> None:
    ch = await f.channel(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob")
    ev = await f.add(ChannelEvent(uuid=f.uid(), org_id=api.ws.org_id, channel_id=ch.id, event_type="mo_miss",
                                  contact_id=bob.id, extra={"duration": 0}, occurred_on=datetime.now(UTC)))  # fmt: skip
    results = (await api.get("channel_events.json")).json()["results"]
    assert results == [{"id": ev.id, "type": "call-in-missed", "contact": {"uuid": bob.uuid, "name": "Bob"},
                        "channel": {"uuid": ch.uuid, "name": ch.name}, "extra": {"duration": 0},
                        "occurred_on": results[0]["occurred_on"], "created_on": results[0]["created_on"]}]  # fmt: skip
    assert (await api.get("channel_events.json", contact=f.uid())).json()["results"] == []
    assert (await api.get("channel_events.json", token=api.other.token)).json()["results"] == []


async def test_resthooks(api: API) -> None:
    hook = await f.add(Resthook(org_id=api.ws.org_id, slug="new-mother"))
    await f.add(Resthook(org_id=api.other.org_id, slug="theirs"))
    await f.add(WebhookEvent(org_id=api.ws.org_id, resthook_id=hook.id, data={"contact": {"uuid": "x"}}))
    assert [r["resthook"] for r in (await api.get("resthooks.json")).json()["results"]] == ["new-mother"]

    resp = await api.post(
        "resthook_subscribers.json", {"resthook": "new-mother", "target_url": "https://zapier.com/h/1"}
    )
    assert resp.status_code == 201, resp.text
    sub = resp.json()
    assert sub["resthook"] == "new-mother" and sub["target_url"] == "https://zapier.com/h/1"
    again = await api.post(
        "resthook_subscribers.json", {"resthook": "new-mother", "target_url": "https://zapier.com/h/1"}
    )
    assert again.json() == {"non_field_errors": ["URL is already subscribed to this event."]}
    theirs = await api.post(
        "resthook_subscribers.json", {"resthook": "theirs", "target_url": "https://x.com"}
    )
    assert theirs.json() == {"resthook": ["No resthook with slug: theirs"]}
    assert [
        s["id"] for s in (await api.get("resthook_subscribers.json", resthook="new-mother")).json()["results"]
    ] == [sub["id"]]
    assert (
        await api.delete("resthook_subscribers.json", id=str(sub["id"]), token=api.other.token)
    ).status_code == 404
    assert (await api.delete("resthook_subscribers.json", id=str(sub["id"]))).status_code == 204
    assert (await api.get("resthook_subscribers.json")).json()["results"] == []

    events = (await api.get("resthook_events.json", resthook="new-mother")).json()["results"]
    assert [(e["resthook"], e["data"]) for e in events] == [("new-mother", {"contact": {"uuid": "x"}})]
    assert (await api.get("resthook_events.json", token=api.other.token)).json()["results"] == []


async def test_users(api: API) -> None:
    results = (await api.get("users.json")).json()["results"]
    assert sorted((u["email"], u["role"]) for u in results) == [
        ("admin@nyaruka.com", "administrator"),
        ("agent.admin@nyaruka.com", "agent"),
        ("editor.admin@nyaruka.com", "editor"),
        ("viewer.admin@nyaruka.com", "viewer"),
    ]
    assert [u["email"] for u in (await api.get("users.json", role="agent")).json()["results"]] == [
        "agent.admin@nyaruka.com"
    ]
    assert [
        u["role"] for u in (await api.get("users.json", email="ADMIN@nyaruka.com")).json()["results"]
    ] == ["administrator"]
    assert (await api.get("users.json", token=api.ws.tokens["agent"])).status_code == 200


async def test_archives_boundaries_classifiers(api: API) -> None:
    monthly = await f.add(Archive(org_id=api.ws.org_id, archive_type="message", period="M", start_date=date(2026, 1, 1),
                                  record_count=10, size=100, hash="abc", url="https://s3/a.jsonl.gz"))  # fmt: skip
    await f.add(
        Archive(
            org_id=api.ws.org_id,
            archive_type="message",
            period="D",
            start_date=date(2026, 1, 2),
            rollup_id=monthly.id,
        )
    )
    await f.add(Archive(org_id=api.ws.org_id, archive_type="run", period="D", start_date=date(2026, 2, 2)))
    results = (await api.get("archives.json")).json()["results"]
    assert [(a["type"], a["period"], a["start_date"]) for a in results] == [
        ("run", "daily", "2026-02-02"),
        ("message", "monthly", "2026-01-01"),
    ]
    assert results[1]["download_url"] == "https://s3/a.jsonl.gz" and results[1]["record_count"] == 10
    assert len((await api.get("archives.json", type="message")).json()["results"]) == 1
    assert len((await api.get("archives.json", after="2026-02-01")).json()["results"]) == 1
    assert (await api.get("boundaries.json")).json() == {"next": None, "previous": None, "results": []}
    assert (await api.get("classifiers.json")).json()["results"] == []


async def test_optins_and_topics(api: API) -> None:
    await f.add(OptIn(uuid=f.uid(), org_id=api.other.org_id, name="Theirs"))
    resp = await api.post("optins.json", {"name": "Newsletter"})
    assert resp.status_code == 201 and resp.json()["name"] == "Newsletter"
    assert [o["name"] for o in (await api.get("optins.json")).json()["results"]] == ["Newsletter"]
    resp = await api.post("topics.json", {"name": "Billing"})
    assert resp.status_code == 201
    assert resp.json()["counts"] == {"open": 0, "closed": 0} and resp.json()["system"] is False
    assert (await api.post("topics.json", {"name": "Billing"})).status_code == 400
    # every workspace starts with RapidPro's default topic
    assert [t["name"] for t in (await api.get("topics.json")).json()["results"]] == [
        "Billing",
        "General",
    ]  # newest first
    assert [t["name"] for t in (await api.get("topics.json", token=api.other.token)).json()["results"]] == [
        "General"
    ]


async def test_media_upload_and_download(api: API, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    resp = await api.client.post("/api/v2/media.json", headers=api.headers(),
                                 files={"file": ("../cat pic.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg")})  # fmt: skip
    assert resp.status_code == 201, resp.text
    media = resp.json()
    assert (
        media["content_type"] == "image/jpeg" and media["filename"] == "cat pic.jpg" and media["size"] == 12
    )
    path = media["url"].split("/api/v2/", 1)[1]
    download = await api.client.get(f"/api/v2/{path}")
    assert download.status_code == 200 and download.content == b"\xff\xd8jpeg-bytes"
    bad = await api.client.post(
        "/api/v2/media.json",
        headers=api.headers(),
        files={"file": ("x.exe", b"MZ", "application/x-msdownload")},
    )
    assert bad.status_code == 400 and "file" in bad.json()

    # the uploaded UUID is accepted as a message attachment
    await f.channel(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    sent = await api.post("messages.json", {"contact": bob.uuid, "attachments": [media["uuid"]]})
    assert sent.status_code == 201, sent.text
    assert sent.json()["attachments"] == [{"content_type": "image/jpeg", "url": media["url"]}]
    other = await api.post(
        "messages.json", {"contact": bob.uuid, "attachments": [media["uuid"]]}, token=api.other.token
    )
    assert other.status_code == 400


async def test_definitions(api: API) -> None:
    flow = await f.flow(api.ws.org_id, "Registration")
    resp = await api.get("definitions.json", flow=flow.uuid)
    assert resp.status_code == 200
    body = resp.json()
    assert body["version"] == "13"
    assert [fl["uuid"] for fl in body["flows"]] == [flow.uuid]
    assert body["flows"][0]["nodes"][0]["router"]["result_name"] == "Age Group"
    assert body["campaigns"] == [] and body["triggers"] == []
    assert (await api.get("definitions.json", flow=flow.uuid, token=api.other.token)).json()["flows"] == []
    assert (await api.get("definitions.json", flow=flow.uuid, dependencies="bogus")).status_code == 400
    assert (await api.get("definitions.json", token=api.ws.tokens["agent"])).status_code == 403


async def test_system_objects_cannot_be_modified(api: API) -> None:
    general = (await api.get("topics.json")).json()["results"][0]
    assert general["name"] == "General" and general["system"] is True
    resp = await api.post("topics.json", {"name": "Renamed"}, uuid=general["uuid"])
    assert resp.status_code == 403
    assert resp.json() == {"detail": "Cannot modify system object."}
    from upesi.db.models import ContactField

    await f.add(
        ContactField(
            uuid=f.uid(), org_id=api.ws.org_id, key="last_seen_on", name="Last Seen On", is_system=True
        )
    )
    resp = await api.post("fields.json", {"name": "Seen"}, key="last_seen_on")
    assert resp.status_code == 403 and resp.json() == {"detail": "Cannot modify system object."}
    assert "last_seen_on" not in [x["key"] for x in (await api.get("fields.json")).json()["results"]]
