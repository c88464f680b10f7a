"""campaign_events.status: S while mailroom (re)computes the event's fires, R once it has (RapidPro's
CampaignEvent.status). Web sets S with each new fire version; mailroom's schedule_campaign_event sets R in the
transaction that writes the fires. The API refuses to update an event in S, as RapidPro's serializer does.
Existing rows are ready: their fires were computed by the rule before this column.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaign_events", sa.Column("status", sa.String(1), server_default="R", nullable=False))


def downgrade() -> None:
    op.drop_column("campaign_events", "status")
