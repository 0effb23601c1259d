"""A running station picks up an edited clinic on the next request, and never reuses its old bases."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

from packets.render.base import group_key
from packets.visits.model import Visit
from packets.web.app import Settings, Station
from packets.web.store import Store
from packets.web.work import Renderers

from conftest import CLINICS_DIR


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


def test_an_uploaded_day_leaves_its_bases_for_walk_ins(tmp_path, monkeypatch) -> None:
    """After the day's schedule is loaded, a walk-in of one of its groups lays out no shared pages."""
    from datetime import date

    from packets.render import compose
    from packets.web.uploads import _process_upload
    from packets.web.walk_in import _render_walk_in

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    store = Store(data)
    try:
        station = Station(Settings(data=data, clinics=CLINICS_DIR, jobs=1), store, Renderers(size=1, cache=data / "bases"))
        schedule = tmp_path / "day.csv"
        schedule.write_text("Patient Name,Time,Treatment\nBo Chen,10:15,iv-ketamine\n", encoding="utf-8")
        _process_upload(station, "sunrise-iv", schedule, "day.csv", "t1", "tester")
        assert any((data / "bases").glob("*.json"))  # the station's shared folder, not the upload's own
        assert not list((data / "packets").rglob(".bases"))

        builds: list[int] = []
        real = compose.build_base
        monkeypatch.setattr(compose, "build_base", lambda *a, **k: builds.append(1) or real(*a, **k))
        values = {"clinic": "sunrise-iv", "treatment": "iv-ketamine", "date": date.today().isoformat(), "time": "11:00",
                  "dob": "", "mrn": "", "escort": "", "next": "", "provider": "", "session": "", "language": "en",
                  "large_print": "", "name": "Cy Diaz"}
        _render_walk_in(station, "sunrise-iv", values, "tester")
        assert builds == []
    finally:
        store.close()
