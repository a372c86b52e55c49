"""Writers of one SQLite file take turns before they ask SQLite for its write lock."""

from __future__ import annotations

import fcntl
import os
import threading

from tracker.domain.errors import Busy


class WriterGate:
    """One writer at a time per SQLite file, across the threads and processes of this machine.

    A writer that finds the file locked is put to sleep by SQLite and retries (1, 2, 5, ... up
    to 100 ms at a time), so with many concurrent writers the lock mostly sits idle while they
    sleep. Waiting here instead, on a thread lock and then an flock of a file next to the
    database, wakes the next writer the moment the previous one is done. The flock is the
    kernel's: a process that dies releases it.
    """

    WAIT = 30.0  # seconds, as SQLite's busy_timeout

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}.writers"
        self._turn = threading.Lock()
        self._fd: int | None = None
        self._pid = 0  # a forked child shares the parent's open file, and so its flock

    def __enter__(self) -> WriterGate:
        if not self._turn.acquire(timeout=self.WAIT):
            raise Busy(self.WAIT)
        try:
            if self._fd is None or self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            # One thread of this process waits here at most: blocking is the prompt hand-off.
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._turn.release()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._turn.release()

    def close(self) -> None:
        with self._turn:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
