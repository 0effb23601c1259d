"""Benchmark: the front-desk station's one-patient packet against Typst, in one run.

    pip install -e ".[bench]" && python bench/station.py

Measures the work behind the station's "Make the packet" button for a patient of a
group the station has already seen (same clinic, treatment and day): the visit
checks, a warm renderer's fast path, writing the PDF and the database rows. HTTP
parsing is not included. Typst compiles a comparable 4-page document in the same
process and run, in turns with our packets (bench/typst_yardstick.py). The ratio is of CPU time (every thread),
which other processes on the machine do not inflate; wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typst_yardstick import Yardstick

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20)
    args = parser.parse_args()

    from packets.web.app import Settings, Station
    from packets.web.store import Store
    from packets.web.walk_in import _render_walk_in
    from packets.web.work import Renderers

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data=Path(folder) / "data", clinics=ROOT / "clinics")
        station = Station(settings, Store(settings.data), Renderers(size=1))
        values = {"clinic": "sunrise-iv", "treatment": "iv-ketamine", "date": date.today().isoformat(), "time": "14:30",
                  "dob": "", "mrn": "A-1", "escort": "", "next": "", "provider": "", "session": "", "language": "en",
                  "large_print": ""}
        start = time.perf_counter()
        first = _render_walk_in(station, "sunrise-iv", values | {"name": "First Patient"}, "bench")
        cold = (time.perf_counter() - start) * 1000
        pdf = Path(station.store.row(first)["file"]).read_bytes()
        # In turns with Typst: the machine's speed drifts over seconds, so each round times
        # a few patients, then three compiles, and the ratio is the median of the rounds'.
        yardstick = Yardstick(pdf, Path(folder))
        cpu, wall, typst_cpu, typst_wall, ratios = [], [], [], [], []
        for n in range(args.patients):
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            _render_walk_in(station, "sunrise-iv", values | {"name": f"Patient Number{n} Example"}, "bench")
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start_wall) * 1000)
            if n % 4 == 3:
                times = [yardstick.compile() for _ in range(3)]
                typst_cpu.append(statistics.median(t[0] for t in times))
                typst_wall.append(statistics.median(t[1] for t in times))
                ratios.append(statistics.median(cpu[-4:]) / typst_cpu[-1])
        pages = yardstick.pages
        station.store.close()
    warm_cpu, warm_wall = statistics.median(cpu), statistics.median(wall)
    typst_cpu, typst_wall = statistics.median(typst_cpu), statistics.median(typst_wall)
    print(f"{'path':44} {'CPU ms':>8} {'wall ms':>8}")
    print(f"{'station, first patient of a group (cold)':44} {'':>8} {cold:8.0f}")
    print(f"{'station, next patient of the group (warm)':44} {warm_cpu:8.1f} {warm_wall:8.1f}")
    print(f"{'Typst, comparable ' + str(pages) + '-page document (warm)':44} {typst_cpu:8.1f} {typst_wall:8.1f}")
    print(f"station warm / Typst = {statistics.median(ratios):.2f}x CPU, median of {len(ratios)} rounds (target: at most 3x); "
          f"{warm_wall / typst_wall:.2f}x wall; "
          f"{args.patients} patients, load average {os.getloadavg()[0]:.1f}, {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
