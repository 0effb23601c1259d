"""WeasyPrint's native libraries: looked up once per machine, then answered from a small private file."""

from __future__ import annotations

import ctypes.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from packets.render import libraries


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The names that reach the real ``find_library`` (here a stand-in that knows one library)."""
    asked: list[str] = []

    def find_library(name: str) -> str | None:
        asked.append(name)
        return "libpango-1.0.so.0" if name == "pango-1.0" else None

    monkeypatch.setattr(ctypes.util, "find_library", find_library)
    return asked


def test_answers_are_remembered_per_machine_key(tmp_path: Path, lookups, monkeypatch) -> None:
    file = tmp_path / "cache" / "packets" / "libraries.json"
    stand_in = ctypes.util.find_library
    with libraries.remembered_lookups(file):
        assert ctypes.util.find_library("libpango-1.0-0") is None
        assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
        assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
    assert lookups == ["libpango-1.0-0", "pango-1.0"]
    assert ctypes.util.find_library is stand_in  # put back as it was
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(file.parent.stat().st_mode) == 0o700

    lookups.clear()
    with libraries.remembered_lookups(file):
        assert ctypes.util.find_library("libpango-1.0-0") is None
        assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
    assert lookups == []  # both answers, the miss too, came from the file

    monkeypatch.setattr(libraries, "machine_key", lambda: "a library was installed")
    with libraries.remembered_lookups(file):
        ctypes.util.find_library("pango-1.0")
    assert lookups == ["pango-1.0"]


def test_a_failed_load_forgets_every_answer(tmp_path: Path, lookups) -> None:
    file = tmp_path / "libraries.json"
    file.write_text(json.dumps({"key": libraries.machine_key(), "found": {"pango-1.0": "libgone.so.0"}}))
    with pytest.raises(OSError), libraries.remembered_lookups(file):
        ctypes.util.find_library("pango-1.0")
        raise OSError("cannot load library 'libgone.so.0'")
    assert not file.exists()


def test_weasyprint_loads_from_the_remembered_answers(tmp_path: Path) -> None:
    probe = (
        "import ctypes.util, json, sys\n"
        "real, calls = ctypes.util.find_library, []\n"
        "ctypes.util.find_library = lambda name: calls.append(name) or real(name)\n"
        "import packets.render.engine\n"  # any render module installs the finder before WeasyPrint loads
        "import weasyprint\n"
        "assert weasyprint.HTML(string='<p>Ünïcode</p>').write_pdf().startswith(b'%PDF')\n"
        "print(json.dumps(calls))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert json.loads(first.stdout)  # looked up for real once
    found = json.loads((tmp_path / "packets" / "libraries.json").read_text())["found"]
    assert any(value and "pango" in value for value in found.values())
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert json.loads(second.stdout) == []  # every answer from the file


def test_commands_that_do_not_render_leave_the_import_system_alone() -> None:
    probe = "import sys, packets.config.loading, packets.visits.model; print(any('libraries' in type(f).__module__ for f in sys.meta_path))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
