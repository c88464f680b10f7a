"""Voice calls: one row per call placed or answered on an IVR channel (RapidPro's ivr_call).

status: P pending (created), Q queued (throttled: waiting for a free line), W wired (requested from the
provider), I in progress (answered, the flow runs), D completed, E errored (busy, no answer...; retried at
next_attempt), F failed (for good). error_reason: P provider, B busy, N no answer, M machine answered."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_channel_external", "channel_id", "external_id"),
        Index("ix_calls_retry", "next_attempt", postgresql_where="status IN ('Q', 'E')"),
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    contact_urn_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contact_urns.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(1))  # I incoming, O outgoing
    status: Mapped[str] = mapped_column(String(1))
    external_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    session_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    start_id: Mapped[int | None] = mapped_column(ForeignKey("flow_starts.id", ondelete="SET NULL"))
    trigger: Mapped[dict | None] = mapped_column(JSONB)  # the engine trigger an outgoing call starts with
    started_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_reason: Mapped[str | None] = mapped_column(String(1))
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    log_uuids: Mapped[list[str]] = mapped_column(
        ARRAY(UUID(as_uuid=False)), default=list, server_default="{}"
    )
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
