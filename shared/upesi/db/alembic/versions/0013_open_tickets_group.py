"""contact_groups.is_system and RapidPro's "Open Tickets" system group in every workspace

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "contact_groups", sa.Column("is_system", sa.Boolean(), server_default="false", nullable=False)
    )
    # existing workspaces get the group too (a workspace with a group of that name already keeps its own,
    # which stays an ordinary group), filled from the open tickets they already have
    op.execute(
        """
        INSERT INTO contact_groups (uuid, org_id, name, group_type, query, status, is_system)
        SELECT gen_random_uuid(), o.id, 'Open Tickets', 'Q', 'tickets > 0', 'R', true FROM orgs o
        ON CONFLICT (org_id, name) DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO contact_group_contacts (group_id, contact_id)
        SELECT DISTINCT g.id, t.contact_id
          FROM tickets t
          JOIN contacts c ON c.id = t.contact_id AND c.is_active AND c.status = 'A'
          JOIN contact_groups g ON g.org_id = t.org_id AND g.is_system AND g.name = 'Open Tickets'
         WHERE t.status = 'O'
        ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM contact_groups WHERE is_system")
    op.drop_column("contact_groups", "is_system")
