"""What a render reuses, held by whoever renders: a CLI call, a batch worker, a server.

A first packet is slow because fonts load, the shared stylesheet is parsed and the
fast path lays out its group's shared pages. A ``Renderer`` keeps those between the
packets it renders. It is an explicit object, never a module-level cache, so two
servers, tests or threads in one process share nothing unless they share a
``Renderer``, and then they take turns (its lock).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar

from packets.config.loading import LoadedClinic
from packets.content.shared import Content, packet_content
from packets.render import basecache
from packets.render.engine import Engine
from packets.render.templating import Templates

T = TypeVar("T")


class Bounded(Generic[T]):
    """A small least-recently-used map, so a long run's memory stays flat."""

    def __init__(self, size: int = 16):
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``, built on first use."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return self.put(key, build())

    def put(self, key: Hashable, value: T) -> T:
        """Keep a value built elsewhere (a batch builds each group's base once)."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def items(self) -> list[tuple[Hashable, T]]:
        return list(self._items.items())

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


class Renderer:
    """An engine (fonts, stylesheet), compiled templates and the fast path's bases.

    ``cache``: a folder (made 0700) where bases are also kept on disk between runs
    (``render.basecache``); None keeps them in memory only. ``scratch``: a folder the
    caller owns and removes, for the engine's temporary font copies (default: TMPDIR).
    Close a renderer (or use it as a context manager) when done: that removes the
    font copies at once, whatever way the program then exits.
    """

    def __init__(self, bases: int = 64, cache: Path | None = None, scratch: Path | None = None) -> None:
        self.engine = Engine(scratch)
        self.templates = Templates()
        self.bases: Bounded = Bounded(bases)
        self.cache = cache
        self.lock = threading.RLock()
        self.bases_laid_out = 0  # bases this renderer laid out itself (not found in memory or on disk): the station's warming shows in it
        self._contents: Bounded[tuple[LoadedClinic, Content]] = Bounded(16)
        self._fingerprints: Bounded[tuple[LoadedClinic, str]] = Bounded(16)

    def close(self) -> None:
        """Remove the engine's temporary files; the renderer is not used afterwards."""
        self.engine.close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def fingerprint(self, loaded: LoadedClinic) -> str:
        """``basecache.fingerprint`` (the disk cache's hash of every input), once per clinic object.

        Hashing the templates, the clinic's files and the font list takes a few ms, and a
        first packet needs it up to three times. A changed clinic folder is a new object
        (``facade.clinic_is_current``); the tool's own files change only with a new install.
        """
        return self._per_clinic(self._fingerprints, loaded, (), lambda: basecache.fingerprint(loaded))

    def content(self, loaded: LoadedClinic, language: str | None, treatment: str) -> Content:
        """``build_content`` then ``for_treatment``, kept for the next packet of the same clinic object.

        Checking every treatment's content costs about 2 ms a packet.
        """
        return self._per_clinic(self._contents, loaded, (language, treatment),
                                lambda: packet_content(loaded, language, treatment))

    def _per_clinic(self, held: Bounded, loaded: LoadedClinic, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` kept for ``loaded`` itself: each entry holds the clinic object, so a
        reloaded or changed clinic (a new object) never gets another's value."""
        with self.lock:
            entry = held.get((id(loaded), *key), lambda: (loaded, build()))
            if entry[0] is not loaded:  # cannot happen while the entry keeps ``loaded`` alive; cheap to be sure
                entry = held.put((id(loaded), *key), (loaded, build()))
            return entry[1]


@contextmanager
def kept_or_new(renderer: Renderer | None, cache: Path | None = None) -> Iterator[Renderer]:
    """``renderer`` as given (its owner closes it), or a new one for this call only, closed after."""
    if renderer is not None:
        yield renderer
        return
    with Renderer(cache=cache) as own:
        yield own
