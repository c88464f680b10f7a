"""What a contact feels: from the provider's request to courier until the reply arrives at the provider.
Real courier and mailroom processes, the demo workspace (its flow asked each contact's name and waits), and
a local fake provider in this process; answers are posted to courier's External API receive URL at a steady
rate (BENCH_RATE, default 200 a second) and the clock stops when the reply ("Thanks ...") reaches the
provider. Prints p50/p95/p99 with the `uptime` load. Both clocks are this machine's.

    .venv/bin/python bench/bench_end_to_end.py        (BENCH_RATE, BENCH_SECONDS, BENCH_MAILROOM_WORKERS)
"""

import asyncio
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import parse_qs

import aiohttp
import asyncpg
from aiohttp import web
from support import ROOT, bench_environment, machine

from tests.mailroom.support import receive_many
from tests.support import processes
from upesi.config import get_settings, reset_settings
from upesi.db.engine import dispose_engine, transaction
from upesi.queues.redis import close_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo

RATE = float(os.environ.get("BENCH_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = os.environ.get("BENCH_MAILROOM_WORKERS", "16")
CONTACTS = int(RATE * SECONDS)


class Provider:
    """Answers every send with 200 and keeps when each number's first "Thanks" reply arrived."""

    def __init__(self) -> None:
        self.sends = 0
        self.replies: dict[str, float] = {}

    async def send(self, request: web.Request) -> web.Response:
        arrived = time.time()
        form = parse_qs((await request.read()).decode())
        self.sends += 1
        to, text = form.get("to", [""])[0], form.get("text", [""])[0]
        if text.startswith("Thanks"):
            self.replies.setdefault(to, arrived)
        return web.Response(text="ok")

    async def start(self, port: int) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/send", self.send)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


async def wait_for(check: object, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def main() -> None:
    provider = Provider()
    provider_port = processes.free_port()
    runner = await provider.start(provider_port)
    os.environ["FAKE_PROVIDER_URL"] = f"http://127.0.0.1:{provider_port}"
    reset_settings()
    async with transaction() as s:
        org = await seed_demo(s)
    dsn = get_settings().database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    # the demo channel's TPS (10) would make this a TPS benchmark
    await conn.execute("UPDATE channels SET tps = 1000 WHERE uuid = $1", DEMO_CHANNEL_UUID)
    await receive_many(org.id, DEMO_CHANNEL_UUID, CONTACTS, "join", first_number=1)
    numbers = [
        r["path"]
        for r in await conn.fetch(
            "SELECT path FROM contact_urns WHERE org_id = $1 AND scheme = 'tel' ORDER BY contact_id", org.id
        )
    ]
    courier_port = processes.free_port()
    env = {"MAILROOM_WORKERS": WORKERS, "ALLOW_PRIVATE_NETWORKS": "true"}
    with (
        processes.service("mailroom", processes.free_port(), env),
        processes.service(
            "courier", courier_port, dict(env, SPOOL_DIR=f"/tmp/bench-e2e-spool-{courier_port}")
        ),
    ):
        # every contact was asked its name and the question reached the provider
        await wait_for(lambda: _at_least(provider, CONTACTS), "the name questions")
        url = f"http://127.0.0.1:{courier_port}/c/ex/{DEMO_CHANNEL_UUID}/receive"
        posted: dict[str, float] = {}
        print(f"end to end: {CONTACTS} answers at {RATE:.0f}/s; {uptime()}")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:

            async def answer(number: str) -> None:
                posted[number] = time.time()
                async with session.post(url, data={"from": number, "text": f"Name {number[-4:]}"}) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise SystemExit(f"courier answered {resp.status}")

            begin = time.perf_counter()
            tasks = []
            for i, number in enumerate(numbers):
                if (delay := begin + i / RATE - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(answer(number)))
            offered_for = time.perf_counter() - begin
            await asyncio.gather(*tasks)
            await wait_for(lambda: _replied(provider, posted), "the replies", timeout=300)
    stages = await conn.fetch(
        """SELECT u.path, extract(epoch FROM i.created_on) AS stored, extract(epoch FROM o.created_on) AS replied
           FROM contact_urns u
           JOIN LATERAL (SELECT created_on FROM msgs WHERE contact_id = u.contact_id AND direction = 'I'
                         ORDER BY id DESC LIMIT 1) i ON true
           JOIN LATERAL (SELECT created_on FROM msgs WHERE contact_id = u.contact_id AND direction = 'O'
                         AND text LIKE 'Thanks%' LIMIT 1) o ON true
           WHERE u.org_id = $1""",
        org.id,
    )
    await conn.close()
    await runner.cleanup()
    latencies = sorted((provider.replies[n] - t) * 1000 for n, t in posted.items())
    q = statistics.quantiles(latencies, n=100)
    load = os.getloadavg()[0]
    print(
        f"  {len(latencies)} replies at {len(posted) / offered_for:.0f} conversations/s: provider request -> reply"
        f" at the provider p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms, max {latencies[-1]:.0f} ms"
        f" (target p50 < 20, p99 < 60)   load {load:.2f}"
    )
    # where the time goes, per stage (medians): courier stores the answer, mailroom writes the reply, courier
    # sends it
    by_number = {r["path"]: r for r in stages}
    stored = [(float(by_number[n]["stored"]) - t) * 1000 for n, t in posted.items() if n in by_number]
    replied = [float(r["replied"] - r["stored"]) * 1000 for r in stages if r["path"] in posted]
    sent = [(provider.replies[n] - float(by_number[n]["replied"])) * 1000 for n in posted if n in by_number]
    print(
        f"  medians: request -> answer stored {statistics.median(stored):.1f} ms, stored -> reply written"
        f" {statistics.median(replied):.1f} ms, reply written -> at the provider {statistics.median(sent):.1f} ms"
    )
    print(f"  ({WORKERS} mailroom workers, courier's default senders; {machine()}); {uptime()}")
    await dispose_engine()
    await close_redis()


async def _at_least(provider: Provider, count: int) -> bool:
    return provider.sends >= count


async def _replied(provider: Provider, posted: dict[str, float]) -> bool:
    return all(n in provider.replies for n in posted)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    with bench_environment():
        asyncio.run(main())
