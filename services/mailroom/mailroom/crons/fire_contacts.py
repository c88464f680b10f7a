"""Cron fire_contacts: turns due contact fires (wait timeouts, expirations, campaign events) into work.
See mailroom.fires."""

from mailroom.fires import fire_due

INTERVAL = 30.0


async def run() -> int:
    return await fire_due()
