"""The attached appendix: an existing PDF put in as it is, or a Word document converted with the papers.

A PDF's pages are copied unchanged and stamped, as artifacts a screen reader skips, with the
appendix's marking at the head and foot and "Appendix N" at the head. A Word document gets the
appendix heading as its first paragraph and the marking in every header and footer; neither is ever
read as a template, so whatever it says prints as typed. Both have their properties replaced by the
plan's, so nothing of the file's own metadata (an author, a path, a title) is published (a PDF's XMP
claims PDF/UA-1 only when the file is tagged): a Word
document also loses its custom and extended properties and custom XML items. A Word document comes
from outside, so it is sanitised first (``sanitize.py``): nothing it links is fetched or included,
its tracked changes are accepted, its comments removed and its hidden text deleted.

A PDF that is not tagged (no structure tree, or not /MarkInfo /Marked) cannot be made accessible
here: a screen reader finds no headings, no reading order, maybe no text. ``check`` and ``build``
warn at the appendix's line that the packs holding it will not be accessible.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path

import pikepdf
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ..errors import Location, PlanError, Problem, Problems
from ..plan.model import AttachedFile, Plan
from ..render.accessible import embed_style_map, link_addresses
from ..render.audit import has_header_row
from ..render.properties import APP_XML, describe
from ..sanitize import NotWordDocument, sanitize_docx
from ..stampfont import add_font, pdf_string, stamp_font, stampable
from ..util import save_pdf
from ..xmp import Described, claims_ua, describe_pdf, is_tagged, version_at_least

STAMP_SIZE = 9
FONT_KEY = "/BPMark"
MARGIN = 14  # points from the page edge
MAX_ATTACHED = 50 * 1024 * 1024  # bytes: larger than any board paper; checked before the file is read


def check_attached(plan: Plan, problems: Problems) -> None:
    """Record a problem for every attached file that is too large, unreadable or not what its name says.

    Run by ``check``, so a damaged PDF or a .docx that is not a Word document is named at its
    appendix's line before any build work, not found by the build halfway.
    """
    for paper in plan.papers:
        for appendix in paper.appendices:
            source = appendix.source
            if isinstance(source, AttachedFile):
                path = paper.loc.file.parent / source.file
                why, warning = inspect_attached(path, source.is_pdf)
                if why:
                    problems.add(source.loc, f"appendix file {source.file}: {why}")
                elif warning:
                    problems.warn(source.loc, f"appendix file {source.file}: {warning}")


UNTAGGED = (
    "the PDF is not tagged, so a screen reader cannot follow it and the packs that include it will not be "
    "accessible (PDF/UA); ask its author for a tagged PDF, or attach the Word document instead"
)


NO_HEADER = (
    "{n} table(s) have no header row, so a screen reader cannot say what a column holds and the packs "
    "will not be accessible (PDF/UA); in Word, mark each table's first row 'Repeat as header row at the "
    "top of each page'"
)


def inspect_attached(path: Path, is_pdf: bool) -> tuple[str | None, str | None]:
    """Return why the attached file at *path* cannot be used, or None; and what would keep it from a reader.

    The file is read once: a PDF opened, a Word document sanitised (as the build reads it: python-docx
    cannot even open some of what outside documents link to). The warning is an untagged PDF, or a
    Word document's tables without a header row (w:tblHeader on their first row).
    """
    try:
        size = path.stat().st_size
        if size > MAX_ATTACHED:
            limit = MAX_ATTACHED // 1024 // 1024
            return f"is {size / 1024 / 1024:.0f} MB; attached files are limited to {limit} MB", None
        if is_pdf:
            with pikepdf.open(path) as pdf:
                if not len(pdf.pages):
                    return "the PDF has no pages", None
                return None, (None if is_tagged(pdf) else UNTAGGED)
        body = Document(io.BytesIO(sanitize_docx(path.read_bytes()))).element.body
        headless = sum(1 for table in body.iter(qn("w:tbl")) if not has_header_row(table))
        return None, (NO_HEADER.format(n=headless) if headless else None)
    except pikepdf.PasswordError:
        return "the PDF is password-protected: attach a copy without a password", None
    except pikepdf.PdfError as exc:
        return f"not a readable PDF ({str(exc).removeprefix(f'{path}: ')})", None
    except NotWordDocument as exc:
        return str(exc), None
    except OSError as exc:
        return f"cannot be read ({exc.strerror})", None


def stamp_pdf(src: Path, out: Path, number_line: str, marking: str, title: str) -> Path:
    """Copy the PDF *src* to *out* with *number_line* ("Appendix 2") and *marking* stamped on every page."""
    top_right, centre = stampable(number_line), stampable(marking)
    font = stamp_font(top_right + centre)
    with pikepdf.open(src) as pdf:
        font_ref = font.to_pdf(pdf)
        for page in pdf.pages:
            _stamp_page(pdf, page, font, font_ref, top_right, centre)
        _replace_metadata(pdf, title)
        save_pdf(pdf, out, deterministic_id=True, min_version=version_at_least(pdf.pdf_version))
    return out


def _stamp_page(pdf: pikepdf.Pdf, page: pikepdf.Page, font, font_ref, top_right: str, centre: str) -> None:
    box = [float(v) for v in page.mediabox]
    left, bottom, right, top = box
    add_font(page, FONT_KEY, font_ref)
    middle = (left + right - font.width(centre, STAMP_SIZE)) / 2
    placed = [
        (middle, top - MARGIN - STAMP_SIZE, centre, "/Header"),
        (right - MARGIN - font.width(top_right, STAMP_SIZE) - 22, top - MARGIN - STAMP_SIZE, top_right, "/Header"),
        (middle, bottom + MARGIN + 16, centre, "/Footer"),
    ]
    stamps = "".join(
        f"/Artifact <</Type /Pagination /Subtype {kind}>> BDC\n"
        f"q BT {FONT_KEY} {STAMP_SIZE} Tf 0 g {x:.2f} {y:.2f} Td ({pdf_string(text)}) Tj ET Q\nEMC\n"
        for x, y, text, kind in placed
    )
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, f"Q\n{stamps}".encode("ascii")), prepend=False)


def _replace_metadata(pdf: pikepdf.Pdf, title: str) -> None:
    """Nothing of the attached file's own information survives: only the appendix heading (and its language).

    Its XMP claims PDF/UA-1 only when the file is tagged and its author claimed PDF/UA-1: boardpack
    cannot vouch for tagging it did not make.
    """
    language = str(pdf.Root.get("/Lang", "")) or "en-GB"
    describe_pdf(pdf, Described(title, language, ua=claims_ua(pdf)))


def prepare_docx(
    src: Path, out: Path, heading: str, marking: str, subject: str, author: str, day: dt.date, marking_line: str = ""
) -> Path:
    """Write *src*, sanitised, to *out* with *heading* as its first paragraph and *marking* in each header, footer.

    The heading is the document's one outline-level-0 paragraph (its H1 in the PDF), followed by
    *marking_line* ("Protective marking: OFFICIAL"), which a screen reader reads once, as in boardpack's
    own papers. It is described like a paper boardpack renders: titled *heading*, by *author* about
    *subject*, dated *day*.
    """
    try:
        doc = Document(io.BytesIO(sanitize_docx(src.read_bytes())))
    except NotWordDocument as exc:
        raise PlanError([Problem(Location(src), str(exc))]) from None
    _add_heading(doc, heading, marking_line)
    link_addresses(doc)  # its e-mail and web addresses become links, as in boardpack's own papers
    even = doc.settings.odd_and_even_pages_header_footer
    for index, section in enumerate(doc.sections):
        for part in _headers(section, "header", index, even):
            _add_marking(part, marking, first=True)
        for part in _headers(section, "footer", index, even):
            _add_marking(part, marking, first=False)
    describe(doc, heading, subject, author, day)
    _only_plan_properties(doc)
    embed_style_map(doc)  # after the properties: mammoth reads it as boardpack's own papers
    doc.save(str(out))
    return out


def _add_heading(doc, heading: str, marking_line: str = "") -> None:
    body = doc.element.body
    first = body[0] if len(body) else None
    para = doc.add_paragraph(style=_heading_style(doc))
    para.add_run(heading)
    added = [para._p]
    if marking_line:
        line = doc.add_paragraph()
        small = line.add_run(marking_line)
        small.font.size = Pt(8)
        added.append(line._p)
    if first is not None:
        for element in added:
            first.addprevious(element)


def _only_plan_properties(doc) -> None:
    """Drop every part that describes the package but its core properties (custom, extended, thumbnail …).

    Boardpack's own extended properties ("boardpack", nothing else) take the place of the document's. Custom
    XML items (SharePoint's document properties, data that content controls are bound to) go too: a bound
    control prints the text it holds.
    """
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype not in (RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES):
            del package.rels[rid]
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del doc.part.rels[rid]
    app = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, APP_XML, package)
    package.relate_to(app, RT.EXTENDED_PROPERTIES)


HEADING_STYLE = "Appendix Title"


def _heading_style(doc) -> str:
    """The style of the added heading: the document's Title (or Heading 1) look, at outline level 0.

    Outline level 0 makes it the PDF's H1 and, through the mammoth style map, the HTML's h1, whatever
    the document's own Title style says.
    """
    names = {s.name for s in doc.styles}
    if HEADING_STYLE not in names:
        style = doc.styles.add_style(HEADING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        base = next((name for name in ("Title", "Heading 1") if name in names), None)
        if base:
            style.base_style = doc.styles[base]
        else:
            style.font.bold, style.font.size = True, Pt(16)
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), "0")
        style.element.get_or_add_pPr().append(level)
    return HEADING_STYLE


def _headers(section, kind: str, index: int, even: bool) -> list:
    """Return the section's headers (or footers) that print and are its own: default, first page, even.

    A later section's header that is linked to the one before prints that one, marked already.
    """
    parts = [getattr(section, kind)]
    if section.different_first_page_header_footer:
        parts.append(getattr(section, f"first_page_{kind}"))
    if even:
        parts.append(getattr(section, f"even_page_{kind}"))
    return [p for p in parts if index == 0 or not p.is_linked_to_previous]


def _add_marking(part, marking: str, first: bool) -> None:
    """Put *marking*, bold and centred, at the top of a header or the bottom of a footer."""
    para = part.add_paragraph()
    para.alignment = 1  # centred
    run = para.add_run(marking)
    run.bold = True
    if first and len(part.paragraphs) > 1:
        part.paragraphs[0]._p.addprevious(copy.deepcopy(para._p))
        para._p.getparent().remove(para._p)
