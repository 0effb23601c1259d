"""`packets batch --schedule FILE` on each format's export, unchanged: the right packets, the rest reported."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import PACKETS
from pdfcheck import Pdf
from schedule_clinics import DATA, clinic_with_schedule

CASES = {
    # name: (file, run date, packets written, failed rows, skipped summary, one packet and a line it must print)
    "fhir": ("fhir-bundle.json", "2026-11-21",
             ["0930-row08-JQ.pdf", "1015-row09-AMR.pdf", "1100-row11-TB.pdf", "1345-row12-SD.pdf", "0800-row17-MO.pdf"], [13, 16],
             "skipped 2 cancelled or no-show, 1 on another day",
             ("0930-row08-JQ.pdf",
              "No driving or machines for 24 hours (until about 10:30 AM, Sunday, Nov 22).")),  # 17:30Z is 9:30 in Portland
    "hl7": ("siu-s12.hl7", "2026-11-21", ["0930-row01-JQ.pdf", "1015-row02-AMR.pdf", "1400-row05-TB.pdf"], [3, 6],
            "skipped 1 cancelled or no-show", ("1400-row05-TB.pdf", "Tom Baker")),
    "simplepractice": ("simplepractice.csv", "2026-11-23", ["0930-row02-JQ.pdf", "1400-row03-TB.pdf", "1200-row10-ZB.pdf"],
                       [4, 5], "skipped 2 cancelled or no-show, 1 on another day, 1 not a treatment",
                       ("0930-row02-JQ.pdf", "No driving or machines for 24 hours (until about 10:30 AM, Tuesday, Nov 24).")),
    "dmy": ("semicolon-dmy.csv", "2026-06-05", ["0930-row02-EV.pdf", "1100-row03-LJ.pdf", "1430-row07-AM.pdf"], [4, 6],
            "skipped 1 on another day", ("1430-row07-AM.pdf", "Anna Müller")),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def run(request, tmp_path_factory):
    name = request.param
    work = tmp_path_factory.mktemp(name)
    file, day, *_ = CASES[name]
    config = clinic_with_schedule(work, name)
    done = subprocess.run(
        [*PACKETS, "batch", "--clinic", str(config), "--schedule", str(DATA / file), "--date", day,
         "--out", str(work / "out"), "--jobs", "1"],
        capture_output=True, text=True, timeout=600,
    )
    clinic_id = config.parent.name
    return name, work / "out" / clinic_id / day, done


def test_batch_writes_the_packets_and_reports_the_rest(run) -> None:
    name, folder, done = run
    _, _, written, failed, skipped, (packet, line) = CASES[name]
    assert done.returncode == 1, done.stderr
    assert f"{len(written)} packets written, {len(failed)} rows failed; {skipped}" in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted([*written, "manifest.json", "print-run.pdf"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(r["row"] for r in manifest["rows"] if r["status"] == "failed") == failed
    assert sum(manifest["skipped"].values()) == sum(int(w) for w in skipped.split() if w.isdigit())
    assert line in Pdf((folder / packet).read_bytes()).text()
    unit = {"fhir": "entry", "hl7": "message"}.get(name, "row")
    for number in failed:
        assert f"{unit} {number} (" in done.stderr and "FAILED" in done.stderr
    said = done.stdout + done.stderr + (folder / "manifest.json").read_text()
    for secret in ("Quill", "Ruiz", "Baker", "Okafor", "Visser", "Rossi", "Bakker", "A-1001", "1980-05-01", "05/01/1980"):
        assert secret not in said
