"""Moves this process's clock when the test run asks for it.

Python imports `sitecustomize` at start-up from the first folder on its path that has one; the
test runs put this folder on PYTHONPATH, so every Python process of a run (pytest, its xdist
workers, the `tracker` servers and commands the tests start) starts here. With
TRACKER_TEST_NOW set to an ISO date-time, time-machine moves the process's clock there and lets
it tick on, so that all of them agree on the day (`make test-dates`, tests/server.py).
"""

import os

_now = os.environ.get("TRACKER_TEST_NOW")
if _now:
    import time_machine

    time_machine.travel(_now, tick=True).start()
