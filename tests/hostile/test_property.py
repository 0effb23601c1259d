"""Property: random schedule bytes and random clinic text give a clear error or a correct packet, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packets.config.loading import load_clinic
from packets.errors import PacketsError
from packets.render.packet import render_packet
from packets.visits.model import Visit
from packets.visits.schedule import ScheduleError, read_schedule

from conftest import CLINICS_DIR
from pdfcheck import Pdf

LOADED = load_clinic("sunrise-iv")
HEADER = b"patient_name,time,treatment,date_of_birth,escort_name\n"
# Pieces a hostile or broken export is made of: quotes, delimiters, line breaks, controls, bidi.
PIECES = st.sampled_from([b'"', b",", b"\n", b"\r\n", b"\r", b'""', b"Ann", b" Lee", b"9:30", b"14:00", b"iv-ketamine",
                          b"1980-05-01", b"9999-12-31", b"\x1b[31m", b"\x00", b"\xe2\x80\xae", b"\xef\xbb\xbf",
                          b"\xff", "Zoë".encode(), b"<b>", b"x" * 300])
TEXT = st.text(st.sampled_from(list("AbcZé ,.'\"<>&{}%#\\-") + ["\u202e", "\u2066", "\x1b", "\x07", "\x85", "\n", "\t",
                                                               "\u00a0", "\u0301", "李", "😀"]), min_size=1, max_size=40)


def _clear(message: str) -> None:
    assert message and all(len(line) < 400 for line in message.splitlines())
    assert not any(c in message for c in "\x1b\x07\x00\u202e\u2066")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), st.lists(PIECES, max_size=60).map(b"".join)), st.booleans())
def test_any_schedule_bytes_read_to_rows_or_one_clear_error(body: bytes, with_header: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "day.csv"
        path.write_bytes((HEADER if with_header else b"") + body)
        try:
            schedule = read_schedule(path, LOADED, None)
        except ScheduleError as exc:
            _clear(str(exc).replace(str(path), "day.csv"))
            return
    for row in schedule.rows:
        assert (row.visit is None) != (row.error is None)
        if row.error is not None:
            _clear(str(row.error))
        else:
            assert row.visit.name.strip() and not any(c in row.visit.name for c in "\x1b\x00\u202e\n")
    assert [r.number for r in schedule.rows] == sorted({r.number for r in schedule.rows})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(TEXT, st.sampled_from(["name", "footer_text", "instruction", "patient"]))
def test_any_clinic_or_patient_text_gives_an_error_or_a_packet_that_prints_it(text: str, where: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clinic = Path(folder) / "sunrise-iv"
        shutil.copytree(CLINICS_DIR / "sunrise-iv", clinic)
        config = clinic / "clinic.yaml"
        quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
        yaml = config.read_text()
        name = "Ann Lee"
        if where == "name":
            yaml = yaml.replace("name: Sunrise Infusion Center", f"name: {quoted}", 1)
        elif where == "footer_text":
            yaml += f"footer_text: {quoted}\n"
        elif where == "instruction":
            yaml = yaml.replace("      - Do not take sleep or anxiety pills for 4 hours.", f"      - {quoted}", 1)
        else:
            name = text
        config.write_text(yaml, encoding="utf-8")
        try:
            pdf = render_packet(load_clinic(str(config)),
                                Visit(name=name, treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30)), fast=False)
        except PacketsError as exc:
            _clear(str(exc).replace(str(config), "clinic.yaml"))
            return
    printed = " ".join(Pdf(pdf).text().split())
    wanted = " ".join(text.split())
    assert len(Pdf(pdf).page_texts()) == 4
    if wanted.isascii() and wanted.replace(" ", "").isalnum():
        assert wanted in printed
