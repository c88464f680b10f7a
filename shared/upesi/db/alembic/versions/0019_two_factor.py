"""two factor

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column(
        "users",
        sa.Column("backup_token_hashes", sa.ARRAY(sa.String(length=64)), server_default="{}", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "backup_token_hashes")
    op.drop_column("users", "totp_secret")
