"""Campaigns: events scheduled relative to a contact date field, for the members of a group."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[int] = mapped_column(ForeignKey("contact_groups.id", ondelete="CASCADE"))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class CampaignEvent(Base):
    """event_type: F flow, M message (translations {lang: text}). unit: M minutes, H hours, D days, W weeks.
    relative_to is a contact field; `relative_to_key` also allows the system dates created_on/last_seen_on."""

    __tablename__ = "campaign_events"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    relative_to_id: Mapped[int | None] = mapped_column(ForeignKey("contact_fields.id", ondelete="CASCADE"))
    relative_to_key: Mapped[str] = mapped_column(String(36))
    offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unit: Mapped[str] = mapped_column(String(1), default="D", server_default="D")
    delivery_hour: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")
    event_type: Mapped[str] = mapped_column(String(1), default="F", server_default="F")
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    translations: Mapped[dict | None] = mapped_column()
    base_language: Mapped[str | None] = mapped_column(String(3))
    # I interrupt the contact's flow, S skip contacts in a flow, P passive (message events)
    start_mode: Mapped[str] = mapped_column(String(1), default="I", server_default="I")
    # RapidPro creates events at version 1 (the column's server default stays 0 for rows written by SQL)
    fire_version: Mapped[int] = mapped_column(Integer, default=1, server_default="0")
    # S while mailroom (re)computes the fires of the current fire version, R once it has (upesi.domain.campaigns)
    status: Mapped[str] = mapped_column(String(1), default="R", server_default="R")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
