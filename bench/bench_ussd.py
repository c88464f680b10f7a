"""USSD round trip: a fake Africa's Talking sends USSD requests at a steady rate (BENCH_RATE, default 50/s) to
courier's /c/at/{uuid}/ussd for BENCH_SECONDS (default 20): each new session dials the menu flow and answers
once, so half the requests start a flow and half resume one. Prints the median and p95 of the time from the
provider's request to our CON/END answer (target: median < 300 ms at 50/s), with the machine's load, next to a
baseline measured the same way in the same run: EX receives (stored and queued, answered without waiting for a
flow) at the same rate, so the ratio says what answering in-request costs on a machine as busy as this one.

Run: .venv/bin/python bench/bench_ussd.py   (uses DATABASE_URL/REDIS_URL; creates and drops upesi_bench_ussd)
"""

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = float(os.environ.get("BENCH_RATE", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
DB = os.environ.get("BENCH_DB", "upesi_bench_ussd")
COURIER_PORT = int(os.environ.get("BENCH_COURIER_PORT", "9201"))
MAILROOM_PORT = int(os.environ.get("BENCH_MAILROOM_PORT", "9202"))


async def seed() -> str:
    from tests.courier.ussd.flows import SERVICE_CODE, menu_flow
    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.models import Trigger
    from upesi.db.ops.channels import add_channel
    from upesi.db.ops.flows import save_flow
    from upesi_cli.demo import seed_demo

    async with transaction() as s:
        org = await seed_demo(s)
        channel = await add_channel(s, org.id, "ATU", SERVICE_CODE, {}, country="KE")
        flow = await save_flow(s, org.id, menu_flow())
        s.add(
            Trigger(
                uuid=str(uuid.uuid4()),
                org_id=org.id,
                trigger_type="U",
                keywords=[SERVICE_CODE],
                flow_id=flow.id,
            )
        )
    await dispose_engine()
    return channel.uuid


async def baseline(url: str) -> list[float]:
    """EX receives at the same rate: courier's ordinary receive path, for the ratio."""
    times: list[float] = []
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=None)) as client:

        async def one(i: int) -> None:
            start = time.perf_counter()
            try:
                resp = await client.post(url, data={"from": f"+1555{i:07d}", "text": f"hello {i}"})
            except httpx.HTTPError:
                FAILED.append(("baseline", i))
                return
            times.append(time.perf_counter() - start)
            assert resp.status_code == 200, resp.text

        tasks = []
        begin = time.perf_counter()
        for i in range(int(RATE * SECONDS)):
            await asyncio.sleep(max(0.0, begin + i / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return times


LATE: list[int] = []
FAILED: list[tuple[str, int]] = []  # requests that got no answer at all within the client's 30 s


async def drive(url: str) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=None)) as client:

        async def session(i: int, inputs: list[str]) -> None:
            form = {"sessionId": f"B{i}", "serviceCode": "*384*12#", "phoneNumber": f"+2547110{i:05d}",
                    "networkCode": "63902", "text": "*".join(inputs)}  # fmt: skip
            start = time.perf_counter()
            try:
                resp = await client.post(url, data=form)
            except httpx.HTTPError:
                FAILED.append(("ussd", i))
                return
            times.append(time.perf_counter() - start)
            assert resp.text.startswith(("CON", "END")), resp.text
            if "could not answer in time" in resp.text:
                LATE.append(i)

        async def dial_and_answer(i: int) -> None:
            await session(i, [])
            await session(i, ["1"])

        tasks = []
        begin = time.perf_counter()
        total = int(RATE * SECONDS / 2)  # two requests per session
        for i in range(total):
            await asyncio.sleep(max(0.0, begin + i * 2 / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(dial_and_answer(i)))
        await asyncio.gather(*tasks)
    return times


def main() -> None:
    base = os.environ.get("DATABASE_URL", "postgresql://localhost/upesi").rsplit("/", 1)[0]
    env = dict(
        os.environ,
        DATABASE_URL=f"{base}/{DB}",
        SECRET_KEY=os.environ.get("SECRET_KEY", "b" * 8 + "ench-ussd-secret-0123456789abcdef"),
    )
    subprocess.run(["dropdb", "--if-exists", DB], check=False)
    subprocess.run([str(ROOT / ".venv/bin/upesi"), "migrate"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    channel_uuid = asyncio.run(seed())
    procs = [
        subprocess.Popen([str(ROOT / ".venv/bin/upesi"), name, "--host", "127.0.0.1", "--port", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, port in (("courier", COURIER_PORT), ("mailroom", MAILROOM_PORT))
    ]  # fmt: skip
    try:
        for port in (COURIER_PORT, MAILROOM_PORT):
            for _ in range(300):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        from upesi_cli.demo import DEMO_CHANNEL_UUID

        base = sorted(
            asyncio.run(baseline(f"http://127.0.0.1:{COURIER_PORT}/c/ex/{DEMO_CHANNEL_UUID}/receive"))
        )
        times = sorted(asyncio.run(drive(f"http://127.0.0.1:{COURIER_PORT}/c/at/{channel_uuid}/ussd")))
        p50, b50 = statistics.median(times) * 1000, statistics.median(base) * 1000
        p95, b95 = times[int(len(times) * 0.95)] * 1000, base[int(len(base) * 0.95)] * 1000
        load = os.getloadavg()
        failed = {kind: sum(1 for k, _ in FAILED if k == kind) for kind in ("baseline", "ussd")}
        print(f"baseline EX receive at {RATE:g}/s ({len(base)} answered, {failed['baseline']} unanswered in 30 s): "
              f"median {b50:.1f} ms, p95 {b95:.1f} ms")  # fmt: skip
        print(f"USSD round trip at {RATE:g} req/s for {SECONDS:g} s ({len(times)} answered, {len(LATE)} of them "
              f"too late, {failed['ussd']} unanswered in 30 s): median {p50:.1f} ms, p95 {p95:.1f} ms, median {p50 / b50:.1f}x the baseline "
              f"(target median < 300 ms); load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=15)
        subprocess.run(["dropdb", "--if-exists", DB], check=False)


if __name__ == "__main__":
    main()
