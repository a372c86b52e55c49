"""A real `tracker serve` process for tests that need one (concurrency, access logs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.load import LISTENING, sockets_per_process
from tests.conftest import NOW, POSTGRES_URL, ROOT, SEED_DIR, clock_env, postgres_schema
from tracker.services.importing import seed
from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.uow import Database

TRACKER = ROOT / ".venv" / "bin" / "tracker"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> dict[str, Any]:
    """The /health answer once the server gives one; fails the test after 30 s or an exit."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tracker serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            response = httpx.get(f"{url}/health", timeout=2)
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"tracker serve did not answer /health within 30 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    # The workers are in the server's own process group (start_new_session), and outlive a
    # main process killed outright: the group is killed, as systemd kills a control group.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def seeded_database_url(stack: ExitStack, backend: str, folder: Path) -> str:
    """A migrated database with the seed imported at NOW, for a server process: a SQLite file
    in `folder`, or a throwaway PostgreSQL schema that `stack` drops afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'server.sqlite3'}"
    else:
        schema = stack.enter_context(postgres_schema())
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    database = Database(make_engine(url))
    try:
        migrate.upgrade(database.engine)
        with database.uow() as uow:
            seed(uow, SEED_DIR, actor="test", now=NOW)
            uow.commit()
    finally:
        database.dispose()
    return url


@dataclass(frozen=True)
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    health: dict[str, Any]


def serve(
    stack: ExitStack,
    database_url: str,
    folder: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> Served:
    """`tracker serve` on a free port over `database_url` (and `env`), once /health answers and
    all its workers listen; stopped when `stack` closes (or earlier with stop(served.process)).
    Its output is added to folder/server.log, so that a restarted server's follows its
    predecessor's."""
    port = free_port()
    log = folder / "server.log"
    out = stack.enter_context(log.open("ab"))
    command = [str(TRACKER), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)] if workers > 1 else command,
        env={
            **os.environ,
            **clock_env(),
            "TRACKER_DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        },
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.callback(stop, process)
    base = f"http://127.0.0.1:{port}"
    served = Served(base, process, log, wait_until_healthy(process, base, log))
    # /health answers once one worker does; a worker listens once its app has started, and
    # until then the kernel hands every new connection to the others.
    wait_until(
        served, lambda: len(listening(port)) == workers, f"not all {workers} workers listened"
    )
    return served


def listening(port: int) -> dict[int, int]:
    """The processes that listen on `port`: each of granian's workers has a socket of its own."""
    return sockets_per_process(port, LISTENING)


def wait_until(served: Served, condition: Callable[[], bool], what: str) -> None:
    """Fails the test, with the server's log, if `condition` does not hold within 30 s."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within 30 s; the server's log:\n{served.log.read_text()}")
        time.sleep(0.1)


def wait_until_logged(served: Served, line: str, times: int = 1) -> None:
    """Fails the test if the server stops, or has not logged `line` `times` times in 30 s."""

    def logged() -> bool:
        if served.process.poll() is not None:
            pytest.fail(f"the server exited before it logged {line!r}:\n{served.log.read_text()}")
        return served.log.read_text().count(line) >= times

    wait_until(served, logged, f"the server did not log {line!r}")
