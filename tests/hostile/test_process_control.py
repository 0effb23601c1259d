"""SIGTERM and SIGHUP stop a batch like Ctrl-C; workers die with their parent; nothing is written after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from packets import files

from conftest import PACKETS
from hostile_tools import snapshot
from pdfcheck import Pdf


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _start(tmp_path: Path) -> tuple[subprocess.Popen, Path, list[int]]:
    """A 40-row batch with two workers, returned once its first packet is written."""
    rows = "".join(f"Pat Number{i},{8 + i // 6}:{(i % 6) * 10:02d},iv-ketamine\n" for i in range(40))
    (tmp_path / "day.csv").write_text("patient_name,time,treatment\n" + rows, encoding="utf-8")
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    (tmp_path / "tmp").mkdir()  # its own TMPDIR: a SIGKILL leaves the font copies, and they must not land in /tmp
    proc = subprocess.Popen([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(tmp_path / "day.csv"),
                             "--date", "2026-11-21", "--out", str(tmp_path / "out"), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (folder.exists() and any(folder.glob("*-row*.pdf"))):
        time.sleep(0.05)
    workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    assert workers, "the batch should have started its workers"
    return proc, folder, workers


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "a worker outlived its parent"


def _complete_packets_only(folder: Path) -> None:
    assert not list(folder.glob(f"{files.TEMP_PREFIX}*"))
    for packet in folder.glob("*-row*.pdf"):
        assert len(Pdf(packet.read_bytes()).page_texts()) == 4


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_run_like_ctrl_c(tmp_path: Path, sig: signal.Signals) -> None:
    proc, folder, workers = _start(tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert f"stopped by {sig.name}: packets already written are complete" in err and "Traceback" not in err
    _wait_gone(workers)
    after = snapshot(tmp_path)
    time.sleep(1.0)  # a worker still running would write within this time
    assert snapshot(tmp_path) == after
    _complete_packets_only(folder)
    assert 0 < len(list(folder.glob("*-row*.pdf"))) < 40
    assert list((tmp_path / "tmp").iterdir()) == []  # a signal that can be caught leaves TMPDIR as found


def test_workers_die_when_the_parent_is_killed(tmp_path: Path) -> None:
    proc, folder, workers = _start(tmp_path)
    proc.kill()  # SIGKILL: the parent cannot clean up; the kernel must stop the workers
    proc.communicate(timeout=60)
    _wait_gone(workers)
    after = snapshot(tmp_path)
    time.sleep(1.0)
    assert snapshot(tmp_path) == after  # no file written after the parent exited
    for packet in folder.glob("*-row*.pdf"):
        assert len(Pdf(packet.read_bytes()).page_texts()) == 4
    # A SIGKILL cannot be caught: the run's folders stay in TMPDIR, named for its process...
    left = sorted(p.name for p in (tmp_path / "tmp").iterdir())
    assert any(name.startswith(f"packets-fonts-{proc.pid}-") for name in left), left
    assert any(name.startswith(f"packets-workers-{proc.pid}-") for name in left), left
    # ...and the next command removes them (its own folders go as usual), while a live process's folder stays.
    (tmp_path / "tmp" / f"packets-fonts-{os.getpid()}-inuse").mkdir()
    done = subprocess.run([*PACKETS, "render", "--clinic", "willow-home", "--name", "Ann Example", "--treatment", "oral-ketamine",
                           "--date", "2026-11-21", "--time", "14:30", "--out", str(tmp_path / "p.pdf")],
                          capture_output=True, text=True, env={**os.environ, "TMPDIR": str(tmp_path / "tmp")}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == [f"packets-fonts-{os.getpid()}-inuse"]


def test_a_worker_asks_the_kernel_to_kill_it_with_its_parent() -> None:
    """The kill test above passes as soon as workers end; this checks the mechanism itself."""
    import ctypes
    import multiprocessing
    import os

    from packets.children import die_with_parent

    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        die_with_parent(os.getppid())
        value = ctypes.c_int()
        ctypes.CDLL(None, use_errno=True).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
        queue.put(value.value)

    process = context.Process(target=child)
    process.start()
    process.join(30)
    assert queue.get(timeout=10) == signal.SIGKILL
