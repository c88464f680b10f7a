"""Message labels and the labels on each message."""

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr, link_table

msg_labels = link_table("msg_labels", ("label_id", "labels"), ("msg_id", "msgs"), index_right=True)


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_on: Mapped[Created]
    modified_on: Mapped[Modified]
