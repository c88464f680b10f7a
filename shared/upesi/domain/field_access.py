"""Per-field access of agents, as RapidPro's ContactField.agent_access and get_access: a user with the agent
role sees a field's values unless it is NONE and edits them only when it is EDIT; every other role edits every
field. The API's contact answers and writes apply it (RapidPro: "Invalid contact field key" for a hidden field,
"Editing of '<key>' values disallowed for current user." for a view-only one)."""

from upesi.db.models import ContactField

NONE = "N"
VIEW = "V"
EDIT = "E"
NAMES = {NONE: "none", VIEW: "view", EDIT: "edit"}  # RapidPro's API names (fields.json agent_access)
AGENT = "agent"


def name_of(field: ContactField) -> str:
    """The field's agent access as RapidPro's API and editor name it (a field without one is VIEW)."""
    return NAMES[field.agent_access or VIEW]


def access_for(field: ContactField, role: str) -> str:
    return (field.agent_access or VIEW) if role == AGENT else EDIT


def can_view(field: ContactField, role: str) -> bool:
    return access_for(field, role) != NONE


def write_error(field: ContactField | None, key: str, role: str) -> str | None:
    """Why this role can't write this field's value (None: it can): an unknown or hidden field is unknown."""
    if field is None or not can_view(field, role):
        return f"Invalid contact field key: {key}"
    if access_for(field, role) != EDIT:
        return f"Editing of '{key}' values disallowed for current user."
    return None
