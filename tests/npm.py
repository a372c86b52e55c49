"""Front-end packages the tests use (ical.js, axe-core), installed once from the npm registry
into .cache/npm. Where CI=true a package that cannot be installed fails the run; elsewhere the
check that needs it is skipped."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

NPM_CACHE = ROOT / ".cache" / "npm"
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def npm_file(spec: str, package: str, relative: str) -> Path:
    """The file `relative` of `package`, installing `spec` (e.g. "axe-core@4") if needed."""
    wanted = NPM_CACHE / "node_modules" / package / relative
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not on PATH")
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    with (NPM_CACHE / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (parallel test runs)
        if not wanted.exists():
            installed = subprocess.run(
                [str(npm), "install", "--prefix", str(NPM_CACHE), spec, "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if installed.returncode != 0 or not wanted.exists():
                unavailable(f"npm install {spec} failed:\n{installed.stderr[-2000:]}")
    return wanted
