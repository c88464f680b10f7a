"""What RapidPro's API tests assert with their mixin (temba/api/tests/mixins.py), restated for our tests:
an error names its field with the message in a list (or a nested dict by index), `detail` for errors that
belong to no field; results are matched by uuid, id or key in order."""

from typing import Any

import httpx
from sqlalchemy import select, update

from upesi.db.engine import transaction
from upesi.db.models import CampaignEvent, Org


def assert_error(
    response: httpx.Response, field: str | tuple[str, str] | None, message: str, status: int = 400
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    if field is None:
        assert body == {"detail": message} or body.get("detail") == message, body
    elif isinstance(field, tuple):
        outer, inner = field
        assert isinstance(body[outer], dict), body
        assert message in body[outer][inner], body
    else:
        assert isinstance(body[field], list), body
        assert message in body[field], body


def assert_errors(response: httpx.Response, errors: dict[Any, str], status: int = 400) -> None:
    for field, message in errors.items():
        assert_error(response, field, message, status)


def ids_of(response: httpx.Response, key: str = "uuid") -> list[Any]:
    assert response.status_code == 200, response.text
    return [r[key] for r in response.json()["results"]]


async def set_org(org_id: int, **values: Any) -> None:
    """Workspace settings RapidPro's test org has (Africa/Kigali, day-first dates) or an anonymous one."""
    async with transaction() as s:
        await s.execute(update(Org).where(Org.id == org_id).values(**values))


async def mailroom_schedules(org_id: int, event_uuids: list[str]) -> None:
    """Run mailroom's own schedule_campaign_event for these events, as its worker would: their fires are written
    and each event is ready (status R) to be edited again."""
    from mailroom.tasks import schedule_campaign_event  # tests of web drive mailroom's code only here

    async with transaction() as s:
        ids = (
            (await s.execute(select(CampaignEvent.id).where(CampaignEvent.uuid.in_(event_uuids))))
            .scalars()
            .all()
        )
    for event_id in ids:
        await schedule_campaign_event.handle(org_id, {"event_id": event_id})
