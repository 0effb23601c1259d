"""Warm renderers for the station: fonts loaded and group bases kept between patients.

A ``Renderer`` serves one render at a time, so the station keeps a few; two staff
printing at once each take one and do not wait for each other. Each renderer keeps
the bases of the groups it has seen, so the next patient of a group is quick.
"""

from __future__ import annotations

import queue
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

    @contextmanager
    def one(self, loaded: LoadedClinic) -> Iterator[Renderer]:
        """A free renderer (the most recently used: its caches are the warmest)."""
        try:
            renderer = self._free.get_nowait()
        except queue.Empty:
            if self._made < self.size:
                self._made += 1
                renderer = facade.new_renderer(self.cache)
            else:
                renderer = self._free.get()
        try:
            yield renderer
        finally:
            self._free.put(renderer)

    def close(self) -> None:
        """On shutdown: close the free renderers (their font copies go; no render is running then)."""
        while True:
            try:
                self._free.get_nowait().close()
            except queue.Empty:
                return
