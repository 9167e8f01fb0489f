"""Check that the PDF a converter returned is the document that was sent to it.

LibreOffice, or a unoserver shared with others, is trusted with nothing: a PDF is used (cached,
normalised, packed) only once it is readable and its words are the words of the .docx it came
from. Both are read as words — letters only, lower-cased, ligatures and line-end hyphens undone —
so that numbers LibreOffice works out itself (page numbers, list numbers, fields) and its line
breaks do not count. The words must agree both ways, allowing for a few words a converter
legitimately adds or drops (a refreshed table of contents or cross-reference, a word broken across
a narrow column), so a different document of the same meeting, or a truncated one, is refused.
Hidden text (``w:vanish``) is left out of the .docx's words. A list's labels ("(a)", "(iv)"), which
Word numbering prints but no run holds, are worked out from ``word/numbering.xml`` for the
paragraphs it numbers and count as the .docx's words; nothing else is added.

Reading a PDF's text costs about 5–10 ms a page, so of a long PDF only SAMPLE pages at its start
and at its end are read: their words must be the document's, and the first and last words of its
body must be among them (a 200-page appendix is checked in a fraction of a second, not in seconds).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

from lxml import etree

TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|charts/chart\d*|diagrams/data\d*)\.xml")
TEXT_RUN = re.compile(rb"<(w:t|a:t|m:t|c:v)(?:\s[^>]*)?>([^<]*)</\1>|<w:(tab|br|cr)\b[^>]*/>|</w:p>|</a:p>")
HYPHEN_AT_BREAK = re.compile(r"(?<=\w)[-\u00ad\u2010\u2011]\s*(?=\w)")
WORD = re.compile(r"[^\W\d_]+")
HIDDEN_RUN = re.compile(rb'<w:r(?:\s[^>]*)?>(?:(?!</w:r>).)*?<w:vanish(?: w:val="(?:true|1|on)")?/>.*?</w:r>', re.S)
ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
TOLERANCE = 0.03  # the share of a document's distinct words the other side may lack, plus SLACK words
SLACK = 2
SAMPLE = 5  # pages read at the start and at the end of a PDF longer than twice this
ENDS = 40  # words at either end of the body that a sampled PDF must show


class Unreadable(Exception):
    """The PDF cannot be read as a PDF (garbage, truncated, empty): what it is, and maybe why."""

    def __init__(self, what: str, why: str = ""):
        super().__init__(what + (f" ({why})" if why else ""))
        self.what, self.why = what, why


def words(text: str) -> list[str]:
    """Return the words of *text*: letters only, lower-cased, ligatures split, hyphenated words joined.

    Joining at every hyphen (``cross-referenced`` -> ``crossreferenced``) is what makes a word
    LibreOffice broke at the end of a line, which pdftotext joins, equal to the word in the .docx.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return WORD.findall(HYPHEN_AT_BREAK.sub("", text))


def docx_text(docx: Path) -> str:
    """Return the text of *docx* as Word stores it: body, headers, footers, notes, charts; a line a paragraph."""
    return "\n".join(docx_parts(docx).values())


def docx_parts(docx: Path) -> dict[str, str]:
    """Return the text of each part of *docx* that shows text, by name, the body (word/document.xml) first."""
    with zipfile.ZipFile(docx) as archive:
        names = sorted((n for n in archive.namelist() if TEXT_PARTS.fullmatch(n)), key=lambda n: (n != BODY, n))
        return {name: _xml_text(archive.read(name)) for name in names}


BODY = "word/document.xml"


def _xml_text(xml: bytes) -> str:
    if b"<w:vanish" in xml:  # hidden text is in the .docx, never in its PDF
        xml = HIDDEN_RUN.sub(b"", xml)
    pieces = []
    for match in TEXT_RUN.finditer(xml):
        if match.group(2) is not None:
            pieces.append(match.group(2).decode("utf-8"))
        else:
            pieces.append(" " if match.group(3) == b"tab" else "\n")
    return re.sub(r"&(lt|gt|quot|apos|amp);", lambda m: ENTITIES[m.group(0)], "".join(pieces))


def pdf_text(pdf: Path, first: int = 1, last: int = 0) -> str:
    """Return the text of *pdf*, pages *first* to *last* (0: to its end) with poppler's pdftotext, else
    pypdf; raise Unreadable if it is no PDF."""
    _check_ends(pdf)
    tool = shutil.which("pdftotext")
    if tool:
        pages = ["-f", str(first)] + (["-l", str(last)] if last else [])
        result = subprocess.run([tool, "-q", *pages, str(pdf), "-"], capture_output=True, check=False)
        if result.returncode != 0:
            raise Unreadable("an unreadable PDF")
        return result.stdout.decode("utf-8", "replace")
    from pypdf import PdfReader  # imported here: only a machine without pdftotext reads PDFs with it
    from pypdf.errors import PyPdfError

    try:
        found = PdfReader(pdf).pages[first - 1 : last or None]
        return "\n".join(page.extract_text() or "" for page in found)
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise Unreadable("an unreadable PDF") from exc


def _check_ends(pdf: Path) -> None:
    """Raise Unreadable unless *pdf* begins as a PDF and ends as one: a half-written PDF has no %%EOF,
    and poppler and qpdf would both make something of it."""
    head, size = _head(pdf)
    if size == 0:
        raise Unreadable("an empty PDF")
    if not head.startswith(b"%PDF-") or b"%%EOF" not in _tail(pdf):
        raise Unreadable("an unreadable PDF")


def _sample(pdf: Path) -> tuple[str, bool]:
    """Return the text of *pdf*, or of its first and last SAMPLE pages when it is longer than twice
    that; and whether that is all of it."""
    import pikepdf  # imported here: a build whose documents all come from the cache checks none

    _check_ends(pdf)
    try:
        with pikepdf.open(pdf) as opened:
            count = len(opened.pages)
    except pikepdf.PdfError:
        raise Unreadable("an unreadable PDF") from None
    if count <= 2 * SAMPLE:
        return pdf_text(pdf), True
    return pdf_text(pdf, 1, SAMPLE) + "\n" + pdf_text(pdf, count - SAMPLE + 1, count), False


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
    text, whole = _sample(pdf)
    found = set(words(text))
    parts = docx_parts(docx)
    known = set(words("\n".join(parts.values()))) | set(words(" ".join(numbering_labels(docx))))
    if known and not found:  # a PDF of pages without text (recovered from a truncated file, or blank)
        raise Unreadable("an unreadable PDF", "no text in it")
    body = words(parts.get(BODY, ""))
    expected = known if whole else set(body[:ENDS] + body[-ENDS:])  # the pages read show its start and end
    extra, missing = _unmatched(found, known), _unmatched(expected, found)
    if len(extra) > _allowed(found) or len(missing) > _allowed(expected):
        return (
            f"the converter returned a different document ({len(extra)} of the {len(found)} distinct words of its "
            f"PDF are not in the .docx sent, {len(missing)} of {len(expected)} of the .docx's are not in the PDF)"
            " instead"
        )
    return None


def _unmatched(these: set[str], among: set[str]) -> set[str]:
    """Return the words of *these* not in *among*, read either way: text after a right-to-left override
    (U+202E) prints reversed, and a PDF's text of it is the .docx's words mirrored."""
    return {w for w in these if w not in among and w[::-1] not in among}


def _allowed(distinct: set[str]) -> int:
    return SLACK + int(TOLERANCE * len(distinct))


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LABEL_PLACE = re.compile(r"%([1-9])")
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def numbering_labels(docx: Path) -> list[str]:
    """Return the labels Word numbering prints before the paragraphs of *docx* it numbers, in order:
    "(a)", "(b)" … for a lettered list, "•" for a bullet; [] when nothing is numbered."""
    with zipfile.ZipFile(docx) as archive:
        names = set(archive.namelist())
        if "word/numbering.xml" not in names or BODY not in names:
            return []
        numbering = _Numbering(*(_parse(archive, n) for n in ("word/numbering.xml", "word/styles.xml")))
        xml = archive.read(BODY)
    if numbering.root is None or not _may_number(xml, numbering):
        return []
    body = _parse_xml(xml)
    if body is None:
        return []
    labels = []
    for para in body.iter(W + "p"):
        label = numbering.label(para)
        if label:
            labels.append(label)
    return labels


def _parse(archive: zipfile.ZipFile, name: str):
    try:
        return _parse_xml(archive.read(name))
    except KeyError:
        return None


def _parse_xml(xml: bytes):
    try:
        return etree.fromstring(xml, XML_PARSER)
    except etree.XMLSyntaxError:
        return None


NUMBERED = re.compile(rb"<(?:[\w.-]+:)?numPr\b")
STYLED = re.compile(rb"<(?:[\w.-]+:)?pStyle\b[^>]*?(?:[\w.-]+:)?val=([\"'])(.*?)\1")
ESCAPED = re.compile(r"[&<>\"']")


def _may_number(xml: bytes, numbering: _Numbering) -> bool:
    """Whether a paragraph of the body *xml* may be numbered, as ``_Numbering.label`` reads it, told from its
    bytes without parsing it (a 10-page table of a long appendix's part numbers nothing): when a list is
    defined and a paragraph has numbering of its own or a style that numbers. A paragraph with no style
    numbers if a numbered style has no id; a style id that XML would escape is never told from bytes."""
    if not numbering.nums:
        return False
    if NUMBERED.search(xml) or "" in numbering.styles:
        return True
    used = {match.group(2).decode("utf-8", "replace") for match in STYLED.finditer(xml)}
    return any(ESCAPED.search(style) for style in used | set(numbering.styles)) or bool(used & set(numbering.styles))


def _val(element, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return found.get(W + "val") if found is not None else None


class _Numbering:
    """The numbering of a .docx: its lists' levels, its styles' lists, and the count of each list."""

    def __init__(self, root, styles):
        self.root = root
        self.levels: dict[str, dict[str, tuple[str, str, int]]] = {}  # abstractNum -> ilvl -> fmt, text, start
        self.nums: dict[str, tuple[str, dict[str, int]]] = {}  # numId -> abstractNum, start overrides
        self.counts: dict[tuple[str, str], list[int]] = {}
        if root is None:
            return
        for abstract in root.iter(W + "abstractNum"):
            self.levels[abstract.get(W + "abstractNumId")] = {
                lvl.get(W + "ilvl"): (
                    _val(lvl, W + "numFmt") or "decimal",
                    _val(lvl, W + "lvlText") or "",
                    int(_val(lvl, W + "start") or 1),
                )
                for lvl in abstract.iter(W + "lvl")
            }
        for num in root.iter(W + "num"):
            starts = {o.get(W + "ilvl"): int(_val(o, W + "startOverride") or 1) for o in num.iter(W + "lvlOverride")}
            self.nums[num.get(W + "numId")] = (_val(num, W + "abstractNumId") or "", starts)
        self.styles = _style_lists(styles)

    def label(self, para) -> str:
        """Count *para* in its list and return the label it prints, or "" when it is not numbered."""
        ppr = para.find(W + "pPr")
        num_id, level = self.styles.get(_val(ppr, W + "pStyle") or "", (None, "0"))
        num_id = _val(ppr, f"{W}numPr/{W}numId") or num_id
        level = _val(ppr, f"{W}numPr/{W}ilvl") or level
        if num_id not in self.nums:
            return ""
        abstract, starts = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if level not in levels or not level.isdigit():
            return ""
        count = self._count((num_id if starts else abstract, abstract), int(level), levels, starts)
        fmt, text, _ = levels[level]
        if fmt == "bullet":
            return text
        return LABEL_PLACE.sub(lambda m: _format(count[int(m.group(1)) - 1], levels, m.group(1)), text)

    def _count(self, key: tuple[str, str], level: int, levels, starts: dict[str, int]) -> list[int]:
        """Advance list *key* at *level* (deeper levels start again) and return its counters."""
        if key not in self.counts:
            self.counts[key] = [starts.get(str(i), levels.get(str(i), ("", "", 1))[2]) - 1 for i in range(9)]
        counters = self.counts[key]
        counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = starts.get(str(deeper), levels.get(str(deeper), ("", "", 1))[2]) - 1
        return counters


def _style_lists(styles) -> dict[str, tuple[str, str]]:
    """Return, by paragraph style id, the (numId, ilvl) it numbers with, its own or a base style's."""
    if styles is None:
        return {}
    own, based = {}, {}
    for style in styles.iter(W + "style"):
        sid = style.get(W + "styleId") or ""
        num_id = _val(style, f"{W}pPr/{W}numPr/{W}numId")
        if num_id:
            own[sid] = (num_id, _val(style, f"{W}pPr/{W}numPr/{W}ilvl") or "0")
        based[sid] = _val(style, W + "basedOn")
    found = {}
    for sid in based:
        at, seen = sid, set()
        while at and at not in own and at not in seen:
            seen.add(at)
            at = based.get(at)
        if at in own:
            found[sid] = own[at]
    return found


ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"))
ROMAN += ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _format(count: int, levels, level: str) -> str:
    """*count* as the level's number format prints it: Word's letters run a … z, aa, bb … zz, aaa."""
    fmt = levels.get(str(int(level) - 1), ("decimal", "", 1))[0]
    if fmt in ("lowerLetter", "upperLetter") and count > 0:
        text = chr(ord("a") + (count - 1) % 26) * ((count - 1) // 26 + 1)
        return text if fmt == "lowerLetter" else text.upper()
    if fmt in ("lowerRoman", "upperRoman") and count > 0:
        text = ""
        for value, digits in ROMAN:
            while count >= value:
                text, count = text + digits, count - value
        return text if fmt == "lowerRoman" else text.upper()
    return str(count)
