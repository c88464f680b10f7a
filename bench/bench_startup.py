"""Start-up of each service (issue #21 item 7): the modules it imports before it answers /health, measured with
`python -X importtime`, and the time to its first health answer. Needs no database answer to start (each
service connects lazily), so it runs against unreachable ones.

Wall times swing with the machine's load; the CPU seconds the process used until it answered swing far less.
BENCH_BASELINE_REF=<git ref> also runs each service with the command-line package of that ref (exported to a
temporary directory ahead on PYTHONPATH), alternating, so the two are compared in the same run.

Run: .venv/bin/python bench/bench_startup.py   (prints one line per service, with the load)
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
UPESI = str(ROOT / ".venv/bin/upesi")
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s+)(\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(service: str, pythonpath: str = "") -> tuple[int, float, float, float, list[tuple[float, str]]]:
    """(modules imported, their total import time s, time to first /health answer s, CPU s used by then, the
    slowest top-level imports)"""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=pythonpath,
        SECRET_KEY="bench-startup-" + "k3Jd9Qw2Lm5Rt8Yx" * 2,
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/none",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    err_file = tempfile.TemporaryFile(
        "w+"
    )  # not a pipe: the service's own log lines would fill it and block it
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", UPESI, service, "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=err_file, text=True, cwd=ROOT,
    )  # fmt: skip
    up = cpu = float("nan")
    while time.monotonic() - began < 180 and proc.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            up = time.monotonic() - began
            cpu = cpu_seconds(proc.pid)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    err_file.seek(0)
    err = err_file.read()
    modules, total_us, top = 0, 0, []
    for line in err.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        modules += 1
        if len(m.group(3)) == 1:  # a top-level import: its cumulative time counts once
            total_us += int(m.group(2))
            top.append((int(m.group(2)) / 1e6, m.group(4)))
    return modules, total_us / 1e6, up, cpu, sorted(top, reverse=True)[:5]


def export_cli(ref: str) -> str:
    """The command-line package as it is at `ref`, in a temporary directory to put ahead on PYTHONPATH."""
    target = Path(tempfile.mkdtemp(prefix="upesi-cli-"))
    archive = subprocess.run(
        ["git", "archive", ref, "services/cli/upesi_cli"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return str(target / "services/cli")


def report(label: str, service: str, pythonpath: str = "") -> None:
    modules, imports, up, cpu, top = measure(service, pythonpath)
    load = os.getloadavg()[0]
    slowest = ", ".join(f"{name} {t:.2f}s" for t, name in top[:3])
    print(
        f"{label:8} {service:9} {modules:5} modules, imports {imports:6.2f}s, health after {up:6.2f}s "
        f"using {cpu:5.2f} CPU s (load {load:.1f})  [{slowest}]"
    )


def main() -> None:
    load = os.getloadavg()
    print(f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} cores")
    baseline_ref = os.environ.get("BENCH_BASELINE_REF", "")
    baseline = export_cli(baseline_ref) if baseline_ref else ""
    for service in ("web", "mailroom", "courier"):
        if baseline:
            report(baseline_ref, service, baseline)
        report("this", service)


if __name__ == "__main__":
    main()
