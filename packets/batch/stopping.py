"""How a batch stops early: Ctrl-C, SIGTERM or SIGHUP, or a worker that died.

SIGTERM and SIGHUP are turned into a ``KeyboardInterrupt`` subclass while a run lasts,
so the one clean-up path Ctrl-C takes (terminate the workers, drop half-written files)
serves all three.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from packets.errors import PacketsError


class BatchInterrupted(PacketsError):
    """Ctrl-C or a stopped worker: finished packets are complete, the rest are not written."""


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: a KeyboardInterrupt, so every Ctrl-C cleanup path runs for it too."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While a run lasts, SIGTERM and SIGHUP raise ``Stopped`` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    old = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in old.items():
            signal.signal(number, handler)
