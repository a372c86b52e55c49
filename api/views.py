"""Views computed lately, kept while the database is unchanged.

Reads far outnumber writes; a list or a detail is computed from dozens of rows per initiative,
but answering the same question again costs only the query that tells whether anything was
committed since (UnitOfWork.generation). Each worker keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ViewCache:
    """At most `size` values, the least recently used dropped first."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)


VIEWS = ViewCache()
