"""Memory over time (issue #21 item 6): web, mailroom, courier and a fake provider as real processes, messages
arriving at courier at a steady rate (BENCH_SOAK_RATE, 200 a second) for BENCH_SOAK_MINUTES (10), each a turn of
the demo conversation ("join", then a name) from a pool of contacts, so every one goes courier -> mailroom ->
courier -> provider. Every 10 s: each service's resident memory (/proc) and its /metrics (the process's own
gauge and the request counters). Prints RSS idle and at the end per service, and writes the series as CSV and a
PNG plot (matplotlib, a dev dependency) under var/bench/.

Target: flat, under 150 MB per process.

Run: .venv/bin/python bench/bench_soak.py        (BENCH_SOAK_MINUTES=2 for a short run)
"""

import asyncio
import contextlib
import csv
import os
import re
import subprocess
import time
from pathlib import Path

import aiohttp
import httpx
from support import ROOT, bench_environment, machine  # (sets sys.path)

from tests.support import processes
from upesi_cli.demo import DEMO_CHANNEL_UUID

RATE = float(os.environ.get("BENCH_SOAK_RATE", "200"))
MINUTES = float(os.environ.get("BENCH_SOAK_MINUTES", "10"))
SAMPLE_EVERY = float(os.environ.get("BENCH_SOAK_SAMPLE_SECONDS", "10"))
CONTACTS = 2000
SERVICES = ("web", "mailroom", "courier")
RSS_GAUGE = re.compile(r"^process_resident_memory_bytes (\S+)$", re.M)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


async def drive(courier: str, stop_at: float, counters: dict[str, int]) -> None:
    """Messages at RATE a second, each contact alternating "join" and a name. aiohttp, not httpx: httpx's pool
    costs the driver more CPU than courier spends answering, and once requests queue in it, its scan of the
    queue grows with it (the driver, not the services, was then the bottleneck)."""
    url = f"{courier}/c/ex/{DEMO_CHANNEL_UUID}/receive"
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        pending: set[asyncio.Task[None]] = set()

        async def one(i: int) -> None:
            contact, turn = i % CONTACTS, (i // CONTACTS) % 2
            try:
                form = {"from": f"+1202555{contact:04d}", "text": ("join", "Ana")[turn]}
                async with client.post(url, data=form) as r:
                    await r.read()
                    key = "ok" if r.status == 200 else f"http {r.status}"
                counters[key] = counters.get(key, 0) + 1
            except (aiohttp.ClientError, TimeoutError) as e:
                counters[type(e).__name__] = counters.get(type(e).__name__, 0) + 1

        begin, i = time.perf_counter(), 0
        while time.perf_counter() < stop_at:
            due = begin + i / RATE
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(i))
            pending.add(task)
            task.add_done_callback(pending.discard)
            i += 1
        counters["offered"] = i
        # a saturated courier must not hold the run: what has not answered 15 s after the end is counted as such
        if pending:
            _, late = await asyncio.wait(pending, timeout=15)
            for task in late:
                task.cancel()
            counters["unanswered at the end"] = len(late)


async def sample(pids: dict[str, int], urls: dict[str, str], stop_at: float, rows: list[dict]) -> None:
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            row: dict[str, float | str] = {
                "t": round(time.monotonic() - began, 1),
                "load": os.getloadavg()[0],
            }
            for name, pid in pids.items():
                row[f"{name}_rss_mb"] = rss_mb(pid)
                with contextlib.suppress(httpx.HTTPError):
                    m = RSS_GAUGE.search((await client.get(f"{urls[name]}/metrics")).text)
                    row[f"{name}_metrics_rss_mb"] = float(m.group(1)) / 2**20 if m else float("nan")
            rows.append(row)
            if time.monotonic() >= stop_at:
                return
            await asyncio.sleep(min(SAMPLE_EVERY, max(0.0, stop_at - time.monotonic())))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    for name in SERVICES:
        ax.plot([r["t"] for r in rows], [r[f"{name}_rss_mb"] for r in rows], label=name)
    ax.axhline(150, color="grey", linestyle="--", label="150 MB target")
    ax.set_xlabel("seconds (idle sample at 0, load from the second sample)")
    ax.set_ylabel("resident memory, MB")
    ax.set_title(f"Upesi soak: {RATE:.0f} messages/s for {MINUTES:g} min ({machine()})")
    ax.legend()
    fig.savefig(path, dpi=100)


async def soak(pids: dict[str, int], urls: dict[str, str]) -> tuple[list[dict], dict[str, int]]:
    await asyncio.sleep(5)  # settled after start-up
    rows: list[dict] = []
    counters: dict[str, int] = {}
    print(f"{machine()}; {load()}; {RATE:.0f} messages/s for {MINUTES:g} min", flush=True)
    await asyncio.gather(
        sample(pids, urls, time.monotonic() + MINUTES * 60, rows),
        drive(urls["courier"], time.perf_counter() + MINUTES * 60, counters),
    )
    return rows, counters


def main() -> None:
    ports = {name: processes.free_port() for name in (*SERVICES, "fake")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        "COURIER_URL": urls["courier"], "MAILROOM_URL": urls["mailroom"], "WEB_URL": urls["web"],
        "FAKE_PROVIDER_URL": urls["fake"], "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    os.environ.update(env)
    os.environ.setdefault("SECRET_KEY", "bench-soak-" + "Zq8Lw3Nv6Tb1Xc4M" * 2)
    subprocess.run([processes.UPESI, "demo", "seed"], check=True, capture_output=True, env=os.environ)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(processes.fake_provider(ports["fake"], log=out / "soak-fake.log"))
        pids = {
            name: stack.enter_context(
                processes.service(name, ports[name], env, log=out / f"soak-{name}.log")
            ).pid
            for name in SERVICES
        }
        rows, counters = asyncio.run(soak(pids, urls))
        sent = httpx.get(urls["fake"] + "/sent/count", timeout=30).json()["count"]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(out / f"soak-{stamp}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, out / f"soak-{stamp}.png")
    print(f"requests: {counters}; replies at the provider: {sent}")
    for name in SERVICES:
        series = [r[f"{name}_rss_mb"] for r in rows]
        print(
            f"{name:9} RSS idle {series[0]:6.1f} MB, peak {max(series):6.1f} MB, end {series[-1]:6.1f} MB "
            f"{'ok' if max(series) < 150 else 'OVER 150 MB'}"
        )
    print(f"series: {out / f'soak-{stamp}.csv'}, plot: {out / f'soak-{stamp}.png'}  ({load()})")


if __name__ == "__main__":
    with bench_environment():
        main()
