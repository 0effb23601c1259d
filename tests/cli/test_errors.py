"""Errors leave one way: one line and exit 1, a traceback only when asked for."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from click.testing import CliRunner

from packets import facade
from packets.batch import run as batch_run
from packets.batch import worker as batch_worker
from packets.cli.main import main
from packets.config.loading import load_clinic
from packets.visits.schedule import read_schedule

RENDER = ["render", "--clinic", "sunrise-iv", "--name", "Jane Doe", "--treatment", "iv-ketamine", "--date", "2026-11-21",
          "--time", "14:30"]


def _boom(*args, **kwargs):
    raise RuntimeError("Jane Doe broke it")


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(facade, "render_one", _boom)
    plain = CliRunner().invoke(main, [*RENDER, "--out", str(tmp_path / "p.pdf")])
    assert plain.exit_code == 1
    assert plain.output.strip().splitlines() == [
        "error: unexpected RuntimeError in 'render'; this is a bug, please report it. "
        "Run again as 'packets --debug render ...' to see the traceback."
    ]
    debug = CliRunner().invoke(main, ["--debug", *RENDER, "--out", str(tmp_path / "p.pdf")])
    assert isinstance(debug.exception, RuntimeError)  # not swallowed: click shows the traceback


def test_an_os_error_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, [*RENDER, "--out", str(blocker / "p.pdf")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error: ") and "Traceback" not in result.output


def test_unexpected_batch_error_is_logged_with_its_traceback_and_no_name(monkeypatch, tmp_path: Path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,time,treatment\nJane Doe,14:30,iv-ketamine\n")
    loaded = load_clinic("sunrise-iv")
    monkeypatch.setattr(batch_worker, "render_packet_layers", _boom)
    result = batch_run.run_batch(loaded, read_schedule(schedule, loaded, None), tmp_path / "out", jobs=1)
    row = result.rows[0]
    assert row.status == "failed" and "unexpected RuntimeError" in row.error and "errors.log" in row.error
    log = result.folder / "errors.log"
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    text = log.read_text()
    assert "Traceback" in text and "_boom" in text and "Jane Doe" not in text and "[patient data] broke it" in text
