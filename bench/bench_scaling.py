"""Beyond one process (issue #21 item 8): the flow start and the inbound latency benchmarks run with 1, 2 and 4
mailroom processes on this machine, and the scaling printed against the one-process run of the same session.

Each run is the benchmark script itself in a subprocess (its own database and Redis index), so the figures are
the ones those scripts print. BENCH_SCALING_PROCESSES (default "1,2,4"), BENCH_CONTACTS (start size, default
20000 here), BENCH_RATE and BENCH_SECONDS (latency) pass through. On a machine of two cores more processes than
cores cannot scale; the figure says how far the shared Postgres and Redis let them go.

Run: .venv/bin/python bench/bench_scaling.py
"""

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = re.compile(r"in ([\d.]+)s = (\d+) contacts/s")
LATENCY = re.compile(r"at (\d+)/s -> reply queued p50 ([\d.]+) ms, p99 ([\d.]+) ms")


def run(script: str, processes: int) -> str:
    env = dict(os.environ, BENCH_PROCESSES=str(processes))
    env.setdefault("BENCH_CONTACTS", "20000")
    done = subprocess.run(
        [sys.executable, str(HERE / script)], env=env, capture_output=True, text=True, cwd=HERE
    )
    if done.returncode != 0:
        raise SystemExit(
            f"{script} with {processes} process(es) failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def main() -> None:
    counts = [int(n) for n in os.environ.get("BENCH_SCALING_PROCESSES", "1,2,4").split(",")]
    print(f"{os.cpu_count()} cores; {load()}")
    base_rate = 0.0
    for n in counts:
        m = START.search(run("bench_mailroom_start.py", n))
        assert m, "the start benchmark printed no figure"
        rate = float(m.group(2))
        base_rate = base_rate or rate
        print(
            f"start     {n} mailroom(s): {m.group(1)} s, {rate:.0f} contacts/s, x{rate / base_rate:.2f}  ({load()})"
        )
    base_p99 = 0.0
    for n in counts:
        m = LATENCY.search(run("bench_mailroom_latency.py", n))
        assert m, "the latency benchmark printed no figure"
        p99 = float(m.group(3))
        base_p99 = base_p99 or p99
        print(
            f"latency   {n} mailroom(s): {m.group(1)}/s, p50 {m.group(2)} ms, p99 {p99:.1f} ms "
            f"(p99 x{p99 / base_p99:.2f} of one process)  ({load()})"
        )


if __name__ == "__main__":
    main()
