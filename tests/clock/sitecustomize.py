"""Moves this process's clock when the test run asks for it.

Python imports `sitecustomize` at start-up from the first folder on its path that has one; the
test runs put this folder on PYTHONPATH, so every Python process of a run (pytest, its xdist
workers, the `tracker` servers and commands the tests start) starts here. With
TRACKER_TEST_NOW set to an ISO date-time, time-machine moves the process's clock there and lets
it tick on, so that all of them agree on the day (`make test-dates`, tests/server.py).

With TRACKER_TEST_NOW_AT, the real time (seconds since the epoch) at which the instant was
read, the clock starts as far past the instant as the real time has moved since: a process
that took a while to start agrees with the one that started it to the millisecond.
"""

import os

_now = os.environ.get("TRACKER_TEST_NOW")
if _now:
    import time
    from datetime import datetime, timedelta

    import time_machine

    _at = os.environ.get("TRACKER_TEST_NOW_AT")
    _moment = datetime.fromisoformat(_now)
    if _at:
        _moment += timedelta(seconds=max(0.0, time.time() - float(_at)))
    time_machine.travel(_moment, tick=True).start()
