"""Worker pools over the fair task queues. A malformed task is logged and skipped; a failing task is
logged and never takes the worker down."""

import asyncio
import logging
import time

from mailroom.tasks import TASKS
from upesi.metrics import TASK_DURATION
from upesi.queues.fair import FairQueue, Task
from upesi.queues.redis import get_redis

log = logging.getLogger(__name__)
IDLE_WAIT = 0.5  # an idle worker is woken by a push; this bounds the wait for anything not signalled


class Foreman:
    """Workers popping one queue. Tasks in hand have their leases extended; tasks of workers that died
    (their leases ran out) are put back by the reaper, so a killed process loses no work."""

    def __init__(
        self, queue_name: str, workers: int, max_active_per_owner: int = 0, lease_seconds: float = 60.0
    ) -> None:
        self.queue_name = queue_name
        self.workers = workers
        self.max_active_per_owner = max_active_per_owner
        self.lease_seconds = lease_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._in_hand: set[str] = set()
        self._wakeups: asyncio.Queue[None] = asyncio.Queue(maxsize=workers)

    def start(self) -> None:
        queue = FairQueue(get_redis(), self.queue_name, self.max_active_per_owner, self.lease_seconds)
        self._tasks = [asyncio.create_task(self._work(queue, i)) for i in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._keep_leases(queue)))
        self._tasks.append(asyncio.create_task(self._listen(queue)))

    async def stop(self) -> None:
        """Let tasks in hand finish, take no new ones."""
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _work(self, queue: FairQueue, index: int) -> None:
        # the task this worker finished, released by its next pop in the same round trip (or by done() when
        # the worker stops); kept across a failed pop, and a release made twice is harmless
        finished: tuple[str, str] | None = None
        while not self._stopping.is_set():
            try:
                popped = await queue.pop(done=finished)
            except Exception:
                log.exception("unable to pop from queue", extra={"queue": self.queue_name})
                await asyncio.sleep(1)
                continue
            finished = None
            if popped is None:
                try:
                    await asyncio.wait_for(self._wakeups.get(), IDLE_WAIT)
                except TimeoutError:
                    pass
                continue
            owner, payload = popped
            self._in_hand.add(payload)
            try:
                await self._perform(owner, payload)
            finally:
                self._in_hand.discard(payload)
                finished = (owner, payload)
        if finished is not None:
            await queue.done(*finished)

    async def _listen(self, queue: FairQueue) -> None:
        """Turn pushes into wakeups for idle workers: polling instead would add up to a poll interval to
        every reply, and cost a queue scan per idle worker per interval."""
        while not self._stopping.is_set():
            try:
                pushes = await queue.wait_for_pushes(timeout=IDLE_WAIT, most=self.workers)
            except Exception:
                log.exception("unable to wait for pushes", extra={"queue": self.queue_name})
                await asyncio.sleep(1)
                continue
            for _ in range(pushes):
                try:
                    self._wakeups.put_nowait(None)
                except asyncio.QueueFull:
                    break  # every worker already has a wakeup waiting

    async def _keep_leases(self, queue: FairQueue) -> None:
        interval = max(0.2, self.lease_seconds / 4)
        while not self._stopping.is_set():
            try:
                await queue.extend(list(self._in_hand))
                reaped = await queue.reap()
                if reaped:
                    log.warning(
                        "requeued tasks whose worker died", extra={"queue": self.queue_name, "count": reaped}
                    )
            except Exception:
                log.exception("unable to keep task leases", extra={"queue": self.queue_name})
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)
            except TimeoutError:
                pass

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
            log.error(
                "malformed task skipped",
                extra={"queue": self.queue_name, "error": str(e), "payload": payload[:500]},
            )
            return
        try:
            await handler(org_id, task.task)
        except Exception:
            outcome = "error"
            log.exception(
                "task failed", extra={"queue": self.queue_name, "task_type": task.type, "task_id": task.id}
            )
        finally:
            TASK_DURATION.labels(self.queue_name, task_type, outcome).observe(time.perf_counter() - start)
