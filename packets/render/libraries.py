"""Load WeasyPrint's C libraries without the compiler probe ``ctypes`` falls back to.

WeasyPrint tries each library under several platform names (``libgobject-2.0-0``,
``gobject-2.0``, ``libgobject-2.0.so.0``, ...). Every name the loader cannot open
sends cffi to ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and
then, when a C compiler is installed, ``gcc`` and ``ld`` with an empty temporary file
in TMPDIR: 47 processes and 0.14 s of every start (out of 0.34 s for the import), and
a file that a signal landing inside ``tempfile`` can leave behind.

On Linux ``find_library`` only ever answers with a soname that ``dlopen`` then looks up
along the same search path, so asking ``ldconfig`` alone finds the same libraries.
The look-up is narrowed for the duration of the import only, then put back.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def _ldconfig_only() -> Iterator[None]:
    """While WeasyPrint loads, answer ``find_library`` from the linker cache only (Linux)."""
    from_cache: Callable[[str], str | None] | None = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or from_cache is None:
        yield
        return
    original = ctypes.util.find_library
    setattr(ctypes.util, "find_library", from_cache)  # noqa: B010 - mypy types the module attribute as a def
    try:
        yield
    finally:
        ctypes.util.find_library = original


def load_weasyprint() -> None:
    """Import WeasyPrint (and with it Pango, HarfBuzz and fontconfig) once, quickly."""
    if "weasyprint.text.ffi" in sys.modules:
        return
    with _ldconfig_only():
        import weasyprint.text.ffi  # noqa: F401  (the import is the point)
