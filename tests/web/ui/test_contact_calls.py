"""A contact's calls are in their history."""

import httpx
from sqlalchemy import text

from tests.web.ui.helpers import Site
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.contacts import resolve_contacts
from upesi.urns import parse_urn


async def test_contact_history_shows_calls(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as db:
        channel = await add_channel(
            db, site.org_id, "T", "+12065550100", {"account_sid": "AC1", "auth_token": "t"}
        )
        urn = parse_urn("tel:+16055741111")
        found = (await resolve_contacts(db, site.org_id, [urn], channel.id))[urn.identity]
        for direction, status, reason, duration in (
            ("O", "D", None, 95),
            ("O", "F", "B", 0),
            ("I", "I", None, 0),
        ):
            await db.execute(
                text(
                    """INSERT INTO calls (uuid, org_id, channel_id, contact_id, contact_urn_id, direction, status,
                                          error_reason, duration)
                       VALUES (gen_random_uuid(), :o, :ch, :c, :u, :d, :s, :r, :du)"""
                ),
                {"o": site.org_id, "ch": channel.id, "c": found.contact_id, "u": found.urn_id, "d": direction,
                 "s": status, "r": reason, "du": duration},
            )  # fmt: skip
    page = (await admin.get(f"/contact/read/{found.contact_uuid}/")).text
    for shown in (
        "Outgoing call, completed (95 s)",
        "Outgoing call, failed (busy)",
        "Incoming call, in progress",
    ):
        assert shown in page, shown
