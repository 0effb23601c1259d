"""Write output files so that nothing half-written is ever printed.

Packets carry health information: folders are created owner-only (0700) and files
0600. Every file is written to a hidden temporary name in the target folder and
renamed into place, so a crash, a Ctrl-C or a full disk leaves either the old file
or the new one, never a partial PDF.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".partial-"


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) as 0700; tighten it if it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def make_missing_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents owner-only; leave existing folders alone."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a 0600 temp file in the same folder and rename."""
    make_missing_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files left by a killed run (a rename never happened)."""
    count = 0
    for stale in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        stale.unlink(missing_ok=True)
        count += 1
    return count
