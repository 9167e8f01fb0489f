"""Check a public pack for leaks: no text of a restricted document, no restricted title in its metadata.

First, page by page: every page of the pack must be a page of one of its public documents — the
same content streams and images, byte for byte once decoded — plus nothing but the assembler's
"Page N" stamp. When every page is accounted for, no restricted text can be there, and the check
is done in milliseconds. Otherwise the pack's text is read (pdftotext) and compared as runs of
eight words: a run counts as leaked when it occurs in a restricted document, in no public document
of the meeting (so shared boilerplate such as the banner or a standard paragraph is not a leak),
and in the public pack. A restricted document's text is taken from its PDF and from the .docx
boardpack rendered from the plan, so a converter that swapped PDFs cannot hide it (and every
converted PDF is checked against its .docx before it gets here: ``convert/verify.py``, which is what
makes a page of a public document a public page).

Titles are looked for in the metadata, bookmarks and the titles (/T) of the pack's sections in its
structure tree (what a screen reader lists) either way, as whole titles: a bookmark, section title or a
metadata value (or one entry of a list of them) that is the restricted title once its numbering
("3. ") is taken off, whatever the case and spacing. A public "3. Risk Management Update" does not
name a restricted "Risk Management".
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pikepdf

from ..errors import Location, Problem
from .assemble import stamp_pattern
from .pdftext import page_texts

RUN = 8
NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[a-z][.)])\s+")
WORD = re.compile(r"[0-9a-z£]+")  # a word of a run: lower-cased letters, digits and £
LIST_SEPARATOR = re.compile(r"\s*[;\n]\s*")
XMP_VALUE = re.compile(r">([^<>]+)<")
STAMP = stamp_pattern("Page {number}")  # boardpack's own wording; a pack worded otherwise passes its own


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
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def page_prints(pdf: Path, stamped: bool = False, stamp: re.Pattern[bytes] = STAMP) -> list[str | None]:
    """Return a digest of each page's content: its content streams and the XObjects it draws.

    With *stamped*, the page must be framed by the assembler (a first stream ``q``, a last stream
    that is the "Page N" stamp, *stamp* its exact bytes) and the frame is left out; a page that is not
    gives None.
    """
    prints: list[str | None] = []
    with pikepdf.open(pdf) as doc:
        seen: dict[tuple[int, int], bytes] = {}
        for page in doc.pages:
            streams = _as_list(page.obj.get("/Contents"))
            if stamped:
                if (
                    len(streams) < 2
                    or streams[0].read_bytes() != b"q\n"
                    or not stamp.fullmatch(streams[-1].read_bytes())
                ):
                    prints.append(None)
                    continue
                streams = streams[1:-1]
            digest = hashlib.sha256()
            for stream in streams:
                digest.update(hashlib.sha256(stream.read_bytes()).digest())
            digest.update(_xobjects(page.obj.get("/Resources"), seen))
            prints.append(digest.hexdigest())
    return prints


def _xobjects(resources, seen: dict[tuple[int, int], bytes]) -> bytes:
    """Digest the XObjects of *resources* by name, forms with their own XObjects in turn."""
    digest = hashlib.sha256()
    xobjects = resources.get("/XObject") if resources is not None else None
    for name in sorted(xobjects.keys()) if xobjects is not None else ():
        xobject = xobjects[name]
        key = xobject.objgen
        if key not in seen or key == (0, 0):
            seen[key] = b""  # a form that draws itself stops here
            part = hashlib.sha256(_stream_bytes(xobject))
            part.update(_xobjects(xobject.get("/Resources"), seen))
            seen[key] = part.digest()
        digest.update(name.encode("utf-8") + seen[key])
    return digest.digest()


def _stream_bytes(stream) -> bytes:
    """A stream's bytes decoded where qpdf can (it may recompress those when saving), else raw (JPEG)."""
    try:
        return stream.read_bytes()
    except pikepdf.PdfError:
        return stream.read_raw_bytes()


def _as_list(obj) -> list:
    if obj is None:
        return []
    return list(obj) if isinstance(obj, pikepdf.Array) else [obj]


def find_leaks(
    pack: Path,
    restricted: dict[Path, str],
    public: list[Path],
    report_as: Path | None = None,
    text: Callable[[Path], str] = pdf_text,
    prints: Callable[[Path], list[str | None]] = page_prints,
    stamp: re.Pattern[bytes] = STAMP,
    plan: Callable[[Path], str | None] = lambda pdf: None,
    defer_text: bool = False,
) -> list[Problem] | None:
    """Return a problem for each restricted document (pdf -> title) whose text or title leaked into *pack*.

    *public* are the documents whose text may appear; problems name *report_as* (the pack's final path).
    *text* and *prints* read a PDF's text and page digests (caching ones save re-reading unchanged documents);
    *stamp* is the pattern of the pack's own page stamp; *plan* gives a restricted PDF's plan-side text
    (of the .docx it was converted from), or None for one not converted. With *defer_text*, return
    None rather than read the restricted PDFs' text (they may not be final yet) when a page of *pack*
    is not a page of a *public* document: the caller checks the pack again once they are.
    """
    where = Location(report_as or pack)
    problems = []
    if not accounted_for(pack, public, prints, stamp):
        if defer_text:
            return None
        problems += _text_leaks(pack, restricted, public, where, text, plan)
    labels = _metadata_and_bookmarks(pack)
    for title in set(restricted.values()):
        for label, value in labels:
            if as_title(title) in {as_title(entry) for entry in [value, *LIST_SEPARATOR.split(value)]}:
                problems.append(Problem(where, f"{label} names restricted '{title}'"))
    return problems


def as_title(value: str) -> str:
    """Return *value* as a title to compare: numbering ("3. ", "a) ") off, case and spacing normalised."""
    value = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return NUMBERING.sub("", value)


def accounted_for(
    pack: Path,
    public: list[Path],
    prints: Callable[[Path], list[str | None]] = page_prints,
    stamp: re.Pattern[bytes] = STAMP,
) -> bool:
    """Whether every page of *pack* is a stamped page of one of the *public* documents."""
    known = set().union(*(prints(pdf) for pdf in public))
    known.discard(None)
    return all(found in known for found in page_prints(pack, stamped=True, stamp=stamp))


def _text_leaks(pack: Path, restricted: dict[Path, str], public: list[Path], where, text, plan) -> list[Problem]:
    allowed: set[tuple[str, ...]] = set()
    for pdf in public:
        allowed |= runs(text(pdf))
    in_pack = runs(text(pack))
    problems = []
    for pdf, title in restricted.items():
        leaked = ((runs(text(pdf)) | runs(plan(pdf) or "")) - allowed) & in_pack
        if leaked:
            sample = " ".join(sorted(leaked)[0])
            problems.append(
                Problem(where, f"holds text of restricted '{title}' ({len(leaked)} passages, e.g. “{sample}”)")
            )
    return problems


def _metadata_and_bookmarks(pack: Path) -> list[tuple[str, str]]:
    with pikepdf.open(pack) as pdf:
        found = [(f"metadata {key}", str(value)) for key, value in pdf.docinfo.items()]
        found += [("XMP metadata", html.unescape(v)) for v in XMP_VALUE.findall(str(pdf.open_metadata()))]
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                found.append(("bookmark", item.title))
                stack.extend(item.children)
        found += [("section title", title) for title in section_titles(pdf)]
    return found


def section_titles(pdf: pikepdf.Pdf) -> list[str]:
    """Return the /T of the structure tree's top elements and their children (a pack's /Sect parts), in order."""
    root = pdf.Root.get("/StructTreeRoot")
    tops = _as_list(root.get("/K")) if root is not None else []
    titles = []
    for element in tops + [kid for top in tops for kid in _as_list(top.get("/K"))]:
        if isinstance(element, pikepdf.Dictionary) and "/T" in element:
            titles.append(str(element.T))
    return titles
