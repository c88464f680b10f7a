"""flow_start_exclude_groups: members of these groups are left out of a start (a schedule trigger's exclusions)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_start_exclude_groups",
        sa.Column("start_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["contact_groups.id"],
            name=op.f("fk_flow_start_exclude_groups_group_id_contact_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["start_id"],
            ["flow_starts.id"],
            name=op.f("fk_flow_start_exclude_groups_start_id_flow_starts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("start_id", "group_id", name=op.f("pk_flow_start_exclude_groups")),
    )


def downgrade() -> None:
    op.drop_table("flow_start_exclude_groups")
