"""How `tracker serve` runs its workers and handles connections.

Several workers each get a listening socket of their own on the same port (SO_REUSEPORT), so
the kernel spreads new connections over them. uvicorn's own workers share one socket, and the
worker that wakes first accepts a whole burst of connections: measured with `ss` under
`wrk -c16`, all 16 connections landed on one of two workers in 3 runs out of 3, so a second
core sat idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("uvicorn.error")

BACKLOG = 2048
STOP_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol on httptools (llhttp, in C), with Nagle's algorithm off on
    every connection.

    httptools rather than h11 (pure Python): measured with 2 workers on a programme of 1,000
    (bench/, alternating runs), the 1 KB floor went from 6,900-7,900 to 12,200-12,400
    requests/s, a kept feed's 304 from 5,800-7,100 to 8,600-9,900/s and the transition POSTs
    from 390-550 to 560-610/s. uvloop on top added nothing (540-550 POSTs/s).

    asyncio disables Nagle only on sockets whose protocol number is IPPROTO_TCP, and uvicorn's
    listening socket is created with 0: a response written as headers, then body, then waited
    for the client's delayed ACK, 40 ms on every keep-alive request (measured by bench/).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What every worker is started with: an app factory named as `module:function`."""

    app: str
    host: str
    port: int
    workers: int = 1
    http: type[HttpToolsProtocol] | str = NoDelayHttpToolsProtocol
    log_level: str = "info"


class ServeError(Exception):
    """The server cannot start (say, its port is taken); the message says why."""


def serve(settings: ServerSettings) -> None:
    """Serve until SIGINT or SIGTERM: in this process for one worker, else one process each."""
    if settings.workers < 1:
        raise ServeError(f"--workers must be at least 1, not {settings.workers}")
    several = settings.workers > 1
    if several and not hasattr(socket, "SO_REUSEPORT"):
        raise ServeError("several workers need SO_REUSEPORT, which this system lacks")
    _config(settings)  # logging, as the workers will have it
    if several:
        # Another server listening with SO_REUSEPORT would quietly share the port with ours: a
        # plain bind first refuses a taken port, and fixes the port "0" picks for all workers.
        settings = replace(settings, port=_claim(settings))
    sockets = [_listen(settings, shared=several) for _ in range(settings.workers)]
    host, port = sockets[0].getsockname()[:2]
    logger.info(
        "Listening on http://%s:%d with %d worker(s)",
        f"[{host}]" if ":" in host else host, port, settings.workers,
    )  # fmt: skip
    if several:
        _Supervisor(settings, sockets).run()
    else:
        _run_worker(settings, sockets[0])


def _claim(settings: ServerSettings) -> int:
    with _bound(settings, shared=False) as probe:
        port: int = probe.getsockname()[1]
        return port


def _listen(settings: ServerSettings, *, shared: bool) -> socket.socket:
    sock = _bound(settings, shared=shared)
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def _bound(settings: ServerSettings, *, shared: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((settings.host, settings.port))
    except (OSError, OverflowError) as error:
        sock.close()
        reason = getattr(error, "strerror", None) or error
        raise ServeError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from None
    return sock


# How often a worker's threads hand the GIL on (CPython's default is 5 ms). A step in SQLite's
# writers' turn needs the GIL back after each statement while other threads work out theirs;
# measured with 16 clients posting steps to 2 workers, in 4 alternating pairs of runs: p99
# 128-194 ms at 0.5 ms against 204-218 ms at 5 ms, at the same rate.
SWITCH_INTERVAL = 0.0005


def _run_worker(settings: ServerSettings, sock: socket.socket, ready: Event | None = None) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    _WorkerServer(_config(settings), ready).run(sockets=[sock])


def _config(settings: ServerSettings) -> uvicorn.Config:
    return uvicorn.Config(
        settings.app, factory=True, http=settings.http, log_level=settings.log_level,
        backlog=BACKLOG, log_config=_logging(settings.log_level),
    )  # fmt: skip


def _logging(level: str) -> dict[str, Any]:
    """uvicorn's logging, and the app's own loggers (tracker.*: the feed keeper, the report
    warmer) beside uvicorn's, at the server's level: without it only their warnings reached
    the log, unformatted."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["tracker"] = {
        "handlers": ["default"], "level": level.upper(), "propagate": False,
    }  # fmt: skip
    return config


class _WorkerServer(uvicorn.Server):
    """uvicorn's server, telling its supervisor once it serves."""

    def __init__(self, config: uvicorn.Config, ready: Event | None) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.ready is not None:
            self.ready.set()


def _worker_main(settings: ServerSettings, sock: socket.socket, ready: Event) -> None:
    _die_with_parent()
    # Ctrl+C reaches the whole process group; the supervisor reports the stop.
    with contextlib.suppress(KeyboardInterrupt):
        _run_worker(settings, sock, ready)


def _die_with_parent() -> None:
    """A worker whose supervisor was killed outright stops too, rather than keep the port."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the supervisor died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass(frozen=True, slots=True)
class _Worker:
    process: BaseProcess
    ready: Event


class _Supervisor:
    """Keeps one process per socket alive; stops them all on SIGINT or SIGTERM.

    The sockets stay open here, so connections queued on a dead worker's socket wait for its
    replacement instead of being reset.
    """

    def __init__(self, settings: ServerSettings, sockets: list[socket.socket]) -> None:
        self.settings = settings
        self.sockets = sockets
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.stopping = False
        self.exit_code = 0
        self.announced = False

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.workers = [self._start(sock) for sock in self.sockets]
            while not self.stopping:
                wait([w.process.sentinel for w in self.workers], timeout=0.5)
                self._replace_dead()
                self._announce()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sock in self.sockets:
                sock.close()
        if self.exit_code:
            sys.exit(self.exit_code)

    def _start(self, sock: socket.socket) -> _Worker:
        ready = self.context.Event()
        process = self.context.Process(target=_worker_main, args=(self.settings, sock, ready))
        process.start()
        logger.info("Started worker process [%d]", process.pid)
        return _Worker(process, ready)

    def _replace_dead(self) -> None:
        for index, worker in enumerate(self.workers):
            process = worker.process
            if self.stopping or process.is_alive():
                continue
            process.join()
            if not worker.ready.is_set() and (process.exitcode or 0) > 0:
                # The app cannot start (an import, the factory, its startup): every
                # replacement would fail alike, so the whole server stops and says so.
                logger.error("Worker [%d] exited (%s) before serving; stopping", process.pid,
                             process.exitcode)  # fmt: skip
                self.exit_code = STARTUP_FAILURE
                self.stopping = True
                return
            logger.warning("Worker [%d] died (exit %s); starting another", process.pid,
                           process.exitcode)  # fmt: skip
            self.workers[index] = self._start(self.sockets[index])
            self.announced = False

    def _announce(self) -> None:
        """Says once all workers serve: until then, part of the connections wait."""
        if not self.announced and all(w.ready.is_set() for w in self.workers):
            logger.info("All %d workers are serving", len(self.workers))
            self.announced = True

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("Received %s, stopping the workers", signal.Signals(signum).name)
        self.stopping = True

    def _stop_all(self) -> None:
        running = [w.process for w in self.workers if w.process.is_alive()]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("Worker [%d] still running after %.0f s; killing it",
                               process.pid, STOP_SECONDS)  # fmt: skip
                process.kill()
                process.join()
