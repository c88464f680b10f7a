"""mailroom: task_batches (how starts and broadcasts were split, and which batches are done)

Revision ID: 0005
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_batches",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=False),
        sa.Column("contact_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("done_on", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "parent_id", "batch_index", name=op.f("pk_task_batches")),
    )
    # the broadcast idempotency check ("was this contact already sent this broadcast?") and progress counts
    op.create_index(
        "ix_msgs_broadcast_contact",
        "msgs",
        ["broadcast_id", "contact_id"],
        postgresql_where="broadcast_id IS NOT NULL",
    )
    # "has this contact ever run this flow" (restart_participants) and "already started by this start"
    op.create_index("ix_flow_runs_flow_contact", "flow_runs", ["flow_id", "contact_id"])
    op.create_index(
        "ix_flow_runs_start_contact",
        "flow_runs",
        ["start_id", "contact_id"],
        postgresql_where="start_id IS NOT NULL",
    )
    # a campaign event's fires, found by their scope "<event id>:<fire version>"
    op.create_index("ix_contact_fires_type_scope", "contact_fires", ["fire_type", "scope"])


def downgrade() -> None:
    op.drop_index("ix_contact_fires_type_scope", table_name="contact_fires")
    op.drop_index("ix_flow_runs_start_contact", table_name="flow_runs")
    op.drop_index("ix_flow_runs_flow_contact", table_name="flow_runs")
    op.drop_index("ix_msgs_broadcast_contact", table_name="msgs")
    op.drop_table("task_batches")
