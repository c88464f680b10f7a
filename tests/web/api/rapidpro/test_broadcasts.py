"""broadcasts and messages (writes): RapidPro's test_broadcasts.py and test_messages.py assertions about what
may be sent, ported; and that quick replies keep their language and type all the way to courier."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from tests.mailroom.test_support_batch import run_tasks
from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Broadcast, Media, Msg
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from web.api.v2.values import fmt_dt


async def _media(org_id: int, name: str, content_type: str) -> Media:
    uuid = f.uid()
    return await f.add(Media(uuid=uuid, org_id=org_id, content_type=content_type, filename=name, path=name,
                             url=f"https://media.test/{uuid}/{name}"))  # fmt: skip


async def _translations(uuid: str) -> tuple[dict, str]:
    async with transaction() as s:
        b = (await s.execute(select(Broadcast).where(Broadcast.uuid == uuid))).scalar_one()
        return b.translations, b.base_language


async def test_invalid_broadcasts(api: API) -> None:
    url = "broadcasts.json"
    assert (await api.post(url, {}, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.delete(url)).status_code == 405
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    media = await _media(api.ws.org_id, "steve.jpg", "image/jpeg")
    assert_error(await api.post(url, {}), "non_field_errors", "Must provide either text or attachments.")
    assert_error(
        await api.post(url, {"text": "Hello"}),
        "non_field_errors",
        "Must provide either urns, contacts or groups.",
    )
    assert_error(
        await api.post(url, {"text": "Hello", "groups": [123456]}), "groups", "No such object: 123456"
    )
    resp = await api.post(url, {"text": {"kin": "Muraho"}, "base_language": "eng", "contacts": [joe.uuid]})
    assert_error(resp, "non_field_errors", "No text translation provided in base language.")
    # attachments and quick replies must have the base language too
    resp = await api.post(url, {"text": {"eng": "Hello"}, "attachments": {"spa": [media.uuid]}, "base_language": "eng",
                                "contacts": [joe.uuid]})  # fmt: skip
    assert_error(resp, "non_field_errors", "No attachment translations provided in base language.")
    resp = await api.post(url, {"text": {"eng": "Hello"}, "quick_replies": {"spa": [{"text": "Si"}, {"text": "No"}]},
                                "base_language": "eng", "contacts": [joe.uuid]})  # fmt: skip
    assert_error(resp, "non_field_errors", "No quick_replies translations provided in base language.")
    resp = await api.post(url, {"text": "Book", "quick_replies": [{"type": "form", "text": "Book now"}],
                                "contacts": [joe.uuid]})  # fmt: skip
    # named by language, then by index
    assert resp.status_code == 400 and resp.json() == {
        "quick_replies": {"eng": {"0": ["Quick replies of type 'form' require 'text' and 'extra' values."]}}
    }
    async with transaction() as s:
        assert (await s.execute(select(Broadcast))).first() is None


async def test_broadcast_translations(api: API) -> None:
    url = "broadcasts.json"
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    reporters = await f.group(api.ws.org_id, "Reporters", [joe, frank])
    media1 = await _media(api.ws.org_id, "steve.jpg", "image/jpeg")
    media2 = await _media(api.ws.org_id, "snow.mp4", "video/mp4")
    resp = await api.post(url, {
        "text": {"eng": "Hello @contact.name", "spa": "Hola @contact.name"},
        "attachments": {"eng": [media1.uuid, f"video/mp4:http://example.com/{media2.uuid}.mp4"], "kin": [media2.uuid]},
        "quick_replies": {"eng": [{"text": "Red"}, {"text": "Green", "extra": "Like grass"}, {"text": "Blue"}],
                          "fra": [{"text": "Rouge"}, {"text": "Vert"}, {"text": "Bleu"}]},
        "base_language": "eng", "urns": ["facebook:12345"], "contacts": [joe.uuid, frank.uuid],
        "groups": [reporters.uuid],
    })  # fmt: skip
    assert resp.status_code == 201, resp.text
    translations, base = await _translations(resp.json()["uuid"])
    assert translations == {
        "eng": {"text": "Hello @contact.name",
                "attachments": [f"image/jpeg:{media1.url}", f"video/mp4:{media2.url}"],
                "quick_replies": [{"type": "text", "text": "Red"}, {"type": "text", "text": "Green", "extra": "Like grass"},
                                  {"type": "text", "text": "Blue"}]},
        "spa": {"text": "Hola @contact.name"},
        "kin": {"attachments": [f"video/mp4:{media2.url}"]},
        "fra": {"quick_replies": [{"type": "text", "text": "Rouge"}, {"type": "text", "text": "Vert"},
                                  {"type": "text", "text": "Bleu"}]},
    }  # fmt: skip
    assert base == "eng"
    shown = resp.json()
    assert shown["text"] == {
        "eng": "Hello @contact.name",
        "spa": "Hola @contact.name",
        "kin": None,
        "fra": None,
    }
    assert shown["quick_replies"]["eng"][1] == {"type": "text", "text": "Green", "extra": "Like grass"}

    resp = await api.post(
        url, {"text": "Hello", "attachments": [media1.uuid, media2.uuid], "contacts": [joe.uuid]}
    )
    assert await _translations(resp.json()["uuid"]) == (
        {"eng": {"text": "Hello", "attachments": [f"image/jpeg:{media1.url}", f"video/mp4:{media2.url}"]}},
        "eng",
    )
    resp = await api.post(url, {"text": "Hello", "contacts": [joe.uuid, frank.uuid]})
    assert await _translations(resp.json()["uuid"]) == ({"eng": {"text": "Hello"}}, "eng")
    resp = await api.post(url, {"attachments": [media1.uuid], "contacts": [joe.uuid]})
    assert await _translations(resp.json()["uuid"]) == (
        {"eng": {"attachments": [f"image/jpeg:{media1.url}"]}},
        "eng",
    )

    await set_org(api.ws.org_id, is_anon=True)
    listed = (await api.get(url)).json()["results"]
    assert {b["urns"] is None for b in listed} == {True}  # not shown to anonymous workspaces


async def test_broadcast_quick_replies_reach_the_messages_sent(api: API) -> None:
    channel = await f.channel(api.ws.org_id)
    joe = await f.contact(api.ws.org_id, "Joe", urns=["tel:+250788123123"], language="fra")
    ann = await f.contact(api.ws.org_id, "Ann", urns=["tel:+250788123124"])
    resp = await api.post("broadcasts.json", {
        "text": {"eng": "Pick one", "fra": "Choisis"}, "contacts": [joe.uuid, ann.uuid],
        "quick_replies": {"eng": [{"text": "Book", "type": "url", "extra": "https://x.test/book"}, {"text": "Yes"}],
                          "fra": [{"text": "Oui"}, {"type": "location"}]},
    })  # fmt: skip
    assert resp.status_code == 201, resp.text
    await run_tasks()
    async with transaction() as s:
        stored = dict(
            (await s.execute(select(Msg.contact_id, Msg.quick_replies).where(Msg.direction == "O"))).all()
        )
    assert stored[ann.id] == ['{"type":"url","text":"Book","extra":"https://x.test/book"}', "Yes"]
    assert stored[joe.id] == ["Oui", '{"type":"location"}']
    queued = await get_redis().zrange(queue_name(str(channel.uuid), channel.tps) + "/0", 0, -1)
    sent = {m["contact"]["id"]: m for item in queued for m in json.loads(item)}
    assert sent[ann.id]["quick_replies"] == [
        {"type": "url", "text": "Book", "extra": "https://x.test/book"},
        "Yes",
    ]
    assert sent[joe.id]["quick_replies"] == ["Oui", {"type": "location"}]
    # and the messages endpoint shows them typed
    shown = {
        m["contact"]["uuid"]: m["quick_replies"] for m in (await api.get("messages.json")).json()["results"]
    }
    assert shown[str(ann.uuid)] == [{"type": "url", "text": "Book", "extra": "https://x.test/book"},
                                    {"type": "text", "text": "Yes"}]  # fmt: skip


async def test_message_quick_replies(api: API) -> None:
    await f.channel(api.ws.org_id)
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    resp = await api.post("messages.json", {"contact": joe.uuid, "text": "Book an appointment",
                                            "quick_replies": [{"type": "form", "text": "Book now"}]})  # fmt: skip
    assert resp.status_code == 400
    assert resp.json() == {
        "quick_replies": {"0": ["Quick replies of type 'form' require 'text' and 'extra' values."]}
    }
    replies = [{"text": "Red"}, {"text": "Green", "extra": "Like grass"}, {"type": "form", "text": "Book now", "extra": "123456"},
               {"type": "url", "text": "Visit us", "extra": "https://example.com"}]  # fmt: skip
    resp = await api.post("messages.json", {"contact": joe.uuid, "text": "What is your preferred color?",
                                            "quick_replies": replies})  # fmt: skip
    assert resp.status_code == 201
    typed = [{"type": "text", "text": "Red"}, {"type": "text", "text": "Green", "extra": "Like grass"},
             {"type": "form", "text": "Book now", "extra": "123456"},
             {"type": "url", "text": "Visit us", "extra": "https://example.com"}]  # fmt: skip
    assert resp.json()["quick_replies"] == typed
    listed = (await api.get("messages.json", contact=str(joe.uuid))).json()["results"][0]
    assert listed["quick_replies"] == typed
    for bad, message in [({"type": "text"}, "Quick replies of type 'text' require a 'text' value."),
                         ({"type": "location", "extra": "x"}, "Quick replies of type 'location' cannot have an 'extra' value."),
                         ({"type": "video", "text": "x"}, '"video" is not a valid choice.')]:  # fmt: skip
        resp = await api.post(
            "messages.json", {"contact": joe.uuid, "text": "Hi", "quick_replies": [{"text": "ok"}, bad]}
        )
        assert_error(resp, ("quick_replies", "1"), message)


async def test_listing(api: API) -> None:
    """RapidPro's listing: newest first, scheduled broadcasts and other workspaces' left out, progress from the
    recipients counted and the messages created; id, uuid, before and after filters."""
    url = "broadcasts.json"
    for token in (None, api.ws.tokens["agent"]):
        headers = api.headers(token) if token else {}
        assert (await api.client.get("/api/v2/broadcasts.json", headers=headers)).status_code == 403
        assert (await api.client.post("/api/v2/broadcasts.json", json={}, headers=headers)).status_code == 403
    assert (await api.delete(url)).status_code == 405
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    reporters = await f.group(api.ws.org_id, "Reporters", [joe, frank])
    hans = await f.contact(api.other.org_id, "Hans Gruber", urns=["tel:+4921551511"])

    bodies = [
        {"text": "Hello 1", "urns": ["facebook:12345"]},
        {"text": "Hello 2", "contacts": [str(joe.uuid)]},
        {"text": "Hello 3", "contacts": [str(frank.uuid)]},
        {"text": "Hello 4", "urns": ["facebook:12345"], "contacts": [str(joe.uuid)], "groups": [str(reporters.uuid)]},
        {"text": "Scheduled", "contacts": [str(joe.uuid)]},
    ]  # fmt: skip
    made = []
    for body in bodies:
        resp = await api.post(url, body)
        assert resp.status_code == 201, resp.text
        made.append(resp.json())
    other = await api.post(
        url, {"text": "Different org...", "contacts": [str(hans.uuid)]}, token=api.other.token
    )
    assert other.status_code == 201
    base = datetime.now(UTC) - timedelta(hours=1)
    rows = {}
    async with transaction() as s:
        for i, (b, status, count) in enumerate(zip(made, "PPCFP", (None, None, 1, 2, None), strict=True)):
            values: dict[str, Any] = {"status": status, "contact_count": count,
                                      "created_on": base + timedelta(minutes=i)}  # fmt: skip
            if i == 4:
                values["schedule"] = {"repeat_period": "D", "next_fire": base.isoformat()}
            await s.execute(update(Broadcast).where(Broadcast.uuid == b["uuid"]).values(**values))
        bcast4 = (await s.execute(select(Broadcast).where(Broadcast.uuid == made[3]["uuid"]))).scalar_one()
        rows = {b.uuid: b for b in (await s.execute(select(Broadcast))).scalars()}
    for contact in (joe, frank):  # the messages bcast4 created
        await f.msg(api.ws.org_id, contact, "Hello 4", direction="O", status="W", broadcast_id=bcast4.id)

    newest_first = [made[3]["uuid"], made[2]["uuid"], made[1]["uuid"], made[0]["uuid"]]
    for token in (api.ws.tokens["editor"], api.ws.token):
        resp = await api.get(url, token=token)
        assert ids_of(resp) == newest_first
    results = resp.json()["results"]
    b2, b4 = rows[made[1]["uuid"]], rows[made[3]["uuid"]]
    assert results[2] == {
        "uuid": b2.uuid, "id": b2.id, "status": "pending", "progress": {"total": -1, "started": 0}, "urns": [],
        "contacts": [{"uuid": str(joe.uuid), "name": "Joe Blow"}], "groups": [], "text": {"eng": "Hello 2"},
        "attachments": {"eng": []}, "quick_replies": {"eng": []}, "base_language": "eng",
        "created_on": fmt_dt(b2.created_on),
    }  # fmt: skip
    assert results[0] == {
        "uuid": b4.uuid, "id": b4.id, "status": "failed", "progress": {"total": 2, "started": 2},
        "urns": ["facebook:12345"], "contacts": [{"uuid": str(joe.uuid), "name": "Joe Blow"}],
        "groups": [{"uuid": str(reporters.uuid), "name": "Reporters"}], "text": {"eng": "Hello 4"},
        "attachments": {"eng": []}, "quick_replies": {"eng": []}, "base_language": "eng",
        "created_on": fmt_dt(b4.created_on),
    }  # fmt: skip
    b3 = rows[made[2]["uuid"]]
    assert ids_of(await api.get(url, id=str(b3.id))) == [b3.uuid]
    assert ids_of(await api.get(url, uuid=b3.uuid)) == [b3.uuid]
    assert ids_of(await api.get(url, before=fmt_dt(b2.created_on))) == [made[1]["uuid"], made[0]["uuid"]]
    assert ids_of(await api.get(url, after=fmt_dt(b3.created_on))) == [made[3]["uuid"], made[2]["uuid"]]
    await set_org(api.ws.org_id, is_anon=True)
    resp = await api.get(url, id=str(rows[made[0]["uuid"]].id))
    assert ids_of(resp) == [made[0]["uuid"]] and resp.json()["results"][0]["urns"] is None
