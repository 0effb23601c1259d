"""Benchmark of the fast path, in one run (the machine is noisy: compare ratios, not times).

    python bench/fastpath.py                       # everything (long: 2,000-row batches)
    python bench/fastpath.py --rows 50 500 --pixel-rows 8

Prints:
  1. per-packet CPU ms of a warm renderer (fast path, bases built) and its ratio to
     Typst compiling a comparable 4-page document (bench/typst_yardstick.py), timed in turns;
  2. cold `packets render` wall time against the floor `python -c "import weasyprint"`,
     with an empty base cache and with the group's bases already on disk;
  3. batch packets/s for each --rows with --jobs 1 and 2, parent and worker peak MB;
  4. fast-vs-whole differing pixels at 100 dpi over a schedule whose rows vary in
     which optional fields they carry (bench/batch.py's schedule).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from batch import CLINIC, DAY, make_schedule  # noqa: E402


def per_packet_cpu(rows: int = 30, rounds: int = 5) -> dict:
    """Per-packet CPU ms of a warm renderer (its bases built) against Typst, interleaved.

    The machine's speed drifts over seconds (page-cache eviction, other tenants), so the
    two are timed in turns: each round renders every row once, then compiles the
    comparable document three times. The ratio reported is the median of the rounds'.
    """
    from packets.config.loading import load_clinic
    from packets.render.packet import render_packet_layers
    from packets.render.renderer import Renderer
    from packets.visits.schedule import read_schedule

    from typst_yardstick import Yardstick

    loaded = load_clinic(CLINIC)
    with tempfile.TemporaryDirectory() as tmp:
        schedule = Path(tmp) / "day.csv"
        make_schedule(schedule, rows)
        visits = [r.visit for r in read_schedule(schedule, loaded, DAY).rows if r.visit is not None]
        renderer = Renderer()
        pdf = b""
        for visit in visits:  # warm: every shape's base laid out
            pdf, _ = render_packet_layers(loaded, visit, renderer=renderer)
        yardstick = Yardstick(pdf, Path(tmp))
        ours, theirs, ratios, fast = [], [], [], 0
        for _ in range(rounds):
            start = time.process_time()
            for visit in visits:
                pdf, layers = render_packet_layers(loaded, visit, renderer=renderer)
                fast += layers is not None
            ours.append((time.process_time() - start) * 1000 / len(visits))
            theirs.append(statistics.median(yardstick.compile()[0] for _ in range(3)))
            ratios.append(ours[-1] / theirs[-1])
        pages = yardstick.pages
    print(f"  {fast} of {len(visits) * rounds} packets by the fast path")
    return {"ours": statistics.median(ours), "typst": statistics.median(theirs), "pages": pages,
            "ratio": statistics.median(ratios), "ratios": ratios}


RENDER = ["render", "--clinics", str(ROOT / "clinics"), "--clinic", CLINIC, "--name", "Ana Lima",
          "--treatment", "iv-ketamine", "--date", DAY.isoformat(), "--time", "9:30"]


def cold_render(runs: int = 3) -> dict[str, float]:
    """Wall seconds (best of ``runs``) of `python -c "import weasyprint"` (the floor) and of one
    `packets render` in a fresh process: with an empty base cache, and with the group's bases
    already on disk (laid out by a one-row `packets batch` for the same patient, as a batch or
    the station leaves them in output/<clinic>/.bases).
    """
    cpu: dict[str, float] = {}
    # Bytecode as an installed tool has it: Python writes it on first run, except where
    # PYTHONDONTWRITEBYTECODE is set (this machine sets it), and then every run compiles
    # our modules from source again (about 60 ms). Every command here, the floor too,
    # reads and writes bytecode in one folder of this run's; the warm-up below fills it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    pycache = tempfile.TemporaryDirectory()
    env["PYTHONPYCACHEPREFIX"] = pycache.name

    def wall(cmd: list[str], cwd: Path, case: str = "") -> float:
        """Wall seconds; the child's CPU seconds (steadier on a busy machine) go to ``cpu[case]`` (best run)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd, env=env)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        cpu[case] = min(cpu.get(case, used), used)
        return seconds

    try:
        packets = [sys.executable, "-m", "packets"]
        with tempfile.TemporaryDirectory() as tmp:  # warm-up, not timed: bytecode for every module both sides import
            wall([sys.executable, "-c", "import weasyprint"], ROOT)
            wall([*packets, *RENDER, "--out", str(Path(tmp) / "p.pdf")], Path(tmp))
        # In turns: each round runs the floor, an empty-cache render and a cached render, so
        # the three see the same moment of a machine whose speed drifts over seconds.
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            schedule = work / "one.csv"
            schedule.write_text("Patient Name,Time,Treatment\nAna Lima,9:30,iv-ketamine\n", encoding="utf-8")
            subprocess.run([*packets, "batch", "--clinics", str(ROOT / "clinics"), "--clinic", CLINIC, "--schedule", str(schedule),
                            "--date", DAY.isoformat(), "--out", "output"], check=True, capture_output=True, cwd=work)
            bases = work / "output" / CLINIC / ".bases"
            before = sorted(bases.iterdir())
            rounds: dict[str, list[float]] = {"floor": [], "empty": [], "cached": []}
            for i in range(runs):
                rounds["floor"].append(wall([sys.executable, "-c", "import weasyprint"], ROOT, "floor"))
                with tempfile.TemporaryDirectory() as fresh:  # its own ./output: no bases
                    rounds["empty"].append(wall([*packets, *RENDER, "--out", str(Path(fresh) / "p.pdf")], Path(fresh), "empty"))
                    assert not (Path(fresh) / "output").exists(), "a one-off render laid out bases"
                rounds["cached"].append(wall([*packets, *RENDER, "--out", str(work / f"p{i}.pdf")], work, "cached"))
            assert sorted(bases.iterdir()) == before, "the cached render laid out a base"
        times: dict[str, float] = {case: min(seconds) for case, seconds in rounds.items()}
        times["bases"] = len(before)
        times.update({f"{case}_cpu": seconds for case, seconds in cpu.items()})
    finally:
        pycache.cleanup()
    return times


def inner_batch(schedule: Path, out: Path, jobs: int) -> dict:
    from packets.batch.run import run_batch
    from packets.config.loading import load_clinic
    from packets.visits.schedule import read_schedule

    start = time.perf_counter()
    loaded = load_clinic(CLINIC)
    result = run_batch(loaded, read_schedule(schedule, loaded, DAY), out, jobs)
    return {"packets": result.written, "failed": result.failed, "seconds": time.perf_counter() - start,
            "parent_mb": _peak_mb(), "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _peak_mb() -> float:
    """This process's peak RSS since it started running Python (VmHWM).

    Not ru_maxrss: that also counts the forked copy of the process that started it,
    before exec, so a bench process that had rendered for section 1 set a floor under
    every batch's figure.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def batch(rows: int, jobs: int, work: Path) -> dict:
    schedule = work / f"schedule-{rows}.csv"
    make_schedule(schedule, rows)
    out = work / f"out-{rows}-{jobs}"
    out.mkdir()
    done = subprocess.run([sys.executable, __file__, "--inner", str(schedule), str(out), str(jobs)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pixel_difference(rows: int) -> tuple[int, int, int]:
    """(rows compared, rows by the fast path, differing pixels in all) at 100 dpi."""
    import pypdfium2
    from PIL import ImageChops

    from packets.config.loading import load_clinic
    from packets.render.packet import render_packet_layers
    from packets.render.renderer import Renderer
    from packets.visits.schedule import read_schedule

    def pixels(pdf: bytes) -> list:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return [page.render(scale=100 / 72).to_pil().convert("RGB") for page in document]
        finally:
            document.close()

    loaded = load_clinic(CLINIC)
    with tempfile.TemporaryDirectory() as tmp:
        schedule = Path(tmp) / "day.csv"
        make_schedule(schedule, rows)
        visits = [r.visit for r in read_schedule(schedule, loaded, DAY).rows if r.visit is not None]
    renderer, fast, differing = Renderer(), 0, 0
    for visit in visits:
        quick, layers = render_packet_layers(loaded, visit, renderer=renderer)
        fast += layers is not None
        whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
        a, b = pixels(quick), pixels(whole)
        if len(a) != len(b):
            differing += 10**9
            continue
        differing += sum(ImageChops.difference(x, y).convert("L").point(lambda v: 255 if v else 0).histogram()[255]
                         for x, y in zip(a, b))
    return len(visits), fast, differing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[50, 500, 2000])
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--pixel-rows", type=int, default=12)
    parser.add_argument("--only", choices=["cpu", "cold", "batch", "pixels"], nargs="*", help="run only these parts")
    parser.add_argument("--inner", nargs=3, metavar=("SCHEDULE", "OUT", "JOBS"))
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner_batch(Path(args.inner[0]), Path(args.inner[1]), int(args.inner[2]))))
        return

    parts = set(args.only or ["cpu", "cold", "batch", "pixels"])
    if "cpu" in parts:
        print("1. per packet (warm renderer, CPU; in turns with Typst)")
        cpu = per_packet_cpu()
        print(f"  packets {cpu['ours']:.0f} ms CPU; Typst {cpu['typst']:.0f} ms ({cpu['pages']} pages); "
              f"ratio {cpu['ratio']:.1f}x (median of rounds: {', '.join(f'{r:.2f}' for r in cpu['ratios'])})")
    if "cold" in parts:
        print("2. cold single render (fresh process, best of 3)")
        cold = cold_render()
        print(f"  import weasyprint (floor) {cold['floor']:.2f} s wall, {cold['floor_cpu']:.2f} s CPU")
        for case, label in (("empty", "empty base cache (renders whole)"), ("cached", f"group's bases on disk ({cold['bases']} files)")):
            print(f"  packets render, {label}: {cold[case]:.2f} s wall, ratio {cold[case] / cold['floor']:.2f}x; "
                  f"{cold[case + '_cpu']:.2f} s CPU, ratio {cold[case + '_cpu'] / cold['floor_cpu']:.2f}x")
    if "batch" in parts:
        print("3. batch (each in a fresh process)")
        with tempfile.TemporaryDirectory() as tmp:
            for rows in args.rows:
                for jobs in args.jobs:
                    r = batch(rows, jobs, Path(tmp))
                    workers = f"worker {r['worker_mb']:.0f}" if jobs > 1 else "no workers"
                    print(f"  {rows:>5} rows --jobs {jobs}: {r['packets'] / r['seconds']:.1f} packets/s "
                          f"({r['failed']} failed); peak MB parent {r['parent_mb']:.0f}, {workers}")
    if "pixels" in parts:
        print("4. fast vs whole")
        compared, fast, differing = pixel_difference(args.pixel_rows)
        print(f"  {compared} rows, {fast} by the fast path: {differing} differing pixels at 100 dpi")

if __name__ == "__main__":
    main()
