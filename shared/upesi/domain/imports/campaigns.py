"""Campaigns of an export, as RapidPro's Campaign.import_campaigns: matched by UUID in the workspace, then
by name, else created; the campaign's group matched or created; its events all replaced by the file's
(the old ones released), each relative to a datetime field that is created if missing. Mailroom
schedules the new events' fires (and drops the released ones') once the import is committed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Campaign, CampaignEvent, Flow
from upesi.db.scoping import in_workspace
from upesi.domain import campaigns as campaign_rules
from upesi.domain.imports.assets import SYSTEM_FIELDS, Assets
from upesi.domain.imports.reading import clean_name
from upesi.domain.imports.report import ImportRefused, ImportReport
from upesi.domain.imports.uuids import new_uuid, taken_uuids

UNITS = {"M", "H", "D", "W"}
START_MODES = {"I", "S", "P"}


async def import_campaigns(
    session: AsyncSession, *, org_id: int, campaigns: list[dict[str, Any]], assets: Assets,
    mapping: dict[str, str], user_id: int | None, report: ImportReport,
) -> None:  # fmt: skip
    existing = list(
        (
            await session.execute(select(Campaign).where(in_workspace(Campaign, org_id), Campaign.is_active))
        ).scalars()
    )
    file_uuids = [c.get("uuid") or "" for c in campaigns]
    event_uuids = [e.get("uuid") or "" for c in campaigns for e in c.get("events") or []]
    taken = await taken_uuids(session, Campaign, file_uuids) | await taken_uuids(
        session, CampaignEvent, event_uuids
    )
    flows = {
        str(f.uuid): f
        for f in (
            await session.execute(
                select(Flow).where(in_workspace(Flow, org_id), Flow.is_active, Flow.is_system.is_(False))
            )
        ).scalars()
    }
    for c in campaigns:
        name = clean_name(str(c.get("name") or ""))
        group_ref = c.get("group")
        if not isinstance(group_ref, dict) or not (group_ref.get("uuid") or group_ref.get("name")):
            raise ImportRefused(f"campaign '{name}': has no group")
        group_uuid = mapping.get(group_ref.get("uuid") or "", group_ref.get("uuid"))
        group = await assets.group(session, group_uuid, group_ref.get("name"))
        await session.flush()
        mapping_uuid = c.get("uuid") or ""
        campaign = next((x for x in existing if str(x.uuid) == mapping_uuid), None) or next(
            (x for x in existing if x.name == name), None
        )
        if campaign is None:
            keep = mapping_uuid and mapping_uuid not in taken
            campaign = Campaign(
                uuid=mapping_uuid if keep else new_uuid(), org_id=org_id, name=name, group_id=group.id,
                created_by_id=user_id,
            )  # fmt: skip
            session.add(campaign)
            await session.flush()
            existing.append(campaign)
            report.create("campaigns", name)
        else:
            campaign.name, campaign.group_id = name, group.id
            report.update("campaigns", name)
        # the campaign's events become the file's: one with the same UUID is updated in place (its old
        # fires made stale), the others released, as RapidPro releases them; mailroom reschedules them all
        current = {
            str(e.uuid): e
            for e in (
                await session.execute(
                    select(CampaignEvent).where(
                        CampaignEvent.campaign_id == campaign.id, CampaignEvent.is_active
                    )
                )
            ).scalars()
        }
        kept = {e.get("uuid") for e in c.get("events") or []} & set(current)
        released = [e.id for u, e in current.items() if u not in kept]
        if released:
            await session.execute(
                update(CampaignEvent)
                .where(CampaignEvent.id.in_(released))
                .values(is_active=False, modified_on=func.now())
            )
            report.event_ids.extend(released)
        for spec in c.get("events") or []:
            made = await _event(session, campaign, spec, assets, mapping, flows, taken, report)
            if made is None:
                continue
            event, label = made
            previous = current.get(spec.get("uuid") or "")
            if previous is not None:
                for attr in ("relative_to_id", "relative_to_key", "offset", "unit", "delivery_hour", "start_mode",
                             "event_type", "flow_id", "translations", "base_language"):  # fmt: skip
                    setattr(previous, attr, getattr(event, attr))
                campaign_rules.schedule(previous)  # a new fire version: the fires of the old one are stale
                previous.modified_on = func.now()
                report.update("campaign events", label)
                event = previous
            else:
                campaign_rules.schedule(event)
                session.add(event)
                report.create("campaign events", label)
            await session.flush()
            report.event_ids.append(event.id)


async def _event(
    session: AsyncSession, campaign: Campaign, spec: dict[str, Any], assets: Assets, mapping: dict[str, str],
    flows: dict[str, Flow], taken: set[str], report: ImportReport,
) -> tuple[CampaignEvent, str] | None:  # fmt: skip
    where = f"campaign '{campaign.name}' event {spec.get('uuid', '')}"
    relative = spec.get("relative_to") or {}
    key = relative.get("key") if isinstance(relative, dict) else None
    if not key:
        raise ImportRefused(f"{where}: has no relative_to field")
    unit = spec.get("unit")
    if unit not in UNITS:
        raise ImportRefused(f"{where}: unit '{unit}' is not one of M, H, D, W")
    try:
        offset = int(spec.get("offset") or 0)
        delivery_hour = int(spec.get("delivery_hour", -1) if spec.get("delivery_hour") is not None else -1)
    except (TypeError, ValueError) as e:
        raise ImportRefused(f"{where}: offset and delivery_hour must be whole numbers") from e
    if not -1 <= delivery_hour <= 23:
        raise ImportRefused(f"{where}: delivery_hour {delivery_hour} is not between -1 and 23")
    start_mode = spec.get("start_mode") or "I"
    if start_mode not in START_MODES:
        raise ImportRefused(f"{where}: start_mode '{start_mode}' is not one of I, S, P")

    field_id = None
    if key not in SYSTEM_FIELDS:
        field = await assets.field(session, key, relative.get("label") or relative.get("name"), "D")
        await session.flush()
        field_id = field.id
    event_uuid = spec.get("uuid") or ""
    keep = bool(event_uuid) and event_uuid not in taken
    taken.add(event_uuid)  # the same UUID twice in a file: the second event gets a new one
    event = CampaignEvent(
        uuid=event_uuid if keep else new_uuid(), org_id=campaign.org_id, campaign_id=campaign.id,
        relative_to_id=field_id, relative_to_key=key, offset=offset, unit=unit, delivery_hour=delivery_hour,
        start_mode=start_mode,
    )  # fmt: skip
    label = f"{campaign.name}: {offset} {unit} after {key}"
    if spec.get("event_type") == "M":
        event.event_type = "M"
        event.translations, event.base_language = _message(spec)
        return event, f"{label} (message)"
    ref = spec.get("flow") or {}
    flow_uuid = mapping.get(ref.get("uuid") or "", ref.get("uuid") or "")
    flow = flows.get(flow_uuid)
    if flow is None:
        # RapidPro drops such an event without a word; we say so
        report.skipped.append(
            f"{where}: its flow '{ref.get('name', flow_uuid)}' is not in the file or workspace"
        )
        return None
    event.event_type, event.flow_id = "F", flow.id
    return event, f"{label} (flow {flow.name})"


def _message(spec: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The event's translations and base language, as RapidPro reads them: a plain text (or JSON of
    translations) becomes {lang: text}; the legacy 'base' language becomes 'und'."""
    message = spec.get("message")
    base = spec.get("base_language")
    if not isinstance(message, dict):
        try:
            message = json.loads(message) if isinstance(message, str) else None
        except ValueError:
            message = None
        if not isinstance(message, dict):
            message, base = {"base": str(spec.get("message") or "")}, "base"
    message = {str(k): str(v) for k, v in message.items()}
    if "base" in message:
        message["und"] = message.pop("base")
        base = "und"
    if base not in message:
        base = next(iter(message), "und")
    return message, str(base)
