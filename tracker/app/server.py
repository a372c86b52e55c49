"""How `tracker serve` runs the app: on granian, a maintained ASGI server (HTTP in Rust) whose
main process starts the workers, starts another for one that dies and stops them all on SIGINT
or SIGTERM. Nothing here manages processes.

A main process killed outright (SIGKILL) leaves its workers serving: whatever runs the server
stops its whole process group or control group (README, "Running it in production").
"""

from __future__ import annotations

import copy
import importlib
import socket
from dataclasses import dataclass
from typing import Any

from granian import Granian
from granian.constants import Interfaces
from granian.log import LOGGING_CONFIG, LogLevels
from granian.utils.proxies import wrap_asgi_with_proxy_headers

# A worker still in its app's shutdown this long after SIGTERM is killed, so that a stop ends.
STOP_SECONDS = 30

# Only a reverse proxy on this machine is believed about the client (X-Forwarded-For: the rate
# limits key on its address) and the scheme (X-Forwarded-Proto: HSTS goes out over https);
# anyone else could forge both.
TRUSTED_PROXIES = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What every worker is started with: an app factory named as `module:function`."""

    app: str
    host: str
    port: int
    workers: int = 1
    log_level: str = "info"


class ServeError(Exception):
    """The server cannot start (say, its port is taken); the message says why."""


def serve(settings: ServerSettings) -> None:
    """Serve until SIGINT or SIGTERM."""
    if settings.workers < 1:
        raise ServeError(f"--workers must be at least 1, not {settings.workers}")
    Granian(
        settings.app,
        address=settings.host,
        port=_free_port(settings.host, settings.port),
        interface=Interfaces.ASGI,
        workers=settings.workers,
        respawn_failed_workers=True,
        workers_kill_timeout=STOP_SECONDS,
        log_level=LogLevels(settings.log_level),
        log_dictconfig=_logging(settings),
        log_access=True,
    ).serve(target_loader=_app_in_worker)


def _free_port(host: str, port: int) -> int:
    """The port, once a plain bind shows that no one holds it; port 0's pick, for all workers.

    granian's workers bind with SO_REUSEPORT, which would let a second server quietly share a
    port that this one holds (and give each worker a port of its own for port 0).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or error
            raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
        bound: int = probe.getsockname()[1]
        return bound


def _app_in_worker(target: str) -> Any:
    """The app, made in a worker process (granian calls this there, given `settings.app`)."""
    module, _, factory = target.partition(":")
    app = getattr(importlib.import_module(module), factory)()
    return wrap_asgi_with_proxy_headers(app, TRUSTED_PROXIES)


def _logging(settings: ServerSettings) -> dict[str, Any]:
    """granian's logging, and the app's own loggers (tracker.*: the feed keeper, the report
    warmer) beside granian's at the server's level: without it only their warnings reached the
    log, unformatted. The app redacts what it must itself (api.logs), the access lines too."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["tracker"] = {
        "handlers": ["console"], "level": settings.log_level.upper(), "propagate": False,
    }  # fmt: skip
    return config
