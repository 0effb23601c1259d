"""The worker pool: bases first, spread over the workers, then rows in a small window.

The parent forks workers with a Worker already loaded when it may (a single-threaded
CLI), else starts them fresh; it keeps only a few rows per worker in flight, so its
memory does not grow with the day, and terminates every worker on any way out.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import cast

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
    with tempfile.TemporaryDirectory(prefix="packets-workers-") as scratch:
        yield from _render_in_pool(loaded, rows, cache, jobs, bases, Path(scratch))


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
        firsts: dict[tuple, Visit] = {}
        keys: dict[int, tuple] = {}
        for row in rows:
            try:
                visit = visit_of(row)
                keys[row.number] = group_key(loaded, visit, visit.language or loaded.clinic.language)
            except Exception:  # this row renders whole in a worker and reports its own error
                continue
            firsts.setdefault(keys[row.number], visit)  # large print too: its group key says so
        bases.update(executor.map(build_group_base, firsts.items()))
        waiting = iter(rows)

        def submit_next() -> None:
            """Keep a few rows per worker queued: the parent holds a window of tasks, not the whole day."""
            if (row := next(waiting, None)) is not None:
                futures[executor.submit(render_row, Task(row.number, visit_of(row), _base_for(keys.get(row.number), bases)))] = row

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


def _result(future: Future, row: Row) -> Outcome:
    """A finished row's outcome; a result that cannot come back (e.g. not picklable) fails that row only."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        return Outcome(row.number, error=unexpected(exc, "returning the packet from a worker"))
