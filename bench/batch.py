"""Benchmark: `packets batch` against a naive whole render of each packet, in one run.

    python bench/batch.py            # 50 rows both ways, then 500 rows batch only
    python bench/batch.py --rows 50 --skip-large

Each path runs in a fresh Python process so start-up, memory and caches are its own.
Prints packets per second, the median time per packet, and peak memory (largest
worker and the parent). The machine is noisy: compare figures from the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLINIC = "sunrise-iv"
DAY = date(2026, 11, 23)
FIRST = ["Ana", "Ben", "Chloé", "Dũng", "Erin", "Farah", "Gus", "Hana", "Ivan", "June"]
LAST = ["Lima", "Okafor", "Nguyễn", "Smith", "Kowalski", "Haddad", "Moreau", "Tanaka", "Ortiz"]


def make_schedule(path: Path, rows: int) -> None:
    """A realistic day: two treatments, every optional column used by some rows."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Patient Name", "Time", "Treatment", "Date of Birth", "MRN", "Session Number", "Escort Name", "Next Appointment"])
        for i in range(rows):
            minutes = 7 * 60 + (i * 7) % (12 * 60)
            out.writerow([
                f"{FIRST[i % len(FIRST)]} {LAST[(i // 3) % len(LAST)]}",
                f"{minutes // 60}:{minutes % 60:02d}",
                "iv-ketamine" if i % 3 else "im-ketamine",
                f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
                f"M-{10000 + i}",
                str(1 + i % 6),
                "Sam Lee" if i % 2 else "",
                f"2026-11-2{5 + i % 3} 10:00" if i % 4 else "",
            ])


def inner_batch(schedule: Path, out: Path) -> dict:
    from packets.batch.run import default_jobs, run_batch
    from packets.config.loading import load_clinic
    from packets.visits.schedule import read_schedule

    stamps: list[float] = []
    start = time.perf_counter()
    loaded = load_clinic(CLINIC)
    result = run_batch(loaded, read_schedule(schedule, loaded, DAY), out, default_jobs(), lambda r: stamps.append(time.perf_counter()))
    total = time.perf_counter() - start
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    tenth = max(1, len(gaps) // 10)
    return {
        "packets": result.written, "failed": result.failed, "seconds": total,
        "median_gap": statistics.median(gaps), "first_tenth_gap": statistics.mean(gaps[:tenth]),
        "last_tenth_gap": statistics.mean(gaps[-tenth:]), "jobs": default_jobs(),
        "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def inner_naive(schedule: Path, out: Path) -> dict:
    """Every packet laid out whole, one after another: what `packets render` does per patient."""
    from packets.config.loading import load_clinic
    from packets.files import write_atomic
    from packets.render.packet import render_packet
    from packets.visits.schedule import read_schedule

    start = time.perf_counter()
    loaded = load_clinic(CLINIC)
    rows = read_schedule(schedule, loaded, DAY).rows
    times = []
    for row in rows:
        t0 = time.perf_counter()
        write_atomic(out / f"naive-{row.number}.pdf", render_packet(loaded, row.visit, fast=False))
        times.append(time.perf_counter() - t0)
    return {
        "packets": len(rows), "failed": 0, "seconds": time.perf_counter() - start, "median_gap": statistics.median(times),
        "jobs": 1, "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_worker_mb": 0.0,
    }


def run(kind: str, rows: int, work: Path) -> dict:
    schedule = work / f"schedule-{rows}.csv"
    make_schedule(schedule, rows)
    out = work / f"out-{kind}-{rows}"
    out.mkdir()
    cmd = [sys.executable, __file__, "--inner", kind, str(schedule), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_wall(rows: int, work: Path, run: int = 0) -> float:
    """The command a front desk types (``--jobs 2``), start-up included, into a new folder (no bases on disk)."""
    schedule = work / f"schedule-{rows}.csv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "packets", "batch", "--clinic", CLINIC, "--schedule", str(schedule),
                    "--date", DAY.isoformat(), "--jobs", "2", "--out", str(work / f"out-cli-{run}")],
                   capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - start


def typst_turns(work: Path, rows: int, turns: int = 3) -> tuple[list[float], list[float]]:
    """The CLI day and Typst, in turns (the machine's speed drifts): wall seconds per CLI run, Typst warm compile ms."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from typst_yardstick import Yardstick

    walls, typst = [], []
    yardstick = None
    for turn in range(turns):
        walls.append(cli_wall(rows, work, turn))
        if yardstick is None:
            yardstick = Yardstick(next((work / "out-cli-0").rglob("*-row*.pdf")).read_bytes(), work)
        typst += [yardstick.compile()[1] for _ in range(5)]
    return walls, typst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--large", type=int, default=500)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--inner", nargs=3, metavar=("KIND", "SCHEDULE", "OUT"))
    args = parser.parse_args()
    if args.inner:
        kind, schedule, out = args.inner
        print(json.dumps((inner_batch if kind == "batch" else inner_naive)(Path(schedule), Path(out))))
        return

    print(f"machine: {os.cpu_count()} CPUs; clinic {CLINIC}; {args.rows} rows")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        batch = run("batch", args.rows, work)
        naive = run("naive", args.rows, work)
        walls, typst = typst_turns(work, args.rows)
        wall = statistics.median(walls)
        print(f"{'path':<26}{'packets/s':>10}{'median ms/packet':>18}{'peak MB worker':>16}{'peak MB parent':>16}")
        for name, r in (("(a) packets batch", batch), ("(b) naive whole renders", naive)):
            pps = r["packets"] / r["seconds"]
            print(f"{name:<26}{pps:>10.1f}{r['median_gap'] * 1000:>18.0f}{r['rss_worker_mb']:>16.0f}{r['rss_parent_mb']:>16.0f}")
        speedup = (naive["seconds"] / naive["packets"]) / (batch["seconds"] / batch["packets"])
        print(f"batch is {speedup:.1f}x faster per packet ({batch['jobs']} workers); "
              f"`packets batch --jobs 2` command incl. start-up: {args.rows / wall:.1f} packets/s ({wall:.1f} s, median of "
              f"{len(walls)}: {', '.join(f'{w:.1f}' for w in walls)})")
        per_packet = wall / args.rows * 1000
        print(f"per packet incl. start-up {per_packet:.0f} ms wall vs Typst warm compile {statistics.median(typst):.0f} ms wall "
              f"(median of {len(typst)}, in turns): {per_packet / statistics.median(typst):.2f}x (target: at most 3x)")
        if not args.skip_large:
            big = run("batch", args.large, work)
            print(f"{args.large} rows: {big['packets'] / big['seconds']:.1f} packets/s; interval between packets "
                  f"first 10%: {big['first_tenth_gap'] * 1000:.0f} ms, last 10%: {big['last_tenth_gap'] * 1000:.0f} ms; "
                  f"peak MB worker {big['rss_worker_mb']:.0f}, parent {big['rss_parent_mb']:.0f}")


if __name__ == "__main__":
    main()
