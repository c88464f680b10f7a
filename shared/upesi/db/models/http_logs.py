"""Calls to the outside world made by flows (webhooks, resthooks), kept for the workspace to inspect."""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK


class HTTPLog(Base):
    """One webhook or resthook call: the raw request and response, status and time taken.
    log_type: webhook_called (also for each resthook subscriber)."""

    __tablename__ = "http_logs"
    __table_args__ = (Index("ix_http_logs_org_created", "org_id", "created_on"),)

    id: Mapped[IntPK]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    flow_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("flows.id", ondelete="SET NULL"), index=True
    )
    log_type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text, default="", server_default="")
    response: Mapped[str | None] = mapped_column(Text)
    request_time_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    num_retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_error: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_on: Mapped[Created]
