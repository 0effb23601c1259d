"""Resolve, then open: a link out of the clinic folder is refused before its target is read.

The CLI runs in a child Python with an audit hook (PEP 578) on ``open``: every path
opened that is the link itself or the secret it points at is written to a file
descriptor opened before the hook, so the record survives the CLI's quick exit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_tools import refused

NAME = "Ann Qwertyuiop"

# The child: install the hook, then run ``python -m packets ARGS`` exactly as a user would.
HOOK = r"""
import os, runpy, sys
record = os.open(os.environ["OPENS_RECORD"], os.O_WRONLY | os.O_APPEND)
watched = tuple(os.environ["OPENS_WATCHED"].split(os.pathsep))

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if path.endswith(watched):
            os.write(record, (path + "\n").encode())

sys.addaudithook(hook)
sys.argv = ["packets", *sys.argv[1:]]
runpy.run_module("packets", run_name="__main__")
"""


def _template(clinic: Path, secret: Path) -> tuple[str, str]:
    (clinic / "templates").mkdir()
    (clinic / "templates" / "packet.html").write_text(
        '{% extends "!base/packet.html" %}\n{% block contacts %}\n{% include "notes.html" %}\n{% endblock %}\n')
    os.symlink(secret, clinic / "templates" / "notes.html")
    return "notes.html", "templates/notes.html leads outside the clinic folder"


def _css(clinic: Path, secret: Path) -> tuple[str, str]:
    os.symlink(secret, clinic / "link.png")
    (clinic / "extra.css").write_text("body { background: url(link.png); }\n")
    yaml = clinic / "clinic.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert "\nbranding:\n" in text
    yaml.write_text(text.replace("\nbranding:\n", "\nbranding:\n  css: extra.css\n", 1), encoding="utf-8")
    return "link.png", "link.png"


def _logo(clinic: Path, secret: Path) -> tuple[str, str]:
    os.symlink(secret, clinic / "logo2.svg")
    yaml = clinic / "clinic.yaml"
    text, count = re.subn(r"(?m)^logo: .*$", "logo: logo2.svg", yaml.read_text(encoding="utf-8"))
    assert count == 1
    yaml.write_text(text, encoding="utf-8")
    return "logo2.svg", "logo: 'logo2.svg' is outside the clinic folder"


@pytest.mark.parametrize("plant", [_template, _css, _logo], ids=["template-include", "css-url", "logo"])
def test_a_link_out_is_refused_without_opening_it_or_its_target(clinic_copy, tmp_path: Path, plant) -> None:
    path = clinic_copy()
    secret = tmp_path / "secret-target.png"
    secret.write_bytes((path.parent / "logo.svg").read_bytes())  # a file WeasyPrint would happily load
    link_name, message = plant(path.parent, secret)
    record = tmp_path / "opens.txt"
    record.write_text("")
    out = tmp_path / "out" / "x.pdf"
    env = {**os.environ, "OPENS_RECORD": str(record), "OPENS_WATCHED": os.pathsep.join([link_name, secret.name])}
    done = subprocess.run(
        [sys.executable, "-c", HOOK, "render", "--clinic", str(path), "--name", NAME,
         "--treatment", "iv-ketamine", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    refused(done, message)
    assert not out.exists()
    assert record.read_text().splitlines() == []


def test_the_hook_sees_an_open_of_a_file_inside_the_clinic(clinic_copy, tmp_path: Path) -> None:
    """The same hook records the clinic's own logo being read: the test above could fail."""
    path = clinic_copy()
    record = tmp_path / "opens.txt"
    record.write_text("")
    env = {**os.environ, "OPENS_RECORD": str(record), "OPENS_WATCHED": "logo.svg"}
    done = subprocess.run(
        [sys.executable, "-c", HOOK, "render", "--clinic", str(path), "--name", NAME,
         "--treatment", "iv-ketamine", "--out", str(tmp_path / "x.pdf")],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(path.parent / "logo.svg") in record.read_text().splitlines()
