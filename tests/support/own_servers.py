"""Servers of a test's own, for fault injection: a Redis and a PostgreSQL cluster the test stops and starts again
on the same port, never the shared ones (which other tests and helpers use)."""

import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis as sync_redis


class OwnRedis:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.log.parent),
                "--dbfilename",
                f"{self.log.stem}.rdb",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        client = sync_redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except sync_redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def shutdown(self) -> None:
        """A clean stop that saves the data set, which the next start loads: a Redis with persistence restarted."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                sync_redis.Redis(port=self.port).shutdown(save=True)
            except sync_redis.ConnectionError:
                pass
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        """SIGKILL: what a crash looks like to the clients (nothing is saved: --save "")."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextmanager
def own_redis(port: int, log: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(port, log)
    server.start()
    try:
        yield server
    finally:
        server.stop()


PG_BIN = Path(os.environ.get("TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class OwnPostgres:
    """A PostgreSQL cluster of the test's own: initdb into a temporary directory, pg_ctl on a free port, stopped
    (immediately: what a crash looks like to the clients) and started again on the same port and data. initdb
    refuses to run as root, so as root the cluster belongs to the `postgres` user."""

    def __init__(self, port: int, data: Path) -> None:
        self.port = port
        self.data = data
        self.log = data.parent / f"{data.name}.log"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")

    def init(self) -> None:
        self.data.mkdir(parents=True)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
            # the parents of the data directory must let postgres through
            for parent in self.data.parents:
                if parent == Path("/tmp") or parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` aborts every backend without a checkpoint (recovery replays the WAL at start)."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def own_postgres(port: int, data: Path) -> Iterator[OwnPostgres]:
    server = OwnPostgres(port, data)
    server.init()
    server.start()
    try:
        yield server
    finally:
        if server.running():
            server.stop()
