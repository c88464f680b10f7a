"""Message labels and the labels on each message."""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr

msg_labels = Table(
    "msg_labels",
    Base.metadata,
    Column("label_id", BigInteger, ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    Column("msg_id", BigInteger, ForeignKey("msgs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


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
