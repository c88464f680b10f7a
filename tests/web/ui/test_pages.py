"""The pages behind the menu: what they list, their searches and forms, and isolation between workspaces."""

import html
import json
import uuid

import httpx
import pytest
import redis
from sqlalchemy import select, update

from tests.web.ui.helpers import Site, csrf_from
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.models import (
    Channel,
    ChannelLog,
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Flow,
    FlowRun,
    FlowStart,
    Label,
    Msg,
    Trigger,
    contact_group_contacts,
)


async def add_contact(org_id: int, name: str, phone: str, group: ContactGroup | None = None) -> Contact:
    async with transaction() as s:
        contact = Contact(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(contact)
        await s.flush()
        s.add(
            ContactURN(
                org_id=org_id, contact_id=contact.id, scheme="tel", path=phone, identity=f"tel:{phone}"
            )
        )
        if group is not None:
            await s.execute(contact_group_contacts.insert().values(contact_id=contact.id, group_id=group.id))
    return contact


async def add_group(org_id: int, name: str) -> ContactGroup:
    async with transaction() as s:
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(group)
    return group


async def test_flow_list_shows_run_counts_and_archives(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        for status in ("C", "C", "W"):
            s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=site.org_id, flow_id=flow.id, contact_id=ann.id,
                          session_uuid=str(uuid.uuid4()), status=status))  # fmt: skip
    page = await admin.get("/flow/")
    assert "Other's flow" not in page.text
    row = page.text.split(f'data-uuid="{site.flow_uuid}"')[1].split("</tr>")[0]
    assert '<td class="runs">3</td>' in row and "67%" in row
    archived = await admin.post(
        "/flow/archive/",
        data={"flows": site.flow_uuid, "action": "archive", "csrf_token": csrf_from(page.text)},
    )
    assert archived.status_code == 303
    assert site.flow_uuid not in (await admin.get("/flow/")).text
    assert site.flow_uuid in (await admin.get("/flow/archived/")).text


async def test_create_flow_opens_an_empty_editor(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/flow/")).text)
    response = await admin.post(
        "/flow/create/", data={"name": "Survey", "flow_type": "messaging", "csrf_token": token}
    )
    flow_uuid = response.headers["location"].split("/")[3]
    definition = (await admin.get(f"/flow/revisions/{flow_uuid}/latest/")).json()["definition"]
    assert definition["name"] == "Survey" and definition["nodes"] == [] and definition["language"] == "eng"


async def test_export_and_import_errors(site: Site, admin: httpx.AsyncClient) -> None:
    export = await admin.get(f"/flow/export/?uuid={site.flow_uuid}")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    body = export.json()
    assert [f["uuid"] for f in body["flows"]] == [site.flow_uuid] and body["version"] == "13"
    assert (await admin.get(f"/flow/export/?uuid={site.other_flow_uuid}")).json()["flows"] == []
    token = csrf_from((await admin.get("/flow/import/")).text)
    bad = await admin.post(
        "/flow/import/",
        data={"csrf_token": token},
        files={"file": ("x.json", b"not json", "application/json")},
    )
    assert bad.status_code == 400 and "could not be imported" in bad.text


async def test_results_page_charts_categories(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        for value, category in (("Ann", "Has Text"), ("Bo", "Has Text"), ("", "Other")):
            s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=site.org_id, flow_id=flow.id, contact_id=ann.id,
                          session_uuid=str(uuid.uuid4()), status="C",
                          results={"name": {"name": "Name", "value": value, "category": category, "input": value}}))  # fmt: skip
    page = (await admin.get(f"/flow/results/{site.flow_uuid}/")).text
    chart = page.split('data-result="name"')[1].split('<div class="card')[0]
    assert "3 responses" in chart
    assert 'data-category="Has Text"' in chart and "2 (67%)" in chart and "1 (33%)" in chart


async def test_start_flow_for_a_group_queues_a_task(
    site: Site, admin: httpx.AsyncClient, env: dict[str, str]
) -> None:
    group = await add_group(site.org_id, "Farmers")
    page = await admin.get(f"/flow/results/{site.flow_uuid}/")
    response = await admin.post(
        f"/flow/broadcast/{site.flow_uuid}/", data={"groups": group.uuid, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    async with transaction() as s:
        start = (await s.execute(select(FlowStart))).scalar_one()
    assert start.status == "P" and start.org_id == site.org_id
    r = redis.Redis.from_url(env["REDIS_URL"])
    queued = [v for k in r.keys("{tasks:batch}*") for v in _values(env, k)]
    assert any(
        b'"start_flow"' in v and f'"start_id": {start.id}'.encode() in v.replace(b'":', b'": ')
        for v in queued
    ), queued
    status = (await admin.get(f"/flow/start_status/{start.uuid}/")).json()
    assert status == {
        "uuid": start.uuid,
        "status": "pending",
        "contact_count": None,
        "contacts_done": 0,
        "progress": 0,
    }
    async with transaction() as s:
        start = (await s.execute(select(FlowStart))).scalar_one()
        start.status, start.contact_count, start.contacts_done = "S", 4, 1
    assert (await admin.get(f"/flow/start_status/{start.uuid}/")).json()["progress"] == 25


def _values(env: dict[str, str], key: bytes) -> list[bytes]:
    r = redis.Redis.from_url(env["REDIS_URL"])
    kind = r.type(key)
    if kind == b"list":
        return r.lrange(key, 0, -1)
    if kind == b"zset":
        return [m for m in r.zrange(key, 0, -1)]
    return []


async def test_contacts_search_and_groups(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    await add_contact(site.org_id, "Ann Mutoni", "+250788000001", farmers)
    await add_contact(site.org_id, "Bob Kagame", "+250788000002")
    page = (await admin.get("/contact/")).text
    assert "Ann Mutoni" in page and "Bob Kagame" in page and "2 contacts" in page
    found = (await admin.get("/contact/", params={"search": 'name ~ "mutoni"'})).text
    assert "Ann Mutoni" in found and "Bob Kagame" not in found
    in_group = (await admin.get("/contact/", params={"group": farmers.uuid})).text
    assert "Ann Mutoni" in in_group and "Bob Kagame" not in in_group
    broken = (await admin.get("/contact/", params={"search": "age >"})).text
    assert 'id="search-error"' in broken


async def test_contact_page_history(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        s.add(
            Msg(
                uuid=str(uuid.uuid4()),
                org_id=site.org_id,
                contact_id=ann.id,
                text="join",
                direction="I",
                status="H",
            )
        )
        s.add(
            Msg(
                uuid=str(uuid.uuid4()),
                org_id=site.org_id,
                contact_id=ann.id,
                text="What is your name?",
                direction="O",
                status="D",
            )
        )
    page = (await admin.get(f"/contact/read/{ann.uuid}/")).text
    history = page.split('id="history"')[1]
    assert "⬅ join" in history and "➡ What is your name?" in history and "tel:+250788000001" in page
    async with site.signed_in("administrator") as client:
        token = csrf_from((await client.get("/contact/")).text)
        created = await client.post(
            "/contact/create/", data={"name": "Cy", "urn": "+250788000009", "csrf_token": token}
        )
        assert created.status_code == 303
        assert "tel:+250788000009" in (await client.get(created.headers["location"])).text


async def test_message_folders(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        flow_id = (await s.execute(select(Flow.id).where(Flow.uuid == site.flow_uuid))).scalar_one()
        for text, direction, status, fid in [("hello inbox", "I", "H", None), ("in a flow", "I", "H", flow_id),
                                             ("queued one", "O", "Q", None), ("delivered one", "O", "D", None),
                                             ("failed one", "O", "F", None)]:  # fmt: skip
            s.add(
                Msg(
                    uuid=str(uuid.uuid4()),
                    org_id=site.org_id,
                    contact_id=ann.id,
                    text=text,
                    direction=direction,
                    status=status,
                    flow_id=fid,
                )
            )
    expected = {
        "inbox": "hello inbox",
        "flow": "in a flow",
        "outbox": "queued one",
        "sent": "delivered one",
        "failed": "failed one",
    }
    for folder, text in expected.items():
        page = (await admin.get(f"/msg/{folder}/")).text
        table = page.split('id="messages"')[1]
        assert text in table, folder
        assert all(other not in table for other in expected.values() if other != text), folder


async def test_channel_page_callbacks_and_redacted_logs(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        channel = Channel(uuid=str(uuid.uuid4()), org_id=site.org_id, channel_type="EX", name="Gateway", address="+2501",
                          config={"send_url": "https://gw.example/send", "auth_token": "sekret-123"})  # fmt: skip
        s.add(channel)
        await s.flush()
        s.add(ChannelLog(uuid=str(uuid.uuid4()), channel_id=channel.id, log_type="msg_send", is_error=True,
                         http_logs=[{"url": "https://gw.example/send?token=sekret-123", "status_code": 500}],
                         errors=[{"message": "bad token sekret-123"}]))  # fmt: skip
    page = (await admin.get(f"/channels/channel/read/{channel.uuid}/")).text
    assert f"/c/ex/{channel.uuid}/receive" in page and "sekret-123" not in page
    logs = (await admin.get(f"/channels/channellog/{channel.uuid}/")).text
    assert "token=**********" in logs and "sekret-123" not in logs and "msg_send" in logs


async def test_keyword_trigger_create_and_archive(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/trigger/")).text)
    response = await admin.post(
        "/trigger/create/", data={"flow": site.flow_uuid, "keyword": "Hello", "csrf_token": token}
    )
    assert response.status_code == 303
    page = (await admin.get("/trigger/")).text
    assert '<span class="pill primary">hello</span>' in page
    async with transaction() as s:
        trigger = (
            await s.execute(select(Trigger).where(Trigger.org_id == site.org_id, Trigger.trigger_type == "K"))
        ).scalar_one()
    await admin.post("/trigger/archive/", data={"triggers": trigger.uuid, "csrf_token": token})
    assert "hello" not in (await admin.get("/trigger/")).text.split('class="subnav"')[1]
    bad = await admin.post(
        "/trigger/create/", data={"flow": site.flow_uuid, "keyword": "two words", "csrf_token": token}
    )
    assert "error=" in bad.headers["location"]


async def test_dashboard_counts(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        for direction, status in (("I", "H"), ("O", "D"), ("O", "D"), ("O", "D"), ("O", "F")):
            s.add(
                Msg(
                    uuid=str(uuid.uuid4()),
                    org_id=site.org_id,
                    contact_id=ann.id,
                    text="x",
                    direction=direction,
                    status=status,
                )
            )
    page = (await admin.get("/dashboard/")).text
    assert 'id="total-in">1<' in page and 'id="total-out">4<' in page and 'id="delivery">75%<' in page
    assert page.count("<rect") == 60


async def test_campaigns_page(site: Site, admin: httpx.AsyncClient) -> None:
    page = await admin.get("/campaign/")
    assert page.status_code == 200 and "No campaigns yet" in page.text
    _ = json


async def test_import_a_rapidpro_export(site: Site, admin: httpx.AsyncClient) -> None:
    from tests.web.ui.helpers import fresh_flow

    definition = fresh_flow("Imported survey")
    export = {"version": "13", "site": "https://app.rapidpro.io", "flows": [definition], "campaigns": [], "triggers": [],
              "fields": [], "groups": [{"uuid": str(uuid.uuid4()), "name": "Imported group", "query": None}]}  # fmt: skip
    token = csrf_from((await admin.get("/flow/import/")).text)
    preview = await admin.post(
        "/flow/import/", data={"csrf_token": token},
        files={"file": ("export.json", json.dumps(export).encode(), "application/json")},
    )  # fmt: skip
    # first a preview: what would be created, with nothing written yet
    assert preview.status_code == 200, preview.text
    assert 'id="import-preview"' in preview.text and "Nothing has been imported yet" in preview.text
    assert 'data-kind="flows"' in preview.text and "Imported survey" in preview.text
    assert "Imported survey" not in (await admin.get("/flow/")).text
    document = preview.text.split('<textarea name="document" hidden>')[1].split("</textarea>")[0]
    response = await admin.post(
        "/flow/import/confirm/", data={"csrf_token": token, "document": html.unescape(document)}
    )
    assert response.status_code == 200, response.text
    assert 'id="import-summary"' in response.text and "Imported 1 flow(s)" in response.text
    assert 'data-kind="groups"' in response.text and "Imported group" in response.text
    assert "Imported survey" in (await admin.get("/flow/")).text
    latest = (await admin.get(f"/flow/revisions/{definition['uuid']}/latest/")).json()
    assert latest["definition"]["name"] == "Imported survey"


async def test_an_import_the_workspace_refuses_is_a_400_naming_the_reason(
    site: Site, admin: httpx.AsyncClient
) -> None:
    from tests.web.ui.helpers import fresh_flow

    broken = fresh_flow("Broken survey")
    broken["nodes"][0]["exits"][0]["destination_uuid"] = str(uuid.uuid4())
    export = {"version": "13", "site": "", "flows": [broken]}
    token = csrf_from((await admin.get("/flow/import/")).text)
    for url, data, files in (
        (
            "/flow/import/",
            {"csrf_token": token},
            {"file": ("e.json", json.dumps(export).encode(), "application/json")},
        ),
        ("/flow/import/confirm/", {"csrf_token": token, "document": json.dumps(export)}, None),
    ):
        response = await admin.post(url, data=data, files=files)
        assert response.status_code == 400 and "Broken survey" in response.text, response.text
    assert "Broken survey" not in (await admin.get("/flow/")).text


async def test_send_message_queues_a_broadcast(
    site: Site, admin: httpx.AsyncClient, env: dict[str, str]
) -> None:
    from upesi.db.models import Broadcast

    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/msg/inbox/")).text)
    response = await admin.post(
        "/msg/send/",
        data={"text": "Rain tomorrow", "groups": farmers.uuid, "urns": "+250788000001", "csrf_token": token},
    )
    assert response.status_code == 303 and response.headers["location"] == "/msg/outbox/?sent=1"
    async with transaction() as s:
        bcast = (await s.execute(select(Broadcast))).scalar_one()
    assert bcast.translations == {"eng": {"text": "Rain tomorrow"}} and bcast.urns == ["tel:+250788000001"]
    r = redis.Redis.from_url(env["REDIS_URL"])
    queued = [v for k in r.keys("{tasks:batch}*") for v in _values(env, k)]
    assert any(b"send_broadcast" in v for v in queued), queued
    nothing = await admin.post("/msg/send/", data={"text": "To nobody", "csrf_token": token})
    # refused with the field named, on the outbox with the dialog open and the message kept
    assert nothing.status_code == 400 and 'id="send-form-error">Recipients: choose groups' in nothing.text
    assert ">To nobody</textarea>" in nothing.text and 'data-open="1"' in nothing.text


async def test_api_tokens(site: Site) -> None:
    async with site.signed_in("editor") as client:
        page = await client.get("/user/tokens/")
        assert page.text.count('class="token"') == 0
        token = csrf_from(page.text)
        await client.post("/user/tokens/", data={"action": "create", "csrf_token": token})
        page = await client.get("/user/tokens/")
        keys = page.text.split('<code class="token">')[1:]
        assert len(keys) == 1
        key = keys[0].split("<")[0]
        assert len(key) == 40
        await client.post("/user/tokens/", data={"action": "revoke", "key": key, "csrf_token": token})
        assert key not in (await client.get("/user/tokens/")).text
    async with site.signed_in("viewer") as client:
        page = await client.get("/user/tokens/")
        await client.post("/user/tokens/", data={"action": "create", "csrf_token": csrf_from(page.text)})
        assert 'class="token"' not in (await client.get("/user/tokens/")).text


async def test_smart_group_from_a_search_and_fields(site: Site, admin: httpx.AsyncClient) -> None:
    await add_contact(site.org_id, "Ann Mutoni", "+250788000001")
    await add_contact(site.org_id, "Bob Kagame", "+250788000002")
    token = csrf_from((await admin.get("/contact/")).text)
    response = await admin.post(
        "/contact/group/create/", data={"name": "Mutonis", "query": 'name ~ "mutoni"', "csrf_token": token}
    )
    assert response.status_code == 303 and "group=" in response.headers["location"]
    members = (await admin.get(response.headers["location"])).text
    assert "Ann Mutoni" in members and "Bob Kagame" not in members
    async with transaction() as s:
        group = (await s.execute(select(ContactGroup).where(ContactGroup.name == "Mutonis"))).scalar_one()
    assert group.group_type == "Q" and group.query == 'name ~ "mutoni"' and group.status == "R"
    bad = await admin.post(
        "/contact/group/create/", data={"name": "Broken", "query": "age >", "csrf_token": token}
    )
    assert "error=Invalid%20query" in bad.headers["location"]

    await admin.post(
        "/contact/fields/", data={"name": "Favourite Colour", "value_type": "text", "csrf_token": token}
    )
    fields = (await admin.get("/flow/assets/fields/")).json()["results"]
    assert [(f["key"], f["name"], f["type"]) for f in fields] == [
        ("favourite_colour", "Favourite Colour", "text")
    ]


async def test_add_a_telegram_channel(
    site: Site, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # getMe accepts the token (tests/web/ui/test_channel_edit.py checks it); setWebhook fails, which is logged
    telegram = httpx.MockTransport(lambda r: httpx.Response(200 if r.url.path.endswith("/getMe") else 500,
                                                            json={"ok": r.url.path.endswith("/getMe")}))  # fmt: skip
    real_client = httpx.AsyncClient
    monkeypatch.setattr(httpx, "AsyncClient", lambda **kw: real_client(**{"transport": telegram, **kw}))
    reset_settings()
    page = await admin.get("/channels/channel/claim/?channel_type=TG")
    assert 'name="auth_token"' in page.text
    response = await admin.post(
        "/channels/channel/claim/",
        data={
            "channel_type": "TG",
            "address": "upesi_bot",
            "auth_token": "123:SECRETTOKEN",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303
    async with transaction() as s:
        channel = (await s.execute(select(Channel).where(Channel.org_id == site.org_id))).scalar_one()
    secret = channel.config.pop("webhook_secret")
    assert len(secret) >= 32
    assert (channel.channel_type, channel.address, channel.schemes, channel.config) == (
        "TG",
        "upesi_bot",
        ["telegram"],
        {"auth_token": "123:SECRETTOKEN"},
    )
    read = (await admin.get(response.headers["location"])).text
    assert f"/c/tg/{channel.uuid}/receive" in read and "123:SECRETTOKEN" not in read
    async with site.signed_in("editor") as editor:
        assert (await editor.get("/channels/channel/claim/")).status_code == 403


async def test_edit_a_contact(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        s.add(ContactField(uuid=str(uuid.uuid4()), org_id=site.org_id, key="age", name="Age", value_type="N"))
        s.add(
            ContactGroup(
                uuid=str(uuid.uuid4()), org_id=site.org_id, name="Adults", group_type="Q", query="age > 18"
            )
        )
    page = (await admin.get(f"/contact/read/{ann.uuid}/")).text
    assert 'name="field_age"' in page
    response = await admin.post(
        f"/contact/update/{ann.uuid}/",
        data={
            "name": "Ann M",
            "language": "kin",
            "status": "A",
            "field_age": "30",
            "groups": farmers.uuid,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 303
    page = (await admin.get(f"/contact/read/{ann.uuid}/")).text
    assert "<h1>Ann M</h1>" in page and "<strong>Age</strong>: 30" in page
    groups = page.split("Groups</div>")[1].split("Fields")[0]
    assert "Farmers" in groups and "Adults" in groups  # the smart group follows the new age
    async with site.signed_in("viewer") as viewer:
        refused = await viewer.post(
            f"/contact/update/{ann.uuid}/",
            data={"name": "X", "csrf_token": csrf_from((await viewer.get("/flow/")).text)},
        )
        assert refused.status_code == 403


async def test_label_messages(site: Site, admin: httpx.AsyncClient) -> None:
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    async with transaction() as s:
        first = Msg(
            uuid=str(uuid.uuid4()),
            org_id=site.org_id,
            contact_id=ann.id,
            text="first",
            direction="I",
            status="H",
        )
        second = Msg(
            uuid=str(uuid.uuid4()),
            org_id=site.org_id,
            contact_id=ann.id,
            text="second",
            direction="I",
            status="H",
        )
        s.add_all([first, second])
    token = csrf_from((await admin.get("/msg/inbox/")).text)
    await admin.post(
        "/msg/label/",
        data={"folder": "inbox", "msgs": first.uuid, "new_label": "Urgent", "csrf_token": token},
    )
    inbox = (await admin.get("/msg/inbox/")).text
    label_uuid = inbox.split("/msg/label/?label=")[1].split('"')[0]
    labelled = (await admin.get(f"/msg/label/?label={label_uuid}")).text.split('id="messages"')[1]
    assert "first" in labelled and "second" not in labelled
    await admin.post(
        "/msg/label/",
        data={"msgs": first.uuid, "label": label_uuid, "action": "unlabel", "csrf_token": token},
    )
    emptied = (await admin.get(f"/msg/label/?label={label_uuid}")).text
    assert 'id="messages"' not in emptied and "No messages." in emptied


async def test_new_label_follows_the_label_rule(site: Site, admin: httpx.AsyncClient) -> None:
    """The rule is upesi.domain.labels (tested there); this shows the folder's "new label" applies it
    rather than reusing a label of the same name or cutting a long name short."""
    token = csrf_from((await admin.get("/msg/inbox/")).text)
    first = await admin.post(
        "/msg/label/", data={"folder": "inbox", "new_label": "Urgent", "csrf_token": token}
    )
    assert first.status_code == 303 and "error" not in first.headers["location"]
    for name, message in (
        ("urgent", "This field must be unique."),
        ('Say "hi"', "Cannot contain the character"),
    ):
        refused = await admin.post(
            "/msg/label/", data={"folder": "inbox", "new_label": name, "csrf_token": token}
        )
        assert refused.status_code == 303
        page = (await admin.get(refused.headers["location"])).text
        assert "New label: " + message in page.replace("&#34;", '"').replace("&quot;", '"')
    async with transaction() as s:
        assert list((await s.execute(select(Label.name).where(Label.org_id == site.org_id))).scalars()) == [
            "Urgent"
        ]


async def test_starting_an_archived_flow_is_refused(site: Site, admin: httpx.AsyncClient) -> None:
    """The rule is upesi.domain.flow_starts (tested there); this shows the start form applies it."""
    group = await add_group(site.org_id, "Farmers")
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        flow.is_archived = True
    token = csrf_from((await admin.get(f"/flow/results/{site.flow_uuid}/")).text)
    response = await admin.post(
        f"/flow/broadcast/{site.flow_uuid}/", data={"groups": group.uuid, "csrf_token": token}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "This flow is archived and can no longer be started."}
    async with transaction() as s:
        assert (await s.execute(select(FlowStart))).first() is None


async def test_campaign_with_an_event(site: Site, admin: httpx.AsyncClient, env: dict[str, str]) -> None:
    from upesi.db.models.campaigns import CampaignEvent

    farmers = await add_group(site.org_id, "Farmers")
    token = csrf_from((await admin.get("/campaign/")).text)
    created = await admin.post(
        "/campaign/create/", data={"name": "Reminders", "group": farmers.uuid, "csrf_token": token}
    )
    assert created.status_code == 303, (created.status_code, created.text[:800])
    assert created.headers["location"] == "/campaign/"
    page = (await admin.get("/campaign/")).text
    campaign_uuid = page.split('data-campaign="')[1].split('"')[0]
    response = await admin.post(
        "/campaign/event/create/",
        data={
            "campaign": campaign_uuid,
            "offset": "-2",
            "unit": "D",
            "relative_to": "created_on",
            "flow": site.flow_uuid,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303 and "error" not in response.headers["location"]
    page = (await admin.get("/campaign/")).text
    assert "2 days before <strong>created_on</strong>:\n      start Join" in page
    async with transaction() as s:
        event = (await s.execute(select(CampaignEvent))).scalar_one()
    assert (event.offset, event.unit, event.event_type) == (-2, "D", "F")
    r = redis.Redis.from_url(env["REDIS_URL"])
    assert any(b"schedule_campaign_event" in v for k in r.keys("{tasks:batch}*") for v in _values(env, k))


async def test_page_titles_hold_only_text_and_dialogs_reach_the_body(
    site: Site, admin: httpx.AsyncClient
) -> None:
    """The contacts pages once put their dialogs (CSRF token included) inside <title>, where a browser shows
    them as text and never opens them."""
    ann = await add_contact(site.org_id, "Ann", "+250788000001")
    for path, title, dialog in [
        ("/contact/", "Contacts · Upesi", 'id="create-group"'),
        (f"/contact/read/{ann.uuid}/", "Ann · Upesi", 'id="edit-dialog"'),
    ]:
        page = (await admin.get(path)).text
        assert page.split("<title>")[1].split("</title>")[0] == title, path
        assert dialog in page.split("</title>")[1], path


async def test_empty_dashboard_guides_the_first_steps(site: Site, admin: httpx.AsyncClient) -> None:
    page = (await admin.get("/dashboard/")).text
    guide = page.split('id="first-run-guide"')[1].split("</ol>")[0]
    # the site has a flow already, but no channel and no contact
    assert '<a href="/channels/channel/claim/">Add a channel</a>' in guide
    assert "✓ Create or import a flow" in guide
    assert '<a href="/contact/import/">Add contacts</a>' in guide
    async with transaction() as s:
        s.add(Channel(uuid=str(uuid.uuid4()), org_id=site.org_id, channel_type="EX", name="Gateway", address="+2501",
                      schemes=["tel"], config={}))  # fmt: skip
    await add_contact(site.org_id, "Ann", "+250788000001")
    assert 'id="first-run-guide"' not in (await admin.get("/dashboard/")).text


async def test_contact_status_folders(site: Site, admin: httpx.AsyncClient) -> None:
    people = {code: await add_contact(site.org_id, name, phone) for code, name, phone in [
        ("A", "Ann", "+250788000001"), ("B", "Ben", "+250788000002"),
        ("S", "Sue", "+250788000003"), ("V", "Val", "+250788000004")]}  # fmt: skip
    async with transaction() as s:
        for code, contact in people.items():
            await s.execute(update(Contact).where(Contact.id == contact.id).values(status=code))
    for path, shown in [("/contact/", "Ann"), ("/contact/blocked/", "Ben"), ("/contact/stopped/", "Sue"),
                        ("/contact/archived/", "Val")]:  # fmt: skip
        page = (await admin.get(path)).text
        table = page.split('id="contacts"')[1].split("</table>")[0]
        assert [name for name in ("Ann", "Ben", "Sue", "Val") if name in table] == [shown], path
        assert 'id="folder-blocked"' in page and "1 contact" in page
    # a search stays within the folder
    found = (await admin.get("/contact/blocked/", params={"search": 'name ~ "ben"'})).text
    assert "/contact/read/" + people["B"].uuid in found
    elsewhere = (await admin.get("/contact/", params={"search": 'name ~ "ben"'})).text
    assert "/contact/read/" + people["B"].uuid not in elsewhere


async def test_conflicting_triggers_are_refused(site: Site, admin: httpx.AsyncClient) -> None:
    """RapidPro refuses a trigger that an active one of the same type already covers (same channel, groups,
    an overlapping keyword); an archived one is no conflict."""
    token = csrf_from((await admin.get("/trigger/")).text)

    async def create(**form: str) -> httpx.Response:
        return await admin.post(
            "/trigger/create/", data={"flow": site.flow_uuid, "csrf_token": token, **form}
        )

    assert "error" not in (await create(keyword="join")).headers["location"]
    again = await create(keyword="JOIN")
    assert (
        "There%20already%20exists%20a%20trigger%20of%20this%20type%20with%20these%20options."
        in again.headers["location"]
    )
    assert "error" not in (await create(keyword="leave")).headers["location"]
    assert "error" not in (await create(trigger_type="C")).headers["location"]
    assert "error=" in (await create(trigger_type="C")).headers["location"]
    async with transaction() as s:
        rows = (await s.execute(select(Trigger).where(Trigger.org_id == site.org_id))).scalars().all()
        assert sorted((t.trigger_type, tuple(t.keywords or [])) for t in rows) == [
            ("C", ()), ("K", ("join",)), ("K", ("leave",))]  # fmt: skip
        join = next(t for t in rows if t.keywords == ["join"])
    await admin.post("/trigger/archive/", data={"triggers": join.uuid, "csrf_token": token})
    assert "error" not in (await create(keyword="join")).headers["location"]
