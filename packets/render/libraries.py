"""WeasyPrint's native libraries found from a remembered answer instead of ~20 subprocesses.

When ``weasyprint.text.ffi`` loads, it tries several names for each of its native
libraries (GObject, Pango, HarfBuzz, fontconfig, ...), one per platform. On Linux each
name that is not a file makes ``ctypes.util.find_library`` run ldconfig, then gcc,
then ld: about twenty subprocesses, 0.3 to 0.5 s of every cold command that renders,
most of `import weasyprint` beyond its own code.

The answers depend only on the machine's libraries, so they are kept in a small JSON
file (``$XDG_CACHE_HOME/packets/libraries.json``, default ``~/.cache``; 0600 in a 0700
folder) under a key of the dynamic linker's cache (``/etc/ld.so.cache``: size and time,
rewritten whenever a library is installed or removed) and ``LD_LIBRARY_PATH``. A
changed key, or a failed load, looks every name up again. Only lookups made while
``weasyprint.text.ffi`` loads go through the file; ``find_library`` is restored after.
Nothing happens unless WeasyPrint is imported, so commands that do not render stay light.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Iterator

MODULE = "weasyprint.text.ffi"  # the module that looks the libraries up
LINKER_CACHE = Path("/etc/ld.so.cache")


def cache_file() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "packets" / "libraries.json"


def machine_key() -> str:
    """What the answers depend on: the platform, the linker's cache, the library path."""
    try:
        stat = LINKER_CACHE.stat()
        linker = f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        linker = "none"
    return f"{sys.platform} {linker} {os.environ.get('LD_LIBRARY_PATH', '')} {os.environ.get('DYLD_LIBRARY_PATH', '')}"


def _read(file: Path, key: str) -> dict[str, str | None]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("found"), dict):
        return {}
    return {str(k): v for k, v in data["found"].items() if v is None or isinstance(v, str)}


def _write(file: Path, key: str, found: dict[str, str | None]) -> None:
    """Atomically, 0600 in a 0700 folder; a failure only costs the next start its speed."""
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".libraries-", dir=file.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"key": key, "found": found}, out)
        os.replace(tmp, file)
    except OSError:
        pass


@contextmanager
def remembered_lookups(file: Path | None = None) -> Iterator[None]:
    """While inside, ``ctypes.util.find_library`` answers from ``file`` and records new answers there."""
    import ctypes.util

    file = file or cache_file()
    key = machine_key()
    known = _read(file, key)
    asked = dict(known)
    real = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name not in known:
            known[name] = real(name)
        return known[name]

    ctypes.util.find_library = find_library
    try:
        yield
    except OSError:  # a library the file names is gone: look everything up next time
        file.unlink(missing_ok=True)
        raise
    finally:
        ctypes.util.find_library = real
    if known != asked:
        _write(file, key, known)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``weasyprint.text.ffi`` as usual and runs it inside ``remembered_lookups``."""

    def find_spec(self, name: str, path=None, target: ModuleType | None = None):  # type: ignore[no-untyped-def]
        if name != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            with remembered_lookups():
                run(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's own loader
        return spec


def install() -> None:
    """Put the finder in front of the import system, once (a no-op if WeasyPrint is already loaded)."""
    if MODULE not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
