"""Crons: periodic jobs run by every mailroom process, each guarded by a Redis lock so that however many
processes run, one of them does each job per interval.

    cron:<name>   lock, SET NX with the interval as expiry
"""

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from upesi.queues.redis import get_redis

log = logging.getLogger(__name__)


@dataclass
class Cron:
    name: str
    interval: float  # seconds
    run: Callable[[], Awaitable[object]]


def all_crons() -> list[Cron]:
    from mailroom.crons import (
        fire_contacts,
        fire_schedules,
        retry_calls,
        retry_msgs,
        schedule_campaigns,
        throttle_queue,
    )

    return [
        Cron("fire_contacts", fire_contacts.INTERVAL, fire_contacts.run),
        Cron("fire_schedules", fire_schedules.INTERVAL, fire_schedules.run),
        Cron("schedule_campaigns", schedule_campaigns.INTERVAL, schedule_campaigns.run),
        Cron("requeue_stuck", retry_msgs.interval(), retry_msgs.requeue_stuck),
        Cron("retry_errored", retry_msgs.interval(), retry_msgs.retry_errored),
        Cron("retry_incoming", retry_msgs.interval(), retry_msgs.retry_incoming),
        Cron("sweep_queued", retry_msgs.interval(), retry_msgs.sweep_queued),
        Cron("queue_pending", retry_msgs.PENDING_INTERVAL, retry_msgs.queue_pending),
        Cron("throttle_queue", throttle_queue.INTERVAL, throttle_queue.run),
        Cron("retry_calls", retry_calls.INTERVAL, retry_calls.run),
    ]


class CronRunner:
    def __init__(self, crons: list[Cron] | None = None) -> None:
        self.crons = crons if crons is not None else all_crons()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(c)) for c in self.crons]

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self, cron: Cron) -> None:
        while not self._stopping.is_set():
            try:
                # the lock lasts one interval: another process that wakes in the same interval skips the job
                if await get_redis().set(
                    f"cron:{cron.name}", secrets.token_hex(8), nx=True, px=int(cron.interval * 1000)
                ):
                    await cron.run()
            except Exception:
                log.exception("cron failed", extra={"cron": cron.name})
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=cron.interval)
            except TimeoutError:
                pass
