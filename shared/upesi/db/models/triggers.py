"""Triggers: what starts a flow without anyone pressing start."""

from sqlalchemy import ARRAY, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr, link_table

# K keyword, C catch-all, M missed call, N new conversation, R referral, V inbound call, S schedule,
# T closed ticket, O opt-in, U USSD (RapidPro's "USSD Pull Session": its keyword is the service code dialled)
TRIGGER_TYPES = "KCMNRVSTOU"

trigger_groups = link_table("trigger_groups", ("trigger_id", "triggers"), ("group_id", "contact_groups"))
trigger_exclude_groups = link_table(
    "trigger_exclude_groups", ("trigger_id", "triggers"), ("group_id", "contact_groups")
)


class Trigger(Base):
    __tablename__ = "triggers"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    trigger_type: Mapped[str] = mapped_column(String(1))
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list, server_default="{}")
    match_type: Mapped[str | None] = mapped_column(String(1))  # F first word, O only word
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    referrer_id: Mapped[str | None] = mapped_column(String(255))
    schedule: Mapped[dict | None] = mapped_column()
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
