"""What a worker keeps of its answers while the database is unchanged: one cache, keyed on the
database's change counter (Database.generation).

Reads far outnumber writes. A list or a detail is computed from dozens of rows per initiative
and a programme feed runs to tens of megabytes, but answering the same question again costs
only a look at the change counter: a commit anywhere makes a new generation, and the answers
of the old one are never asked for again (they age out). Views (api.views) and calendar feeds
(api.kept_feeds) are kept here alike; each worker keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    size: int  # bytes counted against MAX_BYTES
    valid_until: datetime | None


class Kept:
    """At most MAX_ENTRIES answers and MAX_BYTES of counted bodies, the least recently used
    dropped first; an answer may also be valid only until a moment (a feed whose cancelled
    event drops out then)."""

    MAX_ENTRIES = 8192
    MAX_BYTES = 256 * 1024 * 1024

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # An answer's build lock, and how many requests hold it or wait for it.
        self._builds: dict[Hashable, tuple[threading.RLock, int]] = {}

    def get(self, key: Hashable, now: datetime | None = None) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.valid_until is not None and (now is None or now >= entry.valid_until):
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry.value

    def put(
        self, key: Hashable, value: object, *, size: int = 0, valid_until: datetime | None = None
    ) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = _Entry(value, size, valid_until)
            self._bytes += size
            while len(self._entries) > 1 and (
                len(self._entries) > self.MAX_ENTRIES or self._bytes > self.MAX_BYTES
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self._bytes -= self._entries.pop(key).size

    @contextmanager
    def building(self, identity: Hashable) -> Iterator[None]:
        """Held while one answer (whatever its generation) is built in this worker, so that the
        requests that miss it together wait for one build. Forgotten once no request holds or
        waits for it: requests for answers that do not exist (any name can be asked for)
        leave nothing behind."""
        with self._lock:
            lock, users = self._builds.get(identity, (threading.RLock(), 0))
            self._builds[identity] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                users = self._builds[identity][1] - 1
                if users:
                    self._builds[identity] = (lock, users)
                else:
                    del self._builds[identity]


KEPT = Kept()
