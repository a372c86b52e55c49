"""`tracker serve --workers N`: a socket per worker, supervised processes, clear refusals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from bench.load import connections_per_worker, memos_made, served_report
from tests.conftest import ROOT, clock_env
from tests.server import (
    TRACKER,
    Served,
    free_port,
    seeded_database_url,
    serve,
    stop,
    wait_until,
    wait_until_logged,
)  # fmt: skip

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts connections per process in /proc"
)


def _workers(supervisor: int) -> set[int]:
    """The supervisor's worker processes: its children that hold a listening socket."""
    children = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path("/proc", pid, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        command = Path("/proc", pid, "cmdline").read_bytes()
        if parent == supervisor and b"spawn_main" in command:
            children.add(int(pid))
    return children


def _served(stack: ExitStack, folder: Path, workers: int) -> Served:
    return serve(stack, seeded_database_url(stack, "sqlite", folder), folder, workers=workers)


def test_connections_are_spread_over_the_workers(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        port = int(served.base.rsplit(":", 1)[1])
        clients = [stack.enter_context(httpx.Client(base_url=served.base)) for _ in range(32)]
        assert all(c.get("/health").status_code == 200 for c in clients)  # each keeps its own
        spread = connections_per_worker(port)
        assert set(spread) == _workers(served.process.pid)
        # One shared socket let the first worker to wake take them all; with a socket each,
        # the kernel hashes connections over both (below 4 of 32: about one run in 10^6).
        assert sum(spread.values()) == 32
        assert len(spread) == 2
        assert min(spread.values()) >= 4, spread


def test_a_dead_worker_is_replaced_and_a_stop_ends_them_all(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        supervisor = served.process.pid
        first = _workers(supervisor)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        wait_until(
            served,
            lambda: len(_workers(supervisor) - {victim}) == 2,
            "no worker replaced the killed one",
        )
        wait_until_logged(served, "All 2 workers are serving", times=2)
        with httpx.Client(base_url=served.base) as client:
            for _ in range(20):  # new connections, over both sockets
                assert client.get("/health", headers={"Connection": "close"}).status_code == 200
        workers = _workers(supervisor)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=40) == 0
        assert not any(Path("/proc", str(pid)).exists() for pid in workers)
        assert "died (exit -9); starting another" in served.log.read_text()


def test_workers_stop_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        workers = _workers(served.process.pid)
        served.process.kill()
        served.process.wait(timeout=10)
        wait_until(
            served,
            lambda: not any(Path("/proc", str(pid)).exists() for pid in workers),
            "the workers outlived their supervisor",
        )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_taken_port_is_refused_in_one_line(tmp_path: Path, workers: int) -> None:
    """SO_REUSEPORT would let a second server quietly share the port; it is refused instead."""
    with ExitStack() as stack:
        url = seeded_database_url(stack, "sqlite", tmp_path)
        served = serve(stack, url, tmp_path, workers=2)
        port = served.base.rsplit(":", 1)[1]
        env = {**os.environ, **clock_env(), "TRACKER_DATABASE_URL": url}
        second = subprocess.run(
            [TRACKER, "serve", "--port", port, "--workers", str(workers)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 1
        assert second.stderr == (
            f"tracker: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
        )
        assert served.process.poll() is None


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--workers", "0"], "argument --workers: 0 is not between 1 and 64"),
        (["--port", "70000"], "argument --port: 70000 is not between 0 and 65535"),
        (["--port", "eighty"], "argument --port: not a whole number: 'eighty'"),
    ],
)
def test_bad_serve_arguments_are_refused(arguments: list[str], error: str) -> None:
    run = subprocess.run([TRACKER, "serve", *arguments], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == f"tracker serve: error: {error}"


def test_an_app_that_cannot_start_stops_the_server(tmp_path: Path) -> None:
    """A worker that dies before it serves would die again: the server stops, non-zero."""
    program = (
        "from tracker.server import ServerSettings, serve; "
        f"serve(ServerSettings('no_such_module:create_app', '127.0.0.1', {free_port()}, 2))"
    )
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 3
    assert "before serving; stopping" in run.stderr
    assert time.monotonic() - started < 30


def test_one_worker_serves_in_its_own_process(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=1)
        port = int(served.base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
            assert set(connections_per_worker(port)) == {served.process.pid}
        stop(served.process)
        # uvicorn re-raises the SIGTERM once it has shut down cleanly.
        assert served.process.returncode == -signal.SIGTERM
        assert "Application shutdown complete." in served.log.read_text()


def test_each_worker_makes_its_weekly_report_memo_when_it_starts(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        wait_until_logged(served, "weekly report memo warm: 11 initiatives", times=2)
        memos_made(served.log, workers=2)  # the bench waits for the same lines
        timed = served_report(served.base, "/api/reports/weekly")
        assert timed["requests"] == 6
        assert 0 < timed["first_s"] <= timed["worst_s"]
        assert timed["bytes"] > 1000


def test_a_database_without_the_current_schema_is_refused_before_serving(tmp_path: Path) -> None:
    """Served, every request would be a 500 ("no such table"); it is one line instead."""
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = subprocess.run([TRACKER, "serve", "--port", str(free_port())], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == (
        "tracker: error: the database schema is not up to date: run 'tracker db upgrade' first\n"
    )
