"""tickets, ticket events and airtime transfers

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "airtime_transfers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("external_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("sender", sa.String(length=255), server_default="", nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=32), server_default="", nullable=False),
        sa.Column("desired_amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("actual_amount", sa.Numeric(precision=10, scale=2), server_default="0", nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_airtime_transfers_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_airtime_transfers_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_airtime_transfers")),
        sa.UniqueConstraint("uuid", name=op.f("uq_airtime_transfers_uuid")),
    )
    op.create_index(
        op.f("ix_airtime_transfers_contact_id"), "airtime_transfers", ["contact_id"], unique=False
    )
    op.create_index(op.f("ix_airtime_transfers_org_id"), "airtime_transfers", ["org_id"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=1), server_default="O", nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("opened_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("opened_by_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_in_id", sa.BigInteger(), nullable=True),
        sa.Column("closed_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "last_activity_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_tickets_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_tickets_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_tickets_opened_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_id"], ["flows.id"], name=op.f("fk_tickets_opened_in_id_flows"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_tickets_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_tickets_topic_id_topics"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("uuid", name=op.f("uq_tickets_uuid")),
    )
    op.create_index(op.f("ix_tickets_assignee_id"), "tickets", ["assignee_id"], unique=False)
    op.create_index("ix_tickets_contact_status", "tickets", ["contact_id", "status"], unique=False)
    op.create_index(
        "ix_tickets_org_status_activity", "tickets", ["org_id", "status", "last_activity_on"], unique=False
    )
    op.create_index(op.f("ix_tickets_topic_id"), "tickets", ["topic_id"], unique=False)
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=1), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_ticket_events_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_ticket_events_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_events_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_ticket_events_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_ticket_events_topic_id_topics"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
        sa.UniqueConstraint("uuid", name=op.f("uq_ticket_events_uuid")),
    )
    op.create_index(op.f("ix_ticket_events_contact_id"), "ticket_events", ["contact_id"], unique=False)
    op.create_index(op.f("ix_ticket_events_org_id"), "ticket_events", ["org_id"], unique=False)
    op.create_index(op.f("ix_ticket_events_ticket_id"), "ticket_events", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_events_ticket_id"), table_name="ticket_events")
    op.drop_index(op.f("ix_ticket_events_org_id"), table_name="ticket_events")
    op.drop_index(op.f("ix_ticket_events_contact_id"), table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index(op.f("ix_tickets_topic_id"), table_name="tickets")
    op.drop_index("ix_tickets_org_status_activity", table_name="tickets")
    op.drop_index("ix_tickets_contact_status", table_name="tickets")
    op.drop_index(op.f("ix_tickets_assignee_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_airtime_transfers_org_id"), table_name="airtime_transfers")
    op.drop_index(op.f("ix_airtime_transfers_contact_id"), table_name="airtime_transfers")
    op.drop_table("airtime_transfers")
