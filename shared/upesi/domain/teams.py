"""Agents' teams. RapidPro puts every agent in its workspace's default team, "All Topics" (which sees every
topic), unless an administrator moves them to another team. Upesi has no other teams yet, so an agent's team is
always the default one; its UUID is derived from the workspace's, stable without a table to hold it. Other roles
have no team (RapidPro's users endpoint shows null for them)."""

import uuid

DEFAULT_TEAM_NAME = "All Topics"
AGENT = "agent"
# fixed namespace: the default team's UUID is uuid5(namespace, workspace UUID)
_NAMESPACE = uuid.UUID("5c0b0f4e-9a53-4d8e-8f3e-7d2f3a0e1c11")


def default_team(org_uuid: str) -> dict[str, str]:
    return {"uuid": str(uuid.uuid5(_NAMESPACE, str(org_uuid))), "name": DEFAULT_TEAM_NAME}


def team_of(role: str, org_uuid: str) -> dict[str, str] | None:
    """The team a member with this role is in: {uuid, name}, or None for a role that has none."""
    return default_team(org_uuid) if role == AGENT else None
