"""The print run: the run's packets joined in appointment order, each on its own sheets.

A fast-path packet is drawn again from its group's base and its patient layer (kept
in a ``Spool`` on disk), so shared pages are stored once per chunk rather than once
per patient; chunks are joined from disk, so memory stays flat over a long day.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pikepdf

from packets import __version__
from packets.batch.join import join_pdfs
from packets.config.loading import LoadedClinic
from packets.files import TEMP_PREFIX, check_output_file
from packets.render import basecache
from packets.render.base import Base
from packets.render.base_store import stored_base
from packets.visits.schedule import Schedule


class BaseLookup:
    """A group's base for the print run: from this run's memory, else from the disk cache (workers' bases)."""

    def __init__(self, bases: dict[tuple, Base], loaded: LoadedClinic, cache: Path) -> None:
        self.bases, self.loaded, self.cache = bases, loaded, cache
        self._fingerprint: str | None = None

    def get(self, key: tuple) -> Base | None:
        if key not in self.bases:
            if self._fingerprint is None:
                self._fingerprint = basecache.fingerprint(self.loaded)
            found = stored_base(self.cache, basecache.entry_name(self._fingerprint, key))
            if found is None or found.pdf is None:
                return None
            if len(self.bases) > 64:  # keep memory flat over many shapes
                self.bases.pop(next(iter(self.bases)))
            self.bases[key] = found
        return self.bases[key]


PRINT_RUN_CHUNK = 100  # packets joined in memory at a time; chunks wait on disk


def write_print_run(path: Path, parts: list[tuple[Path, tuple[tuple, tuple[int, int]] | None]], bases: BaseLookup,
                     spool: Spool, loaded: LoadedClinic, schedule: Schedule) -> int:
    """All packets in order; a blank page after an odd-length packet keeps sheets apart.

    A fast-path packet is put together again from its layers, so each group's shared
    pages are stored once per chunk (a form XObject per page) instead of once per
    patient: the file is several times smaller. Whole-rendered packets (large print,
    long names) are copied from their files. Chunks of packets are written to disk
    as they are joined and the last step copies them into the file, reading from
    disk (``join.join_pdfs``, one chunk in memory at a time): the parent's memory
    does not grow with the day.
    """
    check_output_file(path)
    blanks = 0
    chunks: list[Path] = []
    tmp: str | None = None
    try:
        for start in range(0, len(parts), PRINT_RUN_CHUNK):
            chunk, added = _write_chunk(path.parent, parts[start:start + PRINT_RUN_CHUNK], bases, spool)
            chunks.append(chunk)
            blanks += added
        info = pikepdf.Dictionary(Title=pikepdf.String(f"{loaded.clinic.name}: print run {schedule.day.isoformat()}"),
                                  Producer=pikepdf.String(f"packets {__version__}"))
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            join_pdfs(chunks, out, info)  # one chunk in memory at a time
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    finally:
        for leftover in [*chunks, *([Path(tmp)] if tmp else [])]:
            leftover.unlink(missing_ok=True)
    return blanks


def _write_chunk(folder: Path, parts: list[tuple[Path, tuple[tuple, tuple[int, int]] | None]], bases: BaseLookup,
                 spool: Spool) -> tuple[Path, int]:
    """Some packets of the print run, joined into a temp file; and the blank pages added."""
    blanks = 0
    opened: list[pikepdf.Pdf] = []
    shared: dict[tuple, list[pikepdf.Object]] = {}
    fd, chunk = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        with pikepdf.new() as run:
            for file, layer in parts:
                base = bases.get(layer[0]) if layer else None
                if layer and base is not None and base.pdf is not None:
                    key, where = layer
                    if key not in shared:
                        opened.append(pikepdf.open(io.BytesIO(base.pdf)))
                        shared[key] = [run.copy_foreign(page.as_form_xobject()) for page in opened[-1].pages]
                    with pikepdf.open(io.BytesIO(spool.read(where))) as top_layer:
                        count = len(top_layer.pages)
                        memo: dict[tuple[int, int], Any] = {}  # one memo: the pages share their fonts
                        for index, top in enumerate(top_layer.pages):
                            page = run.add_blank_page(page_size=_size(top))
                            page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
                                Shared=shared[key][index], Patient=_copy_now(top.as_form_xobject(), run, memo)))
                            page.obj.Contents = run.make_stream(b"q /Shared Do Q q /Patient Do Q")
                else:
                    opened.append(pikepdf.open(file))
                    run.pages.extend(opened[-1].pages)
                    count = len(opened[-1].pages)
                if count % 2:
                    run.add_blank_page(page_size=_size(run.pages[-1]))
                    blanks += 1
            run.save(chunk)
    except BaseException:
        Path(chunk).unlink(missing_ok=True)
        raise
    finally:
        for document in opened:
            document.close()
    return Path(chunk), blanks


class Spool:
    """Patient layers waiting for the print run, in an unnamed 0600 temp file (gone when closed)."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder, prefix=TEMP_PREFIX)  # noqa: SIM115 - open for the spool's life
        self._end = 0

    def add(self, data: bytes) -> tuple[int, int]:
        self._file.seek(self._end)
        self._file.write(data)
        where = (self._end, len(data))
        self._end += len(data)
        return where

    def read(self, where: tuple[int, int]) -> bytes:
        self._file.seek(where[0])
        return self._file.read(where[1])

    def close(self) -> None:
        self._file.close()


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.mediabox
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def _copy_now(obj: pikepdf.Object, dest: pikepdf.Pdf, memo: dict) -> pikepdf.Object:
    """Copy ``obj`` and everything it references into ``dest``, stream data included.

    ``copy_foreign`` copies stream data lazily, so every source PDF would have to
    stay open until the print run is saved: about 0.25 MB per patient. Copying the
    small patient layer outright lets it be closed at once, so memory stays flat.
    """
    if isinstance(obj, pikepdf.Stream):
        if obj.objgen in memo:
            return memo[obj.objgen]
        stream = pikepdf.Stream(dest, obj.read_raw_bytes())
        memo[obj.objgen] = stream
        for key, value in obj.stream_dict.items():
            if key != "/Length":
                stream.stream_dict[key] = _copy_now(value, dest, memo)
        return stream
    if isinstance(obj, pikepdf.Dictionary):
        if obj.is_indirect and obj.objgen in memo:
            return memo[obj.objgen]
        copy = dest.make_indirect(pikepdf.Dictionary()) if obj.is_indirect else pikepdf.Dictionary()
        if obj.is_indirect:
            memo[obj.objgen] = copy
        for key, value in obj.items():
            copy[key] = _copy_now(value, dest, memo)
        return copy
    if isinstance(obj, pikepdf.Array):
        if obj.is_indirect and obj.objgen in memo:
            return memo[obj.objgen]
        array = pikepdf.Array([_copy_now(value, dest, memo) for value in obj])
        if obj.is_indirect:
            memo[obj.objgen] = array = dest.make_indirect(array)
        return array
    return obj  # names, numbers, strings: plain values
