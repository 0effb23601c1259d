"""The worker pool: bases first, spread over the workers, then rows in a small window.

The parent forks workers with a Worker already loaded when it may (a single-threaded
CLI), else starts them fresh; it keeps only a few rows per worker in flight, so its
memory does not grow with the day, and terminates every worker on any way out.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import cast

from packets import tempdirs
from packets.batch.day import visit_of
from packets.batch.stopping import BatchInterrupted
from packets.batch.worker import Outcome, Task, Worker, build_group_base, init_worker, render_row, unexpected
from packets.config.loading import LoadedClinic
from packets.render.base import Base, group_key
from packets.visits.model import Visit
from packets.visits.schedule import Row


def render_all(loaded: LoadedClinic, rows: list[Row], cache: Path, jobs: int,
                bases: dict[tuple, Base]) -> Generator[Outcome, None, None]:
    """Yield each row's outcome in the order they finish; fill ``bases`` as they are built (``cache``: bases on disk).

    Phase 1 builds each group's base once, spread over the workers; phase 2 sends
    each row with its group's base, so no worker lays out shared pages again.
    """
    if jobs <= 1 or len(rows) <= 1:
        worker = Worker(loaded, cache)
        try:
            for row in rows:
                yield render_row(Task(row.number, visit_of(row), None), worker)
            bases.update(cast("list[tuple[tuple, Base]]", worker.renderer.bases.items()))
        finally:
            worker.close()
        return
    scratch = tempdirs.make("packets-workers-")  # a SIGKILLed run's folder goes on the next run
    try:
        yield from _render_in_pool(loaded, rows, cache, jobs, bases, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _render_in_pool(loaded: LoadedClinic, rows: list[Row], cache: Path, jobs: int,
                    bases: dict[tuple, Base], scratch: Path) -> Iterator[Outcome]:
    """``render_all`` with worker processes; what they leave in ``scratch`` goes with it."""
    fork = _can_fork()
    seed = Worker(loaded, cache) if fork else None  # forked workers start from it, fonts loaded
    executor = ProcessPoolExecutor(
        max_workers=min(jobs, len(rows)), mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
        initializer=init_worker, initargs=(seed or (str(loaded.path), cache, scratch), os.getpid()),
    )
    futures: dict[Future, Row] = {}
    done = 0
    try:
        keys, firsts = _groups(loaded, rows)
        # Every group's base at once, spread over the workers; a group's rows are sent as
        # soon as its base is back, while other groups' bases are still being laid out.
        base_jobs = {executor.submit(build_group_base, item): item[0] for item in firsts.items()}
        held: dict[tuple, list[Row]] = {key: [] for key in firsts}
        ready: deque[Row] = deque()
        for row in rows:
            (held[keys[row.number]] if row.number in keys else ready).append(row)
        window = IN_FLIGHT_PER_WORKER * jobs  # the parent holds a few rows per worker, not the whole day

        while futures or base_jobs or ready:
            while ready and len(futures) < window:
                row = ready.popleft()
                futures[executor.submit(render_row, Task(row.number, visit_of(row), _base_for(keys.get(row.number), bases)))] = row
            finished, _ = wait([*futures, *base_jobs], return_when=FIRST_COMPLETED)
            for job in [f for f in finished if f in base_jobs]:
                key = base_jobs.pop(job)
                bases[key] = _base_result(job)
                ready.extend(held.pop(key))
            for future in sorted((f for f in finished if f in futures), key=lambda f: futures[f].number):
                outcome = _result(future, futures.pop(future))
                done += 1
                yield outcome
            finished.clear()  # the parent keeps no packet once it is written
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


def _groups(loaded: LoadedClinic, rows: list[Row]) -> tuple[dict[int, tuple], dict[tuple, Visit]]:
    """Each row's group key, and each group's first visit (its base is laid out from it)."""
    firsts: dict[tuple, Visit] = {}
    keys: dict[int, tuple] = {}
    for row in rows:
        try:
            visit = visit_of(row)
            keys[row.number] = group_key(loaded, visit, visit.language or loaded.clinic.language)
        except Exception:  # this row renders whole in a worker and reports its own error
            continue
        firsts.setdefault(keys[row.number], visit)  # large print too: its group key says so
    return keys, firsts


def _base_result(job: Future) -> Base:
    """A group's base as the worker sent it; a base that cannot come back means its rows render whole."""
    try:
        return job.result()[1]
    except BrokenProcessPool:
        raise
    except Exception as exc:
        return Base(None, reason=unexpected(exc, "returning shared pages from a worker"))


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


def _result(future: Future, row: Row) -> Outcome:
    """A finished row's outcome; a result that cannot come back (e.g. not picklable) fails that row only."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        return Outcome(row.number, error=unexpected(exc, "returning the packet from a worker"))
