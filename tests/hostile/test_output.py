"""Hostile output paths: devices, folders, files in the way, links, full disks; modes left alone."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from packets import files
from packets.cli.main import main

from hostile_tools import refused, run, snapshot

RENDER = ("render", "--clinic", "sunrise-iv", "--name", "Ann Lee", "--treatment", "iv-ketamine", "--out")


@pytest.fixture(scope="module")
def schedule(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schedule") / "day.csv"
    path.write_text("patient_name,time,treatment\nAnn Lee,9:00,iv-ketamine\n", encoding="utf-8")
    return path


def test_a_device_is_refused_and_left_a_device(tmp_path: Path) -> None:
    done = run(*RENDER, "/dev/null", cwd=tmp_path)
    refused(done, "/dev/null is a device; --out must be a file path")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp, "is a folder; --out must be a file path"),
    (lambda tmp: (tmp / "file.txt", (tmp / "file.txt").write_text("x"))[0] / "packet.pdf", "which is a file, not a folder"),
])
def test_render_out_that_cannot_be_a_file_is_one_line(tmp_path: Path, make, message: str) -> None:
    out = make(tmp_path)
    before = snapshot(tmp_path)
    done = run(*RENDER, str(out), cwd=tmp_path)
    refused(done, message)
    assert len(done.stderr.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_a_full_disk_is_one_line_naming_the_file(tmp_path: Path, monkeypatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", full)
    out = tmp_path / "packet.pdf"
    result = CliRunner().invoke(main, [*RENDER, str(out)])
    assert result.exit_code == 1, result.output
    assert f"error: could not write {out}: No space left on device." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert list(tmp_path.iterdir()) == []  # the temp file is gone too


def test_batch_out_that_is_a_file_is_one_line(tmp_path: Path, schedule: Path) -> None:
    (tmp_path / "output").write_text("not a folder")
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--out", "output", cwd=tmp_path)
    refused(done, "output is a file, not a folder")
    assert (tmp_path / "output").read_text() == "not a folder"


def test_a_symlinked_day_folder_is_refused_and_its_files_kept(tmp_path: Path, schedule: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "0900-row02-AL.pdf").write_text("someone else's file")
    (tmp_path / "out" / "sunrise-iv").mkdir(parents=True)
    (tmp_path / "out" / "sunrise-iv" / "2026-11-21").symlink_to(elsewhere)
    before = snapshot(tmp_path)
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
               "--out", str(tmp_path / "out"), "--jobs", "1")
    refused(done, "2026-11-21 is a symbolic link; packets are written only into real folders")
    assert snapshot(tmp_path) == before


def test_existing_folders_keep_their_mode_even_through_dotdot(tmp_path: Path, schedule: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "sunrise-iv").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    os.chmod(shared, 0o755)
    os.chmod(shared / "sunrise-iv", 0o750)
    done = run("batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
               "--out", "../shared", "--jobs", "1", cwd=tmp_path / "work")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "sunrise-iv").stat().st_mode) == 0o750
    day = shared / "sunrise-iv" / "2026-11-21"
    assert stat.S_IMODE(day.stat().st_mode) == 0o700  # created by this run: owner-only
    assert sorted(p.name for p in day.iterdir()) == ["0900-row02-AL.pdf", "manifest.json", "print-run.pdf"]


def test_render_out_through_dotdot_changes_no_existing_folder(tmp_path: Path) -> None:
    """``out/a/b/../../c/x.pdf`` is ``out/c/x.pdf``: out/ keeps its mode, a/ and b/ are never made."""
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o755)
    done = run(*RENDER, "out/a/b/../../c/x.pdf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert sorted(p.name for p in out.iterdir()) == ["c"]
    assert stat.S_IMODE((out / "c").stat().st_mode) == 0o700  # made by this run: owner-only
    assert (out / "c" / "x.pdf").read_bytes().startswith(b"%PDF-")
