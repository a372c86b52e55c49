"""HTTP under load: the real server and the floor server, wrk for reads, asyncio for writes.

Both servers run as in production (`tracker serve --workers N`; the floor through the same
`tracker.app.server.serve`, on granian). wrk (one thread, C) drives the reads so that the load
generator takes as little of the machine as possible; the transition POSTs need a fresh ETag per
request, which a small asyncio client over raw keep-alive connections keeps track of.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.generate import REFERENCE_DAY
from tracker.domain.clock import today

ROOT = Path(__file__).resolve().parents[1]
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(command: Sequence[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """A server process (and its workers, in their own process group) until the block ends;
    yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /health within 60 s:\n{log.read_text()}")


def tracker_server(database_url: str, workers: int, log: Path, env: dict[str, str]) -> Any:
    command = [str(ROOT / ".venv" / "bin" / "tracker"), "serve", "--workers", str(workers)]
    # The rate limits guard a real service; the load test measures what lies behind them.
    unlimited = {"TRACKER_WRITE_RATE": "off", "TRACKER_FEED_RATE": "off"}
    return server(command, {"TRACKER_DATABASE_URL": database_url, **unlimited, **env}, log)


def floor_server(workers: int, log: Path) -> Any:
    return server([sys.executable, "-m", "bench.floor", "--workers", str(workers)], {}, log)


ESTABLISHED, LISTENING = "01", "0A"  # states in /proc/net/tcp


def sockets_per_process(port: int, state: str = ESTABLISHED) -> dict[int, int]:
    """How many sockets on local `port` in `state` each process holds (Linux's /proc): the
    connections each worker took, so that a run shows whether the kernel spread the load
    generator's over the workers; or which processes listen on the port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    inodes.add(f"socket:[{fields[9]}]")
    counts: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with suppress(OSError):
            fds = Path("/proc", pid, "fd")
            held = sum(1 for fd in fds.iterdir() if os.readlink(fd) in inodes)
            if held:
                counts[int(pid)] = held
    return counts


def connections_per_worker(port: int) -> dict[int, int]:
    return sockets_per_process(port, ESTABLISHED)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def memos_made(log: Path, workers: int, timeout: float = 300) -> None:
    """Wait until every worker of a tracker server has logged that it made its weekly-report
    memo: it works on that when it starts, and a load test beside it would measure both."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("weekly report memo warm") < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server's workers did not make their report memo:\n{log}")
        time.sleep(0.2)


def served_report(base: str, path: str, requests: int = 6) -> dict[str, Any]:
    """The weekly report as a coordinator gets it from a running server (see memos_made):
    `requests` GETs, each on a new connection (the kernel spreads them over the workers);
    seconds until the whole body has arrived."""
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _, body = fetch(base + path, {"Connection": "close"})
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return {
        "first_s": seconds[0], "median_s": statistics.median(seconds), "worst_s": max(seconds),
        "requests": requests, "bytes": len(body),
    }  # fmt: skip


# -- reads: wrk -------------------------------------------------------------------------------

_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local expected = %(expected)d
local limit = %(limit)d
-- Globals, not locals: done() reads each thread's count through thread:get().
counter = 0
seen = 0
unexpected = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end

function response(status, hdrs, body)
  seen = seen + 1
  if status ~= expected then unexpected = unexpected + 1 end
  if seen >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests":%%d,"duration_us":%%d,"bytes":%%d,"p50_us":%%d,"p99_us":%%d,' ..
    '"socket_errors":%%d,"unexpected":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), errors.connect + errors.read + errors.write + errors.timeout, bad))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and answers with another status than expected
    spread: list[int] = field(default_factory=list)  # connections per worker, most first

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rps": self.rps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors": self.errors,
            "connections_per_worker": self.spread,
        }


@contextmanager
def spread_while(base: str, seconds: float) -> Iterator[list[int]]:
    """Connections per worker, counted once in the middle of a load of `seconds` (the first
    second at most); the list is filled when the block ends."""
    port = int(base.rsplit(":", 1)[1])
    counts: list[int] = []
    timer = threading.Timer(
        min(1.0, seconds / 2),
        lambda: counts.extend(sorted(connections_per_worker(port).values(), reverse=True)),
    )
    timer.start()
    try:
        yield counts
    finally:
        timer.join()


def wrk(
    base: str,
    paths: Sequence[str],
    *,
    seconds: float,
    connections: int = 16,
    headers: dict[str, str] | None = None,
    expected: int = 200,
    limit: int = 1_000_000,
) -> LoadResult:
    """GET `paths` round robin from `connections` keep-alive connections for `seconds` or
    until `limit` answers, whichever comes first."""
    script = _SCRIPT % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": ", ".join(
            f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (headers or {}).items()
        ),
        "expected": expected,
        "limit": limit,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        command = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        with spread_while(base, seconds) as spread:
            output = subprocess.run(
                [*command, "--timeout", "60s", "-s", file.name, base],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
    finally:
        os.unlink(file.name)
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    return LoadResult(
        requests=raw["requests"],
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=raw["socket_errors"] + raw["unexpected"],
        spread=spread,
    )


# -- writes: transition POSTs ---------------------------------------------------------------------


@dataclass(slots=True)
class Owned:
    """An initiative one client advances: hold, resume, hold, ... each with a fresh If-Match."""

    slug: str
    version: int
    held: bool
    acknowledged: int = 0


@dataclass(slots=True)
class PostLoad:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    spread: list[int] = field(default_factory=list)

    def result(self) -> LoadResult:
        ok = self.statuses.get(201, 0)
        ordered = sorted(self.latencies) or [0.0]
        return LoadResult(
            requests=sum(self.statuses.values()),
            rps=ok / self.seconds if self.seconds else 0.0,
            p50_ms=statistics.median(ordered) * 1000,
            p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            errors=sum(n for status, n in self.statuses.items() if status != 201),
            spread=self.spread,
        )


def step_day() -> date:
    """The day the benchmark's steps happen: today, never before the generated histories."""
    return max(today(), REFERENCE_DAY)


async def _client(
    host: str, port: int, token: str, owned: list[Owned], stop_at: float, load: PostLoad
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    occurred = step_day().isoformat()
    try:
        turn = 0
        while time.monotonic() < stop_at:
            item = owned[turn % len(owned)]
            turn += 1
            body = json.dumps(
                {"event": "resume", "occurred_on": occurred}
                if item.held
                else {"event": "hold", "occurred_on": occurred, "note": "bench"}
            ).encode()
            head = (
                f"POST /api/initiatives/{item.slug}/events HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                f'If-Match: "{item.version}"\r\nContent-Type: application/json\r\n'
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(head + body)
            await writer.drain()
            status, headers, _ = await _read_response(reader)
            load.latencies.append(time.perf_counter() - started)
            load.statuses[status] = load.statuses.get(status, 0) + 1
            if status == 201:
                item.version = int(headers["etag"].strip('"'))
                item.held = not item.held
                item.acknowledged += 1
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


def transition_posts(
    base: str, token: str, owned: list[list[Owned]], *, seconds: float
) -> PostLoad:
    """Each client (one connection) advances its own initiatives, so that no two clients
    compete for one version; every 201 is counted for the check against the event log."""
    host, _, port = base.removeprefix("http://").partition(":")
    load = PostLoad()

    async def run() -> None:
        stop_at = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(host, int(port), token, mine, stop_at, load) for mine in owned)
        )
        load.seconds = time.perf_counter() - started

    with spread_while(base, seconds) as load.spread:
        asyncio.run(run())
    return load


def share(slugs: Sequence[str], versions: dict[str, int], clients: int, each: int,
          seed: int) -> list[list[Owned]]:  # fmt: skip
    """`clients` disjoint sets of `each` initiatives."""
    chosen = random.Random(seed).sample(list(slugs), min(len(slugs), clients * each))
    return [
        [Owned(slug, versions[slug], held=False) for slug in chosen[i::clients]]
        for i in range(clients)
    ]
