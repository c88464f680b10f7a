"""campaign_events.status and contact_fields.agent_access (RapidPro's, for its API tests)

campaign_events.status: S while mailroom (re)computes the event's fires, R once it has (RapidPro's
CampaignEvent.status). Web sets S with each new fire version; mailroom's schedule_campaign_event sets R in the
transaction that writes the fires. The API refuses to update an event in S, as RapidPro's serializer does.
Existing rows are ready: their fires were computed by the rule before this column.

contact_fields.agent_access: what a user with the agent role may do with the field's values, as RapidPro's
ContactField.agent_access: N none (hidden), V view (the default, so existing fields stay as agents saw them),
E edit (upesi.domain.field_access).

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
    op.add_column(
        "contact_fields", sa.Column("agent_access", sa.String(1), server_default="V", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("contact_fields", "agent_access")
    op.drop_column("campaign_events", "status")
