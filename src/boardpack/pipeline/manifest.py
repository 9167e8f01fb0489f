"""The manifest: ``manifest.json`` lists every document a build wrote, with its hash and pages."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf

from ..util import sha256

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Document:
    """One file of the output folder, as the manifest records it."""

    path: str  # relative to the output folder, with forward slashes
    kind: str  # "report", "appendix", "pack" …
    paper: str | None
    restricted: bool
    marking: str
    pages: int | None
    sha256: str


def describe(root: Path, path: Path, kind: str, paper: str | None, restricted: bool, marking: str) -> Document:
    """Return the manifest entry of the file at *path* inside *root*."""
    pages = page_count(path) if path.suffix == ".pdf" else None
    return Document(
        path=path.relative_to(root).as_posix(),
        kind=kind,
        paper=paper,
        restricted=restricted,
        marking=marking,
        pages=pages,
        sha256=sha256(path),
    )


def page_count(pdf: Path) -> int:
    """Return the number of pages of *pdf* (pikepdf reads the page tree only, not every object).

    Remembered by the file's identity (device, inode, size, modification time): a build asks for
    the same documents' pages several times, and a cached document keeps its inode when linked.
    """
    info = pdf.stat()
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _pages:
        with pikepdf.open(pdf) as doc:
            _pages[key] = len(doc.pages)
    return _pages[key]


_pages: dict[tuple[int, int, int, int], int] = {}


def write_manifest(root: Path, documents: list[Document]) -> Path:
    """Write ``manifest.json`` (a list of documents) into *root* and return its path."""
    out = root / MANIFEST
    out.write_text(json.dumps([asdict(d) for d in documents], indent=2) + "\n", encoding="utf-8")
    return out


def read_manifest(root: Path) -> list[Document]:
    """Return the documents listed in *root*'s manifest."""
    return [Document(**entry) for entry in json.loads((root / MANIFEST).read_text(encoding="utf-8"))]
