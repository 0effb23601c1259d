"""join_pdfs: the print run's last step, written to disk one source at a time, same pages as pikepdf joins them."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from packets.batch.join import join_pdfs


def _source(path: Path, label: str, pages: int) -> Path:
    """A small PDF with what a chunk has: shared forms and fonts, a stream, strings that look like references."""
    with pikepdf.new() as pdf:
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica, Widths=pikepdf.Array(list(range(40)))))
        shared = pdf.make_stream(b"0 0 1 rg 10 10 50 50 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                 BBox=[0, 0, 200, 200], Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
        for index in range(pages):
            page = pdf.add_blank_page(page_size=(200, 200))
            text = f"BT /F1 12 Tf 20 100 Td ({label} page {index} 1 0 R \\) [2 0 R]) Tj ET".encode()
            page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Shared=shared))
            page.obj.Contents = pdf.make_stream(b"q /Shared Do Q " + text)
            page.obj.PieceInfo = pikepdf.Dictionary(Note=pikepdf.String(f"(looks like 3 0 R) /Name 4 0 R <{label}>"))
        pdf.save(path)
    return path


def _canonical(obj: pikepdf.Object, seen: tuple = ()) -> object:
    """An object with every reference followed (except /Parent): equal when two files draw the same page."""
    if isinstance(obj, pikepdf.Stream):
        return ("stream", obj.read_bytes(), _canonical(obj.stream_dict, seen))
    if isinstance(obj, pikepdf.Dictionary):
        return {k: _canonical(v, seen) for k, v in obj.items() if k not in ("/Parent", "/Length")}
    if isinstance(obj, pikepdf.Array):
        return [_canonical(v, seen) for v in obj]
    return str(obj) if isinstance(obj, (pikepdf.String, pikepdf.Name)) else obj


def test_joined_pages_are_the_sources_pages_in_order(tmp_path: Path) -> None:
    sources = [_source(tmp_path / "a.pdf", "A", 3), _source(tmp_path / "b.pdf", "B", 2), _source(tmp_path / "c.pdf", "C", 1)]
    info = pikepdf.Dictionary(Title=pikepdf.String("Clinic: print run 2026-11-23 — é"), Producer=pikepdf.String("packets"))
    out = io.BytesIO()
    assert join_pdfs(sources, out, info) == 6
    expected = [_canonical(page.obj) for source in sources for page in pikepdf.open(source).pages]
    with pikepdf.open(io.BytesIO(out.getvalue()), attempt_recovery=False) as joined:
        assert joined.check_pdf_syntax() == []
        assert [_canonical(page.obj) for page in joined.pages] == expected
        assert str(joined.docinfo.Title) == "Clinic: print run 2026-11-23 — é"
        note = str(joined.pages[4].obj.PieceInfo.Note)
        assert note == "(looks like 3 0 R) /Name 4 0 R <B>"  # strings are never renumbered
        # shared objects stay shared: one font per source, not one per page
        assert len({page.obj.Resources.Font.F1.objgen for page in joined.pages}) == 3


def test_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    sources = [_source(tmp_path / "a.pdf", "A", 2), _source(tmp_path / "b.pdf", "B", 3)]
    info = pikepdf.Dictionary(Title=pikepdf.String("t"))
    first, second = io.BytesIO(), io.BytesIO()
    join_pdfs(sources, first, info)
    join_pdfs(sources, second, info)
    assert first.getvalue() == second.getvalue()
