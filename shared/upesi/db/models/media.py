"""Uploaded media (attachments for messages and broadcasts), and the smaller catalogues the API lists:
opt-ins, ticket topics, and archives of old messages and runs."""

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, UUIDStr


class Media(Base):
    __tablename__ = "media"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)  # relative to the media directory
    url: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]


class OptIn(Base):
    __tablename__ = "optins"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]


class Archive(Base):
    """archive_type: message or run; period: D daily, M monthly."""

    __tablename__ = "archives"

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    archive_type: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(1))
    start_date: Mapped[date] = mapped_column(Date)
    record_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    size: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    hash: Mapped[str] = mapped_column(String(32), default="", server_default="")
    url: Mapped[str] = mapped_column(Text, default="", server_default="")
    rollup_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("archives.id", ondelete="SET NULL"))
    created_on: Mapped[Created]
