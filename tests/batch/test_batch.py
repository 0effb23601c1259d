"""A day's schedule through `packets batch`: files, manifest, print run, bad rows, privacy."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from packets import files
from packets.batch.run import run_batch
from packets.config.loading import load_clinic
from packets.visits.schedule import ScheduleError, read_schedule

from conftest import PACKETS
from pdfcheck import Pdf

SENTINEL = "Qwertyuiop"  # a surname that must only ever appear inside a PDF
SENTINEL_DOB = "1961-07-04"
HEADER = "Patient Name,TIME,treatment,Date-of-Birth,escort_name,Large Print,Fax Number\n"
ROWS = [
    # row 2.. as a spreadsheet numbers them (header is row 1)
    f"Jane {SENTINEL},9:30 AM,iv-ketamine,{SENTINEL_DOB},Sam Doe,,",  # 2 good
    "Nguyễn Thị Minh Khai,2:30 PM,IM ketamine,,,no,",  # 3 good, Vietnamese, treatment typed loosely
    "Zoë Brontë,08:15,iv-ketamine,,,,",  # 4 good, accents
    "Ann <b>Bold</b>,11:00,iv-ketamine,,,,",  # 5 good, HTML prints literally
    f"Bob {SENTINEL},25:00,iv-ketamine,,,,",  # 6 bad time
    f"Cy {SENTINEL},10:00,spravato,,,,",  # 7 unknown treatment
    ",10:00,iv-ketamine,,,,",  # 8 empty name
    "李小龍,10:05,iv-ketamine,,,,",  # 9 name the fonts cannot draw
    f"Di {SENTINEL},10:10,iv-ketamine,13/45/1980,,,",  # 10 bad date of birth (value never echoed)
    f"Ed {SENTINEL},10:15,iv-ketamine,,,maybe,",  # 11 bad yes/no
    f"jane  {SENTINEL.lower()},09:30,iv-ketamine,,,,",  # 12 good, same name and time as row 2: warning
    "Lou Large,12:00,iv-ketamine,,,yes,",  # 13 good, large print (rendered whole, odd page count)
]
GOOD = {2: "0930-row02-JQ.pdf", 3: "1430-row03-NMK.pdf", 4: "0815-row04-ZB.pdf", 5: "1100-row05-ABB.pdf",
        12: "0930-row12-JQ.pdf", 13: "1200-row13-LL.pdf"}
BAD = {6: "time", 7: "treatment", 8: "patient_name", 9: "patient_name", 10: "date_of_birth", 11: "large_print"}


def _write(path: Path, rows: list[str], bom: bool = True) -> Path:
    path.write_text(("\ufeff" if bom else "") + HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    work = tmp_path_factory.mktemp("batch")
    schedule = _write(work / "schedule.csv", ROWS)
    done = subprocess.run(
        [*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
         "--out", str(work / "out"), "--jobs", "2"],
        capture_output=True, text=True, timeout=300,
    )
    return work, work / "out" / "sunrise-iv" / "2026-11-21", done


def test_exit_code_and_summary(day) -> None:
    _, _, done = day
    assert done.returncode == 1
    assert "6 packets written, 6 rows failed; see " in done.stdout
    assert "manifest.json" in done.stdout


def test_exactly_the_expected_files_with_private_modes(day) -> None:
    work, folder, _ = day
    assert sorted(p.name for p in folder.iterdir()) == sorted([*GOOD.values(), "manifest.json", "print-run.pdf"])
    for d in (work / "out", work / "out" / "sunrise-iv", folder):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for f in folder.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_manifest_rows(day) -> None:
    _, folder, _ = day
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["clinic"] == "sunrise-iv" and manifest["date"] == "2026-11-21"
    assert manifest["tool_version"] and len(manifest["content_version"]) == 12
    rows = {r["row"]: r for r in manifest["rows"]}
    assert sorted(rows) == sorted([*GOOD, *BAD])
    for number, name in GOOD.items():
        assert rows[number]["status"] == "written" and rows[number]["file"] == name
        data = (folder / name).read_bytes()
        import hashlib
        assert rows[number]["sha256"] == hashlib.sha256(data).hexdigest()
        assert rows[number]["pages"] == len(Pdf(data).page_texts())
    for number, column in BAD.items():
        assert rows[number]["status"] == "failed" and rows[number]["file"] is None
        assert f"column {column}" in rows[number]["error"]
    assert rows[6]["initials"] == "BQ" and rows[9]["initials"] == "XX"


def test_bad_rows_reported_with_row_column_and_initials(day) -> None:
    _, _, done = day
    assert "row 6 (BQ): FAILED: column time: time '25:00' is not a time" in done.stderr
    assert "row 7 (CQ): FAILED: column treatment: 'spravato' is not offered by sunrise-iv" in done.stderr
    assert "row 9 (XX): FAILED: column patient_name: has characters the bundled fonts cannot print (U+5C0F" in done.stderr
    assert "row 12 (JQ) has the same name and time as row 2" in done.stderr
    assert "ignoring column(s) not used by packets: Fax Number" in done.stderr


def test_patient_data_never_leaves_the_pdfs(day) -> None:
    work, folder, done = day
    everything = done.stdout + done.stderr + (folder / "manifest.json").read_text()
    everything += " ".join(str(p) for p in work.rglob("*"))
    for secret in (SENTINEL, SENTINEL.lower(), SENTINEL_DOB, "13/45/1980", "Nguy", "Zoë", "Bold"):
        assert secret not in everything
    assert SENTINEL in Pdf((folder / GOOD[2]).read_bytes()).page_texts()[0]


def _names_in_order() -> list[str]:
    # appointment order: 08:15, 09:30 (row 2), 09:30 (row 12), 11:00, 12:00, 14:30
    return ["Zoë Brontë", f"Jane {SENTINEL}", f"jane {SENTINEL.lower()}", "Ann <b>Bold</b>", "Lou Large", "Nguyễn Thị Minh Khai"]


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def test_print_run_order_sheets_and_footers(day) -> None:
    _, folder, _ = day
    run = Pdf((folder / "print-run.pdf").read_bytes())
    texts = run.page_texts()
    order = [4, 2, 12, 5, 13, 3]
    counts = [len(Pdf((folder / GOOD[n]).read_bytes()).page_texts()) for n in order]
    blanks = sum(c % 2 for c in counts)
    assert blanks >= 1  # the large-print packet has an odd page count
    assert len(texts) == sum(counts) + blanks
    page = 0
    for name, count in zip(_names_in_order(), counts):
        assert page % 2 == 0, "each packet starts on the front of a sheet"
        for i in range(count):
            assert _squash(name) in _squash(texts[page + i]), (name, page + i)
            assert f"Page {i + 1} of {count}" in texts[page + i]
        page += count
        if count % 2:
            assert texts[page].strip() == ""
            page += 1
    assert run.page_sizes_mm()[0] == pytest.approx((215.9, 279.4), abs=0.2)


def test_names_print_as_typed(day) -> None:
    _, folder, _ = day
    assert "Patient: Ann <b>Bold</b>" in Pdf((folder / GOOD[5]).read_bytes()).page_texts()[0]
    assert _squash("Patient: Nguyễn Thị Minh Khai") in _squash(Pdf((folder / GOOD[3]).read_bytes()).page_texts()[0])
    assert "Patient: Zoë Brontë" in Pdf((folder / GOOD[4]).read_bytes()).page_texts()[0]


def test_large_print_row_is_large(day) -> None:
    _, folder, _ = day
    large = Pdf((folder / GOOD[13]).read_bytes()).page_texts()
    normal = Pdf((folder / GOOD[4]).read_bytes()).page_texts()
    assert len(large) > len(normal)


# ---- the schedule as a whole --------------------------------------------------


@pytest.mark.parametrize("content, message", [
    ("", "the schedule is empty"),
    ("\n\n", "the schedule is empty"),
    ("Name,Time\nJane,10:00\n", "missing required column(s): patient_name, treatment"),
    ("patient_name,time,treatment\n", "has a header but no patients"),
])
def test_unusable_schedule_fails_before_rendering(tmp_path: Path, content: str, message: str) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text(content, encoding="utf-8")
    done = subprocess.run([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert message in done.stderr and str(schedule) in done.stderr
    assert not (tmp_path / "out").exists()


def test_not_utf8_is_reported_with_line(tmp_path: Path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_bytes(b"patient_name,time,treatment\nJos\xe9 Diaz,10:00,iv-ketamine\n")
    with pytest.raises(ScheduleError, match=r"day.csv:2: the schedule is not UTF-8"):
        read_schedule(schedule, load_clinic("sunrise-iv"), None)


def test_header_spelling_and_dates(tmp_path: Path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text("PATIENT-NAME, Time ,Treatment,DATE\nJo Ng,2 pm,iv-ketamine,11/22/2026\n", encoding="utf-8")
    parsed = read_schedule(schedule, load_clinic("sunrise-iv"), None)
    visit = parsed.rows[0].visit
    assert visit is not None and visit.when.isoformat() == "2026-11-22T14:00:00"
    assert parsed.day.isoformat() == "2026-11-22"


# ---- interruptions ----------------------------------------------------------------


def test_interrupted_while_writing_leaves_nothing_partial_and_rerun_completes(tmp_path: Path, monkeypatch) -> None:
    loaded = load_clinic("sunrise-iv")
    schedule = read_schedule(_write(tmp_path / "day.csv", ROWS[:4]), loaded, None)
    real_fsync, calls = os.fsync, []

    def fsync_then_ctrl_c(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:  # third file: data written to the temp file, not yet renamed
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_batch(loaded, schedule, tmp_path / "out", jobs=1)
    folder = tmp_path / "out" / "sunrise-iv" / schedule.day.isoformat()
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 2 and all(name.endswith(".pdf") and "-row" in name for name in left)
    for name in left:
        assert len(Pdf((folder / name).read_bytes()).page_texts()) == 4  # complete, readable packets

    monkeypatch.setattr(files.os, "fsync", real_fsync)
    result = run_batch(loaded, schedule, tmp_path / "out", jobs=1)
    assert result.written == 4 and result.failed == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted([GOOD[2], GOOD[3], GOOD[4], GOOD[5], "manifest.json", "print-run.pdf"])


def test_ctrl_c_stops_workers_and_leaves_no_temp_files(tmp_path: Path) -> None:
    rows = [f"Pat Number{i},{8 + i // 6}:{(i % 6) * 10:02d},iv-ketamine,,,," for i in range(40)]
    schedule = _write(tmp_path / "day.csv", rows)
    cmd = [*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
           "--out", str(tmp_path / "out"), "--jobs", "2"]
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (folder.exists() and any(folder.glob("*-row*.pdf"))):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Run the same command again" in err
    assert not list(folder.glob(f"{files.TEMP_PREFIX}*"))
    assert not (folder / "print-run.pdf").exists()
    written = list(folder.glob("*-row*.pdf"))
    assert 0 < len(written) < 40
    for packet in written:
        assert len(Pdf(packet.read_bytes()).page_texts()) == 4

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(list(folder.glob("*-row*.pdf"))) == 40 and (folder / "print-run.pdf").exists()
    assert not list(folder.glob(f"{files.TEMP_PREFIX}*"))
    assert not any(p.name.startswith(".") for p in folder.iterdir())
    assert sys.executable  # the CLI ran from this environment's PATH


def test_print_run_pages_look_exactly_like_the_packet_files(day) -> None:
    import pypdfium2
    from PIL import ImageChops

    _, folder, _ = day
    run = pypdfium2.PdfDocument(str(folder / "print-run.pdf"))
    page = 0
    for number in [4, 2, 12, 5, 13, 3]:
        packet = pypdfium2.PdfDocument(str(folder / GOOD[number]))
        for i in range(len(packet)):
            a = run[page + i].render(scale=40 / 72).to_pil().convert("RGB")
            b = packet[i].render(scale=40 / 72).to_pil().convert("RGB")
            assert ImageChops.difference(a, b).getbbox() is None, (number, i)
        page += len(packet) + len(packet) % 2


def test_killed_worker_stops_the_run_cleanly(tmp_path: Path) -> None:
    rows = [f"Pat Number{i},{8 + i // 6}:{(i % 6) * 10:02d},iv-ketamine,,,," for i in range(60)]
    schedule = _write(tmp_path / "day.csv", rows)
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    proc = subprocess.Popen([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
                             "--out", str(tmp_path / "out"), "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (folder.exists() and any(folder.glob("*-row*.pdf"))):
        time.sleep(0.05)
    workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    os.kill(int(workers[0]), signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "a worker process stopped (killed, or out of memory)" in err and "Run the same command again" in err
    assert not list(folder.glob(f"{files.TEMP_PREFIX}*")) and not (folder / "print-run.pdf").exists()
    for packet in folder.glob("*-row*.pdf"):
        assert len(Pdf(packet.read_bytes()).page_texts()) == 4


# ---- from a server -----------------------------------------------------------------


def test_a_batch_started_beside_other_threads_starts_fresh_workers(tmp_path: Path) -> None:
    """A station renders walk-ins in threads: forking then could copy a lock another thread holds."""
    import threading

    from packets.batch import pool

    loaded = load_clinic("sunrise-iv")
    schedule = read_schedule(_write(tmp_path / "day.csv", ROWS[:4]), loaded, None)
    assert pool._can_fork()  # pytest's own thread alone: the CLI's case
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not pool._can_fork()
        result = run_batch(loaded, schedule, tmp_path / "out", jobs=2)
    finally:
        stop.set()
        other.join()
    assert result.written == 4 and result.failed == 0
    texts = " ".join(" ".join(Pdf(p.read_bytes()).page_texts()) for p in sorted(result.folder.glob("*-row*.pdf")))
    assert f"Jane {SENTINEL}" in texts and "Zoë Brontë" in texts
