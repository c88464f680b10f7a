"""channels, channel_events and statistics: RapidPro's test_channels.py, test_channel_events.py and
test_statistics.py assertions, ported."""

from datetime import UTC, datetime

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of
from upesi.channeltypes import TYPE_NAMES
from upesi.db.models import ChannelEvent
from web.api.v2.channel_events import API_TYPES
from web.api.v2.channels import TYPE_SLUGS


def test_every_type_we_create_has_a_slug() -> None:
    assert set(TYPE_NAMES) - set(TYPE_SLUGS) == set()


async def test_channels(api: API) -> None:
    facebook = await f.channel(api.ws.org_id, "FBA", "billy_bob", schemes=["facebook"])
    external = await f.channel(api.ws.org_id, "EX", "+250785551212")
    await f.channel(api.other.org_id, "FBA", "nyaruka")
    assert (await api.get("channels.json", token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post("channels.json", {})).status_code == 405
    assert (await api.delete("channels.json")).status_code == 405

    resp = await api.get("channels.json")
    assert ids_of(resp) == [str(external.uuid), str(facebook.uuid)]
    first, second = resp.json()["results"]
    assert second == {
        "uuid": str(facebook.uuid), "name": facebook.name, "address": "billy_bob", "type": "facebook",
        "country": "RW", "device": None, "last_seen": None, "created_on": second["created_on"],
    }  # fmt: skip
    # the slug clients switch on, not the stored code
    assert first["type"] == "external"
    assert ids_of(await api.get("channels.json", uuid=str(facebook.uuid))) == [str(facebook.uuid)]
    assert ids_of(await api.get("channels.json", address="billy_bob")) == [str(facebook.uuid)]


async def test_channel_events(api: API) -> None:
    channel = await f.channel(api.ws.org_id)
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["tel:+250788124124"])
    events = []
    for contact, code, extra in [(joe, "mo_miss", {}), (frank, "mo_call", {"duration": 36}),
                                 (frank, "mt_miss", {}), (joe, "mt_call", {"duration": 15}),
                                 (joe, "stop_contact", {})]:  # fmt: skip
        events.append(
            await f.add(ChannelEvent(uuid=f.uid(), org_id=api.ws.org_id, channel_id=channel.id, event_type=code,
                                     contact_id=contact.id, extra=extra, occurred_on=datetime.now(UTC)))
        )  # fmt: skip
    assert (await api.client.get("/api/v2/channel_events.json")).status_code == 403
    assert (await api.get("channel_events.json", token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post("channel_events.json", {})).status_code == 405
    assert (await api.delete("channel_events.json")).status_code == 405

    resp = await api.get("channel_events.json")
    assert ids_of(resp, "id") == [e.id for e in reversed(events)]
    assert [r["type"] for r in resp.json()["results"]] == [
        "stop-contact", "call-out", "call-out-missed", "call-in", "call-in-missed"]  # fmt: skip
    call4 = resp.json()["results"][1]
    assert call4 == {
        "id": events[3].id, "channel": {"uuid": str(channel.uuid), "name": channel.name}, "type": "call-out",
        "contact": {"uuid": str(joe.uuid), "name": "Joe Blow"}, "occurred_on": call4["occurred_on"],
        "extra": {"duration": 15}, "created_on": call4["created_on"],
    }  # fmt: skip
    assert ids_of(await api.get("channel_events.json", id=str(events[0].id)), "id") == [events[0].id]
    assert ids_of(await api.get("channel_events.json", contact=str(joe.uuid)), "id") == [
        events[4].id, events[3].id, events[0].id]  # fmt: skip
    # a contact that is not a UUID matches nothing (RapidPro: an empty list, not a 400)
    assert ids_of(await api.get("channel_events.json", contact="invalid"), "id") == []
    # before / after are inclusive, on created_on
    listed = {r["id"]: r["created_on"] for r in resp.json()["results"]}
    assert ids_of(await api.get("channel_events.json", before=listed[events[2].id]), "id") == [
        events[2].id, events[1].id, events[0].id]  # fmt: skip
    assert ids_of(await api.get("channel_events.json", after=listed[events[1].id]), "id") == [
        events[4].id, events[3].id, events[2].id, events[1].id]  # fmt: skip


def test_every_channel_event_type_has_an_api_name() -> None:
    # RapidPro's ChannelEvent.TYPE_CONFIG: eleven types, each with its API name
    assert len(API_TYPES) == 11 and all("_" not in name for name in API_TYPES.values())


async def test_statistics(api: API) -> None:
    url = "statistics.json"
    assert (
        await api.client.get("/api/v2/statistics.json", params={"since": "2026-02-01", "until": "2026-02-28"})
    ).status_code == 403
    assert (
        await api.get(url, token=api.ws.tokens["agent"], since="2026-02-01", until="2026-02-28")
    ).status_code == 403
    # its docs page (no .json) answers 200
    assert (await api.client.get("/api/v2/statistics")).status_code == 200
    assert (await api.post(url, {})).status_code == 405
    assert (await api.delete(url)).status_code == 405
    assert_error(await api.get(url, since="bad", until="2026-02-28"), None, "Invalid date value for 'since'.")
    assert_error(await api.get(url, since="2024-01-01", until="2025-06-01"), None,
                 "Date range can't be more than 366 days.")  # fmt: skip
    assert (await api.get(url)).json() == {"results": []}
    assert (await api.get(url, since="2026-02-01", until="2026-02-28")).json() == {"results": []}

    android = await f.channel(api.ws.org_id, "A")
    facebook = await f.channel(api.ws.org_id, "FBA", "12345", schemes=["facebook"])
    other = await f.channel(api.other.org_id, "A")
    joe = await f.contact(api.ws.org_id, "Joe")
    hans = await f.contact(api.other.org_id, "Hans")
    d1, d2 = datetime(2026, 2, 10, 12, tzinfo=UTC), datetime(2026, 2, 11, 12, tzinfo=UTC)
    rows = [(android, d1, "T", "I", 3), (android, d1, "T", "O", 2), (android, d1, "V", "I", 1),
            (android, d1, "V", "O", 2), (facebook, d1, "T", "I", 1), (facebook, d1, "T", "O", 4),
            (android, d2, "T", "I", 2), (android, d2, "T", "O", 1)]  # fmt: skip
    for channel, day, msg_type, direction, count in rows:
        for _ in range(count):
            await f.msg(api.ws.org_id, joe, channel_id=channel.id, created_on=day, msg_type=msg_type,
                        direction=direction, status="H" if direction == "I" else "S")  # fmt: skip
    await f.msg(api.other.org_id, hans, channel_id=other.id, created_on=d1)

    first_day = {
        "date": "2026-02-10",
        "channels": {
            str(android.uuid): {
                "type": "android",
                "text:in": 3,
                "text:out": 2,
                "voice:in": 1,
                "voice:out": 2,
            },
            str(facebook.uuid): {"type": "facebook", "text:in": 1, "text:out": 4},
        },
    }
    second_day = {
        "date": "2026-02-11",
        "channels": {str(android.uuid): {"type": "android", "text:in": 2, "text:out": 1}},
    }
    assert (await api.get(url, since="2026-02-10", until="2026-02-12")).json() == {
        "results": [first_day, second_day]
    }
    # until is exclusive
    assert (await api.get(url, since="2026-02-10", until="2026-02-11")).json() == {"results": [first_day]}
