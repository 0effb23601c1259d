"""What a SIGKILLed run leaves in TMPDIR goes with the next run; nothing in use, nothing foreign, nothing linked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from packets import tempdirs


def _dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_make_sweeps_only_folders_whose_maker_is_gone(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / f"packets-workers-{dead}-abc" / "packets-fonts-1-x").mkdir(parents=True)
    (tmp_path / f"packets-warming-{dead}-def").mkdir()
    (tmp_path / f"packets-fonts-{os.getpid()}-live").mkdir()  # its maker runs: in use
    (tmp_path / f"packets-fonts-{dead}-file").write_text("not a folder")
    (tmp_path / "packets-fonts-notapid-x").mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("someone's file")
    (tmp_path / f"packets-fonts-{dead}-link").symlink_to(target)
    made = tempdirs.make("packets-fonts-", tmp_path)
    assert made.name.startswith(f"packets-fonts-{os.getpid()}-") and made.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        made.name, f"packets-fonts-{os.getpid()}-live", f"packets-fonts-{dead}-file", "packets-fonts-notapid-x",
        "elsewhere", f"packets-fonts-{dead}-link"])
    assert (target / "keep.txt").read_text() == "someone's file"
