"""indexes for contact searches and API paging at scale (issue #21 item 5)

- contacts.fields_search, generated from fields by contact_fields_search(): every field value as contactql
  compares it for equality (text and location names lower-cased and trimmed, numbers as numerics), so
  `fields_search @> {...}` is served by a GIN index (jsonb_path_ops) and finds exactly the contacts the
  case-insensitive comparison matches. Adding the column rewrites the contacts table;
- a pg_trgm GIN index on lower(name) for `name ~ ...` (regular expressions on word starts);
- (org_id, lower(btrim(name))) for `name = ...`;
- (org_id, modified_on, id) on contacts and flow_runs, replacing (org_id, modified_on): the API pages by
  (modified_on, id), so ties on modified_on need no sort.

On a large database this takes minutes and blocks writes to contacts (and to flow_runs for its index): 2 min 18 s
for 1,000,000 contacts and 1,000,000 runs on the 2-core benchmark machine at load 14. The indexes can be made
beforehand with CREATE INDEX CONCURRENTLY under the same names (the creates here skip existing ones); the
column's rewrite cannot.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must never raise, whatever a contact's fields hold (it runs on every write of contacts.fields): non-objects are
# skipped, numbers are cast only when the guard of contactql's own SQL accepts them and they are short enough
# that numeric cannot overflow (16,383 characters: numeric's most digits after the point). PL/pgSQL: a third
# faster than the same in one SQL statement (jsonb_each and two aggregates), which is not inlined either.
# Keep in step with upesi.contactql.sql (_text, _field, _indexed_eq) and upesi.contactql.values.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION contact_fields_search(fields jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  result jsonb := '{}';
  f record;
  norm jsonb;
  raw text;
  loc text;
BEGIN
  IF jsonb_typeof(fields) <> 'object' THEN
    RETURN result;
  END IF;
  FOR f IN SELECT * FROM jsonb_each(fields) LOOP
    CONTINUE WHEN jsonb_typeof(f.value) <> 'object';
    norm := '{}';
    raw := f.value ->> 'text';
    IF raw IS NOT NULL THEN
      norm := jsonb_build_object('text', lower(btrim(raw)));
    END IF;
    raw := f.value ->> 'number';
    IF raw ~ '^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$' AND length(raw) <= 16383 THEN
      norm := norm || jsonb_build_object('number', btrim(raw)::numeric);
    END IF;
    FOREACH loc IN ARRAY ARRAY['state', 'district', 'ward'] LOOP
      raw := f.value ->> loc;
      IF raw IS NOT NULL THEN
        norm := norm || jsonb_build_object(loc, lower(btrim(regexp_replace(raw, '^.* > ', ''))));
      END IF;
    END LOOP;
    IF norm <> '{}' THEN
      result := result || jsonb_build_object(f.key, norm);
    END IF;
  END LOOP;
  RETURN result;
END
$$
"""


def upgrade() -> None:
    # trusted since PostgreSQL 13: the database owner may create it
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(FUNCTION)
    # stored, so a search's recheck of the rows the index found reads it instead of running the function
    op.execute(
        "ALTER TABLE contacts ADD COLUMN fields_search jsonb GENERATED ALWAYS AS (contact_fields_search(fields)) STORED"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_contacts_fields_search ON contacts USING gin (fields_search jsonb_path_ops)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_contacts_name_trgm ON contacts USING gin (lower(name) gin_trgm_ops)"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_contacts_org_name ON contacts (org_id, lower(btrim(name)))")
    op.execute("CREATE INDEX IF NOT EXISTS ix_contacts_org_modified_id ON contacts (org_id, modified_on, id)")
    op.drop_index("ix_contacts_org_modified", table_name="contacts")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_flow_runs_org_modified_id ON flow_runs (org_id, modified_on, id)"
    )
    op.drop_index("ix_flow_runs_org_modified", table_name="flow_runs")


def downgrade() -> None:
    op.create_index("ix_flow_runs_org_modified", "flow_runs", ["org_id", "modified_on"])
    op.drop_index("ix_flow_runs_org_modified_id", table_name="flow_runs")
    op.create_index("ix_contacts_org_modified", "contacts", ["org_id", "modified_on"])
    op.drop_index("ix_contacts_org_modified_id", table_name="contacts")
    op.drop_index("ix_contacts_org_name", table_name="contacts")
    op.drop_index("ix_contacts_name_trgm", table_name="contacts")
    op.drop_index("ix_contacts_fields_search", table_name="contacts")
    op.drop_column("contacts", "fields_search")
    op.execute("DROP FUNCTION contact_fields_search(jsonb)")
    # pg_trgm stays: other objects may use it, and dropping an extension needs more rights than creating it
