"""Profiling one mailroom process's share of a flow start in-process: the start is split, then its batches
are run one after the other under cProfile (Python time, Postgres waits show as asyncpg awaits)."""

import asyncio
import cProfile
import os
import pstats
import time
import types

from bench_mailroom_start import setup
from sqlalchemy import text
from support import ROOT, bench_environment  # noqa: F401  (sets sys.path)

from upesi.db.engine import dispose_engine, transaction
from upesi.queues.redis import close_redis

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "5000"))


async def main() -> None:
    from mailroom import batches, runner, starts

    async def inline(fn, *args):  # cProfile sees only its own thread: run the engine's sprints in it
        return fn(*args)

    runner.asyncio = types.SimpleNamespace(to_thread=inline)  # type: ignore[assignment]

    org_id, start_id = await setup(CONTACTS)
    async with transaction() as s:
        await s.execute(text("ANALYZE"))
    await starts.split_start(org_id, start_id)
    async with transaction() as s:
        todo = await batches.pending(s, batches.START, start_id)
    assert todo
    await starts.start_batch(org_id, start_id, *todo[0])  # warm: scene, pool, prepared statements
    profile = cProfile.Profile(time.process_time)  # CPU time: wall time on a shared machine is noise
    begin, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    for index, ids in todo[1:]:
        await starts.start_batch(org_id, start_id, index, ids)
    profile.disable()
    n = sum(len(ids) for _, ids in todo[1:])
    print(f"{n} contacts: {(time.perf_counter() - begin) / n * 1e6:.0f} us wall, "
          f"{(time.process_time() - cpu) / n * 1e6:.0f} us CPU a contact (load {os.getloadavg()[0]:.1f})")  # fmt: skip
    profile.dump_stats("/tmp/starts/start_batch.prof")
    await dispose_engine()
    await close_redis()


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
    stats = pstats.Stats("/tmp/starts/start_batch.prof")
    stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
        int(os.environ.get("PROFILE_LINES", "45"))
    )
