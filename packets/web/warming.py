"""Warming: today's bases laid out before anyone asks, so a walk-in's first packet is as quick as the next.

The first packet of a clinic, treatment, language and day costs a second or two: its
group's shared pages (the *base*) must be laid out. The station does that ahead of
time: when it starts, after midnight, and when a clinic's files change, one process
renders a packet for a made-up patient (never patient data) of each likely group of
every clinic it serves: each offered treatment in each offered language, normal print,
and large print too where the clinic's config asks (``station.warm_large_print``), in
the shapes a walk-in most often has (name and time only; with date of birth and MRN).
The bases land in the station's shared folder, where every renderer finds them.

People come first: the process runs at the lowest CPU priority (nice 19), so a packet
someone waits for, or an uploaded day, takes the CPU whenever it needs it; it is one
process, within the station's ``--jobs``; nothing waits on it. ``stop`` cancels it at
shutdown and removes its files. A loaded schedule lays out its own groups' bases as
its packets are made (``run_batch`` shares the same folder).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING

from packets import facade, tempdirs
from packets.children import die_with_parent
from packets.errors import PacketsError

if TYPE_CHECKING:
    from packets.render.renderer import Renderer
    from packets.web.work import Renderers

LOG = logging.getLogger("packets.station")
CHECK_SECONDS = 30.0  # how often the warmer looks for a new day or changed clinic files
# The made-up patient's appointment times. A time's words ("until 9:45 PM", "until
# tomorrow") can take one more line in the Today box: a shape of its own. Each hour of
# the working day is tried; most give a shape already laid out, which costs a quick render.
WARM_TIMES = tuple(dt_time(hour, 45) for hour in range(7, 20))


@dataclass(frozen=True)
class Group:
    """One likely group to warm: a clinic, a treatment, a language, a print size, and a shape."""

    clinic: str
    treatment: str
    language: str
    large_print: bool
    full: bool  # with date of birth and MRN (else name and time only)


@dataclass
class Status:
    """What the warmer has done: shown on the Today page and logged (no patient data)."""

    day: date | None = None
    groups: int = 0
    done: int = 0
    failed: int = 0
    finished: bool = False
    seconds: float = 0.0
    stopped: bool = False  # an unexpected error ended warming: packets are made as asked, the first of each kind slower

    @property
    def line(self) -> str:
        if self.stopped:
            return "Packets are made when you ask for them (getting them ready ahead stopped; see the station's log)."
        if self.day is None:
            return "Getting today's packets ready..."
        if not self.finished:
            return f"Getting today's packets ready: {self.done} of {self.groups}."
        return f"Today's packets are ready to print quickly ({self.done} kinds)."


def plan(station_clinics: Path | None, ids: list[str], day: date) -> list[Group]:
    """Every group to warm for ``day``, clinic by clinic (a clinic whose config fails is left out)."""
    groups: list[Group] = []
    for ref in ids:
        try:
            loaded = facade.open_clinic(ref, station_clinics)
        except PacketsError:
            continue  # a broken config is reported when someone picks that clinic
        sizes = (False, True) if loaded.clinic.station.warm_large_print else (False,)
        for treatment in loaded.clinic.treatments:
            for language in loaded.clinic.offered_languages:
                for large in sizes:
                    groups += [Group(ref, treatment, language, large, full) for full in (False, True)]
    return groups


# ---- the warming process ------------------------------------------------------------

# Set once in the warming process by ``_start`` (a pool's initializer can hand its
# state to later tasks only this way). The station's own process never sets it.
_renderer: Renderer | None = None


def _start(cache: Path, scratch: Path, parent: int) -> None:
    """In the warming process: lowest priority, gone with the station, a renderer of its own."""
    global _renderer
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.nice(19)
    _renderer = facade.new_renderer(cache, scratch)


def _warm(group: Group, clinics: Path | None, day: date) -> bool:
    """Render the made-up patient's packet of ``group`` at each of ``WARM_TIMES`` (thrown away): the bases go to disk."""
    assert _renderer is not None, "runs in the warming process only"
    try:
        loaded = facade.open_clinic(group.clinic, clinics)
        for at in WARM_TIMES:
            facade.warm_packet(loaded, sample_of(loaded, group, datetime.combine(day, at)), _renderer)
        return True
    except PacketsError:
        return False


def sample_of(loaded: facade.LoadedClinic, group: Group, when: datetime) -> facade.Visit:
    """The made-up patient for ``group``: a name no one has, nothing of a real patient."""
    visit = facade.new_visit(loaded, name="Sample Patient", treatment=group.treatment, when=when,
                             language=group.language, large_print=group.large_print)
    if group.full:
        visit = replace(visit, date_of_birth=date(1980, 1, 1), mrn="SAMPLE-1")
    return visit


# ---- in the station ---------------------------------------------------------------


class Warmer:
    """Warming rounds, run by a thread of the station; the rendering itself in one low-priority process.

    A round starts when the station starts, when the date changes, and when the set of
    clinics or a clinic's files change (looked at every ``CHECK_SECONDS``).
    """

    def __init__(self, clinics: Path | None, cache: Path, renderers: Renderers | None = None,
                 clinic: Callable[[str], facade.LoadedClinic] | None = None, check_seconds: float = CHECK_SECONDS) -> None:
        """``renderers`` and ``clinic``: the station's own, so its renderers keep what they learn per clinic object."""
        self.clinics, self.cache, self.renderers, self.check_seconds = clinics, cache, renderers, check_seconds
        self.clinic = clinic or (lambda ref: facade.open_clinic(ref, clinics))
        self.status = Status()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._scratch: Path | None = None  # the warming process's folder for its font copies, during a round
        self._lock = threading.Lock()  # guards _executor between the warming thread and stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="packets-warming", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cancel what is left, stop the process (its files go with its folder) and the thread."""
        self._stop.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:  # the warming thread then sees its futures fail and ends its round
            _terminate(executor)
        if self._thread is not None:
            self._thread.join(30)
        if self._scratch is not None:  # again, now the process is gone: it may have written after the thread's clean-up
            shutil.rmtree(self._scratch, ignore_errors=True)

    def _state(self) -> tuple:
        ids = facade.clinic_ids(self.clinics)
        return date.today(), tuple((ref, facade.clinic_files_stamp(ref, self.clinics)) for ref in ids)

    def _run(self) -> None:
        seen = None
        while not self._stop.is_set():
            try:
                state = self._state()
                if state != seen:
                    self._round(state[0], [ref for ref, _ in state[1]])
                    seen = state
            except Exception as exc:  # warming only saves time: a failure must never stop the station
                LOG.warning("warming: stopped by %s; packets are made as before, the first of each kind slower", type(exc).__name__)
                self.status.stopped = True  # the Today page stops saying "Getting ready: n of N"
                return
            self._stop.wait(self.check_seconds)

    def _round(self, day: date, ids: list[str]) -> None:
        groups = plan(self.clinics, ids, day)
        status = self.status = Status(day, len(groups))
        started = time.monotonic()
        scratch = self._scratch = tempdirs.make("packets-warming-")  # a SIGKILLed station's folder goes with the next round
        try:
            executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_start, initargs=(self.cache, scratch, os.getpid()))
            with self._lock:
                if self._stop.is_set():
                    executor.shutdown(cancel_futures=True)
                    return
                self._executor = executor
            try:
                futures: list[Future] = [executor.submit(_warm, group, self.clinics, day) for group in groups]
                for future in futures:
                    ok = future.result()
                    status.done += ok
                    status.failed += not ok
            except (CancelledError, BrokenProcessPool, RuntimeError):  # RuntimeError: submitted after shutdown
                if self._stop.is_set():
                    return  # stopped
                raise
            finally:
                with self._lock:
                    ours, self._executor = self._executor is executor, None
                if ours:  # else stop() has it (one shutdown per executor: two at once can fail)
                    _terminate(executor)
            self._prime(groups, day)
            status.seconds, status.finished = time.monotonic() - started, True
            LOG.info("warming: %d kinds of packet ready for %s in %.1f s (%d could not be made ahead)",
                     status.done, day.isoformat(), status.seconds, status.failed)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _prime(self, groups: list[Group], day: date) -> None:
        """The station's own renderer: fonts loaded, templates compiled, each group's bases read from disk.

        One quick packet per group (the bases are on disk by now), each with a spare
        renderer only: when a person's packet needs every renderer, this waits its turn.
        """
        if self.renderers is None:
            return
        at = datetime.combine(day, WARM_TIMES[len(WARM_TIMES) // 2])
        for group in (g for g in groups if not g.full):
            if self._stop.is_set():
                return
            with self.renderers.spare() as renderer:
                if renderer is None:
                    continue  # every renderer is making someone's packet
                try:
                    loaded = self.clinic(group.clinic)
                    facade.warm_packet(loaded, sample_of(loaded, group, at), renderer)
                except PacketsError:
                    continue


def _terminate(executor: ProcessPoolExecutor) -> None:
    """Stop the warming process now (it is only ever rendering a made-up packet) and wait for it."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)
