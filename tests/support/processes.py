"""Starting real service processes for tests, on free ports, and waiting until they answer."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
UPESI = str(ROOT / ".venv/bin/upesi")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# generous: a service answers in a few seconds on an idle machine, but a loaded 2-core machine (CI beside
# other work) has taken over 60 s to import and start one; a dead process still fails at once
START_TIMEOUT = 180.0


def wait_for_http(url: str, timeout: float = START_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextmanager
def running(
    args: list[str], health_url: str, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen]:
    """Run a command until the block ends; its output goes to `log` (kept for a failing test to read)."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        args, env=dict(os.environ, **(env or {})), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        wait_for_http(health_url, proc=proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


@contextmanager
def service(
    name: str, port: int, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen]:
    """`upesi <name> --port <port>` until the block ends."""
    with running(
        [UPESI, name, "--host", "127.0.0.1", "--port", str(port)], f"http://127.0.0.1:{port}/health", env, log
    ) as p:
        yield p


@contextmanager
def fake_provider(port: int, log: Path | None = None) -> Iterator[str]:
    args = [sys.executable, "-m", "upesi.devtools.fake_provider", "--port", str(port)]
    with running(args, f"http://127.0.0.1:{port}/sent", log=log):
        yield f"http://127.0.0.1:{port}"
