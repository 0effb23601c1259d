"""Installed like a clinic would: a built wheel in a fresh virtual environment, used from an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import REPO
from pdfcheck import Pdf


def _tree(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with the wheel installed; its dependencies come from the environment running the tests, offline.

    ``venv`` builds on the base interpreter, whose own site-packages may hold none of the
    dependencies (a fresh venv's tests). A ``.pth`` file puts the running environment's
    site-packages after the new venv's own, so the wheel is found first and WeasyPrint,
    pydantic and the rest are found as they are here. Only the folder is added: the
    checkout's editable install (a ``.pth`` hook inside it) is not run.
    """
    root = tmp_path_factory.mktemp("install")
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True).stdout.strip()
    here = dict.fromkeys(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    (Path(own_site) / "tested-environment.pth").write_text("".join(f"{folder}\n" for folder in here))
    wheel = next(wheels.glob("packets-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    return python


def test_wheel_works_from_an_empty_folder_and_writes_only_there(installed: Path, tmp_path: Path) -> None:
    site = Path(subprocess.run([str(installed), "-c", "import packets, pathlib; print(pathlib.Path(packets.__file__).parent)"],
                               check=True, capture_output=True, text=True, cwd=tmp_path).stdout.strip())
    assert str(site).startswith(str(installed.parent.parent)), site  # the wheel, not the checkout
    assert (site / "templates" / "content" / "en.yaml").is_file()
    before = _tree(site)
    env = {k: v for k, v in os.environ.items() if k not in ("PACKETS_CLINICS", "PYTHONPATH")}
    work = tmp_path / "clinic-office"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(installed), "-m", "packets", *args], capture_output=True, text=True, cwd=work, env=env)
        assert done.returncode == 0, (args, done.stderr)
        return done

    run("init-clinic", "lakeside")
    assert (work / "clinics" / "lakeside" / "clinic.yaml").is_file()
    run("validate", "lakeside")
    run("render", "--clinic", "lakeside", "--name", "Jane Doe", "--treatment", "iv-ketamine", "--date", "2026-11-21",
        "--time", "14:30", "--out", "jane.pdf")
    assert "Jane Doe" in Pdf((work / "jane.pdf").read_bytes()).text()
    (work / "day.csv").write_text("patient_name,time,treatment\nJane Doe,14:30,iv-ketamine\nJohn Roe,15:00,iv-ketamine\n")
    run("batch", "--clinic", "lakeside", "--schedule", "day.csv", "--date", "2026-11-21", "--jobs", "1")
    assert len(list((work / "output" / "lakeside" / "2026-11-21").glob("*-row*.pdf"))) == 2
    run("preview", "--clinic", "lakeside", "--dpi", "36")
    assert (work / "output" / "lakeside" / "preview" / "contact-sheet.png").is_file()
    run("cards", "--clinic", "lakeside", "--count", "2")
    assert (work / "output" / "lakeside" / "cards.pdf").is_file()
    assert _tree(site) == before  # nothing written into the installed package


def test_unknown_clinic_id_lists_where_it_looked(installed: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PACKETS_CLINICS", "PYTHONPATH")}
    done = subprocess.run([str(installed), "-m", "packets", "render", "--clinic", "nowhere", "--name", "A B", "--treatment",
                           "iv-ketamine", "--out", "x.pdf", "--clinics", str(REPO / "clinics")],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert str(tmp_path / "clinics") in done.stderr and str(REPO / "clinics") in done.stderr
    assert "harbor-spravato" in done.stderr and "sunrise-iv" in done.stderr
    assert not (tmp_path / "x.pdf").exists()
