"""Benchmark: the front-desk station's one-patient packet, warmed and not, against Typst, in one run.

    pip install -e ".[bench]" && python bench/station.py

Measures the work behind the station's "Make the packet" button (the visit checks, a
renderer's packet, writing the PDF and the database rows; HTTP parsing is not
included) for one clinic (sunrise-iv: two treatments, English and Spanish):

- the first patient of each group after the station has warmed (``web/warming.py``),
- the next patients of a group,
- a walk-in whose group was not warmed (large print, which warming leaves out unless
  the clinic asks): still correct, slower.

Typst compiles a comparable 4-page document in the same process, in turns with our
packets (bench/typst_yardstick.py). Ratios are of CPU time (every thread of this
process), which other processes on the machine do not inflate; wall time is beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typst_yardstick import Yardstick

ROOT = Path(__file__).resolve().parent.parent
CLINIC = "sunrise-iv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20)
    args = parser.parse_args()

    from packets.web.station import Settings, Station
    from packets.web.store import Store
    from packets.web.walk_in import _render_walk_in
    from packets.web.warming import Warmer
    from packets.web.work import Renderers

    with tempfile.TemporaryDirectory() as folder:
        clinics = Path(folder) / "clinics"
        shutil.copytree(ROOT / "clinics" / CLINIC, clinics / CLINIC)
        os.environ.pop("PACKETS_CLINICS", None)
        os.chdir(folder)  # ./clinics: this clinic only
        data = Path(folder) / "data"
        station = Station(Settings(data=data, clinics=clinics, jobs=1), Store(data), Renderers(size=1, cache=data / "bases"))
        warmer = Warmer(clinics, data / "bases", station.renderers, station.clinic)
        started = time.perf_counter()
        warmer.start()
        while not warmer.status.finished:
            time.sleep(0.2)
        warm_seconds = time.perf_counter() - started
        warmer.stop()

        base = {"clinic": CLINIC, "date": date.today().isoformat(), "dob": "", "mrn": "", "escort": "", "next": "",
                "provider": "", "session": "", "large_print": "", "language": "en", "treatment": "iv-ketamine"}

        def timed(values: dict[str, str], n: int) -> tuple[float, float, str]:
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            token = _render_walk_in(station, CLINIC, base | values | {"name": f"Patient Number{n} Example"}, "bench")
            return (time.process_time() - start_cpu) * 1000, (time.perf_counter() - start_wall) * 1000, token

        # The first patient of each warmed group (each treatment x language, both shapes), at times
        # of day warming did not use, then the next patients of one group, then unwarmed large print.
        firsts = [{"treatment": t, "language": lang, "time": at} | extra
                  for t in ("iv-ketamine", "im-ketamine") for lang in ("en", "es")
                  for at, extra in (("08:10", {}), ("15:20", {"dob": "1970-02-03", "mrn": "A-1"}))]
        nexts = [{"time": f"{9 + n % 8}:{(n * 7) % 60:02d}"} for n in range(args.patients)]
        cold = [{"treatment": t, "language": lang, "time": "11:35", "large_print": "yes"}
                for t in ("iv-ketamine", "im-ketamine") for lang in ("en", "es")]
        cpu: dict[str, list[float]] = {"first": [], "next": [], "cold": []}
        wall: dict[str, list[float]] = {"first": [], "next": [], "cold": []}
        typst_cpu: list[float] = []
        typst_wall: list[float] = []
        yardstick = None
        n = 0
        for kind, cases in (("first", firsts), ("next", nexts), ("cold", cold)):
            for values in cases:
                c, w, token = timed(values, n)
                n += 1
                cpu[kind].append(c)
                wall[kind].append(w)
                if yardstick is None:
                    yardstick = Yardstick(Path(station.store.row(token)["file"]).read_bytes(), Path(folder))
                times = [yardstick.compile() for _ in range(3)]  # in turns: the machine's speed drifts over seconds
                typst_cpu.append(statistics.median(t[0] for t in times))
                typst_wall.append(statistics.median(t[1] for t in times))
        with station.renderers.one(station.clinic(CLINIC)) as renderer:
            laid_out = renderer.bases_laid_out
        assert yardstick is not None
        pages = yardstick.pages
        station.close()

    t_cpu, t_wall = statistics.median(typst_cpu), statistics.median(typst_wall)
    med = {k: (statistics.median(cpu[k]), statistics.median(wall[k])) for k in cpu}
    print(f"warming {CLINIC}: {warmer.status.done} kinds of packet in {warm_seconds:.1f} s (one background process, nice 19)")
    print(f"{'path':52} {'CPU ms':>8} {'wall ms':>8} {'n':>4}")
    rows = [("first patient of a warmed group", "first"), ("next patient of the group", "next"),
            ("walk-in of an unwarmed group (large print)", "cold")]
    for label, kind in rows:
        print(f"{'station, ' + label:52} {med[kind][0]:8.1f} {med[kind][1]:8.1f} {len(cpu[kind]):>4}")
    print(f"{'Typst, comparable ' + str(pages) + '-page document (warm)':52} {t_cpu:8.1f} {t_wall:8.1f} {len(typst_cpu):>4}")
    print(f"first warmed / next = {med['first'][0] / med['next'][0]:.2f}x CPU (target: at most 3x); worst first patient "
          f"{max(cpu['first']):.0f} ms CPU")
    print(f"next / Typst = {med['next'][0] / t_cpu:.2f}x CPU (target: at most 3x); "
          f"unwarmed walk-in / next = {med['cold'][0] / med['next'][0]:.1f}x CPU")
    print(f"bases the station's renderer laid out itself: {laid_out} (the unwarmed large-print groups only); "
          f"load average {os.getloadavg()[0]:.1f}, {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
