"""Token buckets: how many requests a caller may make, refilled at a steady rate.

Each server process keeps its own buckets (in memory, nothing shared): with N workers a caller
gets at most N times the rate. That bounds abuse without a shared store on the write path.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*(second|minute|hour)\s*$")


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` requests per `period` seconds, of which all may come at once (the burst)."""

    count: int
    period: float

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """'120/minute'; 'off' (or '0/...') for no limit. ValueError when unreadable."""
        if text.strip().lower() == "off":
            return None
        m = RATE.match(text)
        if m is None:
            raise ValueError(f"expected a rate such as '120/minute' or 'off', got {text!r}")
        count = int(m[1])
        return cls(count, UNITS[m[2]]) if count > 0 else None


class TokenBuckets:
    MAX_KEYS = 100_000  # callers remembered at once; full buckets are forgotten first

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one request of `key`: 0 when allowed, else the seconds until one is free."""
        refill = self.rate.count / self.rate.period
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (float(self.rate.count), now))
            tokens = min(float(self.rate.count), tokens + (now - at) * refill)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > self.MAX_KEYS:
                    self._forget_full(now, refill)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / refill

    def _forget_full(self, now: float, refill: float) -> None:
        full = [
            k
            for k, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * refill >= self.rate.count
        ]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]
