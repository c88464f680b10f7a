"""Group commit: callers submit one item and wait for its result, while a few writer tasks take whatever
has queued up and write it in one batch. Under load a batch holds many requests' items; idle, a request
waits only for its own write."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    def __init__(
        self, write: Callable[[list[T]], Awaitable[list[R]]], max_batch: int = 500, writers: int = 4
    ) -> None:
        self.write = write
        self.max_batch = max_batch
        self.writers = writers
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[Any]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self.writers)]

    async def stop(self) -> None:
        for _ in range(500):  # give queued items up to 5 s to be written before stopping
            if self._queue.empty():
                break
            await asyncio.sleep(0.01)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            entries = [first]
            while len(entries) < self.max_batch and not self._queue.empty():
                entries.append(self._queue.get_nowait())
            try:
                results = await self.write([item for item, _ in entries])
            except Exception as e:  # the write function decides what is retried or spooled
                for _, future in entries:
                    if not future.done():
                        future.set_exception(e)
                continue
            for (_, future), result in zip(entries, results, strict=True):
                if not future.done():
                    future.set_result(result)
