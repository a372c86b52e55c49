"""The machine and software the figures were measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.load import WRK
from tracker.store.db import make_engine


def _cpu() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1e6
    return 0.0


def _postgres(url: str | None) -> str | None:
    if not url:
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


def _wrk() -> str:
    try:
        run = subprocess.run([WRK, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "not installed"
    return (run.stdout or run.stderr).splitlines()[0].strip()


def python_loop_s(additions: int = 10_000_000, repeats: int = 3) -> float:
    """Seconds for a fixed loop of Python additions, best of `repeats`: how fast this machine
    runs Python, to compare the absolute times of runs on different (or busier) machines."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        total = 0
        for i in range(additions):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def machine(postgres_url: str | None) -> dict[str, Any]:
    return {
        "python_loop_s": python_loop_s(),
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "memory_gb": round(_memory_gb(), 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres(postgres_url),
        "wrk": _wrk(),
        "packages": {
            name: version(name)
            for name in ("litestar", "granian", "sqlalchemy", "msgspec", "icalendar", "jinja2")
        },
    }
