"""What a rendering process does: lay out a group's shared base, or render one row's packet.

Workers only render; they write no files (the parent does, each atomically), so a
killed worker never leaves half a PDF. Every message that leaves a worker is scrubbed
of the patient's typed values, and an unexpected error is reported by its type only.
"""

from __future__ import annotations

import hashlib
import io
import signal
import traceback
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from packets.children import die_with_parent
from packets.config.loading import LoadedClinic, load_clinic
from packets.content.shared import Content
from packets.errors import PacketsError
from packets.render.base import Base, build_base
from packets.render.base_store import cached_base
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit


def unexpected(exc: BaseException, doing: str) -> str:
    """A bug's message for one row: the exception's type only, never its text (it may hold patient data)."""
    return f"unexpected {type(exc).__name__} while {doing}; please report it"


class Worker:
    """What one rendering process keeps: the clinic, its content per language, a Renderer.

    The parent builds one before forking, so workers start with fonts loaded; with
    ``--jobs 1`` the parent renders with it directly.
    """

    def __init__(self, loaded: LoadedClinic, cache: Path | None = None, scratch: Path | None = None) -> None:
        self.loaded = loaded
        # Bases on disk: the next run of the clinic starts fast. ``scratch``: the parent's
        # folder for a started (not forked) worker's font copies, removed by the parent
        # however the worker ends (it is terminated, never asked to clean up).
        self.renderer = Renderer(cache=cache, scratch=scratch)

    def close(self) -> None:
        """Remove the renderer's temporary files (the process that made the Worker only)."""
        self.renderer.close()

    def content(self, visit: Visit) -> Content:
        """The checked content for the visit's language and treatment (kept by the renderer)."""
        return self.renderer.content(self.loaded, visit.language, visit.treatment)


# Set once in each worker process by ``init_worker`` (a pool's initializer can
# only hand its worker state to later tasks this way). The parent never sets it.
_process_worker: Worker | None = None


def init_worker(worker: Worker | tuple[str, Path, Path], parent: int) -> None:
    """In a pool process: keep the forked Worker (or load the clinic). Ctrl-C, SIGTERM, SIGHUP are the parent's."""
    global _process_worker
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closed terminal: the parent stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's terminate()
    _process_worker = worker if isinstance(worker, Worker) else Worker(load_clinic(worker[0]), worker[1], worker[2])


def _scrub(message: str, visit: Visit) -> str:
    """Belt and braces: no message leaves a worker with the patient's typed values in it."""
    for value in (visit.name, visit.escort, visit.provider, visit.mrn):
        if value and value.strip():
            message = message.replace(value, "[patient data]")
    return message


def build_group_base(item: tuple[tuple, Visit], worker: Worker | None = None) -> tuple[tuple, Base]:
    """Phase 1: one group's shared layer (its key travels with it).

    Whatever goes wrong, the group gets no base: each of its rows then renders whole
    and reports its own error, so one odd row never costs the others their packets.
    """
    worker = worker or _process_worker
    assert worker is not None
    key, visit = item
    try:  # a language the clinic cannot print in fails here too: each row of the group reports it
        content = worker.content(visit)
        return key, cached_base(worker.renderer, worker.loaded, key,
                                lambda: build_base(worker.renderer, worker.loaded, visit, content))
    except PacketsError as exc:  # each row of the group will render whole and report its own error
        return key, Base(None, reason=_scrub(str(exc), visit))
    except Exception as exc:  # whatever goes wrong, the group gets no base; its rows render whole
        return key, Base(None, reason=unexpected(exc, "laying out shared pages"))


@dataclass(frozen=True)
class Task:
    row: int
    visit: Visit
    base: tuple[tuple, Base] | None


@dataclass(frozen=True)
class Outcome:
    row: int
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None
    layers: tuple[tuple, bytes] | None = None  # (base key, overlay) for the print run
    trace: str | None = None  # an unexpected error's traceback, patient values scrubbed
    pdf: bytes | None = None  # the packet, for the parent to write


def render_row(task: Task, worker: Worker | None = None) -> Outcome:
    """Phase 2: render one packet. The parent alone writes files, so nothing is written after it exits."""
    worker = worker or _process_worker
    assert worker is not None
    try:
        if task.base is not None:
            worker.renderer.bases.put(*task.base)
        pdf, layers = render_packet_layers(worker.loaded, task.visit, worker.content(task.visit), renderer=worker.renderer)
        pages = len(layers.page_sizes) if layers is not None else _page_count(pdf)  # the fast path knows its pages
        return Outcome(task.row, pages, hashlib.sha256(pdf).hexdigest(),
                        layers=(layers.base_key, layers.overlay) if layers else None, pdf=pdf)
    except PacketsError as exc:
        return Outcome(task.row, error=_scrub(str(exc), task.visit))
    except Exception as exc:  # a bug; the row fails, the others still print
        return Outcome(task.row, error=unexpected(exc, "rendering"), trace=_scrub(traceback.format_exc(), task.visit))


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)
