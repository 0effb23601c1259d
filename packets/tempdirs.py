"""Temporary folders named for the process that made them, so a later run removes what a killed one left.

Every exit a program can catch removes its own temporary folders. SIGKILL (``kill -9``,
the out-of-memory killer, a power cut) cannot be caught: the 7.7 MB of font copies or a
warming round's folder would stay in TMPDIR for good. Each folder's name therefore
carries its maker's process id (``packets-fonts-4242-k3j9``), and making a folder first
removes the same kind of folder whose maker is gone. A folder whose maker is alive,
belongs to another user, or whose name does not parse, is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

# Every kind of folder packets makes: any command sweeps them all (a `render` after a killed `batch`).
KINDS = ("packets-fonts-", "packets-workers-", "packets-warming-")


def make(prefix: str, parent: Path | None = None) -> Path:
    """A new 0700 folder ``<prefix><pid>-XXXX`` in ``parent`` (default TMPDIR), after sweeping orphans of every kind there."""
    assert prefix in KINDS, "a new kind of folder is added to KINDS, so a later run sweeps it"
    folder = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    for kind in KINDS:
        sweep(kind, folder)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=folder))


def sweep(prefix: str, folder: Path) -> int:
    """Remove the ``prefix`` folders in ``folder`` whose maker process is gone; how many were removed."""
    name = re.compile(re.escape(prefix) + r"(\d+)-[^/]+\Z")
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        found = name.match(entry.name)
        if found is None or _alive(int(found.group(1))):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += not os.path.lexists(entry.path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts: never touch a folder that may be in use)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
