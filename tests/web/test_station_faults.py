"""The station through faults: kill -9 mid-upload and mid-print, a full disk, a read-only data folder.

Real parts only: the ``packets serve`` subprocess, its SQLite file, CUPS with
``ippeveprinter`` (the session's stack), and a small tmpfs for the full disk
(mounted under pytest's temporary folder and always unmounted).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from packets.web.faults import explain
from packets.web.prints import STOPPED_WHILE_SENDING, finish_unfinished
from packets.web.retention import STALE, sweep
from packets.web.store import Store

from conftest import CLINICS_DIR, PACKETS, not_a_sample
from cups_stack import CupsStack
from station_helpers import SCHEDULE, Client, Server, free_port

FIRST = ["Ana", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"]
LAST = ["Lima", "Chen", "Diaz", "Park", "Ross", "Sato"]
BIG_DAY = "patient_name,time,treatment\n" + "".join(
    f"{f} {last},{8 + i // 6:02d}:{(i % 6) * 10:02d},iv-ketamine\n" for i, (f, last) in enumerate(
        (f, last) for f in FIRST for last in LAST))


def _db(data: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data / "station.db") as db:
        return list(db.execute(sql))


def _files(data: Path) -> list[str]:
    return sorted(str(p.relative_to(data)) for folder in ("uploads", "packets") if (data / folder).exists()
                  for p in (data / folder).rglob("*") if p.is_file())


def _private_tmp(folder: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """A TMPDIR of the test's own: a killed station cannot clean its workers' font copies, so they go with the test."""
    (folder / "tmp").mkdir(exist_ok=True)
    return {**(env or os.environ), "TMPDIR": str(folder / "tmp")}


def _kill_mid_upload(server: Server) -> None:
    """Start a 60-patient upload and kill -9 the station once packets are being written."""
    try:
        client = Client(server)
        assert client.sign_in().status == 303
        assert client.csrf()
        threading.Thread(target=lambda: _ignore(lambda: client.upload(b"big-day.csv", BIG_DAY.encode())), daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((server.data / "packets").rglob("*.pdf")):
            time.sleep(0.05)
    finally:
        server.kill()  # by its PID, whatever happened above
    assert list((server.data / "packets").rglob("*.pdf")), "the kill came after packets were written"


def _ignore(call) -> None:
    with contextlib.suppress(OSError):  # the station died under the request, as intended
        call()


def test_kill_during_an_upload_leaves_nothing_purge_or_restart_does_not_remove(tmp_path: Path) -> None:
    server = Server(tmp_path, env=_private_tmp(tmp_path))
    _kill_mid_upload(server)
    assert _files(server.data) and _db(server.data, "SELECT count(*) FROM pending")[0][0] == 1
    assert _db(server.data, "SELECT count(*) FROM days")[0][0] == 0  # no row: the old purge never saw these
    done = subprocess.run([*PACKETS, "purge", "--data", str(server.data)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _files(server.data) == [] and _db(server.data, "SELECT count(*) FROM pending") == [(0,)]

    again = Server(tmp_path, env=_private_tmp(tmp_path))  # the same data folder
    _kill_mid_upload(again)
    restarted = Server(tmp_path, env=_private_tmp(tmp_path))
    try:
        assert _files(restarted.data) == [] and _db(restarted.data, "SELECT count(*) FROM pending") == [(0,)]
        client = Client(restarted)
        assert client.sign_in().status == 303
        assert client.upload(b"day.csv", SCHEDULE.encode()).status == 303  # and the station works on
        assert _db(restarted.data, "SELECT count(*) FROM pending") == [(0,)]
    finally:
        restarted.stop()


def test_the_sweep_removes_orphans_and_dead_writes_but_not_live_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    try:
        uploads, packets = tmp_path / "data" / "uploads", tmp_path / "data" / "packets"
        uploads.mkdir()
        packets.mkdir()
        store.query("INSERT INTO days (token, clinic, day, source, folder, created, created_by) "
                    "VALUES ('kept', 'c', '2026-12-07', 's', 'f', '2026-12-07T09:00:00', 'u')")
        store.begin_files("live")
        store.query("INSERT INTO pending VALUES ('dead', ?)", (datetime.now() - 2 * STALE).isoformat())
        for token in ("kept", "live", "dead", "orphan"):
            (uploads / f"{token}.csv").write_text("x")
            (packets / token).mkdir()
            (packets / token / "p.pdf").write_text("x")
        (uploads / ".partial-abc.tmp").write_text("x")  # a write still running
        assert sweep(store, datetime.now() - STALE) == 2  # the orphan's upload and folder (dead ones go with their token)
        assert sorted(p.name for p in uploads.iterdir()) == [".partial-abc.tmp", "kept.csv", "live.csv"]
        assert sorted(p.name for p in packets.iterdir()) == ["kept", "live"]
        assert store.pending() == ["live"]
    finally:
        store.close()


def test_prints_in_flight_are_finished_from_cups_at_start(tmp_path: Path, cups: CupsStack) -> None:
    """Unit of the restart step, against the real CUPS: a 'sent' job gets its final state, a 'sending' one says so."""
    store = Store(tmp_path / "data")
    try:
        pdf = tmp_path / "one.pdf"
        subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Ana Lima", "--treatment", "iv-ketamine",
                        "--out", str(pdf)], check=True, capture_output=True)
        sent = cups.run("lp", "-d", "duplex", "-t", "t", str(pdf)).stdout
        job = re.search(r"request id is (\S+)", sent).group(1)
        a = store.audit(user="u", action="print", clinic="c", day="d", printer="duplex", job=job, job_state="sent")
        b = store.audit(user="u", action="print", clinic="c", day="d", job_state="sending")
        env_server = cups.client_env()["CUPS_SERVER"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CUPS_SERVER", env_server)
            assert finish_unfinished(store, wait_seconds=60) == 2
        entries = {e["id"]: e for e in store.audit_log()}
        assert entries[a]["job_state"] == "completed" and entries[a]["reason"] is None
        assert entries[b]["job_state"] == "unknown" and entries[b]["reason"] == STOPPED_WHILE_SENDING
    finally:
        store.close()


@pytest.fixture
def printing_station(tmp_path: Path, cups: CupsStack):
    target = tmp_path / "clinics" / "sunrise-iv"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", target)
    config = target / "clinic.yaml"
    text = not_a_sample(re.sub(r"\nprinting:\n(?:[ #].*\n|\n)*", "\n", config.read_text()))
    config.write_text(text + "\nprinting:\n  packets:\n    queue: slow\n  wait_seconds: 120\n")
    return tmp_path


def test_a_print_cups_took_is_in_the_log_after_the_station_is_killed(printing_station: Path, cups: CupsStack) -> None:
    server = Server(printing_station, env=_private_tmp(printing_station, cups.client_env()))
    try:
        client = Client(server)
        assert client.sign_in().status == 303
        day = client.upload(b"day.csv", SCHEDULE.encode()).headers["location"]
        row = re.search(r'href="(/rows/[^"]+)"', client.request("GET", day).text).group(1)
        assert client.form(row + "/print", {"csrf": client.csrf()}).status == 303
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _db(server.data, "SELECT job_state FROM audit") != [("sent",)]:
            time.sleep(0.1)
        assert _db(server.data, "SELECT job_state FROM audit") == [("sent",)]  # recorded before the wait
    finally:
        server.kill()  # the slow printer is still printing it
    restarted = Server(printing_station, env=cups.client_env())
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _db(restarted.data, "SELECT job_state FROM audit") != [("completed",)]:
            time.sleep(0.2)
        assert _db(restarted.data, "SELECT job_state, printer FROM audit") == [("completed", "slow")]
        assert _db(restarted.data, "SELECT sum(printed) FROM rows") == [(1,)]
        client = Client(restarted)
        assert client.sign_in().status == 303
        assert "completed" in client.request("GET", "/log").text
    finally:
        restarted.stop()


# ---- a full disk and a read-only data folder ------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 24 MB tmpfs as the station's data folder; unmounted after the test whatever happens."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(data)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}); the full-disk case needs it")
    try:
        yield data
    finally:
        subprocess.run(["umount", "-l", str(data)], check=True)


def _fill(folder: Path) -> Path:
    """Write zeros until not one more byte fits."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1_048_576, 65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_is_a_page_that_says_what_to_do_and_read_only_is_explained(small_disk: Path, tmp_path: Path) -> None:
    server = Server(tmp_path)
    try:
        client = Client(server)
        assert client.sign_in().status == 303
        day = client.upload(b"day.csv", SCHEDULE.encode()).headers["location"]
        row = re.search(r'href="(/rows/[^"]+)"', client.request("GET", day).text).group(1)
        csrf = client.csrf()
        before = _files(small_disk)

        filler = _fill(small_disk)
        for path in ("/today", day, row, row + "/pages/1.png"):
            assert client.request("GET", path).status == 200, path  # what only reads keeps working
        for answer in (client.upload(b"day2.csv", SCHEDULE.encode()),
                       client.form("/patient", {"csrf": csrf, "clinic": "sunrise-iv", "name": "Ana Lima",
                                                "treatment": "iv-ketamine", "time": "10:00"}),
                       client.request("GET", row + "/packet.pdf")):
            assert answer.status == 507, answer.text[:300]
            assert "disk is full" in answer.text and "Free space" in answer.text and "Traceback" not in answer.text
            assert answer.headers["content-security-policy"].startswith("default-src 'self'")
            assert answer.headers["cache-control"] == "no-store"
        assert _files(small_disk) == before  # nothing half-written, nothing orphaned

        filler.unlink()
        assert client.upload(b"day2.csv", SCHEDULE.encode()).status == 303  # space again: back to work
    finally:
        server.stop()
    # A running station's files cannot be remounted read-only (the kernel says busy), so the
    # read-only case is the real kernel and SQLite errors, as the fault page explains them,
    # and a station that will not start there.
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(OSError) as refused_file:
        (small_disk / "uploads" / "new.csv").write_text("x")
    with sqlite3.connect(small_disk / "station.db") as db, pytest.raises(sqlite3.Error) as refused_db:
        db.execute("INSERT INTO pending VALUES ('t', 'now')")
    for error in (refused_file.value, refused_db.value):
        status, title, sentence = explain(error)
        assert (status, title) == (503, "Cannot save") and "cannot write to its data folder" in sentence, error
    done = subprocess.run([*PACKETS, "serve", "--data", str(small_disk), "--port", str(free_port())], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 1 and "Read-only file system" in done.stderr and len(done.stderr.splitlines()) == 1
