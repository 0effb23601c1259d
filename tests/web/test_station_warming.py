"""Warming: the station lays out today's bases before anyone asks, so a walk-in's first packet waits no longer.

In-process, warming reports done (status and the log line ``serve`` prints) and the
renderer's own counter shows a walk-in's packet was made without laying out a base;
against the real server, a SIGTERM in the middle of warming leaves no process and no
temporary file behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from packets import facade
from packets.render import basecache
from packets.render.base import group_key
from packets.web.station import Settings, Station
from packets.web.store import Store
from packets.web.walk_in import _render_walk_in
from packets.web.warming import Warmer
from packets.web.work import Renderers

from conftest import REPO
from station_helpers import Server


@pytest.fixture
def one_clinic(tmp_path: Path) -> Path:
    """Only the Spravato clinic (one treatment, two languages): a short round to wait for."""
    folder = tmp_path / "clinics"
    shutil.copytree(REPO / "clinics" / "harbor-spravato", folder / "harbor-spravato")
    return folder


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_warmed_groups_are_on_disk_and_a_walk_in_lays_out_no_base(one_clinic: Path, tmp_path: Path, monkeypatch, caplog) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the warmer's folder goes: checked empty at the end
    monkeypatch.delenv("PACKETS_CLINICS")  # the one clinic only
    monkeypatch.chdir(tmp_path)
    caplog.set_level("INFO", logger="packets.station")
    data = tmp_path / "data"
    store = Store(data)
    station = Station(Settings(data=data, clinics=one_clinic, jobs=1), store, Renderers(size=1, cache=data / "bases"))
    warmer = Warmer(one_clinic, data / "bases", station.renderers, station.clinic)
    try:
        assert not warmer.status.finished and "ready" in warmer.status.line.lower()
        warmer.start()
        _wait(lambda: warmer.status.finished, 300, "warming to finish")
        assert warmer.status.done == warmer.status.groups == 4 and warmer.status.failed == 0  # 1 treatment x 2 languages x 2 shapes
        assert warmer.status.line == "Today's packets are ready to print quickly (4 kinds)."
        logged = [r.getMessage() for r in caplog.records if r.name == "packets.station"]  # the line `serve` writes to its log
        assert any(re.fullmatch(r"warming: 4 kinds of packet ready for \d{4}-\d\d-\d\d in [\d.]+ s \(0 could not be made ahead\)", m)
                   for m in logged), logged

        loaded = station.clinic("harbor-spravato")
        fingerprint = basecache.fingerprint(loaded)
        for language in ("en", "es"):  # each offered treatment and language: its sizing base is on disk
            visit = facade.new_visit(loaded, name="X", treatment="esketamine-nasal", when=datetime.now(), language=language)
            assert (data / "bases" / basecache.entry_name(fingerprint, group_key(loaded, visit, language))).is_file()

        values = {"clinic": "harbor-spravato", "treatment": "esketamine-nasal", "date": date.today().isoformat(), "dob": "",
                  "mrn": "", "escort": "", "next": "", "provider": "", "session": "", "large_print": ""}
        for time_, language, extra in [("08:20", "en", {}), ("17:50", "es", {}), ("12:05", "en", {"dob": "1971-03-04", "mrn": "Q-7"})]:
            token = _render_walk_in(station, "harbor-spravato", values | extra | {"name": "Rosa Diaz", "time": time_,
                                                                                   "language": language}, "tester")
            assert station.store.row(token)["status"] == "ready"
        with station.renderers.one(loaded) as renderer:
            assert renderer.bases_laid_out == 0  # every walk-in took warmed bases: none laid out while someone waited
    finally:
        warmer.stop()
        station.close()
    assert list(scratch.iterdir()) == []  # the warming process's font copies went with its folder


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def test_sigterm_during_warming_leaves_no_process_or_file(tmp_path: Path) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    server = Server(tmp_path, env={**os.environ, "TMPDIR": str(private)}, warm=True)
    try:
        _wait(lambda: _children(server.process.pid), 60, "the warming process to start")
        warming = _children(server.process.pid)
        assert any(p.name.startswith("packets-warming-") for p in private.iterdir())
        os.kill(server.process.pid, signal.SIGTERM)
        server.process.wait(30)
        for pid in warming:
            _wait(lambda pid=pid: not Path(f"/proc/{pid}").exists(), 10, f"process {pid} to end")
    finally:
        server.stop()
    assert list(private.iterdir()) == []
    log = server.log.read_text()
    assert "Traceback" not in log and not re.search(r"warming: stopped by", log)


def test_warming_that_stops_on_an_error_says_so(one_clinic: Path, tmp_path: Path, monkeypatch, caplog) -> None:
    """An unexpected error ends warming; the Today line then says packets are made as asked, not "n of N" for ever."""
    from packets.web import warming

    def broken(*args):
        raise RuntimeError("made-up failure")

    monkeypatch.setattr(warming, "plan", broken)
    warmer = Warmer(one_clinic, tmp_path / "cache")
    assert warmer.status.line == "Getting today's packets ready..."
    with caplog.at_level("WARNING", logger=warming.LOG.name):
        warmer.start()
        _wait(lambda: warmer._thread is not None and not warmer._thread.is_alive(), 30, "the warming thread to end")
    warmer.stop()
    assert warmer.status.stopped and warmer.status.line.startswith("Packets are made when you ask for them")
    assert "warming: stopped by RuntimeError" in caplog.text and "made-up failure" not in caplog.text
