"""Workspaces (orgs), users, their memberships and API tokens."""

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr

ROLES = ("administrator", "editor", "agent", "viewer")


class Org(Base):
    """A workspace: everything else belongs to exactly one."""

    __tablename__ = "orgs"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    name: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    country: Mapped[str | None] = mapped_column(String(2))
    # ISO 639-3 codes; the first is the default language of translations
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(3)), default=list, server_default="{}")
    date_format: Mapped[str] = mapped_column(
        String(1), default="D", server_default="D"
    )  # D day-first, M month-first, Y iso
    is_anon: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    config: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(String(150), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(150), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # two-factor authentication (upesi.domain.two_factor): the TOTP secret once enabled, and the hashes of the
    # unused backup tokens
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    backup_token_hashes: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), default=list, server_default="{}"
    )
    created_on: Mapped[Created]


class Membership(Base):
    """A user's role in a workspace."""

    __tablename__ = "org_memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        CheckConstraint("role IN ('administrator', 'editor', 'agent', 'viewer')", name="role"),
    )

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_on: Mapped[Created]


class APIToken(Base):
    """A RapidPro-style API token: 40 hex characters, bound to one user in one workspace."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPK]
    key: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_used_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_on: Mapped[Created]


class Invitation(Base):
    """An invitation to an email address to join a workspace with a role (RapidPro's orgs.Invitation): the
    secret is the link's key; accepting it (or cancelling it) makes it inactive."""

    __tablename__ = "invitations"

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
