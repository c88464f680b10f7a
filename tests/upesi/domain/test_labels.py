"""Label rules, tested once here for the API's labels endpoint and the UI's "new label": the workspace limit,
RapidPro's name rule, case-insensitive uniqueness among active labels, and a deleted label's name freed."""

import uuid

import pytest
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Label, Msg, msg_labels
from upesi.db.ops.contacts import resolve_contacts
from upesi.db.ops.orgs import NewWorkspace, create_workspace
from upesi.domain.errors import DomainError, LimitReached
from upesi.domain.labels import create_label, delete_label, rename_label
from upesi.urns import parse_urn


async def _workspace(name: str = "Test") -> NewWorkspace:
    async with transaction() as s:
        return await create_workspace(s, name, f"{name.lower()}@example.com", "pw")


async def _labels(org_id: int) -> list[tuple[str, bool]]:
    async with transaction() as s:
        rows = await s.execute(
            select(Label.name, Label.is_active).where(Label.org_id == org_id).order_by(Label.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_create_stores_the_stripped_name(db: None) -> None:
    ws = await _workspace()
    async with transaction() as s:
        label = await create_label(s, org=ws.org, name="  Spam ")
        assert label.id is not None  # flushed, so the caller may link it at once
    assert await _labels(ws.org.id) == [("Spam", True)]


@pytest.mark.parametrize("name", ["spam", "SPAM", " Spam "])
async def test_a_name_taken_in_any_case_is_refused_and_nothing_is_stored(db: None, name: str) -> None:
    ws = await _workspace()
    async with transaction() as s:
        await create_label(s, org=ws.org, name="Spam")
    with pytest.raises(DomainError) as e:
        async with transaction() as s:
            await create_label(s, org=ws.org, name=name)
    assert (e.value.field, e.value.message) == ("name", "This field must be unique.")
    assert await _labels(ws.org.id) == [("Spam", True)]


async def test_another_workspace_may_use_the_name(db: None) -> None:
    ws, other = await _workspace("One"), await _workspace("Two")
    async with transaction() as s:
        await create_label(s, org=ws.org, name="Spam")
        await create_label(s, org=other.org, name="Spam")
    assert await _labels(other.org.id) == [("Spam", True)]


async def test_an_invalid_name_is_refused(db: None) -> None:
    ws = await _workspace()
    with pytest.raises(DomainError) as e:
        async with transaction() as s:
            await create_label(s, org=ws.org, name='Say "hi"')
    assert e.value.message == 'Cannot contain the character: "'
    assert await _labels(ws.org.id) == []


async def test_the_workspace_limit_is_checked_before_the_name(db: None) -> None:
    ws = await _workspace()
    ws.org.config = {"limits": {"labels": 2}}
    async with transaction() as s:
        await create_label(s, org=ws.org, name="One")
        await create_label(s, org=ws.org, name="Two")
    with pytest.raises(LimitReached) as e:
        async with transaction() as s:
            await create_label(s, org=ws.org, name='Bad "name"')
    assert e.value.message == "Cannot create object because workspace has reached limit."
    assert await _labels(ws.org.id) == [("One", True), ("Two", True)]


async def test_deleting_frees_the_name_and_unlabels_the_messages(db: None) -> None:
    ws = await _workspace()
    async with transaction() as s:
        label = await create_label(s, org=ws.org, name="Spam")
        contact = (await resolve_contacts(s, ws.org.id, [parse_urn("tel:+250788123123")]))[
            "tel:+250788123123"
        ]
        msg = Msg(
            uuid=str(uuid.uuid4()),
            org_id=ws.org.id,
            contact_id=contact.contact_id,
            text="hi",
            direction="I",
            status="H",
        )
        s.add(msg)
        await s.flush()
        await s.execute(msg_labels.insert().values(label_id=label.id, msg_id=msg.id))
    async with transaction() as s:
        label = (await s.execute(select(Label).where(Label.id == label.id))).scalar_one()
        await delete_label(s, org=ws.org, label=label)
    async with transaction() as s:
        again = await create_label(s, org=ws.org, name="Spam")
        links = (await s.execute(select(msg_labels.c.label_id))).scalars().all()
    names = await _labels(ws.org.id)
    assert names[0][0].startswith("deleted-") and names[0][0].endswith("-Spam") and names[0][1] is False
    assert names[1] == ("Spam", True) and again.name == "Spam"
    assert links == []


async def test_rename_keeps_its_own_name_free_but_not_anothers(db: None) -> None:
    ws = await _workspace()
    async with transaction() as s:
        spam = await create_label(s, org=ws.org, name="Spam")
        await create_label(s, org=ws.org, name="Ham")
        assert (await rename_label(s, org=ws.org, label=spam, name="SPAM")).name == "SPAM"
        with pytest.raises(DomainError):
            await rename_label(s, org=ws.org, label=spam, name="ham")


async def test_another_workspaces_label_is_not_touched(db: None) -> None:
    ws, other = await _workspace("One"), await _workspace("Two")
    async with transaction() as s:
        label = await create_label(s, org=ws.org, name="Spam")
    with pytest.raises(DomainError) as renamed:
        async with transaction() as s:
            await rename_label(s, org=other.org, label=await s.get_one(Label, label.id), name="Ham")
    with pytest.raises(DomainError) as deleted:
        async with transaction() as s:
            await delete_label(s, org=other.org, label=await s.get_one(Label, label.id))
    for e in (renamed, deleted):
        assert (e.value.field, e.value.message) == ("label", "No such object.")
    assert await _labels(ws.org.id) == [("Spam", True)]
