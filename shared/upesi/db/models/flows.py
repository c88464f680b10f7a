"""Flows with their revisions, and what running them leaves behind: sessions, runs and starts."""

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
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr, link_table

FLOW_TYPES = {"M": "messaging", "B": "messaging_background", "S": "messaging_offline", "V": "voice"}


class Flow(Base):
    __tablename__ = "flows"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    flow_type: Mapped[str] = mapped_column(String(1), default="M", server_default="M")
    spec_version: Mapped[str] = mapped_column(String(16), default="14.4.2", server_default="14.4.2")
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    base_language: Mapped[str] = mapped_column(String(3), default="und", server_default="und")
    expires_after_minutes: Mapped[int] = mapped_column(Integer, default=10080, server_default="10080")
    ignore_triggers: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    has_issues: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class FlowRevision(Base):
    """Every saved definition, kept so the editor can show and restore history."""

    __tablename__ = "flow_revisions"
    __table_args__ = (UniqueConstraint("flow_id", "revision"),)

    id: Mapped[IntPK]
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    spec_version: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]


class FlowSession(Base):
    """An engine session. status: W waiting, C completed, I interrupted, X expired, F failed."""

    __tablename__ = "flow_sessions"
    __table_args__ = (Index("ix_flow_sessions_contact_status", "contact_id", "status"),)

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    session_type: Mapped[str] = mapped_column(String(1), default="M", server_default="M")
    status: Mapped[str] = mapped_column(String(1))
    current_flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    last_sprint_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    output: Mapped[dict] = mapped_column()  # the engine's session JSON
    created_on: Mapped[Created]
    ended_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FlowRun(Base):
    """One contact's pass through one flow. status: A active, W waiting, C completed, I interrupted,
    X expired, F failed."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        Index("ix_flow_runs_flow_created", "flow_id", "created_on"),
        Index(
            "ix_flow_runs_org_modified_id", "org_id", "modified_on", "id"
        ),  # the API pages by (modified_on, id)
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    session_uuid: Mapped[str] = mapped_column(UUID(as_uuid=False), index=True)
    start_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("flow_starts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(1))
    responded: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    results: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    path_nodes: Mapped[list[str]] = mapped_column(
        ARRAY(UUID(as_uuid=False)), default=list, server_default="{}"
    )
    path_times: Mapped[list[datetime]] = mapped_column(
        ARRAY(DateTime(timezone=True)), default=list, server_default="{}"
    )
    current_node_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
    exited_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


flow_start_contacts = link_table(
    "flow_start_contacts", ("start_id", "flow_starts"), ("contact_id", "contacts")
)
flow_start_groups = link_table(
    "flow_start_groups", ("start_id", "flow_starts"), ("group_id", "contact_groups")
)
# members of these groups are left out of the start (a schedule trigger's exclude groups)
flow_start_exclude_groups = link_table(
    "flow_start_exclude_groups", ("start_id", "flow_starts"), ("group_id", "contact_groups")
)


class FlowStart(Base):
    """A request to start a flow for many contacts. start_type: M manual, A api, F flow action, T trigger.
    status: P pending, Q queued, S started, C completed, F failed, I interrupted."""

    __tablename__ = "flow_starts"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    start_type: Mapped[str] = mapped_column(String(1), default="M", server_default="M")
    status: Mapped[str] = mapped_column(String(1), default="P", server_default="P")
    urns: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    query: Mapped[str | None] = mapped_column(Text)
    restart_participants: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    exclude_active: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    params: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    contact_count: Mapped[int | None] = mapped_column(Integer)
    contacts_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
