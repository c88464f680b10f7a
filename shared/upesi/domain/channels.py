"""Changing and removing a channel, the rules both surfaces follow (RapidPro's Channel.Update and
Channel.release, mailroom's interrupt_channel task)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.channeltypes import WEBHOOK_SECRET, ConfigRefused, get_channel_type
from upesi.db.models import Channel, Msg, Trigger
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError

FAILED_CHANNEL_REMOVED = "R"  # mailroom's MsgFailedChannelRemoved
NAME_MAX = 64


@dataclass(frozen=True)
class Released:
    failed_msgs: int
    archived_triggers: int


async def update_channel(channel: Channel, name: str, config: dict[str, str]) -> None:
    """A new name and new values for the config fields the channel's type declares; a field left blank keeps
    its value (secrets are never shown back, so a blank one means unchanged). When the type asks the provider
    (Telegram's getMe) and its config changed, the provider is asked again before anything is saved."""
    name = name.strip()
    if not name:
        raise DomainError("name", "This field is required.")
    if len(name) > NAME_MAX:
        raise DomainError("name", f"Ensure this field has no more than {NAME_MAX} characters.")
    declared = get_channel_type(channel.channel_type)
    current = dict(channel.config or {})
    changed = dict(current)
    for f in declared.config if declared else ():
        value = config.get(f.key, "").strip()
        if value:
            changed[f.key] = value
    if declared and declared.check and changed != current:
        try:
            await declared.check({k: str(v) for k, v in changed.items() if k != WEBHOOK_SECRET})
        except ConfigRefused as e:
            raise DomainError(e.field, e.message) from None
    channel.name = name
    channel.config = changed
    if declared and declared.voice_config:
        # a Vonage channel given its voice application now can call (and answer) through it
        channel.role = declared.roles_for(changed)


async def release_channel(session: AsyncSession, channel: Channel) -> Released:
    """RapidPro's release: the channel goes inactive, its messages stay, outgoing ones not yet sent (pending,
    queued, errored) fail as "channel removed" as mailroom's interrupt_channel does, and its triggers are
    archived and released."""
    channel.is_active = False
    failed = await session.execute(
        update(Msg)
        .where(
            in_workspace(Msg, channel.org_id),
            Msg.channel_id == channel.id,
            Msg.direction == "O",
            Msg.status.in_(("P", "Q", "E")),
        )
        .values(status="F", failed_reason=FAILED_CHANNEL_REMOVED, modified_on=func.now())
    )
    archived = await session.execute(
        update(Trigger)
        .where(in_workspace(Trigger, channel.org_id), Trigger.channel_id == channel.id, Trigger.is_active)
        .values(is_archived=True, is_active=False, modified_on=func.now())
    )
    await session.flush()
    return Released(failed.rowcount, archived.rowcount)  # type: ignore[attr-defined]
