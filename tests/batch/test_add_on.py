"""A second schedule for the same day adds to it: earlier packets stay unless --replace."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import PACKETS
from pdfcheck import Pdf

HEADER = "Patient Name,Time,Treatment\n"


def _batch(work: Path, schedule: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(work / schedule), "--date",
                           "2026-11-21", "--out", str(work / "out"), "--jobs", "2", *extra],
                          capture_output=True, text=True, timeout=600)


def test_add_on_keeps_the_day_and_replace_removes_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text(HEADER + "Alice Able,9:00,iv-ketamine\nBob Baker,9:30,iv-ketamine\nCarl Cole,10:00,iv-ketamine\n")
    (tmp_path / "walk-in.csv").write_text(HEADER + "Zed,11:00,iv-ketamine\n")  # one letter of initials
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    first = _batch(tmp_path, "day.csv")
    assert first.returncode == 0, first.stderr
    # progress lines come in schedule order, each naming its row
    rows = [line.split()[1] for line in first.stderr.splitlines() if line.startswith("row ")]
    assert rows == ["2", "3", "4"]

    second = _batch(tmp_path, "walk-in.csv")
    assert second.returncode == 0, second.stderr
    day = ["0900-row02-AA.pdf", "0930-row03-BB.pdf", "1000-row04-CC.pdf"]
    walk_in = "1100-add1-row02-Z.pdf"
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted([*day, walk_in, "print-run.pdf"])
    assert "kept 3 packet(s) from earlier runs" in second.stderr and "removed" not in second.stderr
    # this run's print run holds this run's packet only
    run = Pdf((folder / "print-run.pdf").read_bytes())
    assert len(run.page_texts()) == 4 and "Zed" in run.text() and "Alice" not in run.text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [(r["run"], r["schedule"], r["rows"], r["written"]) for r in manifest["runs"]] == [(1, "day.csv", 3, 3),
                                                                                              (2, "walk-in.csv", 1, 1)]
    assert all(r["started"] for r in manifest["runs"])
    assert sorted(p["file"] for p in manifest["packets"]) == sorted([*day, walk_in])
    assert "Alice" not in json.dumps(manifest) and "Zed" not in json.dumps(manifest)

    whole = _batch(tmp_path, "walk-in.csv", "--whole-day")
    assert whole.returncode == 0
    text = Pdf((folder / "print-run.pdf").read_bytes()).text()
    assert all(name in text for name in ("Alice Able", "Bob Baker", "Carl Cole", "Zed"))

    replaced = _batch(tmp_path, "walk-in.csv", "--replace")
    assert replaced.returncode == 0
    assert "--replace: removed 3 packet(s)" in replaced.stderr
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted([walk_in, "print-run.pdf"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["runs"]) == 4 and manifest["runs"][-1]["removed"] == 3
    assert [p["file"] for p in manifest["packets"]] == [walk_in]


def test_rerunning_the_same_schedule_rewrites_its_own_packets(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text(HEADER + "Alice Able,9:00,iv-ketamine\nBob Baker,9:30,iv-ketamine\n")
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    assert _batch(tmp_path, "day.csv").returncode == 0
    assert _batch(tmp_path, "day.csv").returncode == 0
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["0900-row02-AA.pdf", "0930-row03-BB.pdf", "print-run.pdf"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [r["schedule"] for r in manifest["runs"]] == ["day.csv", "day.csv"]
    assert len(manifest["packets"]) == 2
