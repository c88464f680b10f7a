"""Inviting people to a workspace by email with a role, and accepting (RapidPro's orgs.Invitation): an
administrator invites an email; the link's secret lets whoever holds it join with that role, signing up first
when the email has no account. Accepting or cancelling makes the invitation inactive."""

import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Invitation, Membership, Org, User
from upesi.db.models.orgs import ROLES
from upesi.db.ops.orgs import get_or_create_user
from upesi.db.scoping import in_workspace
from upesi.domain.accounts import MAX_NAME, check_new_password, clean_email
from upesi.domain.errors import DomainError
from upesi.domain.mails import Email, link

MAX_PENDING = 100  # per workspace, so a stolen administrator session cannot mail the world


async def invite(
    session: AsyncSession, *, org: Org, by: User, email: str, role: str
) -> tuple[Invitation, Email]:
    email = clean_email(email)
    if role not in ROLES:
        raise DomainError("role", f"{role!r} is not a valid choice.")
    member = await session.execute(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(in_workspace(Membership, org.id), User.email == email)
    )
    if member.first() is not None:
        raise DomainError("email", "User is already a member of this workspace.")
    pending = list(
        (
            await session.execute(
                select(Invitation).where(in_workspace(Invitation, org.id), Invitation.is_active)
            )
        ).scalars()
    )
    if any(i.email == email for i in pending):
        raise DomainError("email", "User has already been invited to this workspace.")
    if len(pending) >= MAX_PENDING:
        raise DomainError(
            "email", f"This workspace has {MAX_PENDING} pending invitations: cancel some first."
        )
    invitation = Invitation(org_id=org.id, email=email, secret=secrets.token_urlsafe(48)[:64], role=role,
                            created_by_id=by.id)  # fmt: skip
    session.add(invitation)
    await session.flush()
    body = (
        f'{by.email} invites you to join the workspace "{org.name}" on Upesi as {_article(role)} {role}.\n\n'
        f"Accept the invitation here:\n\n{link(f'/org/join/{invitation.secret}/')}\n"
    )
    return invitation, Email(email, f"[{org.name}] Invitation to join workspace", body)


def _article(role: str) -> str:
    return "an" if role[0] in "aeiou" else "a"


async def pending(session: AsyncSession, *, org: Org) -> list[Invitation]:
    rows = await session.execute(
        select(Invitation)
        .where(in_workspace(Invitation, org.id), Invitation.is_active)
        .order_by(Invitation.created_on)
    )
    return list(rows.scalars())


async def cancel(session: AsyncSession, *, org: Org, invitation_id: int) -> None:
    await session.execute(
        update(Invitation)
        .where(in_workspace(Invitation, org.id), Invitation.id == invitation_id)
        .values(is_active=False)
    )


async def find(session: AsyncSession, *, secret: str) -> tuple[Invitation, Org]:
    row = (
        await session.execute(
            select(Invitation, Org)
            .join(Org, Org.id == Invitation.org_id)
            .where(Invitation.secret == secret, Invitation.is_active, Org.is_active)
        )
    ).one_or_none()
    if row is None:
        raise DomainError("secret", "This invitation is no longer valid.")
    return row[0], row[1]


async def accept(session: AsyncSession, *, secret: str, user: User) -> Org:
    """The signed-in user joins with the invitation's role (one already a member takes the invitation's
    role, as RapidPro's org.add_user does)."""
    invitation, org = await find(session, secret=secret)
    membership = (
        await session.execute(
            select(Membership).where(in_workspace(Membership, org.id), Membership.user_id == user.id)
        )
    ).scalar_one_or_none()
    if membership is None:
        session.add(Membership(org_id=org.id, user_id=user.id, role=invitation.role))
    else:
        membership.role = invitation.role
    invitation.is_active = False
    await session.flush()
    return org


async def accept_with_signup(
    session: AsyncSession, *, secret: str, first_name: str, last_name: str, password: str
) -> tuple[User, Org]:
    """For an email with no account yet: the account is made with the invitation's email, then joins."""
    invitation, _ = await find(session, secret=secret)
    if (await session.execute(select(User.id).where(User.email == invitation.email))).first() is not None:
        raise DomainError("email", "That email address already has an account: sign in to accept.")
    if not first_name.strip():
        raise DomainError("first_name", "This field is required.")
    if len(first_name) > MAX_NAME or len(last_name) > MAX_NAME:
        raise DomainError("first_name", f"Ensure names have no more than {MAX_NAME} characters.")
    check_new_password(password)
    user = await get_or_create_user(session, invitation.email, password)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    org = await accept(session, secret=secret, user=user)
    return user, org
