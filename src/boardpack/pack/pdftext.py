"""Read the text of a PDF back, page by page, as a reader (or a leak check) would see it."""

from __future__ import annotations

from pathlib import Path


def page_texts(pdf: Path) -> list[str]:
    """Return the extracted text of each page of *pdf*."""
    from pypdf import PdfReader  # imported here: a build whose packs all come from the cache reads none

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def body_text(pdf: Path, marking: str) -> str:
    """Return the text of *pdf* without the running header and footer (marking and page number)."""
    lines: list[str] = []
    for text in page_texts(pdf):
        page = text.splitlines()
        if page and page[0].strip() == marking:
            page = page[1:]
        if page and page[-1].split()[:1] == [marking]:
            page = page[:-1]
        lines.extend(page)
    return "\n".join(lines)
