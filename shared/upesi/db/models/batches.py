"""Mailroom's record of how a bulk job (a flow start, a broadcast) was split into batches, and which
batches are done. A batch's work and its done mark commit in one transaction, so a batch task that is
delivered twice (its worker died, the lease ran out) does its work once."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base
from upesi.db.models.contacts import ContactFire
from upesi.db.models.flows import FlowRun
from upesi.db.models.msgs import Msg


class TaskBatch(Base):
    """kind: "start" (parent is a flow start) or "broadcast" (parent is a broadcast)."""

    __tablename__ = "task_batches"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    parent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    done_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Indexes mailroom's bulk work reads by (migration 0005), declared here to keep the shared model files as
# they were: "already sent this broadcast?", "ever ran this flow?", "already started by this start?",
# and a campaign event's fires by scope (partial: an index on every fire type was chosen for wait fires too,
# and walked every waiting contact's fire; migration 0008).
Index(
    "ix_msgs_broadcast_contact",
    Msg.broadcast_id,
    Msg.contact_id,
    postgresql_where=text("broadcast_id IS NOT NULL"),
)
Index("ix_flow_runs_flow_contact", FlowRun.flow_id, FlowRun.contact_id)
Index(
    "ix_flow_runs_start_contact",
    FlowRun.start_id,
    FlowRun.contact_id,
    postgresql_where=text("start_id IS NOT NULL"),
)
Index(
    "ix_contact_fires_campaign_scope",
    ContactFire.scope,
    postgresql_ops={"scope": "text_pattern_ops"},
    postgresql_where=text("fire_type = 'C'"),
)
