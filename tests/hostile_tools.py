"""Helpers for the hostile-input tests: run the CLI, and prove nothing outside --out changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import PACKETS

HEADER = "patient_name,time,treatment,escort_name\n"


def run(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """``packets ARGS`` as a user runs it."""
    return subprocess.run([*PACKETS, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def refused(done: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 1 with a clear message: every needle in stderr, no traceback, no usage block."""
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and "Usage:" not in done.stderr, done.stderr[-2000:]
    for needle in needles:
        assert needle in done.stderr, (needle, done.stderr[-2000:])


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every path under ``root`` (outside ``skip``) with its type, mode, size and mtime."""
    state = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            if skip is not None and (path == skip or skip in path.parents):
                continue
            info = path.lstat()
            state[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return state
