"""Worker pools over the fair task queues. A malformed task is logged and skipped; a failing task is
logged and never takes the worker down."""

import asyncio
import logging
import time

from upesi.metrics import TASK_DURATION
from upesi.queues.fair import FairQueue, Task
from upesi.queues.redis import get_redis

from mailroom.tasks import TASKS

log = logging.getLogger(__name__)
IDLE_SLEEP = 0.05


class Foreman:
    def __init__(self, queue_name: str, workers: int, max_active_per_owner: int = 0) -> None:
        self.queue_name = queue_name
        self.workers = workers
        self.max_active_per_owner = max_active_per_owner
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def start(self) -> None:
        queue = FairQueue(get_redis(), self.queue_name, self.max_active_per_owner)
        self._tasks = [asyncio.create_task(self._work(queue, i)) for i in range(self.workers)]

    async def stop(self) -> None:
        """Let tasks in hand finish, take no new ones."""
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _work(self, queue: FairQueue, index: int) -> None:
        while not self._stopping.is_set():
            try:
                popped = await queue.pop()
            except Exception:
                log.exception("unable to pop from queue", extra={"queue": self.queue_name})
                await asyncio.sleep(1)
                continue
            if popped is None:
                await asyncio.sleep(IDLE_SLEEP)
                continue
            owner, payload = popped
            try:
                await self._perform(owner, payload)
            finally:
                await queue.done(owner)

    async def _perform(self, owner: str, payload: str) -> None:
        start = time.perf_counter()
        outcome = "ok"
        task_type = "malformed"
        try:
            task = Task.decode(owner, payload)
            task_type = task.type
            handler = TASKS.get(task.type)
            if handler is None:
                raise ValueError(f"unknown task type {task.type!r}")
            org_id = int(owner)
        except (ValueError, TypeError) as e:
            outcome = "malformed"
            log.error("malformed task skipped", extra={"queue": self.queue_name, "error": str(e), "payload": payload[:500]})
            return
        try:
            await handler(org_id, task.task)
        except Exception:
            outcome = "error"
            log.exception("task failed", extra={"queue": self.queue_name, "task_type": task.type, "task_id": task.id})
        finally:
            TASK_DURATION.labels(self.queue_name, task_type, outcome).observe(time.perf_counter() - start)
