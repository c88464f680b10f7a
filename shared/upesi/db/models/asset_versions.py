"""A counter per workspace that every change to what mailroom caches (its assets) moves on: database
triggers on the asset tables bump it (migration 0011, ASSET_TABLES below), whatever code path wrote, and
mailroom reloads a workspace's assets exactly when the counter differs from the one it loaded them at.

No foreign key to orgs: deleting a workspace deletes its flows, whose triggers bump the counter of an org
that is going away."""

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base

# table -> how a row finds its workspace: its org_id column, or the column pointing at a row that has one
ASSET_TABLES: dict[str, str] = {
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
    "users": "user_id",  # every workspace the user is a member of
    "orgs": "id",  # the environment: languages, timezone, country, date format
}


class OrgAssetVersion(Base):
    __tablename__ = "org_asset_versions"

    org_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
