"""Two people editing one flow: a save based on an older revision than the flow's latest is refused with
RapidPro's message, which the editor shows; nothing is overwritten."""

import asyncio

import httpx
from sqlalchemy import select

from tests.web.editor.test_endpoints import save, token
from tests.web.ui.helpers import Site
from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRevision


async def revisions(flow_uuid: str) -> list[FlowRevision]:
    async with transaction() as s:
        return list(
            (
                await s.execute(
                    select(FlowRevision)
                    .join(Flow, Flow.id == FlowRevision.flow_id)
                    .where(Flow.uuid == flow_uuid)
                    .order_by(FlowRevision.revision)
                )
            ).scalars()
        )


async def test_a_save_based_on_a_stale_revision_is_refused(site: Site, admin: httpx.AsyncClient) -> None:
    mine = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    async with site.signed_in("editor") as editor:
        theirs = (await editor.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
        assert mine["revision"] == theirs["revision"] == 1
        theirs["name"] = "Join (editor's)"
        first = await save(editor, site.flow_uuid, theirs, await token(editor))
        assert first.status_code == 200 and first.json()["revision"]["revision"] == 2

    mine["name"] = "Join (admin's)"
    stale = await save(admin, site.flow_uuid, mine, await token(admin))
    assert stale.status_code == 400
    assert stale.json() == {
        "status": "failure",
        "description": "editor@nyaruka.com is currently editing this Flow. "
        "Your changes will not be saved until you refresh your browser.",
        "detail": "editor@nyaruka.com is currently editing this Flow. "
        "Your changes will not be saved until you refresh your browser.",
    }
    saved = await revisions(site.flow_uuid)
    assert [r.revision for r in saved] == [1, 2] and saved[-1].definition["name"] == "Join (editor's)"

    # after a refresh (the latest definition, revision 2) the same change saves
    fresh = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    assert fresh["revision"] == 2
    fresh["name"] = "Join (admin's)"
    ok = await save(admin, site.flow_uuid, fresh, await token(admin))
    assert ok.status_code == 200 and ok.json()["revision"]["revision"] == 3
    # a definition that names no revision is not checked (as RapidPro)
    fresh.pop("revision")
    assert (await save(admin, site.flow_uuid, fresh, await token(admin))).status_code == 200


async def test_two_saves_from_the_same_revision_at_once_one_wins(
    site: Site, admin: httpx.AsyncClient
) -> None:
    base = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    csrf = await token(admin)
    async with site.signed_in("editor") as editor:
        editor_csrf = await token(editor)
        results = await asyncio.gather(
            save(admin, site.flow_uuid, dict(base, name="A"), csrf),
            save(editor, site.flow_uuid, dict(base, name="B"), editor_csrf),
        )
    assert sorted(r.status_code for r in results) == [200, 400]
    assert [r.revision for r in await revisions(site.flow_uuid)] == [1, 2]
