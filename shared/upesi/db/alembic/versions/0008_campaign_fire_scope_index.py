"""contact_fires: the scope index covers campaign fires only

The index on (fire_type, scope) served one query, a campaign event's fires by scope prefix, but the planner
also chose it for a contact's wait fires (fire_type IN ('T', 'E') AND scope = ''), walking every waiting
contact's expiration fire on each sprint: 3 ms a reply with 6,000 waiting contacts. A partial index on campaign
fires cannot be chosen for wait fires, and text_pattern_ops serves the LIKE prefix in any collation.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_contact_fires_type_scope", table_name="contact_fires")
    op.create_index(
        "ix_contact_fires_campaign_scope",
        "contact_fires",
        [sa.text("scope text_pattern_ops")],
        postgresql_where=sa.text("fire_type = 'C'"),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_fires_campaign_scope", table_name="contact_fires")
    op.create_index("ix_contact_fires_type_scope", "contact_fires", ["fire_type", "scope"])
