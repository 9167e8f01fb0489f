"""Check a public pack for leaks: no text of a restricted document, no restricted title in its metadata.

Text is compared as runs of eight words. A run counts as leaked when it occurs in a restricted
document, in no public document of the meeting (so shared boilerplate such as the banner or a
standard paragraph is not a leak), and in the public pack.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf

from .errors import Location, Problem
from .pdftext import page_texts

RUN = 8


def pdf_text(pdf: Path) -> str:
    """Return the text of *pdf*: with poppler's pdftotext when installed (fast), else with pypdf."""
    tool = shutil.which("pdftotext")
    if tool:
        result = subprocess.run([tool, "-q", str(pdf), "-"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout
    return "\n".join(page_texts(pdf))


def runs(text: str, size: int = RUN) -> set[tuple[str, ...]]:
    """Return every run of *size* consecutive words of *text*, lower-cased, punctuation dropped."""
    words = re.findall(r"[0-9a-z£]+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def find_leaks(
    pack: Path,
    restricted: dict[Path, str],
    public: list[Path],
    report_as: Path | None = None,
    text: Callable[[Path], str] = pdf_text,
) -> list[Problem]:
    """Return a problem for each restricted document (pdf -> title) whose text or title leaked into *pack*.

    *public* are the documents whose text may appear; problems name *report_as* (the pack's final path).
    *text* extracts a PDF's text (a caching one saves re-reading unchanged documents).
    """
    where = Location(report_as or pack)
    allowed: set[tuple[str, ...]] = set()
    for pdf in public:
        allowed |= runs(text(pdf))
    in_pack = runs(text(pack))
    problems = []
    for pdf, title in restricted.items():
        leaked = (runs(text(pdf)) - allowed) & in_pack
        if leaked:
            sample = " ".join(sorted(leaked)[0])
            problems.append(
                Problem(where, f"holds text of restricted '{title}' ({len(leaked)} passages, e.g. “{sample}”)")
            )
    labels = _metadata_and_bookmarks(pack)
    for title in set(restricted.values()):
        for label, value in labels:
            if title.lower() in value.lower():
                problems.append(Problem(where, f"{label} names restricted '{title}'"))
    return problems


def _metadata_and_bookmarks(pack: Path) -> list[tuple[str, str]]:
    with pikepdf.open(pack) as pdf:
        found = [(f"metadata {key}", str(value)) for key, value in pdf.docinfo.items()]
        found.append(("XMP metadata", str(pdf.open_metadata())))
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                found.append(("bookmark", item.title))
                stack.extend(item.children)
    return found
