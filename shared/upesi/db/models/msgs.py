"""Messages and broadcasts."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr, link_table

# P pending, I initializing, Q queued, W wired, S sent, D delivered, R read, H handled, E errored, F failed
MSG_STATUSES = "PIQWSDRHEF"


class Msg(Base):
    __tablename__ = "msgs"
    __table_args__ = (
        Index("ix_msgs_org_created", "org_id", "created_on"),
        Index("ix_msgs_contact_created", "contact_id", "created_on"),
        Index("ix_msgs_channel_external", "channel_id", "external_id"),
        Index("ix_msgs_errored_next_attempt", "next_attempt", postgresql_where="status = 'E'"),
        # CHT polls messages?broadcast=; created by migration 0003
        Index("ix_msgs_broadcast_id", "broadcast_id", postgresql_where="broadcast_id IS NOT NULL"),
        # mailroom's retry_incoming cron: incoming messages not yet handled (migration 0012)
        Index("ix_msgs_pending_incoming", "modified_on", postgresql_where="direction = 'I' AND status = 'P'"),
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    contact_urn_id: Mapped[int | None] = mapped_column(ForeignKey("contact_urns.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("broadcasts.id", ondelete="SET NULL")
    )
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    attachments: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    quick_replies: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    locale: Mapped[str | None] = mapped_column(String(6))
    templating: Mapped[dict | None] = mapped_column()
    direction: Mapped[str] = mapped_column(String(1))  # I incoming, O outgoing
    status: Mapped[str] = mapped_column(String(1))
    visibility: Mapped[str] = mapped_column(
        String(1), default="V", server_default="V"
    )  # V visible, A archived, D deleted
    msg_type: Mapped[str] = mapped_column(
        String(1), default="T", server_default="T"
    )  # T text, V voice, O optin
    msg_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    high_priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_reason: Mapped[str | None] = mapped_column(String(1))
    external_id: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict] = mapped_column("metadata", default=dict, server_default="{}")
    log_uuids: Mapped[list[str]] = mapped_column(
        ARRAY(UUID(as_uuid=False)), default=list, server_default="{}"
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
    sent_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


broadcast_contacts = link_table(
    "broadcast_contacts", ("broadcast_id", "broadcasts"), ("contact_id", "contacts")
)
broadcast_groups = link_table(
    "broadcast_groups", ("broadcast_id", "broadcasts"), ("group_id", "contact_groups")
)


class Broadcast(Base):
    """A message to many. translations: {lang: {text, attachments, quick_replies}}.
    status: P pending, Q queued, S started, C completed, F failed, I interrupted."""

    __tablename__ = "broadcasts"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    translations: Mapped[dict] = mapped_column()
    base_language: Mapped[str] = mapped_column(String(3), default="und", server_default="und")
    status: Mapped[str] = mapped_column(String(1), default="P", server_default="P")
    urns: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    query: Mapped[str | None] = mapped_column(Text)
    contact_count: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[dict | None] = mapped_column()  # {start, repeat_period, repeat_days_of_week, next_fire}
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
