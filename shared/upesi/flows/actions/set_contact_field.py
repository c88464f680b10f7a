"""set_contact_field: sets a field value (trimmed; "" clears it) parsed per the field's type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import missing_dependency
from upesi.flows.fields import field_value_for
from upesi.flows.runtime import evaluate_or_skip

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("field",)
MAX_FIELD_CHARS = 640


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    ref = action.get("field") or {}
    key = ref.get("key") or ""
    fdef = session.assets.field_by_key(key)
    if fdef is None:
        session.log(missing_dependency("field", key, ref.get("name", ""), ident_key="key"))
        return
    evaluated = evaluate_or_skip(session, run, action.get("value") or "")
    if evaluated is None:
        return
    raw = evaluated.strip()[:MAX_FIELD_CHARS]
    new = field_value_for(session, fdef, raw) if raw else None
    fields = session.contact.setdefault("fields", {})
    if fields.get(key) == new:
        return
    if new is None:
        fields.pop(key, None)
        if not fields:
            session.contact.pop("fields", None)
    else:
        fields[key] = new
    session.log(
        {"type": "contact_field_changed", "field": {"key": key, "name": fdef.get("name", "")}, "value": new}
    )
    from upesi.flows.groups import reevaluate_query_groups

    reevaluate_query_groups(session)
