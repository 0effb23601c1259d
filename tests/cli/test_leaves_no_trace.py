"""Every command leaves TMPDIR as it found it: on success, a refused input, a bug, Ctrl-C and SIGTERM.

WeasyPrint copies the bundled fonts (7.7 MB) into a temporary folder and removes it only
when its font configuration is garbage-collected; the one-shot CLI ends with a quick
exit that never gets there. Each case runs ``packets`` with TMPDIR set to an empty
folder of its own and checks that the folder is empty again afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CLINICS_DIR, PACKETS

RENDER = ["render", "--clinic", "willow-home", "--name", "Ann Example", "--treatment", "oral-ketamine",
          "--date", "2026-11-21", "--time", "14:30"]


def _env(tmp: Path) -> dict[str, str]:
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp)}


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, *args], capture_output=True, text=True, env=_env(tmp), timeout=300)


def _left(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir())


def test_render_leaves_tmpdir_empty(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    done = _run(tmp, *RENDER, "--out", str(tmp_path / "p.pdf"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.pdf").stat().st_size > 10_000
    assert _left(tmp) == []


def test_a_render_refused_after_fonts_loaded_leaves_tmpdir_empty(clinic_copy, tmp_path: Path) -> None:
    path = clinic_copy("sunrise-iv")
    (path.parent / "extra.css").write_text("body { background: url(missing.png); }\n")
    path.write_text(path.read_text().replace("branding:\n", "branding:\n  css: extra.css\n", 1))
    tmp = tmp_path / "tmp"
    done = _run(tmp, "render", "--clinic", str(path), "--name", "Ann Example", "--treatment", "iv-ketamine",
                "--out", str(tmp_path / "p.pdf"))
    assert done.returncode == 1 and "file not found" in done.stderr, done.stderr
    assert not (tmp_path / "p.pdf").exists()
    assert _left(tmp) == []


def test_an_unexpected_error_after_the_layout_leaves_tmpdir_empty(tmp_path: Path) -> None:
    """A bug while writing (after WeasyPrint made its font copies): one line, exit 1, nothing left."""
    program = ("import sys, packets.facade as f\n"
               "def boom(*a, **k): raise RuntimeError('boom')\n"
               "f.write_atomic = boom\n"
               "from packets.cli.main import run\n"
               f"sys.argv = ['packets', *{[*RENDER, '--out', str(tmp_path / 'p.pdf')]!r}]\n"
               "run()\n")
    tmp = tmp_path / "tmp"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=_env(tmp), timeout=300)
    assert done.returncode == 1 and "unexpected RuntimeError in 'render'" in done.stderr, done.stderr
    assert _left(tmp) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 1), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_an_interrupted_render_leaves_tmpdir_empty(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    """Ctrl-C or SIGTERM while WeasyPrint lays out the packet: the font copies go, no packet is written."""
    out = tmp_path / "p.pdf"
    for attempt in range(3):
        # The font folder lives about a second; on a loaded machine the poll can miss all of it.
        # Such a run must still end cleanly (exit 0, TMPDIR empty); then try again.
        tmp = tmp_path / f"tmp{attempt}"
        proc = subprocess.Popen([*PACKETS, *RENDER, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=_env(tmp))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _left(tmp) and proc.poll() is None:
            time.sleep(0.002)
        if _left(tmp):
            break
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0 and _left(tmp) == [], stderr
        out.unlink()
    assert _left(tmp), "in 3 tries the render never showed its font folder"
    proc.send_signal(sig)  # fonts are being loaded or the packet laid out: about a second of work is left
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert _left(tmp) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_leaves_tmpdir_empty(tmp_path: Path, jobs: str) -> None:
    tmp = tmp_path / "tmp"
    done = _run(tmp, "batch", "--clinic", "sunrise-iv", "--schedule", str(CLINICS_DIR / "sunrise-iv" / "schedule-sample.csv"),
                "--out", str(tmp_path / "out"), "--jobs", jobs)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "out" / "sunrise-iv").glob("*/print-run.pdf"))
    assert _left(tmp) == []


@pytest.mark.parametrize("args", [
    ("validate", "harbor-spravato"),
    ("cards", "--clinic", "harbor-spravato", "--out", "{out}/cards.pdf"),
    ("preview", "--clinic", "harbor-spravato", "--out", "{out}/preview"),
], ids=["validate", "cards", "preview"])
def test_validate_cards_and_preview_leave_tmpdir_empty(tmp_path: Path, args: tuple[str, ...]) -> None:
    tmp = tmp_path / "tmp"
    done = _run(tmp, *(a.format(out=tmp_path / "out") for a in args))
    assert done.returncode == 0, done.stderr
    assert _left(tmp) == []
