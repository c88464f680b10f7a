"""Resthooks (named hooks flows call), their subscribers, and the events sent to them."""

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified


class Resthook(Base):
    __tablename__ = "resthooks"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(50))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class ResthookSubscriber(Base):
    __tablename__ = "resthook_subscribers"

    id: Mapped[IntPK]
    resthook_id: Mapped[int] = mapped_column(ForeignKey("resthooks.id", ondelete="CASCADE"), index=True)
    target_url: Mapped[str] = mapped_column(String(2048))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class WebhookEvent(Base):
    """The payload a flow sent to a resthook (goflow's resthook payload)."""

    __tablename__ = "webhook_events"

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    resthook_id: Mapped[int] = mapped_column(ForeignKey("resthooks.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    created_on: Mapped[Created]
