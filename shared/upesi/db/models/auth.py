"""Server-side state of signing in: open browser sessions (revocable) and recent failed sign-ins (lockout)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK


class UserSession(Base):
    """A signed-in browser. The session cookie carries a random key and only its SHA-256 is stored, so a
    database dump signs nobody in; deleting the row (sign-out, password change) revokes the cookie even
    where someone kept a copy of it."""

    __tablename__ = "user_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_on: Mapped[Created]
    expires_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FailedLogin(Base):
    """A sign-in attempt that has not (yet) succeeded, by the email typed (known or not, so the lockout
    itself tells nobody which emails exist). A successful sign-in deletes the email's rows."""

    __tablename__ = "failed_logins"
    __table_args__ = (Index("ix_failed_logins_email_failed_on", "email", "failed_on"),)

    id: Mapped[IntPK]
    email: Mapped[str] = mapped_column(String(254))
    failed_on: Mapped[Created]
