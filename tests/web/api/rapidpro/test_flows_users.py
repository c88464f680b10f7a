"""flows and users: RapidPro's test_flows.py and test_users.py assertions, ported."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of
from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRevision, User
from web.api.v2.values import fmt_dt


async def test_flows(api: API) -> None:
    url = "flows.json"
    assert (await api.get(url, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post(url, {})).status_code == 405
    assert (await api.delete(url)).status_code == 405
    survey = await f.flow(api.ws.org_id, "Media Survey", flow_type="S")
    color = await f.flow(api.ws.org_id, "Color")
    archived = await f.flow(api.ws.org_id, "Favorites", archived=True)
    other = await f.flow(api.other.org_id, "Other")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    async with transaction() as s:
        for i, flow in enumerate((survey, color, archived)):
            await s.execute(
                update(Flow).where(Flow.id == flow.id).values(modified_on=t0 + timedelta(minutes=i))
            )
        # the survey's definition says it never expires
        await s.execute(update(FlowRevision).where(FlowRevision.flow_id == survey.id).values(
            definition=f.FLOW_DEF | {"uuid": survey.uuid, "type": "messaging_offline", "expire_after_minutes": 0}))  # fmt: skip

    resp = await api.get(url)
    assert ids_of(resp) == [archived.uuid, color.uuid, survey.uuid]
    shown = {r["uuid"]: r for r in resp.json()["results"]}
    assert shown[survey.uuid]["type"] == "survey" and shown[survey.uuid]["expires"] == 0
    assert (
        shown[color.uuid]["type"] == "message" and shown[color.uuid]["expires"] == color.expires_after_minutes
    )
    assert shown[archived.uuid]["archived"] is True
    assert ids_of(await api.get(url, token=api.other.token)) == [other.uuid]
    assert ids_of(await api.get(url, uuid=color.uuid)) == [color.uuid]
    assert ids_of(await api.get(url, type="message")) == [archived.uuid, color.uuid]
    assert ids_of(await api.get(url, type="survey")) == [survey.uuid]
    assert ids_of(await api.get(url, archived="1")) == [archived.uuid]
    assert ids_of(await api.get(url, archived="0")) == [color.uuid, survey.uuid]
    assert ids_of(await api.get(url, archived="false")) == [color.uuid, survey.uuid]
    assert ids_of(await api.get(url, before=(t0 + timedelta(minutes=1)).isoformat())) == [
        color.uuid,
        survey.uuid,
    ]
    assert ids_of(await api.get(url, after=(t0 + timedelta(minutes=1)).isoformat())) == [
        archived.uuid,
        color.uuid,
    ]
    async with transaction() as s:
        await s.execute(update(Flow).where(Flow.id == archived.id).values(is_active=False))
    assert ids_of(await api.get(url)) == [color.uuid, survey.uuid]


async def test_users(api: API) -> None:
    url = "users.json"
    assert (await api.post(url, {})).status_code == 405
    assert (await api.delete(url)).status_code == 405
    async with transaction() as s:
        await s.execute(
            update(User).where(User.email == "admin@nyaruka.com").values(first_name="Andy", last_name="")
        )
        await s.execute(update(User).where(User.email == "editor.admin@nyaruka.com").values(first_name="Ed",
                                                                                           last_name="McEdits"))  # fmt: skip
    for role in ("agent", "editor", "administrator"):
        resp = await api.get(url, token=api.ws.tokens[role])
        assert resp.status_code == 200
    users = {u["email"]: u for u in resp.json()["results"]}
    async with transaction() as s:
        rows = {
            u.email: u
            for u in (await s.execute(select(User).where(User.email.like("%admin@nyaruka.com")))).scalars()
        }
    # newest first; an agent is in the workspace's default team, "All Topics" (RapidPro's org.default_team)
    team = {"uuid": resp.json()["results"][1]["team"]["uuid"], "name": "All Topics"}
    assert resp.json()["results"] == [
        {"uuid": str(rows[email].uuid), "name": name, "email": email, "first_name": first, "last_name": last,
         "role": role, "team": team if role == "agent" else None, "created_on": fmt_dt(rows[email].created_on),
         "avatar": None}
        for email, name, first, last, role in [
            ("viewer.admin@nyaruka.com", "", "", "", "viewer"),
            ("agent.admin@nyaruka.com", "", "", "", "agent"),
            ("editor.admin@nyaruka.com", "Ed McEdits", "Ed", "McEdits", "editor"),
            ("admin@nyaruka.com", "Andy", "Andy", "", "administrator"),
        ]
    ]  # fmt: skip
    other_agents = (await api.get(url, token=api.other.token, role="agent")).json()["results"]
    assert other_agents[0]["team"]["name"] == "All Topics" and other_agents[0]["team"]["uuid"] != team["uuid"]
    # the deprecated `name` is still sent: the full name
    assert users["editor.admin@nyaruka.com"]["name"] == "Ed McEdits"
    assert users["admin@nyaruka.com"]["name"] == "Andy"
    assert (
        users["admin@nyaruka.com"]["role"] == "administrator" and users["admin@nyaruka.com"]["avatar"] is None
    )
    editor, admin = users["editor.admin@nyaruka.com"]["uuid"], users["admin@nyaruka.com"]["uuid"]
    assert sorted(ids_of(await api.get(url, uuid=[editor, admin]))) == sorted([editor, admin])
    assert_error(await api.get(url, uuid="xyz"), None, "Param 'uuid': xyz is not a valid UUID.")
    assert_error(
        await api.get(url, uuid=[f.uid() for _ in range(101)]),
        None,
        "Param 'uuid' can have a maximum of 100 values.",
    )
    resp = await api.get(url, email=["agent.admin@nyaruka.com", "EDITOR.admin@nyaruka.com"])
    assert sorted(ids_of(resp, "email")) == ["agent.admin@nyaruka.com", "editor.admin@nyaruka.com"]
    assert sorted(ids_of(await api.get(url, role=["agent", "editor"]), "role")) == ["agent", "editor"]
    # a role that does not exist is ignored
    assert ids_of(await api.get(url, role=["caretaker", "editor"]), "role") == ["editor"]
