"""Hostile clinic configs: YAML that would be silently wrong, crash the parser, or lie on paper."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from packets.config.loading import load_clinic
from packets.errors import ConfigError

from hostile_tools import refused, run, snapshot


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def huge_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG whose header says ``width`` x ``height`` (a small file, a huge image)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 64)  # the first rows only: decoding stops early
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


CASES = {
    "duplicate key": ('  after_hours: "(503) 555-0190"\n', '  after_hours: "(503) 555-0190"\n  after_hours: "(503) 555-0199"\n',
                      ":17: key 'after_hours' is given twice, on lines 16 and 17. Keep one of them."),
    "yes as hours": ("    driving: 24\n", "    driving: yes\n",
                     "treatments.iv-ketamine.driving: YAML read this as yes/no (true/false), not a number; "
                     "put a number of hours, or next-day."),
    "empty hours": ("    alcohol_free_hours: 24\n", "    alcohol_free_hours:\n",
                    "alcohol_free_hours: this is empty; put a number of hours, like 24."),
    "quoted minutes": ("    monitoring_minutes: 45\n", '    monitoring_minutes: "45"\n',
                       "monitoring_minutes: '45' is text, not a number; put a number of minutes, like 45."),
    "python tag": ("name: Sunrise Infusion Center\n", "name: !!python/object/apply:os.system ['true']\n",
                   ":4: YAML tag 'tag:yaml.org,2002:python/object/apply:os"),
    "5000 brackets": ("name: Sunrise Infusion Center\n", "name: " + "[" * 5000 + "]" * 5000 + "\n",
                      ":4: values are nested more than 20 levels deep"),
    "1200 mappings": ("name: Sunrise Infusion Center\n", "name: " + "{a: " * 1200 + "1" + "}" * 1200 + "\n",
                      ":4: values are nested more than 20 levels deep"),
    "raw control bytes": ("name: Sunrise Infusion Center\n", "name: Sunrise\x1b[2J Center\x07\n",
                          ":4: column 14 holds a control character (U+001B)"),
    "bidi in text": ('  after_hours: "(503) 555-0190"\n', '  after_hours: "(503) \u202e201-4490"\n',
                     ":16: column 23 holds a text-direction control (U+202E right-to-left override)"),
    "escaped bidi": ("name: Sunrise Infusion Center\n", 'name: "Sunrise \\u2066Center"\n',
                     ":4: name: contains a text-direction control (U+2066 left-to-right isolate) at character 9"),
    "900,000 characters": ("name: Sunrise Infusion Center\n", "name: " + "W" * 900_000 + "\n",
                           ":4: name: string should have at most 600 characters"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_config_class_is_one_clear_error(clinic_copy, case: str) -> None:
    old, new, message = CASES[case]
    path = clinic_copy()
    _edit(path, old, new)
    with pytest.raises(ConfigError) as caught:
        load_clinic(str(path))
    text = str(caught.value)
    assert message in text, text[:500]
    assert len(text) < 500 and "\x1b" not in text and "\u202e" not in text and "WWWWWWWWWW" not in text


def test_validate_command_names_both_lines_and_changes_nothing(clinic_copy, tmp_path: Path) -> None:
    path = clinic_copy()
    _edit(path, '  after_hours: "(503) 555-0190"\n', '  after_hours: "(503) 555-0190"\n  after_hours: "(503) 555-0199"\n')
    before = snapshot(tmp_path)
    done = run("validate", str(path))
    refused(done, f"{path}:17: key 'after_hours' is given twice, on lines 16 and 17.")
    assert snapshot(tmp_path) == before


def test_ansi_in_a_clinic_name_is_never_echoed_to_the_terminal(clinic_copy) -> None:
    path = clinic_copy()
    _edit(path, "name: Sunrise Infusion Center\n", 'name: "Sunrise \\e[31m\\a Center"\n')
    done = run("render", "--clinic", str(path), "--name", "Ann Lee", "--treatment", "iv-ketamine",
               "--out", str(path.parent / "x.pdf"))
    refused(done, "name: contains a control character (U+001B) at character 9")
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert not (path.parent / "x.pdf").exists()


def test_a_huge_or_truncated_logo_is_refused_naming_the_file(clinic_copy) -> None:
    path = clinic_copy()
    (path.parent / "huge.png").write_bytes(huge_png(60_000, 60_000))
    _edit(path, "logo: logo.svg", "logo: huge.png")
    with pytest.raises(ConfigError, match=r"'huge.png' is 60000 x 60000 pixels \(3600.0 megapixels\)"):
        load_clinic(str(path))
    Image.new("RGB", (400, 300), (31, 78, 121)).save(path.parent / "cut.png")
    data = (path.parent / "cut.png").read_bytes()
    (path.parent / "cut.png").write_bytes(data[: len(data) // 2])
    _edit(path, "logo: huge.png", "logo: cut.png")
    with pytest.raises(ConfigError, match=r"logo: image cut.png is damaged or cut short"):
        load_clinic(str(path))


def test_a_huge_option_value_is_echoed_as_one_short_line(tmp_path: Path) -> None:
    done = run("render", "--clinic", "sunrise-iv", "--name", "Ann Lee", "--treatment", "iv-ketamine",
               "--time", "9" * 50_000 + "\x1b[2J", "--out", str(tmp_path / "x.pdf"))
    refused(done, "error: time '9999")
    assert len(done.stderr.splitlines()) == 1 and len(done.stderr) < 500 and "\x1b" not in done.stderr
