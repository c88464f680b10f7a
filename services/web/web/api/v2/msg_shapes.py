"""The message shape (messages endpoint, message_actions), built for a whole page in batched queries."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel, Contact, ContactURN, Flow, Label, Msg, msg_labels
from upesi.quick_replies import decode
from web.api.v2.shapes import one_of, refs_by_id
from web.api.v2.values import fmt_dt

STATUSES = {
    "P": "queued", "I": "queued", "Q": "queued", "W": "wired", "S": "sent", "D": "delivered", "R": "read",
    "H": "handled", "E": "errored", "F": "failed",
}  # fmt: skip
VISIBILITIES = {"V": "visible", "A": "archived", "D": "deleted", "X": "deleted"}
TYPES = {"T": "text", "O": "optin", "V": "voice"}
# what a message's shape reads: the list selects these as plain rows, which cost a fraction of ORM objects
SHOWN_COLUMNS = (
    Msg.id, Msg.uuid, Msg.broadcast_id, Msg.contact_id, Msg.contact_urn_id, Msg.channel_id, Msg.flow_id,
    Msg.direction, Msg.msg_type, Msg.status, Msg.visibility, Msg.text, Msg.attachments, Msg.quick_replies,
    Msg.created_on, Msg.sent_on, Msg.modified_on,
)  # fmt: skip


def attachment(value: str) -> dict[str, str]:
    """`content_type:url` as stored → {content_type, url}."""
    content_type, _, url = value.partition(":")
    if not url or ("/" not in content_type and content_type in ("http", "https")):
        return {"content_type": "", "url": value}
    return {"content_type": content_type, "url": url}


def quick_reply(value: str | dict[str, Any]) -> dict[str, Any]:
    """A stored quick reply (a string in msgs, a dict or string in broadcast translations) as the API shows it:
    {"type", "text", "extra"?}."""
    return decode(value) if isinstance(value, str) else {"type": value.get("type") or "text", **value}


async def labels_by_msg(session: AsyncSession, msg_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    result: dict[int, list[dict[str, str]]] = defaultdict(list)
    if not msg_ids:
        return result
    rows = await session.execute(
        select(msg_labels.c.msg_id, Label.uuid, Label.name)
        .join(Label, Label.id == msg_labels.c.label_id)
        .where(one_of(msg_labels.c.msg_id, msg_ids), Label.is_active)
        .order_by(Label.name)
    )
    for msg_id, uuid, name in rows:
        result[msg_id].append({"uuid": str(uuid), "name": name})
    return result


async def serialize_msgs(
    session: AsyncSession, msgs: Sequence[Any], anon: bool = False
) -> list[dict[str, Any]]:
    """Messages (Msg objects, or rows of SHOWN_COLUMNS) in the API shape; contacts, channels, flows, labels and
    URNs in one query each for the page."""
    contacts = await refs_by_id(session, Contact, (m.contact_id for m in msgs))
    channels = await refs_by_id(session, Channel, (m.channel_id for m in msgs))
    flows = await refs_by_id(session, Flow, (m.flow_id for m in msgs))
    labels = await labels_by_msg(session, [m.id for m in msgs])
    urn_ids = sorted({m.contact_urn_id for m in msgs if m.contact_urn_id})
    urns: dict[int, str] = {}
    if urn_ids:
        urns = dict(
            (
                await session.execute(
                    select(ContactURN.id, ContactURN.identity).where(one_of(ContactURN.id, urn_ids))
                )
            ).all()
        )
    out = []
    for m in msgs:
        urn = urns.get(m.contact_urn_id) if m.contact_urn_id else None
        if urn and anon:
            urn = urn.split(":", 1)[0] + ":********"
        attachments = [attachment(a) for a in (m.attachments or [])]
        out.append(
            {
                "id": m.id,
                "uuid": str(m.uuid),
                "broadcast": m.broadcast_id,
                "contact": contacts.get(m.contact_id),
                "urn": urn,
                "channel": channels.get(m.channel_id) if m.channel_id else None,
                "direction": "in" if m.direction == "I" else "out",
                "type": TYPES.get(m.msg_type, "text"),
                "status": STATUSES.get(m.status, "queued"),
                "archived": m.visibility == "A",
                "visibility": VISIBILITIES.get(m.visibility, "visible"),
                "text": m.text,
                "labels": labels.get(m.id, []),
                "flow": flows.get(m.flow_id) if m.flow_id else None,
                "attachments": attachments,
                "quick_replies": [quick_reply(q) for q in (m.quick_replies or [])],
                "created_on": fmt_dt(m.created_on),
                "sent_on": fmt_dt(m.sent_on),
                "modified_on": fmt_dt(m.modified_on),
                "media": attachments[0]["url"] if attachments else None,
            }
        )
    return out
