"""Accounts: sign-up and profile rules, each once, against a real database."""

import pytest
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Membership, Org, Topic, User
from upesi.db.ops.orgs import create_workspace
from upesi.domain.accounts import ProfileChange, SignUp, sign_up, update_profile
from upesi.domain.errors import DomainError

GOOD = SignUp("Ana", "Uwase", "Ana@Example.org ", "long enough", "Clinic", "Africa/Kigali")


async def test_sign_up_creates_the_workspace_and_its_administrator(db: None) -> None:
    async with transaction() as s:
        created = await sign_up(s, form=GOOD)
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.id == created.user.id))).scalar_one()
        org = (await s.execute(select(Org).where(Org.id == created.org.id))).scalar_one()
        role = (await s.execute(select(Membership.role).where(Membership.user_id == user.id))).scalar_one()
        topics = (await s.execute(select(Topic.name).where(Topic.org_id == org.id))).scalars().all()
    assert (user.email, user.first_name, user.last_name) == ("ana@example.org", "Ana", "Uwase")
    assert (org.name, org.timezone, org.languages, role) == (
        "Clinic",
        "Africa/Kigali",
        ["eng"],
        "administrator",
    )
    assert topics == ["General"]


SIGN_UP_REFUSALS = [
    ({"first_name": " "}, "first_name"),
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"workspace": ""}, "name"),
    ({"timezone": "Nowhere/City"}, "timezone"),
    ({"email": "taken@example.org"}, "email"),
]


@pytest.mark.parametrize(("change", "field"), SIGN_UP_REFUSALS)
async def test_sign_up_refusals_change_nothing(db: None, change: dict, field: str) -> None:
    async with transaction() as s:
        await create_workspace(s, "Existing", "taken@example.org", "a password")
    with pytest.raises(DomainError) as refused:
        async with transaction() as s:
            await sign_up(s, form=SignUp(**{**GOOD.__dict__, **change}))
    assert refused.value.field == field
    async with transaction() as s:
        assert (await s.execute(select(Org.name))).scalars().all() == ["Existing"]


async def test_profile_needs_the_current_password_for_email_and_password(db: None) -> None:
    async with transaction() as s:
        created = await create_workspace(s, "Clinic", "ana@example.org", "old password")
    user_id = created.user.id
    cases = [
        # (change, field refused or None)
        (ProfileChange("Ana", "U", "ana@example.org", "", ""), None),  # names alone need no password
        (ProfileChange("Ana", "U", "new@example.org", "wrong", ""), "current_password"),
        (ProfileChange("Ana", "U", "ana@example.org", "", "new password"), "current_password"),
        (ProfileChange("Ana", "U", "ana@example.org", "old password", "short"), "new_password"),
        (ProfileChange("Ana", "U", "new@example.org", "old password", "new password"), None),
    ]
    for change, field in cases:
        try:
            async with transaction() as s:
                await update_profile(s, user_id=user_id, change=change, keep_session=None)
        except DomainError as e:
            assert e.field == field, change
        else:
            assert field is None, change
    async with transaction() as s:
        user = await s.get(User, user_id)
        assert user is not None and (user.email, user.first_name, user.last_name) == (
            "new@example.org",
            "Ana",
            "U",
        )
