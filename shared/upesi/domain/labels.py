"""Message labels: creating, renaming and deleting one, with RapidPro's rules (the workspace's label limit, a
valid name unique among its active labels whatever the case). Both the API (labels endpoint) and the UI (the
message folders' "new label") create labels here."""

import uuid as uuidlib

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Label, Org, msg_labels
from upesi.domain.errors import DomainError
from upesi.domain.limits import check_limit
from upesi.domain.names import MAX_NAME_LEN, check_unique_name, clean_name


async def create_label(session: AsyncSession, *, org: Org, name: str) -> Label:
    """A new active label. The limit is checked first, as RapidPro does before it reads the name."""
    await check_limit(session, org=org, kind="labels", model=Label)
    name = clean_name(name)
    await check_unique_name(session, org=org, model=Label, name=name)
    label = Label(uuid=str(uuidlib.uuid4()), org_id=org.id, name=name)
    session.add(label)
    await session.flush()
    return label


async def rename_label(session: AsyncSession, *, org: Org, label: Label, name: str) -> Label:
    _check_owned(org, label)
    name = clean_name(name)
    await check_unique_name(session, org=org, model=Label, name=name, current=label)
    label.name = name
    label.modified_on = func.now()
    await session.flush()
    return label


async def delete_label(session: AsyncSession, *, org: Org, label: Label) -> None:
    """Deactivate the label and take it off its messages. Its name is freed (RapidPro renames a released
    label to deleted-<uuid>-<name>) so a new label may take it: names are unique per workspace in the table."""
    _check_owned(org, label)
    label.is_active = False
    label.name = f"deleted-{uuidlib.uuid4()}-{label.name}"[:MAX_NAME_LEN]
    label.modified_on = func.now()
    await session.execute(delete(msg_labels).where(msg_labels.c.label_id == label.id))
    await session.flush()


def _check_owned(org: Org, label: Label) -> None:
    # callers look labels up through the scoping helper; this guards against a label from elsewhere
    if label.org_id != org.id:
        raise DomainError("label", "No such object.")
