"""Which API permissions each role holds (RapidPro's `API_PERMISSIONS` / GROUP_PERMISSIONS, reduced to the
codenames the API checks). Codenames are `<app>.<model>_<action>`, as in RapidPro."""

# Agents work in the ticketing inbox; the reference lists exactly what their tokens may do (its API_PERMISSIONS
# plus the ticket permissions of the Agents group: tickets.ticket_list, ticket_update, topic_list).
AGENT_PERMISSIONS = frozenset(
    {
        "contacts.contact_create",
        "contacts.contact_list",
        "contacts.contact_update",
        "contacts.contactfield_list",
        "contacts.contactgroup_list",
        "locations.adminboundary_list",
        "msgs.media_create",
        "msgs.msg_create",
        "orgs.org_list",
        "orgs.org_read",
        "tickets.shortcut_list",
        "tickets.ticket_list",
        "tickets.ticket_update",
        "tickets.topic_list",
        "orgs.user_list",
    }
)

# Administrators manage the workspace; the API exposes nothing only they may do except user listing,
# which editors also get in RapidPro, so both hold every permission.
FULL_ROLES = frozenset({"administrator", "editor"})


def has_permission(role: str, permission: str) -> bool:
    if role in FULL_ROLES:
        return True
    if role == "agent":
        return permission in AGENT_PERMISSIONS
    if role == "viewer":
        # viewers (removed upstream in 2025, kept in our schema) were read-only
        return permission.endswith(("_list", "_read"))
    return False
