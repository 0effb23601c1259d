"""Print a whole day: every row of a schedule to its own packet, plus one print run.

Workers (processes) only render; the parent alone writes files, each to a temporary
name renamed into place, so a killed worker or a Ctrl-C never leaves half a PDF. A
row that fails costs only itself. Output lives in ``<out>/<clinic-id>/<date>/``:

- ``HHMM-rowNN-XX.pdf``: one packet per patient (time, schedule row, initials); packets
  from an add-on schedule (a second file for the same day) are ``HHMM-addK-rowNN-XX.pdf``;
- ``print-run.pdf``: this run's packets in appointment order, each starting on a new
  sheet (``whole_day``: every packet of the day);
- ``manifest.json``: every run of the day (time, schedule file name, rows), what each
  wrote and what failed, by row, with no names.

A later run for the same day adds to it: earlier packets stay. Running the same
schedule file again rewrites its own packets. Packets of patients no longer on the
schedule are removed only with ``replace``.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import json
import multiprocessing
import os
import re
import signal
import tempfile
import threading
import traceback
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pikepdf

from packets import __version__
from packets.batch.join import join_pdfs
from packets.config.loading import LoadedClinic, load_clinic
from packets.content.shared import Content, content_version
from packets.errors import PacketsError
from packets.files import TEMP_PREFIX, check_output_file, check_output_folder, make_missing_dirs, remove_stale_temps, write_atomic
from packets.render import basecache
from packets.render.compose import Base, build_base, cached_base, group_key, stored_base
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit
from packets.visits.schedule import Row, Schedule

PRINT_RUN = "print-run.pdf"
MANIFEST = "manifest.json"
# Exactly the names ``packet_name`` writes: initials are one to three letters ("Z" -> "-Z.pdf").
PACKET_NAME = re.compile(r"^\d{4}-(?:add\d+-)?row\d+-[A-Z]{1,3}\.pdf$")


@dataclass
class RowResult:
    """One schedule row's outcome, as it goes into manifest.json (no names)."""

    row: int
    time: str
    initials: str
    status: str  # "written" or "failed"
    file: str | None = None
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None


@dataclass
class BatchResult:
    folder: Path
    rows: list[RowResult]
    print_run: Path | None
    manifest: Path | None  # None: no row could be printed, so nothing was written for the day
    removed: int = 0  # packets of earlier runs removed because --replace was given
    blank_pages: int = 0
    kept: int = 0  # packets of earlier runs of this day left in place
    run: int = 1  # this run's number in the day's manifest
    print_run_error: str | None = None  # the packets are written but could not be joined

    @property
    def written(self) -> int:
        return sum(r.status == "written" for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.rows)


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


def unexpected(exc: BaseException, doing: str) -> str:
    """A bug's message for one row: the exception's type only, never its text (it may hold patient data)."""
    return f"unexpected {type(exc).__name__} while {doing}; please report it"


def packet_name(row: Row, add_on: int = 0) -> str:
    """``0930-row07-JD.pdf``: sorts by time, names the schedule row, no full name.

    Packets from the day's ``add_on``-th extra schedule file get ``-addK`` after the
    time, so row 2 of an add-on list never overwrites row 2 of the day's schedule.
    """
    assert row.visit is not None
    tag = f"-add{add_on}" if add_on else ""
    return f"{row.visit.when:%H%M}{tag}-row{row.number:02d}-{row.initials}.pdf"


# ---- worker side ---------------------------------------------------------------


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


# Set once in each worker process by ``_init_worker`` (a pool's initializer can
# only hand its worker state to later tasks this way). The parent never sets it.
_process_worker: Worker | None = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the parent dies; exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent still terminates workers on every exit path
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _init_worker(worker: Worker | tuple[str, Path, Path], parent: int) -> None:
    """In a pool process: keep the forked Worker (or load the clinic). Ctrl-C, SIGTERM, SIGHUP are the parent's."""
    global _process_worker
    _die_with_parent(parent)
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


def _build_base(item: tuple[tuple, Visit], worker: Worker | None = None) -> tuple[tuple, Base]:
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
class _Task:
    row: int
    visit: Visit
    base: tuple[tuple, Base] | None


@dataclass(frozen=True)
class _Outcome:
    row: int
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None
    layers: tuple[tuple, bytes] | None = None  # (base key, overlay) for the print run
    trace: str | None = None  # an unexpected error's traceback, patient values scrubbed
    pdf: bytes | None = None  # the packet, for the parent to write


def _render_row(task: _Task, worker: Worker | None = None) -> _Outcome:
    """Phase 2: render one packet. The parent alone writes files, so nothing is written after it exits."""
    worker = worker or _process_worker
    assert worker is not None
    try:
        if task.base is not None:
            worker.renderer.bases.put(*task.base)
        pdf, layers = render_packet_layers(worker.loaded, task.visit, worker.content(task.visit), renderer=worker.renderer)
        pages = len(layers.page_sizes) if layers is not None else _page_count(pdf)  # the fast path knows its pages
        return _Outcome(task.row, pages, hashlib.sha256(pdf).hexdigest(),
                        layers=(layers.base_key, layers.overlay) if layers else None, pdf=pdf)
    except PacketsError as exc:
        return _Outcome(task.row, error=_scrub(str(exc), task.visit))
    except Exception as exc:  # a bug; the row fails, the others still print
        return _Outcome(task.row, error=unexpected(exc, "rendering"), trace=_scrub(traceback.format_exc(), task.visit))


# ---- parent side ---------------------------------------------------------------


def run_batch(loaded: LoadedClinic, schedule: Schedule, out_root: Path, jobs: int,
              on_row: Callable[[RowResult], None] = lambda r: None, *, replace: bool = False,
              whole_day: bool = False, bases: Path | None = None) -> BatchResult:
    """Render every good row, write packets, the print run and the manifest.

    ``on_row`` hears about rows in schedule order. Earlier runs' packets for the day
    stay unless ``replace``; ``whole_day`` puts every packet of the day in the print run.
    ``bases``: the folder of group bases kept on disk (default ``OUT/<clinic>/.bases``;
    the station shares one with its walk-in renderers). SIGTERM and SIGHUP stop the run
    like Ctrl-C (``Stopped``).
    """
    with stop_on_signals():
        return _run_batch(loaded, schedule, out_root, jobs, on_row, replace, whole_day, bases)


def _run_batch(loaded: LoadedClinic, schedule: Schedule, out_root: Path, jobs: int,
               on_row: Callable[[RowResult], None], replace: bool, whole_day: bool, bases_folder: Path | None) -> BatchResult:
    folder = out_root / loaded.clinic.id / schedule.day.isoformat()
    for path in (out_root, folder.parent, folder):  # a linked folder could send patient files anywhere
        check_output_folder(path)
    if not any(row.visit is not None for row in schedule.rows):
        # Nothing to print: touch nothing, so a failed first try leaves no day folder and
        # the corrected run is the day's first, not an add-on.
        failed = [RowResult(r.number, r.time_text, r.initials, "failed", error=str(r.error)) for r in schedule.rows]
        for result in failed:
            on_row(result)
        return BatchResult(folder, failed, None, None)
    folder = make_missing_dirs(folder)  # new folders are 0700; existing ones (the user's --out) keep their mode
    cache = bases_folder or base_cache(folder)
    remove_stale_temps(folder)
    day = DayRecord.read(folder)
    add_on = day.add_on_number(schedule.path.name)
    (folder / PRINT_RUN).unlink(missing_ok=True)  # never leave last run's print run beside this run's packets
    started = datetime.now().isoformat(timespec="seconds")

    results: dict[int, RowResult] = {}
    report = InOrder([r.number for r in schedule.rows], on_row)
    for row in schedule.rows:
        if row.error is not None:
            results[row.number] = RowResult(row.number, row.time_text, row.initials, "failed", error=str(row.error))
            report.done(results[row.number])
    good = {r.number: r for r in schedule.rows if r.visit is not None}
    bases: dict[tuple, Base] = {}
    layers: dict[int, tuple[tuple, tuple[int, int]]] = {}  # row -> (base key, where its overlay is in the spool)
    spool = Spool(folder)  # overlays wait on disk, not in memory, for the print run
    shapes: dict[tuple, tuple] = {}
    try:
        with closing(_render_all(loaded, list(good.values()), cache, jobs, bases)) as outcomes:  # closing: stops workers on any exit
            for out in outcomes:
                row = good[out.row]
                if out.error is None:
                    assert out.pdf is not None, "a row without an error has its packet"
                    write_atomic(folder / packet_name(row, add_on), out.pdf)  # an OSError stops the run: every row would fail
                    result = RowResult(out.row, row.time_text, row.initials, "written", packet_name(row, add_on), out.pages, out.sha256)
                    if out.layers:  # one copy of each base key, however many rows share it
                        layers[out.row] = (shapes.setdefault(out.layers[0], out.layers[0]), spool.add(out.layers[1]))
                else:
                    error = out.error
                    if out.trace:
                        log = _log_trace(folder, out.row, out.trace)
                        error += f"; details in {log}"
                    result = RowResult(out.row, row.time_text, row.initials, "failed", error=error)
                results[out.row] = result
                report.done(result)
    finally:
        remove_stale_temps(folder)  # a killed worker's unfinished file

    written = sorted((r for r in good.values() if results[r.number].status == "written"), key=lambda r: (visit_of(r).when, r.number))
    keep = {packet_name(r, add_on) for r in written}
    removed = 0
    if replace:  # only when asked: packets of patients who are not on this schedule
        for stale in sorted(folder.iterdir()):
            if PACKET_NAME.match(stale.name) and stale.name not in keep:
                stale.unlink()
                removed += 1
    earlier = sorted(p.name for p in folder.iterdir() if PACKET_NAME.match(p.name) and p.name not in keep)
    print_run, blanks, print_run_error = None, 0, None
    parts = [(folder / packet_name(r, add_on), layers.get(r.number)) for r in written]
    if whole_day:
        parts = sorted(parts + [(folder / name, None) for name in earlier], key=lambda part: part[0].name)
    if parts:
        try:
            blanks = _write_print_run(folder / PRINT_RUN, parts, _BaseLookup(bases, loaded, cache), spool,
                                      loaded, schedule)
            print_run = folder / PRINT_RUN
        except PacketsError as exc:
            print_run_error = str(exc)
        except OSError:
            raise
        except Exception as exc:  # the packets are written; say so rather than lose the manifest
            print_run_error = unexpected(exc, "joining the print run")
    spool.close()
    rows = [results[n] for n in sorted(results)]
    batch = BatchResult(folder, rows, print_run, folder / MANIFEST, removed, blanks, kept=len(earlier),
                        run=len(day.runs) + 1, print_run_error=print_run_error)
    run = {"run": batch.run, "started": started, "schedule": schedule.path.name, "add_on": add_on, "rows": len(rows),
           "written": batch.written, "failed": batch.failed, "replace": replace, "removed": removed,
           "print_run": ("whole day" if whole_day else "this run") if print_run else None}
    write_atomic(folder / MANIFEST, _manifest(loaded, schedule, batch, day, run, earlier).encode())
    return batch


ERROR_LOG = "errors.log"


def _log_trace(folder: Path, row: int, trace: str) -> Path:
    """Append an unexpected error's traceback (patient values already scrubbed) to the day's log."""
    log = folder / ERROR_LOG
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"--- row {row}, {datetime.now().isoformat(timespec='seconds')}, packets {__version__}\n{trace}\n")
    return log


class InOrder:
    """Pass results on in schedule order, however the workers finish."""

    def __init__(self, order: list[int], on_row: Callable[[RowResult], None]):
        self.order, self.on_row, self.next = order, on_row, 0
        self.waiting: dict[int, RowResult] = {}

    def done(self, result: RowResult) -> None:
        self.waiting[result.row] = result
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            self.on_row(self.waiting.pop(self.order[self.next]))
            self.next += 1


@dataclass
class DayRecord:
    """What earlier runs of this day left in manifest.json: their runs and packets."""

    runs: list[dict]
    packets: dict[str, dict]  # file name -> its row record (with the run and schedule)

    @classmethod
    def read(cls, folder: Path) -> DayRecord:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls([], {})  # no earlier run (or an unreadable record): packets on disk still stay
        runs = data.get("runs")
        if not isinstance(runs, list):  # a manifest from before runs were recorded
            runs = [{"run": 1, "started": data.get("created"), "schedule": data.get("schedule"), "add_on": 0,
                     "rows": len(data.get("rows", [])), "written": data.get("written"), "failed": data.get("failed")}]
        packets = data.get("packets")
        if not isinstance(packets, list):
            packets = [dict(r, schedule=data.get("schedule"), run=1) for r in data.get("rows", []) if r.get("status") == "written"]
        return cls(runs, {p["file"]: p for p in packets if isinstance(p, dict) and p.get("file")})

    def add_on_number(self, schedule_name: str) -> int:
        """0 for the day's first schedule file (and its reruns), 1, 2... for each other file."""
        names: list[str | None] = []
        for run in self.runs:
            if run.get("schedule") not in names:
                names.append(run.get("schedule"))
        return names.index(schedule_name) if schedule_name in names else len(names)


def visit_of(row: Row) -> Visit:
    """A good row's visit (only rows with a visit are rendered)."""
    assert row.visit is not None, f"row {row.number} has no visit and is not rendered"
    return row.visit


def base_cache(folder: Path) -> Path:
    """Where a clinic's fast-path bases are kept between runs: beside its day folders (no patient data)."""
    return folder.parent / ".bases"


def _render_all(loaded: LoadedClinic, rows: list[Row], cache: Path, jobs: int,
                bases: dict[tuple, Base]) -> Generator[_Outcome, None, None]:
    """Yield each row's outcome in the order they finish; fill ``bases`` as they are built (``cache``: bases on disk).

    Phase 1 builds each group's base once, spread over the workers; phase 2 sends
    each row with its group's base, so no worker lays out shared pages again.
    """
    if jobs <= 1 or len(rows) <= 1:
        worker = Worker(loaded, cache)
        try:
            for row in rows:
                yield _render_row(_Task(row.number, visit_of(row), None), worker)
            bases.update(cast("list[tuple[tuple, Base]]", worker.renderer.bases.items()))
        finally:
            worker.close()
        return
    with tempfile.TemporaryDirectory(prefix="packets-workers-") as scratch:
        yield from _render_in_pool(loaded, rows, cache, jobs, bases, Path(scratch))


def _render_in_pool(loaded: LoadedClinic, rows: list[Row], cache: Path, jobs: int,
                    bases: dict[tuple, Base], scratch: Path) -> Iterator[_Outcome]:
    """``_render_all`` with worker processes; what they leave in ``scratch`` goes with it."""
    fork = _can_fork()
    seed = Worker(loaded, cache) if fork else None  # forked workers start from it, fonts loaded
    executor = ProcessPoolExecutor(
        max_workers=min(jobs, len(rows)), mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
        initializer=_init_worker, initargs=(seed or (str(loaded.path), cache, scratch), os.getpid()),
    )
    futures: dict[Future, Row] = {}
    done = 0
    try:
        firsts: dict[tuple, Visit] = {}
        keys: dict[int, tuple] = {}
        for row in rows:
            try:
                visit = visit_of(row)
                keys[row.number] = group_key(loaded, visit, visit.language or loaded.clinic.language)
            except Exception:  # this row renders whole in a worker and reports its own error
                continue
            firsts.setdefault(keys[row.number], visit)  # large print too: its group key says so
        bases.update(executor.map(_build_base, firsts.items()))
        waiting = iter(rows)

        def submit_next() -> None:
            """Keep a few rows per worker queued: the parent holds a window of tasks, not the whole day."""
            if (row := next(waiting, None)) is not None:
                futures[executor.submit(_render_row, _Task(row.number, visit_of(row), _base_for(keys.get(row.number), bases)))] = row

        for _ in range(IN_FLIGHT_PER_WORKER * jobs):
            submit_next()
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: futures[f].number):
                outcome = _result(future, futures.pop(future))  # the parent keeps no packet once it is written
                done += 1
                submit_next()
                yield outcome
            del finished, future
    except BrokenProcessPool:
        raise BatchInterrupted(
            f"a worker process stopped (killed, or out of memory) after {done} of {len(rows)} packets. "
            "Packets already written are complete. Run the same command again to complete the day."
        ) from None
    finally:
        for process in list(getattr(executor, "_processes", {}).values()):
            process.terminate()  # on Ctrl-C or an error, stop rendering now
        executor.shutdown(wait=True, cancel_futures=True)
        if seed is not None:
            seed.close()


def _can_fork() -> bool:
    """Whether workers may be forked from this process, inheriting a Worker with its fonts loaded.

    Only from a single-threaded process (the CLI). A forked child gets every lock as
    it was at the fork, and in a server (the front-desk station) another thread may
    be inside Pango or fontconfig rendering a walk-in's packet: the child could hang
    on a lock nobody will release. Then workers are started fresh ("spawn", about a
    second each) and load the clinic themselves.
    """
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


IN_FLIGHT_PER_WORKER = 4  # rows queued per worker: enough to keep it busy, few enough to keep the parent flat


def _base_for(key: tuple | None, bases: dict[tuple, Base]) -> tuple[tuple, Base] | None:
    return (key, bases[key]) if key is not None and key in bases else None


def _result(future: Future, row: Row) -> _Outcome:
    """A finished row's outcome; a result that cannot come back (e.g. not picklable) fails that row only."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        return _Outcome(row.number, error=unexpected(exc, "returning the packet from a worker"))


def _copy_now(obj: pikepdf.Object, dest: pikepdf.Pdf, memo: dict) -> pikepdf.Object:
    """Copy ``obj`` and everything it references into ``dest``, stream data included.

    ``copy_foreign`` copies stream data lazily, so every source PDF would have to
    stay open until the print run is saved: about 0.25 MB per patient. Copying the
    small patient layer outright lets it be closed at once, so memory stays flat.
    """
    if isinstance(obj, pikepdf.Stream):
        if obj.objgen in memo:
            return memo[obj.objgen]
        stream = pikepdf.Stream(dest, obj.read_raw_bytes())
        memo[obj.objgen] = stream
        for key, value in obj.stream_dict.items():
            if key != "/Length":
                stream.stream_dict[key] = _copy_now(value, dest, memo)
        return stream
    if isinstance(obj, pikepdf.Dictionary):
        if obj.is_indirect and obj.objgen in memo:
            return memo[obj.objgen]
        copy = dest.make_indirect(pikepdf.Dictionary()) if obj.is_indirect else pikepdf.Dictionary()
        if obj.is_indirect:
            memo[obj.objgen] = copy
        for key, value in obj.items():
            copy[key] = _copy_now(value, dest, memo)
        return copy
    if isinstance(obj, pikepdf.Array):
        if obj.is_indirect and obj.objgen in memo:
            return memo[obj.objgen]
        array = pikepdf.Array([_copy_now(value, dest, memo) for value in obj])
        if obj.is_indirect:
            memo[obj.objgen] = array = dest.make_indirect(array)
        return array
    return obj  # names, numbers, strings: plain values


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


class _BaseLookup:
    """A group's base for the print run: from this run's memory, else from the disk cache (workers' bases)."""

    def __init__(self, bases: dict[tuple, Base], loaded: LoadedClinic, cache: Path) -> None:
        self.bases, self.loaded, self.cache = bases, loaded, cache
        self._fingerprint: str | None = None

    def get(self, key: tuple) -> Base | None:
        if key not in self.bases:
            if self._fingerprint is None:
                self._fingerprint = basecache.fingerprint(self.loaded)
            found = stored_base(self.cache, basecache.entry_name(self._fingerprint, key))
            if found is None or found.pdf is None:
                return None
            if len(self.bases) > 64:  # keep memory flat over many shapes
                self.bases.pop(next(iter(self.bases)))
            self.bases[key] = found
        return self.bases[key]


PRINT_RUN_CHUNK = 100  # packets joined in memory at a time; chunks wait on disk


def _write_print_run(path: Path, parts: list[tuple[Path, tuple[tuple, tuple[int, int]] | None]], bases: _BaseLookup,
                     spool: Spool, loaded: LoadedClinic, schedule: Schedule) -> int:
    """All packets in order; a blank page after an odd-length packet keeps sheets apart.

    A fast-path packet is put together again from its layers, so each group's shared
    pages are stored once per chunk (a form XObject per page) instead of once per
    patient: the file is several times smaller. Whole-rendered packets (large print,
    long names) are copied from their files. Chunks of packets are written to disk
    as they are joined and the last step copies them into the file, reading from
    disk (``join.join_pdfs``, one chunk in memory at a time): the parent's memory
    does not grow with the day.
    """
    check_output_file(path)
    blanks = 0
    chunks: list[Path] = []
    tmp: str | None = None
    try:
        for start in range(0, len(parts), PRINT_RUN_CHUNK):
            chunk, added = _write_chunk(path.parent, parts[start:start + PRINT_RUN_CHUNK], bases, spool)
            chunks.append(chunk)
            blanks += added
        info = pikepdf.Dictionary(Title=pikepdf.String(f"{loaded.clinic.name}: print run {schedule.day.isoformat()}"),
                                  Producer=pikepdf.String(f"packets {__version__}"))
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            join_pdfs(chunks, out, info)  # one chunk in memory at a time
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    finally:
        for leftover in [*chunks, *([Path(tmp)] if tmp else [])]:
            leftover.unlink(missing_ok=True)
    return blanks


def _write_chunk(folder: Path, parts: list[tuple[Path, tuple[tuple, tuple[int, int]] | None]], bases: _BaseLookup,
                 spool: Spool) -> tuple[Path, int]:
    """Some packets of the print run, joined into a temp file; and the blank pages added."""
    blanks = 0
    opened: list[pikepdf.Pdf] = []
    shared: dict[tuple, list[pikepdf.Object]] = {}
    fd, chunk = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        with pikepdf.new() as run:
            for file, layer in parts:
                base = bases.get(layer[0]) if layer else None
                if layer and base is not None and base.pdf is not None:
                    key, where = layer
                    if key not in shared:
                        opened.append(pikepdf.open(io.BytesIO(base.pdf)))
                        shared[key] = [run.copy_foreign(page.as_form_xobject()) for page in opened[-1].pages]
                    with pikepdf.open(io.BytesIO(spool.read(where))) as top_layer:
                        count = len(top_layer.pages)
                        memo: dict[tuple[int, int], Any] = {}  # one memo: the pages share their fonts
                        for index, top in enumerate(top_layer.pages):
                            page = run.add_blank_page(page_size=_size(top))
                            page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
                                Shared=shared[key][index], Patient=_copy_now(top.as_form_xobject(), run, memo)))
                            page.obj.Contents = run.make_stream(b"q /Shared Do Q q /Patient Do Q")
                else:
                    opened.append(pikepdf.open(file))
                    run.pages.extend(opened[-1].pages)
                    count = len(opened[-1].pages)
                if count % 2:
                    run.add_blank_page(page_size=_size(run.pages[-1]))
                    blanks += 1
            run.save(chunk)
    except BaseException:
        Path(chunk).unlink(missing_ok=True)
        raise
    finally:
        for document in opened:
            document.close()
    return Path(chunk), blanks


class Spool:
    """Patient layers waiting for the print run, in an unnamed 0600 temp file (gone when closed)."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder, prefix=TEMP_PREFIX)  # noqa: SIM115 - open for the spool's life
        self._end = 0

    def add(self, data: bytes) -> tuple[int, int]:
        self._file.seek(self._end)
        self._file.write(data)
        where = (self._end, len(data))
        self._end += len(data)
        return where

    def read(self, where: tuple[int, int]) -> bytes:
        self._file.seek(where[0])
        return self._file.read(where[1])

    def close(self) -> None:
        self._file.close()


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.mediabox
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def _manifest(loaded: LoadedClinic, schedule: Schedule, result: BatchResult, day: DayRecord, run: dict,
              earlier: list[str]) -> str:
    """This run's rows, every run of the day, and every packet now in the folder."""
    packets = [day.packets.get(name, {"file": name}) for name in earlier]
    packets += [dict(asdict(r), schedule=schedule.path.name, run=result.run) for r in result.rows if r.status == "written"]
    data = {
        "tool": "packets",
        "tool_version": __version__,
        "content_version": content_version(),
        "clinic": loaded.clinic.id,
        "date": schedule.day.isoformat(),
        "schedule": schedule.path.name,
        "created": run["started"],
        "written": result.written,
        "failed": result.failed,
        "skipped": dict(sorted(schedule.skipped.items())),  # cancelled, other-day, other-location, ...
        "print_run": {"file": PRINT_RUN, "blank_pages": result.blank_pages, "holds": run["print_run"]} if result.print_run else None,
        **({"print_run_error": result.print_run_error} if result.print_run_error else {}),
        "rows": [asdict(r) for r in result.rows],
        "runs": [*day.runs, run],
        "packets": sorted(packets, key=lambda p: p["file"]),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
