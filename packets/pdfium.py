"""PDFium (through pypdfium2), used by one thread at a time.

PDFium keeps global state and is not thread-safe; pypdfium2 says to call it from one
thread only. The front-desk station serves page previews and makes packets in
several threads at once, and two of them inside PDFium corrupted its memory and
killed the server without a word (reproduced: four threads rendering previews abort
within seconds with "corrupted double-linked list"). So every use of PDFium in this
package is inside ``pdfium()``, which holds the one lock that stands for the library:
the lock is process-wide because the library's state is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_LIBRARY = threading.Lock()


@contextmanager
def pdfium() -> Iterator[ModuleType]:
    """``pypdfium2``, for as long as this thread alone may use it (open, read and close inside)."""
    with _LIBRARY:
        import pypdfium2

        yield pypdfium2
