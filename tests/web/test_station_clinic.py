"""A running station picks up an edited clinic on the next request, and never reuses its old bases."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

from conftest import CLINICS_DIR

from packets.render.compose import group_key
from packets.visits.model import Visit
from packets.web.app import Settings, Station
from packets.web.store import Store
from packets.web.work import Renderers


def _touch_later(path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


def test_a_clinic_is_read_once_until_a_file_of_it_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # ./clinics is looked in first: this copy's
    clinics = tmp_path / "clinics"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", clinics / "sunrise-iv")
    store = Store(tmp_path / "data")
    try:
        station = Station(Settings(data=tmp_path / "data", clinics=clinics), store, Renderers(size=1))
        first = station.clinic("sunrise-iv")
        assert first.path.is_relative_to(clinics.resolve())
        assert station.clinic("sunrise-iv") is first  # not read again

        config = clinics / "sunrise-iv" / "clinic.yaml"
        config.write_text(config.read_text().replace("name: Sunrise Infusion Center", "name: Sunrise Ketamine Center", 1))
        _touch_later(config)
        edited = station.clinic("sunrise-iv")
        assert edited is not first and edited.clinic.name == "Sunrise Ketamine Center"

        visit = Visit(name="Ana Lima", treatment="iv-ketamine", when=datetime(2026, 12, 30, 9, 5))
        before = group_key(edited, visit, "en")
        logo = clinics / "sunrise-iv" / edited.clinic.logo
        logo.write_text(logo.read_text().replace("</svg>", "<!-- new logo --></svg>"))
        _touch_later(logo)
        relogo = station.clinic("sunrise-iv")
        assert relogo is not edited  # same config, new logo: read again
        assert group_key(relogo, visit, "en") != before  # so no base with the old logo is reused
    finally:
        store.close()
