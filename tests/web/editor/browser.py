"""Running the real services and a headless Debian Chromium for the browser tests."""

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import processes

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = processes.ROOT / "artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
DEMO_EMAIL, DEMO_PASSWORD = "admin@upesi.local", "upesi-demo"


def require_chromium() -> None:
    """Skip only when chromium truly is not there (`make install` installs Debian's package)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(
            "Debian's chromium is not installed (apt-get install -y chromium chromium-driver) and could not be found"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.skip("playwright (Python) is not installed: run uv sync")


def run_async(coro: Any) -> Any:
    """Database set-up from a sync test: the process-wide engine is disposed before the loop closes."""
    from upesi.db.engine import dispose_engine

    async def go() -> Any:
        try:
            return await coro
        finally:
            await dispose_engine()

    return asyncio.run(go())


@contextmanager
def live_stack(env: dict[str, str], logs: Path) -> Iterator[dict[str, str]]:
    """`upesi web` and `upesi mailroom` as real processes on free ports, on the test's database and Redis,
    with the demo workspace seeded."""
    ports = {name: processes.free_port() for name in ("web", "mailroom")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    service_env = {
        "MAILROOM_URL": urls["mailroom"],
        "WEB_URL": urls["web"],
        "COURIER_URL": "http://127.0.0.1:9",
    }
    saved = {k: os.environ.get(k) for k in service_env}
    os.environ.update(service_env)
    try:
        subprocess.run([processes.UPESI, "demo", "seed"], check=True, capture_output=True, env=os.environ)
        with _services({name: ports[name] for name in ("mailroom", "web")}, service_env, logs):
            yield urls
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def _services(ports: dict[str, int], env: dict[str, str], logs: Path) -> Iterator[None]:
    """Start the services together and wait for each to answer /health. Like tests/support/processes but
    with a longer wait: on a loaded two-core machine `upesi web` can take more than 20 s to come up."""
    procs: list[subprocess.Popen] = []
    outs = []
    try:
        for name, port in ports.items():
            out = open(logs / f"{name}.log", "ab")
            outs.append(out)
            args = [processes.UPESI, name, "--host", "127.0.0.1", "--port", str(port)]
            procs.append(
                subprocess.Popen(
                    args,
                    env=dict(os.environ, **env),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=processes.ROOT,
                )
            )
        for port, proc in zip(ports.values(), procs, strict=True):
            processes.wait_for_http(f"http://127.0.0.1:{port}/health", timeout=90, proc=proc)
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for out in outs:
            out.close()


@contextmanager
def browser_page(width: int = 1440, height: int = 900) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
