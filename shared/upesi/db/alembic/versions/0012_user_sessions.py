"""user sessions (revocable sign-ins), failed logins (lockout), pending incoming messages index (retry cron)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_on", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)
    op.create_table(
        "failed_logins",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failed_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_logins")),
    )
    op.create_index("ix_failed_logins_email_failed_on", "failed_logins", ["email", "failed_on"], unique=False)
    op.create_index(
        "ix_msgs_pending_incoming",
        "msgs",
        ["modified_on"],
        unique=False,
        postgresql_where=sa.text("direction = 'I' AND status = 'P'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_msgs_pending_incoming",
        table_name="msgs",
        postgresql_where=sa.text("direction = 'I' AND status = 'P'"),
    )
    op.drop_index("ix_failed_logins_email_failed_on", table_name="failed_logins")
    op.drop_table("failed_logins")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
