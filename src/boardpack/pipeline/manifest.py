"""The manifest: ``manifest.json`` lists every document a build wrote, with its hash and pages.

With the meeting recorded in the cache (``.boardpack-cache/meeting.json``), it is how boardpack
knows an output folder is its own: only such a folder, of the same meeting, is replaced.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..util import sha256
from .paths import CACHE_DIR, MANIFEST, OWN_PREFIX

MEETING = "meeting.json"  # in the cache folder: the meeting the output folder was built for
OWN_FILES = {MANIFEST, "changes.json", "changes.md"}  # boardpack's even where an older manifest did not list them


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
        import pikepdf  # imported here: a build from the cache counts no pages

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


@dataclass(frozen=True)
class Owner:
    """The meeting an output folder is for: never the plan's absolute path, so a clone counts as the same."""

    committee: str
    date: str
    plan: str  # the plan folder's name

    def same_meeting(self, other: Owner) -> bool:
        """Return whether *other* is this meeting: two of committee, date and plan folder name agree.

        So a renamed committee, a moved date or a renamed plan folder is still the same meeting.
        """
        agree = (self.committee == other.committee, self.date == other.date, self.plan == other.plan)
        return sum(agree) >= 2

    def __str__(self) -> str:
        return f"{self.committee}, {self.date}, plan folder {self.plan}"


def write_owner(root: Path, owner: Owner) -> None:
    """Record in *root*'s cache which meeting the output folder holds."""
    (root / CACHE_DIR).mkdir(exist_ok=True)
    (root / CACHE_DIR / MEETING).write_text(json.dumps(asdict(owner)) + "\n", encoding="utf-8")


def refusal(out_dir: Path, owner: Owner) -> str | None:
    """Return why *out_dir* is not boardpack's output folder of *owner*'s meeting, or None if it is."""
    if not out_dir.is_dir():
        return None if not out_dir.exists() else "it is a file, not a folder"
    if not any(out_dir.iterdir()):
        return None
    if not (out_dir / MANIFEST).is_file():
        return "it is not empty and not a boardpack output folder (it has no manifest.json)"
    listed = listed_files(out_dir)
    if listed is None:
        return "its manifest.json is not one boardpack wrote"
    foreign = foreign_files(out_dir, listed | OWN_FILES)
    if foreign:
        more = f" (and {len(foreign) - 5} more)" if len(foreign) > 5 else ""
        return f"it holds files boardpack did not write: {', '.join(foreign[:5])}{more}"
    recorded = read_owner(out_dir)
    if recorded is not None and not recorded.same_meeting(owner):
        return f"it holds the output of another meeting ({recorded})"
    return None


def listed_files(out_dir: Path) -> set[str] | None:
    """Return the paths *out_dir*'s manifest lists, or None if it is not a manifest boardpack wrote."""
    try:
        entries = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None
    if not all(isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str) for e in entries):
        return None
    return {e["path"] for e in entries}


def foreign_files(out_dir: Path, own: set[str]) -> list[str]:
    """Return what in *out_dir* is neither in *own* (relative paths) nor boardpack's cache, sorted.

    A foreign folder is named once, not file by file; symbolic links are never followed.
    """
    folders = {parent.as_posix() for path in own for parent in Path(path).parents} - {"."}
    found = []
    for top, dirs, files in os.walk(out_dir):
        here = Path(top).relative_to(out_dir)
        for name in sorted(dirs):
            rel = (here / name).as_posix()
            if rel in folders:
                continue  # looked into
            dirs.remove(name)
            if here != Path(".") or not name.startswith(OWN_PREFIX):
                found.append(rel)  # a foreign folder is named as a whole
        found += [(here / name).as_posix() for name in files if (here / name).as_posix() not in own]
    return sorted(found)


def read_owner(out_dir: Path) -> Owner | None:
    """Return the meeting *out_dir* was built for, or None where not recorded (an older boardpack)."""
    try:
        return Owner(**json.loads((out_dir / CACHE_DIR / MEETING).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
