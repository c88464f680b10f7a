"""People's accounts: signing up (a workspace and its administrator), the profile (name, email, password)
and creating another workspace. RapidPro's rules: passwords of at least 8 characters, one account per
email, the current password asked before the email or the password changes."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Org, User
from upesi.db.ops.orgs import NewWorkspace, create_workspace
from upesi.db.ops.signin import set_password, verify_password
from upesi.domain.errors import DomainError
from upesi.domain.workspaces import WorkspaceSettings, validate

MIN_PASSWORD = 8  # RapidPro's (Django's MinimumLengthValidator as RapidPro configures it)
MAX_NAME = 150


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            field, f"This password is too short. It must contain at least {MIN_PASSWORD} characters."
        )


def clean_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise DomainError("email", "Enter a valid email address.")
    return email


async def email_taken(session: AsyncSession, email: str, *, but: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == email)
    if but is not None:
        query = query.where(User.id != but)
    return bool((await session.execute(query)).scalar_one())


@dataclass(frozen=True)
class SignUp:
    first_name: str
    last_name: str
    email: str
    password: str
    workspace: str
    timezone: str


async def sign_up(session: AsyncSession, *, form: SignUp) -> NewWorkspace:
    """A new user and their workspace, the user its administrator (the caller commits and signs them in)."""
    first, last = form.first_name.strip(), form.last_name.strip()
    if not first:
        raise DomainError("first_name", "This field is required.")
    if len(first) > MAX_NAME or len(last) > MAX_NAME:
        raise DomainError("first_name", f"Ensure names have no more than {MAX_NAME} characters.")
    email = clean_email(form.email)
    check_new_password(form.password)
    settings = validate(WorkspaceSettings(form.workspace, form.timezone, None, "D", ["eng"]))
    if await email_taken(session, email):
        raise DomainError("email", "That email address is already used.")
    created = await create_workspace(session, settings.name, email, form.password, timezone=settings.timezone)
    created.user.first_name, created.user.last_name = first, last
    await session.flush()
    return created


async def create_another_workspace(session: AsyncSession, *, user: User, name: str, timezone: str) -> Org:
    """A further workspace for a signed-in user, who administers it."""
    settings = validate(WorkspaceSettings(name, timezone, None, "D", ["eng"]))
    created = await create_workspace(session, settings.name, user.email, None, timezone=settings.timezone)
    return created.org


@dataclass(frozen=True)
class ProfileChange:
    first_name: str
    last_name: str
    email: str
    current_password: str
    new_password: str


async def update_profile(
    session: AsyncSession, *, user_id: int, change: ProfileChange, keep_session: str | None
) -> User:
    """Name, email and password. Changing the email or the password needs the current password; a new
    password signs out every other browser (upesi.db.ops.signin.set_password)."""
    user = await session.get(User, user_id)
    if user is None:
        raise DomainError("user", "No such user.")
    first, last = change.first_name.strip(), change.last_name.strip()
    if len(first) > MAX_NAME or len(last) > MAX_NAME:
        raise DomainError("first_name", f"Ensure names have no more than {MAX_NAME} characters.")
    email = clean_email(change.email)
    sensitive = email != user.email or bool(change.new_password)
    if sensitive and not await verify_password(user.password_hash, change.current_password):
        raise DomainError("current_password", "Please enter your password to save changes.")
    if email != user.email and await email_taken(session, email, but=user.id):
        raise DomainError("email", "That email address is already used.")
    if change.new_password:
        check_new_password(change.new_password, "new_password")
    user.first_name, user.last_name, user.email = first, last, email
    await session.flush()
    if change.new_password:
        await set_password(session, user.id, change.new_password, keep_session=keep_session)
    return user
