"""Warm renderers for the station: fonts loaded and group bases kept between patients.

A ``Renderer`` serves one render at a time, so the station keeps a few; two staff
printing at once each take one and do not wait for each other. Each renderer keeps
the bases of the groups it has seen, so the next patient of a group is quick.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from packets import facade

if TYPE_CHECKING:
    from packets.config.loading import LoadedClinic
    from packets.render.renderer import Renderer


class Renderers:
    """A small pool of renderers, made on first use."""

    def __init__(self, size: int = 2, cache: Path | None = None) -> None:
        self.size = size
        self.cache = cache  # bases on disk (marker values only, no patient data), shared by the pool
        self._free: queue.LifoQueue[Renderer] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()  # two requests at once never make more than ``size``

    @contextmanager
    def one(self, loaded: LoadedClinic) -> Iterator[Renderer]:
        """A free renderer (the most recently used: its caches are the warmest); waits while all are busy."""
        renderer = self._take() or self._free.get()
        try:
            yield renderer
        finally:
            self._free.put(renderer)

    @contextmanager
    def spare(self) -> Iterator[Renderer | None]:
        """A free renderer, or None when all are busy: for work nobody is waiting for (``warming``)."""
        renderer = self._take()
        try:
            yield renderer
        finally:
            if renderer is not None:
                self._free.put(renderer)

    def _take(self) -> Renderer | None:
        """A free renderer, or a new one while the pool has room; None when all are made and busy."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made >= self.size:
                return None
            self._made += 1
        return facade.new_renderer(self.cache)

    def close(self) -> None:
        """On shutdown: close the free renderers (their font copies go; no render is running then)."""
        while True:
            try:
                self._free.get_nowait().close()
            except queue.Empty:
                return
