"""Dates typed on the command line are read in the clinic's order, as its schedules are."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import PACKETS
from pdfcheck import Pdf


def _render(clinic: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, "render", "--clinic", str(clinic), "--name", "Jo Ng", "--treatment", "iv-ketamine",
                           "--time", "9:30", "--out", str(out), *args], capture_output=True, text=True)


def test_a_day_first_clinic_reads_render_date_day_first(clinic_copy, tmp_path: Path) -> None:
    config = clinic_copy("sunrise-iv")
    config.write_text(config.read_text().replace("schedule:\n", "schedule:\n  date_order: DMY\n", 1))
    done = _render(config, tmp_path / "p.pdf", "--date", "05/06/2026")
    assert done.returncode == 0, done.stderr
    first = Pdf((tmp_path / "p.pdf").read_bytes()).page_texts()[0]
    assert "Jun 5, 2026" in first and "May 6" not in first


def test_a_us_clinic_reads_render_date_month_first(clinic_copy, tmp_path: Path) -> None:
    done = _render(clinic_copy("sunrise-iv"), tmp_path / "p.pdf", "--date", "12/6/2026")
    assert done.returncode == 0, done.stderr
    assert "Dec 6, 2026" in Pdf((tmp_path / "p.pdf").read_bytes()).page_texts()[0]


def test_an_impossible_typed_date_is_one_line_and_a_dob_is_not_echoed(clinic_copy, tmp_path: Path) -> None:
    config = clinic_copy("sunrise-iv")
    bad = _render(config, tmp_path / "p.pdf", "--date", "13/25/2026")
    assert bad.returncode == 1 and bad.stderr.strip().splitlines() == [
        "error: --date: date '13/25/2026' is not a real date read month first (MDY, from country: US). "
        "Check the month and day."]
    dob = _render(config, tmp_path / "p.pdf", "--date", "12/6/2026", "--dob", "02/30/1980")
    assert dob.returncode == 1 and "02/30" not in dob.stderr and "--dob: not a real date read month first" in dob.stderr
    assert not (tmp_path / "p.pdf").exists()


def _batch(clinic: Path, schedule: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, "batch", "--clinic", str(clinic), "--schedule", str(schedule), "--out", str(out), *args],
                          capture_output=True, text=True)


def test_a_run_that_fails_every_row_writes_nothing_and_the_next_is_the_first(clinic_copy, tmp_path: Path) -> None:
    config, out = clinic_copy("sunrise-iv"), tmp_path / "out"
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,date,time,treatment\nGail Park,12/6/2026,8:30,IV Ketamin\n")
    failed = _batch(config, schedule, out)
    assert failed.returncode == 1
    assert "error: no row could be printed for 2026-12-06 (0 packets written, 1 row failed); nothing was written." in failed.stderr
    assert not out.exists()
    schedule.write_text("patient_name,date,time,treatment\nGail Park,12/6/2026,8:30,iv-ketamine\n")
    done = _batch(config, schedule, out)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (out / "sunrise-iv" / "2026-12-06").glob("*.pdf") if p.name != "print-run.pdf"] == ["0830-row02-GP.pdf"]


def test_a_day_with_no_appointment_exits_1(clinic_copy, tmp_path: Path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,date,time,treatment\nGail Park,12/6/2026,8:30,iv-ketamine\n")
    empty = _batch(clinic_copy("sunrise-iv"), schedule, tmp_path / "out", "--date", "12/7/2026")
    assert empty.returncode == 1
    assert "error: no appointments to print for 2026-12-07 (0 packets written, 0 rows failed; skipped 1 on another day)" in empty.stderr
    assert not (tmp_path / "out").exists()


def test_validate_states_how_dates_are_read(clinic_copy) -> None:
    config = clinic_copy("sunrise-iv")
    us = subprocess.run([*PACKETS, "validate", "--no-render", str(config)], capture_output=True, text=True)
    assert "schedule.date_order: note: dates like 05/06/2026 are read as May 6, 2026 (month first, from country: US)." in us.stderr
    config.write_text(config.read_text().replace("schedule:\n", "schedule:\n  date_order: DMY\n", 1))
    dmy = subprocess.run([*PACKETS, "validate", "--no-render", str(config)], capture_output=True, text=True)
    assert "are read as 5 June 2026 (day first, from schedule.date_order)." in dmy.stderr


def test_print_reads_the_sample_mark_from_the_file_itself(tmp_path: Path) -> None:
    packet = tmp_path / "p.pdf"  # the example clinics have stand-in numbers: every page is marked SAMPLE
    made = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Jo Ng", "--treatment", "iv-ketamine",
                           "--time", "9:30", "--out", str(packet)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    sent = subprocess.run([*PACKETS, "print", str(packet), "--printer", "front-desk"], capture_output=True, text=True)
    assert sent.returncode == 1
    assert sent.stderr.strip().splitlines() == [
        "error: not sent to queue 'front-desk': p.pdf is marked SAMPLE (page 1): it was made from a clinic config with "
        "stand-in phone numbers or web addresses and is not for patients. Put the real ones in clinic.yaml and render it again."]


def test_out_naming_a_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """``--out newdir/`` used to write a file called ``newdir``; a folder or a name without .pdf is refused."""
    (tmp_path / "existing").mkdir()
    cases = {f"{tmp_path}/newdir/": "names a folder; give the PDF's file name in it, like",
             f"{tmp_path}/newdir": "does not end in .pdf",
             f"{tmp_path}/existing": "is a folder; --out must be a file path, like"}
    for out, words in cases.items():
        done = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Jo Ng", "--treatment", "iv-ketamine",
                               "--time", "9:30", "--out", out], capture_output=True, text=True)
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert words in done.stderr, done.stderr
    cards = subprocess.run([*PACKETS, "cards", "--clinic", "sunrise-iv", "--out", f"{tmp_path}/cards/"], capture_output=True, text=True)
    assert cards.returncode == 1 and "names a folder" in cards.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"] and not any((tmp_path / "existing").iterdir())
    done = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Jo Ng", "--treatment", "iv-ketamine",
                           "--time", "9:30", "--out", f"{tmp_path}/existing/p.PDF"], capture_output=True, text=True)
    assert done.returncode == 0 and Pdf((tmp_path / "existing" / "p.PDF").read_bytes()).page_texts()
