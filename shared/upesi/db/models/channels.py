"""Channels, the provider exchanges logged against them, and channel events (stops, missed calls...)."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr


class Channel(Base):
    """A connection to a provider. `channel_type` is courier's code (EX, T, TG, WAC...)."""

    __tablename__ = "channels"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    channel_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    country: Mapped[str | None] = mapped_column(String(2))
    schemes: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), default=lambda: ["tel"], server_default="{tel}"
    )
    role: Mapped[str] = mapped_column(
        String(4), default="SR", server_default="SR"
    )  # S send, R receive, C call, A answer
    config: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    tps: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class ChannelLog(Base):
    """One provider exchange group: the HTTP requests and responses, elapsed time and errors, secrets redacted."""

    __tablename__ = "channel_logs"
    __table_args__ = (Index("ix_channel_logs_channel_created", "channel_id", "created_on"),)

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    log_type: Mapped[str] = mapped_column(String(32))  # msg_receive, msg_send, msg_status, event_receive...
    http_logs: Mapped[list] = mapped_column(default=list, server_default="[]")
    errors: Mapped[list] = mapped_column(default=list, server_default="[]")
    is_error: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    msg_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False), index=True)
    created_on: Mapped[Created]


class ChannelEvent(Base):
    """A non-message event from a channel: stop_contact, mo_miss, new_conversation, referral, optin..."""

    __tablename__ = "channel_events"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    contact_urn_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contact_urns.id", ondelete="SET NULL")
    )
    extra: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(1), default="P", server_default="P")  # P pending, H handled
    occurred_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_on: Mapped[Created]
