"""Contacts, their URNs, fields (definitions; values live on the contact as JSONB keyed by field UUID,
as RapidPro does, so one row read gives the whole contact), groups and scheduled fires."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr, link_table

CONTACT_STATUSES = {"A": "active", "B": "blocked", "S": "stopped", "V": "archived"}
# contact_fields.value_type code -> the engine's field type, which is also the key of the typed value
# stored in contacts.fields[field uuid]
FIELD_VALUE_TYPES = {"T": "text", "N": "number", "D": "datetime", "S": "state", "I": "district", "W": "ward"}


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        # the API pages by (modified_on, id); contactql's searches (migration 0021)
        Index("ix_contacts_org_modified_id", "org_id", "modified_on", "id"),
        Index(
            "ix_contacts_fields_search",
            "fields_search",
            postgresql_using="gin",
            postgresql_ops={"fields_search": "jsonb_path_ops"},
        ),
        Index(
            "ix_contacts_name_trgm",
            func.lower(text("name")).label("name_lower"),
            postgresql_using="gin",
            postgresql_ops={"name_lower": "gin_trgm_ops"},
        ),
        Index("ix_contacts_org_name", "org_id", func.lower(func.btrim(text("name")))),
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(3))
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(1), default="A", server_default="A")
    # {field_uuid: {"text": ..., "number": ..., "datetime": ..., "state": ..., ...}} as RapidPro stores them
    fields: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    # `fields` as contactql's equality compares it, for its GIN index (migration 0021); never loaded with the row
    fields_search: Mapped[dict | None] = mapped_column(
        JSONB, Computed("contact_fields_search(fields)", persisted=True), deferred=True
    )
    current_session_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    current_flow_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("flows.id", ondelete="SET NULL")
    )
    last_seen_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class ContactURN(Base):
    """A URN such as tel:+250788123123. `identity` is scheme:path, unique in a workspace; a URN may exist
    without a contact (after the contact is deleted) so history keeps its address."""

    __tablename__ = "contact_urns"
    __table_args__ = (UniqueConstraint("org_id", "identity"),)

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    scheme: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(255))
    identity: Mapped[str] = mapped_column(String(255))
    display: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer, default=1000, server_default="1000")
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    auth_tokens: Mapped[dict] = mapped_column(default=dict, server_default="{}")


class ContactField(Base):
    """A field definition. value_type: T text, N number, D datetime, S state, I district, W ward."""

    __tablename__ = "contact_fields"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(36))
    value_type: Mapped[str] = mapped_column(String(1), default="T", server_default="T")
    show_in_table: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # what agents may do with its values: N none, V view, E edit (upesi.domain.field_access)
    agent_access: Mapped[str] = mapped_column(String(1), default="V", server_default="V")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


contact_group_contacts = link_table(
    "contact_group_contacts", ("group_id", "contact_groups"), ("contact_id", "contacts"), index_right=True
)


class ContactGroup(Base):
    """group_type: M manual, Q query (smart). status: I initializing, E evaluating, R ready. A system group
    (RapidPro's "Open Tickets") cannot be renamed or deleted, and its members are kept by its owner."""

    __tablename__ = "contact_groups"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    group_type: Mapped[str] = mapped_column(String(1), default="M", server_default="M")
    query: Mapped[str | None] = mapped_column(String(10000))
    status: Mapped[str] = mapped_column(String(1), default="R", server_default="R")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]


class ContactFire(Base):
    """Scheduled work for one contact that a cron turns into tasks: T wait timeout, E wait expiration,
    S session expiration, C campaign point. A fire whose session or sprint has moved on is stale."""

    __tablename__ = "contact_fires"
    __table_args__ = (
        UniqueConstraint("contact_id", "fire_type", "scope"),
        Index("ix_contact_fires_fire_on", "fire_on"),
    )

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    fire_type: Mapped[str] = mapped_column(String(1))
    scope: Mapped[str] = mapped_column(String(128), default="", server_default="")
    session_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    sprint_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    fire_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
