"""Exports of contacts, messages and flow results, built in the background into a file a user downloads."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr

# P pending, O in progress (claimed by a worker), C complete, F failed; RapidPro's letters
EXPORT_STATUSES = {"P": "pending", "O": "in progress", "C": "complete", "F": "failed"}
EXPORT_TYPES = ("contacts", "messages", "flow_results")
EXPORT_FORMATS = ("csv", "xlsx")


class Export(Base):
    """One requested export. `params` say what to export (a group, a search, a folder, a label, a flow);
    `path` is relative to the exports directory and changes with every claim, so a worker that lost its
    claim to another one can tell; `modified_on` is the worker's heartbeat, bumped every batch."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_org_created", "org_id", "created_on"),
        # what workers poll: only the few unfinished rows
        Index("ix_exports_unfinished", "modified_on", postgresql_where="status IN ('P', 'O')"),
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    export_type: Mapped[str] = mapped_column(String(16))
    file_format: Mapped[str] = mapped_column(String(4))
    params: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(1), default="P", server_default="P")
    num_records: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
    completed_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
