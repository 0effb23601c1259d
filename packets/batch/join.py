"""Join PDF files into one, written straight to disk, one source file in memory at a time.

Why not pikepdf (QPDF) for the last step: QPDF keeps every object of the document it
writes in memory, about 3 KB each once parsed (a font's widths array is hundreds of
objects), so joining a whole day's print run cost the parent about 0.17 MB per packet
(443 MB at 2,000 rows). pypdf and pdfrw hold the whole document too. Here each source
(a chunk of the print run, itself written by pikepdf) is opened with pikepdf, its
objects are copied to the output with new numbers, and it is closed before the next;
only the output's cross-reference offsets and page numbers stay in memory (a few
bytes per object).

Each object is serialized by QPDF (``unparse``); only its indirect references are
renumbered, by a tokenizer that skips strings and names, so a ``1 0 R`` inside a
string is never touched. Stream data is copied raw (already compressed). Each source's
catalog and page-tree root are dropped: its pages get the output's page tree as parent.
The file ID is a hash of what was written, so the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pikepdf

# One token at a time, leftmost first: a literal string (QPDF escapes every parenthesis
# inside one), a hex string, a name, or an indirect reference. Only references change.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|<[0-9A-Fa-f\s]*>|/[^\s()<>\[\]{}/%]*|(?<![\d.+-])(\d+) (\d+) R\b", re.DOTALL)
CATALOG, PAGES, INFO = 1, 2, 3  # the output's own objects; sources' objects follow


class _Out:
    """The output file, its write position, the offset of each object, and a running hash for the ID."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.position, self.digest = file, 0, hashlib.md5()
        self.offsets: dict[int, int] = {}

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.position += len(data)

    def object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n" % number + body + b"\n")
        if stream is not None:
            self.write(b"stream\n" + stream + b"\nendstream\n")
        self.write(b"endobj\n")


def join_pdfs(sources: Iterable[Path], out: BinaryIO, info: pikepdf.Dictionary) -> int:
    """Write every page of ``sources``, in order, to ``out`` with ``info`` as document info; returns the page count."""
    target = _Out(out)
    target.write(b"%PDF-1.3\n%\xbf\xf7\xa2\xfe\n")  # patched below if a source needs a later version
    version = "1.3"
    kids: list[int] = []
    following = INFO + 1
    for source in sources:
        with pikepdf.open(source) as pdf:
            version = max(version, pdf.pdf_version, key=lambda v: tuple(int(p) for p in v.split(".")))
            if set(pdf.Root.Pages.keys()) - {"/Type", "/Kids", "/Count"}:  # e.g. /Resources its pages inherit
                raise ValueError(f"{source.name}: its page tree holds attributes its pages inherit; they would be lost")
            skip = {pdf.Root.objgen: CATALOG, pdf.Root.Pages.objgen: PAGES}
            numbers: dict[tuple[int, int], int] = dict(skip)
            objects = [obj for obj in pdf.objects if obj.is_indirect and obj.objgen not in skip]
            for obj in objects:
                numbers[obj.objgen] = following
                following += 1

            def renumber(match: re.Match, numbers: dict = numbers) -> bytes:
                if match.group(1) is None:
                    return match.group(0)
                new = numbers.get((int(match.group(1)), int(match.group(2))))
                return b"null" if new is None else b"%d 0 R" % new  # a reference to nothing reads as null

            for obj in objects:
                if isinstance(obj, pikepdf.Stream):
                    raw = obj.read_raw_bytes()
                    head = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
                    body = _TOKEN.sub(renumber, head.unparse()[:-2]) + b"/Length %d >>" % len(raw)
                    target.object(numbers[obj.objgen], body, raw)
                else:
                    target.object(numbers[obj.objgen], _TOKEN.sub(renumber, obj.unparse(resolved=True)))
            kids.extend(numbers[page.obj.objgen] for page in pdf.pages)
    target.object(CATALOG, b"<< /Pages 2 0 R /Type /Catalog >>")
    target.object(PAGES, b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
    target.object(INFO, info.unparse())
    xref = target.position
    target.write(b"xref\n0 %d\n0000000000 65535 f \n" % following)
    target.write(b"".join(b"%010d 00000 n \n" % target.offsets[n] for n in range(1, following)))
    file_id = target.digest.hexdigest().encode()
    target.write(b"trailer << /Size %d /Root 1 0 R /Info 3 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
                 % (following, file_id, file_id, xref))
    if version != "1.3":
        out.seek(0)
        out.write(b"%%PDF-%s" % version.encode()[:3])
    return len(kids)
