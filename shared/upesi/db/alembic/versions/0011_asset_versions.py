"""asset versions: a counter per workspace bumped by triggers on every asset table

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the tables and how each finds its workspace, as upesi.db.models.asset_versions.ASSET_TABLES was at 0011
ASSET_TABLES = {
    "flows": "org_id",
    "flow_revisions": "flow_id",
    "contact_fields": "org_id",
    "contact_groups": "org_id",
    "labels": "org_id",
    "globals": "org_id",
    "channels": "org_id",
    "topics": "org_id",
    "optins": "org_id",
    "resthooks": "org_id",
    "resthook_subscribers": "resthook_id",
    "triggers": "org_id",
    "org_memberships": "org_id",
    "users": "user_id",
    "orgs": "id",
}

# One function for every table: the trigger's argument says how the changed row finds its workspace.
# Row-level: asset tables are written rarely and a few rows at a time; the bump is an upsert on one row
# per workspace (held until the writer commits, so concurrent asset edits of one workspace queue there).
_FUNCTION = """
CREATE FUNCTION bump_org_asset_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    orgs bigint[];
BEGIN
    CASE TG_ARGV[0]
        WHEN 'org_id' THEN orgs := ARRAY[(r->>'org_id')::bigint];
        WHEN 'id' THEN orgs := ARRAY[(r->>'id')::bigint];
        WHEN 'flow_id' THEN orgs := ARRAY(SELECT org_id FROM flows WHERE id = (r->>'flow_id')::bigint);
        WHEN 'resthook_id' THEN
            orgs := ARRAY(SELECT org_id FROM resthooks WHERE id = (r->>'resthook_id')::bigint);
        WHEN 'user_id' THEN
            orgs := ARRAY(SELECT org_id FROM org_memberships WHERE user_id = (r->>'id')::bigint);
    END CASE;
    INSERT INTO org_asset_versions AS v (org_id, version)
    SELECT o, 1 FROM unnest(orgs) AS o WHERE o IS NOT NULL
    ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "org_asset_versions",
        sa.Column("org_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("org_id"),
    )
    op.execute(_FUNCTION)
    for table, via in ASSET_TABLES.items():
        events = "UPDATE" if table == "orgs" else "INSERT OR UPDATE OR DELETE"
        op.execute(
            f"CREATE TRIGGER {table}_bump_asset_version AFTER {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION bump_org_asset_version('{via}')"
        )


def downgrade() -> None:
    for table in ASSET_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_asset_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS bump_org_asset_version()")
    op.drop_table("org_asset_versions")
