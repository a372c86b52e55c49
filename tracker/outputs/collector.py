"""Postponing the garbage collector's full collections while a large structure is built.

CPython starts a full collection, which scans every object of the process, each time the objects
that outlived the younger generations have grown by a quarter. Building hundreds of thousands of
objects that all live until the end (the weekly report on 10,000 initiatives keeps some 330,000)
set off four or five of them, 0.3 s each, a fifth to a quarter of the report's time, though the
report leaves no cyclic garbage for them to find.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Full collections wait for this many collections of the middle generation (CPython's default is
# 10): some 7 million allocations, more than the largest report makes.
POSTPONED = 1000


class _Postponement:
    """The thresholds to restore, and how many callers are inside: reports run in threads, and
    only the last one out may restore them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.saved = gc.get_threshold()


_state = _Postponement()


@contextmanager
def full_collections_postponed() -> Iterator[None]:
    """No full collection while inside; the young generations are collected as usual, and the
    next full collection comes after the last caller has left."""
    with _state.lock:
        if _state.inside == 0:
            _state.saved = gc.get_threshold()
            young, middle, full = _state.saved
            gc.set_threshold(young, middle, max(full, POSTPONED))
        _state.inside += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.inside -= 1
            if _state.inside == 0:
                gc.set_threshold(*_state.saved)
