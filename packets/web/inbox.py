"""The clinic's inbox folder: schedule files the scheduling system drops for the station to load.

An entry that is a symbolic link leading out of the inbox is neither listed nor
read, like a link out of a clinic folder (``assets.paths.inside``); a link to a file
in the inbox is fine. Reads stop one byte past ``MAX_UPLOAD``, as uploads do.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.datastructures import FormData

from packets.assets.paths import inside
from packets.errors import PacketsError
from packets.web.names import TOO_LARGE, shown_name
from packets.web.station import MAX_UPLOAD, Station


def inbox_folder(station: Station, clinic: str) -> Path | None:
    loaded = station.clinic(clinic)
    folder = loaded.clinic.station.inbox
    return (loaded.folder / folder).resolve() if folder else None


def inbox_files(station: Station, clinic: str | None) -> list[str]:
    """The inbox's schedule files, newest first: regular files in the folder, links out of it left out."""
    inbox = inbox_folder(station, clinic) if clinic else None
    if inbox is None or not inbox.is_dir():
        return []
    found = []
    for entry in inbox.iterdir():
        real = inside(entry, inbox)
        if real is not None and real.is_file() and not entry.name.startswith("."):
            found.append((real.stat().st_mtime, entry.name))
    return [name for _, name in sorted(found, reverse=True)[: station.settings.inbox_limit]]


def read_inbox(station: Station, clinic: str, form: FormData) -> tuple[str, bytes]:
    """The chosen inbox file's shown name and bytes; a link out of the inbox is refused before it is opened."""
    inbox = inbox_folder(station, clinic)
    name = shown_name(str(form.get("inbox")))
    if inbox is None or name.startswith(".") or not os.path.lexists(inbox / name):
        raise PacketsError(f"{name}: not in the clinic's inbox folder any more. Reload the page.")
    real = inside(inbox / name, inbox)
    if real is None:
        raise PacketsError(f"{name}: a link to a file outside the inbox folder; the station loads only files kept in it. "
                           "Copy the file into the inbox instead.")
    if not real.is_file():
        raise PacketsError(f"{name}: not a regular file. Give the file your scheduling system exported.")
    with real.open("rb") as handle:
        data = handle.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise PacketsError(f"{name}: {TOO_LARGE}")
    return name, data
