"""`tracker serve --workers N` on granian: its workers serve, a dead one is replaced, a stop
ends them all, and what cannot be served is refused in one line."""

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
    listening,
    seeded_database_url,
    serve,
    wait_until,
    wait_until_logged,
)  # fmt: skip

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts connections per process in /proc"
)


def _workers(served: Served) -> set[int]:
    """The server's worker processes: its children that listen on its port."""
    port = int(served.base.rsplit(":", 1)[1])
    workers = set(listening(port))
    assert all(_parent(pid) == served.process.pid for pid in workers), workers
    return workers


def _parent(pid: int) -> int:
    return int(Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    """Running, not a zombie that its parent has yet to reap."""
    try:
        return Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _served(stack: ExitStack, folder: Path, workers: int) -> Served:
    return serve(stack, seeded_database_url(stack, "sqlite", folder), folder, workers=workers)


def test_connections_are_spread_over_the_workers(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        port = int(served.base.rsplit(":", 1)[1])
        clients = [stack.enter_context(httpx.Client(base_url=served.base)) for _ in range(32)]
        assert all(c.get("/health").status_code == 200 for c in clients)  # each keeps its own
        spread = connections_per_worker(port)
        assert set(spread) == _workers(served)
        # With one socket shared by the workers, the first to wake took a whole burst; with a
        # socket each, the kernel hashes connections over both (below 4 of 32: about one run
        # in 10^6).
        assert sum(spread.values()) == 32
        assert len(spread) == 2
        assert min(spread.values()) >= 4, spread


def test_a_dead_worker_is_replaced_and_a_stop_ends_them_all(tmp_path: Path) -> None:
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        first = _workers(served)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        wait_until(
            served,
            lambda: len(_workers(served) - {victim}) == 2,
            "no worker replaced the killed one",
        )
        with httpx.Client(base_url=served.base) as client:
            for _ in range(20):  # new connections, over both sockets
                assert client.get("/health", headers={"Connection": "close"}).status_code == 200
        workers = _workers(served)
        assert victim not in workers
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=40) == 0
        assert not any(_alive(pid) for pid in workers)


def test_killing_the_main_process_alone_leaves_its_workers_so_the_group_is_killed(
    tmp_path: Path,
) -> None:
    """Why README asks the process manager to kill the whole control group: granian's workers
    outlive a main process killed outright and go on serving; killing the group ends them."""
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=2)
        workers = _workers(served)
        served.process.kill()
        served.process.wait(timeout=10)
        assert all(_alive(pid) for pid in workers)
        assert httpx.get(f"{served.base}/health", timeout=10).status_code == 200
        os.killpg(served.process.pid, signal.SIGKILL)
        wait_until(
            served,
            lambda: not any(_alive(pid) for pid in workers),
            "the workers outlived the kill of their process group",
        )
        # Refused, or reset by a listening socket the kernel is still tearing down: no answer.
        with pytest.raises((httpx.ConnectError, httpx.ReadError)):
            httpx.get(f"{served.base}/health", timeout=10)


def test_a_proxy_on_this_machine_is_believed_about_the_client_and_no_one_else(
    tmp_path: Path,
) -> None:
    """X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1, as from a reverse proxy there: the
    rate limits count the client's address, https brings HSTS, and the access log names the
    client. From elsewhere (127.0.0.2) they are ignored."""
    with ExitStack() as stack:
        url = seeded_database_url(stack, "sqlite", tmp_path)
        served = serve(stack, url, tmp_path, env={"TRACKER_FEED_RATE": "1/minute"})

        def poll(client: str, source: str = "127.0.0.1") -> httpx.Response:
            transport = httpx.HTTPTransport(local_address=source)
            with httpx.Client(base_url=served.base, transport=transport, timeout=30) as http:
                forwarded = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https"}
                return http.get("/calendars/programme.ics", headers=forwarded)

        proxied = [poll("203.0.113.1"), poll("203.0.113.2"), poll("203.0.113.1")]
        assert [a.status_code for a in proxied] == [200, 200, 429]
        assert "strict-transport-security" in proxied[0].headers
        elsewhere = [poll("203.0.113.3", "127.0.0.2"), poll("203.0.113.4", "127.0.0.2")]
        assert [a.status_code for a in elsewhere] == [200, 429]
        assert "strict-transport-security" not in elsewhere[0].headers
        for client in ("203.0.113.1", "203.0.113.2", "127.0.0.2"):
            wait_until_logged(served, f'{client} - "GET /calendars/programme.ics HTTP/1.1" 200')
        assert "203.0.113.3" not in served.log.read_text()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_taken_port_is_refused_in_one_line(tmp_path: Path, workers: int) -> None:
    """granian's workers bind with SO_REUSEPORT, which would let a second server quietly share
    the port; it is refused instead."""
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
    """A worker that dies before it serves dies again when started anew: the server stops,
    non-zero, and says why."""
    program = (
        "from tracker.app.server import ServerSettings, serve; "
        f"serve(ServerSettings('no_such_module:create_app', '127.0.0.1', {free_port()}, 2))"
    )
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1
    assert "No module named 'no_such_module'" in run.stderr
    assert time.monotonic() - started < 30


def test_one_worker_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    """The app's shutdown runs: its database closed cleanly, SQLite's write-ahead log is gone
    (a process killed outright leaves it behind)."""
    with ExitStack() as stack:
        served = _served(stack, tmp_path, workers=1)
        port = int(served.base.rsplit(":", 1)[1])
        [worker] = _workers(served)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
            assert set(connections_per_worker(port)) == {worker}
        wal = tmp_path / "server.sqlite3-wal"
        assert wal.exists()
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=40) == 0
        assert not _alive(worker)
        assert not wal.exists()


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
