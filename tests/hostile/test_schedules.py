"""Hostile schedules: a broken row costs only itself; the file as a whole is bounded.

The independent suite found that an unclosed quote folded later rows into one name
(patients silently lost), and that one row dated 9999-12-31 killed the whole day.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packets.batch import pool as batch_pool
from packets.batch import run as batch_run
from packets.batch import worker as batch_worker
from packets.batch.run import run_batch
from packets.config.loading import load_clinic
from packets.visits.readers.csvfile import MAX_ROWS, read_records, read_text
from packets.visits.schedule import ScheduleError, read_schedule

from hostile_tools import refused, run, snapshot
from pdfcheck import Pdf

HEADER = "patient_name,time,treatment,escort_name,date\n"
ROWS = [
    "Ann Good,9:00,iv-ketamine,,",  # 2
    "Ben Good,9:10,iv-ketamine,,",  # 3
    '"Bob Quote,9:20,iv-ketamine,,',  # 4 a quote that never closes
    "Cy Good,9:30,iv-ketamine,,",  # 5
    "Di Count,9:40,iv-ketamine",  # 6 too few cells
    "Ed Rtl\u202eXY,9:50,iv-ketamine,,",  # 7 right-to-left override in a name
    "Fay Esc,10:00,iv-ketamine,Sam\x1b[31mRed\x07,",  # 8 terminal escape and bell in the escort
    "G" * 900_000 + ",10:10,iv-ketamine,,",  # 9 a 900,000-character name
    "Hal Future,10:20,iv-ketamine,,9999-12-31",  # 10 a date at the end of the calendar
    "Ivy Good,10:30,iv-ketamine,,",  # 11
    '"Jo ""Q"" Good",10:40,iv-ketamine,,',  # 12 quotes written correctly
    "Kim\x00Nul,10:50,iv-ketamine,,",  # 13 a NUL byte, which stops Python's csv reader
]
GOOD = ["0900-row02-AG.pdf", "0910-row03-BG.pdf", "0930-row05-CG.pdf", "1030-row11-IG.pdf", "1040-row12-JQG.pdf"]
FAILED = {
    4: 'a quote (") opens a cell in this row and is not closed on the same line',
    6: "this row has 3 cells but the header has 5",
    7: "column patient_name: contains a text-direction control (U+202E right-to-left override) at character 7",
    8: "column escort_name: contains a control character (U+001B) at character 4",
    9: "this row is 900,",
    13: "this row holds a NUL byte (U+0000) at character 4",
}


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile-day")
    (work / "day.csv").write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    before = snapshot(work)
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(work / "day.csv"), "--date", "2026-11-21",
               "--out", str(work / "out"), "--jobs", "2")
    return work, work / "out" / "sunrise-iv" / "2026-11-21", done, before


def test_every_good_row_gets_its_packet_and_each_bad_row_fails_alone(day) -> None:
    work, folder, done, before = day
    refused(done, *(f"row {n} (" for n in FAILED))
    # Row 10 (9999-12-31) is for another day than the run's: skipped and counted, never printed.
    assert "5 packets written, 6 rows failed; skipped 1 on another day" in done.stdout
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted(GOOD + ["print-run.pdf"])
    for name in GOOD:
        assert len(Pdf((folder / name).read_bytes()).page_texts()) == 4
    assert 'Patient: Jo "Q" Good' in Pdf((folder / GOOD[-1]).read_bytes()).text()
    manifest = json.loads((folder / "manifest.json").read_text())
    failed = {r["row"]: r["error"] for r in manifest["rows"] if r["status"] == "failed"}
    assert set(failed) == set(FAILED)
    for number, message in FAILED.items():
        assert message in failed[number], (number, failed[number])
    assert snapshot(work, skip=work / "out") == before  # nothing outside the output folder changed


def test_messages_are_short_and_echo_no_control_characters(day) -> None:
    _, _, done, _ = day
    assert max(len(line) for line in done.stderr.splitlines()) < 400
    assert not any(c in done.stderr for c in "\x1b\x07\u202e")
    assert "GGGGGGGGGG" not in done.stderr and "Qwerty" not in done.stderr


def test_records_keep_a_real_multi_line_cell_and_report_a_swallowing_quote(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('name,time,note\nA,1,"two\nlines, fine"\n"B,2,x\nC,3,y\nD,4,"z""q"\n', encoding="utf-8")
    records = list(read_records(path, read_text(path)))
    assert [(r.number, r.cells if not r.problem else None) for r in records] == [
        (1, ["name", "time", "note"]), (2, ["A", "1", "two\nlines, fine"]), (3, None), (4, ["C", "3", "y"]),
        (5, ["D", "4", 'z"q']),
    ]
    assert records[2].line == 4 and "not closed on the same line" in records[2].problem


@pytest.mark.parametrize("content, message", [
    (HEADER + "Ann Good,9:00,iv-ketamine,,\n" * (MAX_ROWS + 1), "more than 5,000 rows. Split it by day"),
    ('"patient_name,time,treatment\nAnn,9:00,iv-ketamine\n', "the header row is not valid CSV"),
])
def test_whole_file_limits(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "day.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScheduleError, match=message):
        read_schedule(path, load_clinic("sunrise-iv"), None)


def test_a_cell_over_the_length_limit_is_named_by_its_column(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text("patient_name,time,treatment,Notes,\n"
                                      f"Ann Good,9:00,iv-ketamine,{'n' * 9000},\n"
                                      f"Ben Long,9:10,iv-ketamine,,{'x' * 600}\n", encoding="utf-8")
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(tmp_path / "day.csv"), "--date", "2026-11-21",
               "--out", str(tmp_path / "out"))
    refused(done, 'row 2 (AG): FAILED: column "Notes" (cell 4) is 9,000 characters long; a schedule value is at most 500.',
            "row 3 (BL): FAILED: cell 5 (a column with no name) is 600 characters long")
    assert "n" * 100 not in done.stderr and "x" * 100 not in done.stderr


@pytest.mark.parametrize("depth", [40, 200_000])
def test_deeply_nested_fhir_is_one_line_not_a_crash(tmp_path: Path, depth: int) -> None:
    """Past the parser's recursion limit (200,000) or only past any real Bundle's shape (40): the same line."""
    inner = "[" * depth + "]" * depth
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Appointment",'
                    f'"extension":{inner}}}}}]}}', encoding="utf-8")
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(path), "--out", str(tmp_path / "out"))
    refused(done, f"{path}: the JSON is nested more than 32 levels deep, which no FHIR schedule is.")
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_a_device_as_schedule_is_refused_before_reading(tmp_path: Path) -> None:
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", "/dev/zero", "--out", str(tmp_path / "out"))
    refused(done, "/dev/zero: not a regular file (a device, folder or pipe)")
    assert not (tmp_path / "out").exists()


def test_any_exception_fails_only_the_rows_it_concerns(tmp_path: Path, monkeypatch) -> None:
    """Injected bugs: every shared layer fails to build, one row's render and one row's grouping blow up."""
    loaded = load_clinic("sunrise-iv")
    path = tmp_path / "day.csv"
    path.write_text("patient_name,time,treatment\nAnn Ok,9:00,iv-ketamine\nCy Boom,9:10,iv-ketamine\n"
                    "Di Key,9:20,iv-ketamine\nEd Ok,9:30,im-ketamine\n", encoding="utf-8")
    schedule = read_schedule(path, loaded, None)
    real_render, real_key = batch_worker.render_packet_layers, batch_pool.group_key

    def render(loaded, visit, *args, **kwargs):
        if visit.name == "Cy Boom":
            raise OverflowError("date value out of range for Cy Boom")
        return real_render(loaded, visit, *args, **kwargs)

    def key(loaded, visit, language):
        if visit.name == "Di Key":
            raise ValueError("Di Key")
        return real_key(loaded, visit, language)

    def no_base(*args, **kwargs):
        raise RuntimeError("shared layer bug")

    monkeypatch.setattr(batch_worker, "render_packet_layers", render)
    monkeypatch.setattr(batch_pool, "group_key", key)
    monkeypatch.setattr(batch_worker, "build_base", no_base)
    result = run_batch(loaded, schedule, tmp_path / "out", jobs=2)  # workers fork with the patches in place
    by_row = {r.row: r for r in result.rows}
    assert result.written == 3 and result.failed == 1 and result.print_run is not None
    assert by_row[3].status == "failed" and "unexpected OverflowError while rendering" in by_row[3].error
    assert "Cy Boom" not in by_row[3].error
    assert json.loads(result.manifest.read_text())["failed"] == 1


@pytest.mark.parametrize("kind", ["pipe", "folder"])
def test_a_pipe_or_folder_as_schedule_is_refused_without_waiting(tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "day.csv"
    os.mkfifo(path) if kind == "pipe" else path.mkdir()  # opening a pipe for reading would wait for a writer
    with pytest.raises(ScheduleError, match="day.csv: not a regular file"):
        read_schedule(path, load_clinic("sunrise-iv"), None)


def test_a_failing_print_run_keeps_the_packets_and_the_manifest(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("pikepdf bug")

    monkeypatch.setattr(batch_run, "write_print_run", broken)
    loaded = load_clinic("sunrise-iv")
    path = tmp_path / "day.csv"
    path.write_text("patient_name,time,treatment\nAnn Ok,9:00,iv-ketamine\nBo Ok,9:10,iv-ketamine\n", encoding="utf-8")
    result = run_batch(loaded, read_schedule(path, loaded, None), tmp_path / "out", jobs=1)
    assert result.written == 2 and result.print_run is None
    assert result.print_run_error == "unexpected RuntimeError while joining the print run; please report it"
    manifest = json.loads(result.manifest.read_text())
    assert manifest["print_run"] is None and manifest["print_run_error"] == result.print_run_error
    assert sorted(p.name for p in result.folder.iterdir()) == ["0900-row02-AO.pdf", "0910-row03-BO.pdf", "manifest.json"]
