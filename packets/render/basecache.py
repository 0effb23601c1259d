"""Fast-path bases kept on disk, so the second packet of a group is fast across runs.

A base is named by a hash of everything that shapes it: the clinic's files (config,
templates/ folder, logo, ...), the shared templates and content, the bundled fonts,
this tool's and WeasyPrint's versions, and the base's key (group and box shape). A
changed input gives a new name, so a stale base is never reused. A base holds marker
values only, never patient data (``base.build_base``), and its name is a hash.

Files are 0600 in a 0700 folder, written atomically; an unreadable or malformed file
is treated as missing (the base is laid out again).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import weasyprint

from packets import __version__
from packets.assets.fonts import font_roots
from packets.assets.paths import inside, templates_dir
from packets.config.loading import PACKET_FILE_SUFFIXES, LoadedClinic
from packets.files import make_missing_dirs

_FONT_SUFFIXES = {".ttf", ".otf", ".woff", ".woff2", ".ttc"}


def fingerprint(loaded: LoadedClinic) -> str:
    """A hash of every input that shapes a base other than the base's own key."""
    digest = hashlib.sha256(f"packets {__version__} weasyprint {weasyprint.__version__}\n".encode())
    _add_tree(digest, templates_dir(), None)
    _add_tree(digest, loaded.folder, PACKET_FILE_SUFFIXES)
    _add_file(digest, loaded.path)
    for root in font_roots():  # fonts are large: name, size and time stand for content
        for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in _FONT_SUFFIXES and p.is_file()):
            stat = path.stat()
            digest.update(f"font {path.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _add_tree(digest: Any, root: Path, suffixes: frozenset[str] | None) -> None:
    if not root.is_dir():
        return
    for path in sorted(p for p in root.rglob("*") if not any(part.startswith(".") for part in p.relative_to(root).parts)):
        if suffixes is None or path.suffix.lower() in suffixes:
            # Resolved first: a link out of the folder is never read (the render refuses it).
            if (real := inside(path, root)) is not None and real.is_file():
                digest.update(f"file {path.relative_to(root).as_posix()}\n".encode())
                _add_file(digest, real)


def _add_file(digest: Any, path: Path) -> None:
    digest.update(hashlib.sha256(path.read_bytes()).digest())


def entry_name(fingerprint_: str, key: Any) -> str:
    """The file name of a base: a hash of the inputs and the base's key."""
    return hashlib.sha256(f"{fingerprint_}\n{key!r}".encode()).hexdigest() + ".json"


def read(folder: Path, name: str) -> dict | None:
    """A stored base's fields, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(folder: Path, name: str, data: dict) -> None:
    """Store a base's fields atomically, 0600 in a 0700 folder; a failure only costs speed.

    Not synced to disk: a base lost in a crash is laid out again. Each write first
    removes bases older than ``KEEP_DAYS`` (``prune``), so the folder stays small.
    """
    tmp = None
    try:
        folder = make_missing_dirs(folder)  # every folder it creates on the way is 0700, not only the last
        os.chmod(folder, 0o700)  # the tool's own folder (OUT/<clinic>/.bases or the station's): never the user's
        prune(folder)
        fd, tmp = tempfile.mkstemp(prefix=".base-", suffix=".part", dir=folder)  # mkstemp makes it 0600
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(data).encode())
        os.replace(tmp, folder / name)
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


KEEP_DAYS = 7  # a base serves one day's packets (the day is in its key); a week covers reprints
_PART_SECONDS = 3600  # a half-written base this old was left by a process that died


def prune(folder: Path, now: float | None = None) -> int:
    """Remove bases written more than ``KEEP_DAYS`` ago, and old half-written files; how many went.

    Every base is for one day, so without this a clinic's cache would grow by a few
    megabytes a day for as long as the tool is used. A removed base that is needed
    again (a reprint of an old day) is laid out again.
    """
    now = time.time() if now is None else now
    removed = 0
    for path in folder.iterdir():
        try:
            age = now - path.lstat().st_mtime
            old = (path.suffix == ".json" and age > KEEP_DAYS * 86400) or (
                path.name.startswith(".base-") and path.suffix == ".part" and age > _PART_SECONDS)
            if old and path.is_file() and not path.is_symlink():
                path.unlink()
                removed += 1
        except OSError:  # another process removed it first, or it cannot be removed: only costs space
            continue
    return removed
