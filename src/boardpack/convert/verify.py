"""Check that the PDF a converter returned is the document that was sent to it.

LibreOffice, or a unoserver shared with others, is trusted with nothing: a PDF is used (cached,
normalised, packed) only once it is readable and its words are the words of the .docx it came
from. Both are read as words — letters only, lower-cased, ligatures and line-end hyphens undone —
so that numbers LibreOffice works out itself (page numbers, list numbers, fields) and its line
breaks do not count. The words must agree both ways, allowing for a few words a converter
legitimately adds or drops (a refreshed table of contents, hidden text), so a different document
of the same meeting, or a truncated one, is refused.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|charts/chart\d*|diagrams/data\d*)\.xml")
TEXT_RUN = re.compile(rb"<(w:t|a:t|m:t|c:v)(?:\s[^>]*)?>([^<]*)</\1>|<w:(tab|br|cr)\b[^>]*/>|</w:p>|</a:p>")
HYPHEN_AT_BREAK = re.compile(r"(?<=\w)[-\u00ad\u2010\u2011]\s*(?=\w)")
WORD = re.compile(r"[^\W\d_]+")
ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
TOLERANCE = 0.05  # the share of a document's distinct words the other side may lack, plus SLACK words
SLACK = 2


class Unreadable(Exception):
    """The PDF cannot be read as a PDF (garbage, truncated, empty)."""


def words(text: str) -> list[str]:
    """Return the words of *text*: letters only, lower-cased, ligatures split, hyphenated words joined.

    Joining at every hyphen (``cross-referenced`` -> ``crossreferenced``) is what makes a word
    LibreOffice broke at the end of a line, which pdftotext joins, equal to the word in the .docx.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return WORD.findall(HYPHEN_AT_BREAK.sub("", text))


def docx_text(docx: Path) -> str:
    """Return the text of *docx* as Word stores it: body, headers, footers, notes, charts; a line a paragraph."""
    parts = []
    with zipfile.ZipFile(docx) as archive:
        for name in sorted(n for n in archive.namelist() if TEXT_PARTS.fullmatch(n)):
            parts.append(_xml_text(archive.read(name)))
    return "\n".join(parts)


def _xml_text(xml: bytes) -> str:
    pieces = []
    for match in TEXT_RUN.finditer(xml):
        if match.group(2) is not None:
            pieces.append(match.group(2).decode("utf-8"))
        else:
            pieces.append(" " if match.group(3) == b"tab" else "\n")
    return re.sub(r"&(lt|gt|quot|apos|amp);", lambda m: ENTITIES[m.group(0)], "".join(pieces))


def pdf_text(pdf: Path) -> str:
    """Return the text of *pdf* (poppler's pdftotext, else pypdf); raise Unreadable if it is no PDF."""
    data_head, size = _head(pdf)
    if size == 0:
        raise Unreadable("an empty PDF")
    if not data_head.startswith(b"%PDF-") or b"%%EOF" not in _tail(pdf):
        raise Unreadable("an unreadable PDF")  # a half-written PDF has no %%EOF: poppler would guess at it
    tool = shutil.which("pdftotext")
    if tool:
        result = subprocess.run([tool, "-q", str(pdf), "-"], capture_output=True, check=False)
        if result.returncode != 0:
            raise Unreadable("an unreadable PDF")
        return result.stdout.decode("utf-8", "replace")
    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise Unreadable("an unreadable PDF") from exc


def _head(pdf: Path) -> tuple[bytes, int]:
    with pdf.open("rb") as file:
        return file.read(1024), pdf.stat().st_size


def _tail(pdf: Path) -> bytes:
    with pdf.open("rb") as file:
        file.seek(max(0, pdf.stat().st_size - 2048))
        return file.read()


def mismatch(docx: Path, pdf: Path) -> str | None:
    """Return what is wrong with *pdf* as the conversion of *docx*, or None when it is that document.

    Words are compared as sets: the PDF repeats headers on every page and table headings on every
    page of a table, and its reading order of a table need not be Word's. Raises Unreadable.
    """
    found = set(words(pdf_text(pdf)))
    sent = set(words(docx_text(docx)))
    if sent and not found:  # a PDF of pages without text (recovered from a truncated file, or blank)
        raise Unreadable("an unreadable PDF (no text in it)")
    extra, missing = found - sent, sent - found
    if len(extra) > _allowed(found) or len(missing) > _allowed(sent):
        return (
            f"the converter returned a different document ({len(extra)} of the {len(found)} words of its PDF are "
            f"not in the .docx sent, {len(missing)} of the {len(sent)} words of the .docx are not in the PDF) instead"
        )
    return None


def _allowed(distinct: set[str]) -> int:
    return SLACK + int(TOLERANCE * len(distinct))
