"""retry_calls: outgoing calls waiting for a free line (Q) or for their retry after busy / no answer (E)
are placed again once their next_attempt has come (mailroom's retry_calls cron)."""

from mailroom.ivr.outgoing import retry_calls

INTERVAL = 60.0


async def run() -> int:
    return await retry_calls()
