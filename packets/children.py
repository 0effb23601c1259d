"""What every helper process this tool starts does first: go when its parent goes.

Batch workers and the station's warming process render patients' packets into private
scratch folders. If the parent is killed (kill -9, a crash), a child left running
would hold those files and keep rendering for no one, so each child asks Linux to
SIGKILL it when its parent dies, and exits at once if the parent is already gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when ``parent`` dies; exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent still stops its children on every exit path
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
