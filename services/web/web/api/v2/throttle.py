"""Rate limiting per workspace and scope, in Redis (RapidPro's OrgUserRateThrottle: one bucket per scope
per org). A fixed window per rate period: one INCR and, for the first hit, one EXPIRE.

Rates come from, in order: the workspace's `config["api_rates"]`, the API_THROTTLE_RATES environment
variable (JSON such as {"v2": "3600/hour", "v2.contacts": "10000/hour"}), then RapidPro's defaults.
"""

import json
import os
import time

from upesi.queues.redis import get_redis
from web.api.v2.auth import APIContext
from web.api.v2.errors import detail

DEFAULT_RATES = {
    "v2": "3600/hour",
    "v2.contacts": "3600/hour",
    "v2.messages": "3600/hour",
    "v2.runs": "3600/hour",
}
PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """'3600/hour' → (3600, 3600 seconds); None for an unparseable rate (which then does not throttle)."""
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip().lower()]
    except (ValueError, KeyError):
        return None


def configured_rates() -> dict[str, str]:
    rates = dict(DEFAULT_RATES)
    raw = os.environ.get("API_THROTTLE_RATES")
    if raw:
        try:
            rates.update({str(k): str(v) for k, v in json.loads(raw).items()})
        except (ValueError, AttributeError):
            pass  # a broken override must not take the API down; defaults stay
    return rates


def rate_for(ctx: APIContext, scope: str) -> str | None:
    org_rates = (ctx.org.config or {}).get("api_rates") or {}
    if scope in org_rates:
        return str(org_rates[scope])
    return configured_rates().get(scope) or configured_rates().get("v2")


async def throttle(ctx: APIContext, scope: str) -> None:
    if ctx.by_session:
        return  # RapidPro throttles tokens only: a signed-in user in the browser (the explorer) is not
    rate = rate_for(ctx, scope)
    parsed = parse_rate(rate) if rate else None
    if parsed is None:
        return
    limit, period = parsed
    now = time.time()
    window = int(now // period)
    key = f"api:throttle:{scope}:{ctx.org_id}:{period}:{window}"
    redis = get_redis()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, period + 1, nx=True)
        count, _ = await pipe.execute()
    if count > limit:
        wait = max(1, int((window + 1) * period - now + 0.999))
        raise detail(
            429, f"Request was throttled. Expected available in {wait} seconds.", {"Retry-After": str(wait)}
        )
