"""Render numbered, resolved papers into .docx files through their docxtpl templates.

Plan text only ever enters as context values: it is escaped (``autoescape=True``) and never parsed as
a template, so ``{{ }}``, ``&`` and ``<`` print as typed. The Jinja environment is sandboxed and
strict: a template can read nothing but its context, and a misspelt field is an error.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Cm
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import SandboxedEnvironment

from ..appendix.actions_context import appendix_context
from ..appendix.parts import cut_body, drop_page_fields, part_body, part_digests, shell, snap_widths
from ..errors import Location, Problem, RenderError
from ..plan.model import Meeting, NumberedAppendix, NumberedBlock, NumberedPaper
from ..plan.templates import TEMPLATES_DIR
from ..plan.wording import Wording
from ..util import long_date
from .accessible import finish
from .chart import Store, alt_text, chart_bytes
from .layout import fit_document_tables, set_widths
from .properties import describe, fit

REPORT_TEMPLATE = "report.docx"
APPENDIX_TEMPLATE = "appendix.docx"
TABLE_TEMPLATE = "table.docx"
WRITTEN_TEMPLATE = "written.docx"
STATUS_TABLE_STYLE = "Status Table"


def render_report(
    paper: NumberedPaper, meeting: Meeting, out: Path, template_dir: Path = TEMPLATES_DIR, charts: Store | None = None
) -> Path:
    """Render *paper*'s covering report to *out* (.docx) and return the path; its charts are kept in, and
    taken from, *charts* (the build cache) when given."""
    doc = _load(template_dir / REPORT_TEMPLATE)
    context = _report_context(doc, paper, meeting, charts)
    _render(doc, template_dir / REPORT_TEMPLATE, context)
    _describe_charts(doc, _status_blocks(paper.sections), paper.wording)
    _fit_status_tables(doc)
    src = paper.paper
    describe(doc.docx, src.title, *paper_properties(paper, meeting), meeting.date)
    doc.docx.core_properties.keywords = fit(", ".join(src.properties.keywords))
    doc.save(out)
    return out


def render_appendix(
    appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting, out: Path, template_dir: Path = TEMPLATES_DIR
) -> Path:
    """Render an appendix built from a workbook of actions to *out* (.docx) and return the path."""
    template = template_dir / APPENDIX_TEMPLATE
    doc = _load(template)
    context = appendix_context(appendix, paper, meeting, long_date(meeting.date))
    _render(doc, template, {**context, "w": paper.wording.for_templates()})
    fit_document_tables(doc.docx)
    _finish_appendix(doc, appendix, paper, meeting, out)
    return out


@dataclass(frozen=True)
class PartDraft:
    """A part of a long appendix, not yet written: a digest of everything its .docx holds, and how to write it."""

    digest: str
    write: Callable[[Path], Path]  # write the part's .docx at the path given; return it


def render_appendix_parts(
    appendix: NumberedAppendix,
    paper: NumberedPaper,
    meeting: Meeting,
    out: Path,
    parts_dir: Path,
    rows: int,
    template_dir: Path = TEMPLATES_DIR,
) -> list[Path]:
    """Render a long actions appendix to *out* (.docx, whole) and in parts of *rows* table rows each, to
    *parts_dir*; return the parts' paths (``appendix/parts.py``). The parts print no page number."""
    drafts = draft_appendix_parts(appendix, paper, meeting, out, rows, template_dir)
    return [draft.write(parts_dir / f"{out.stem}-part-{n}.docx") for n, draft in enumerate(drafts, 1)]


def draft_appendix_parts(
    appendix: NumberedAppendix,
    paper: NumberedPaper,
    meeting: Meeting,
    out: Path,
    rows: int,
    template_dir: Path = TEMPLATES_DIR,
) -> list[PartDraft]:
    """Render a long actions appendix to *out* (.docx, whole); return its parts of *rows* table rows each,
    drafted: a part whose PDF the build cache holds by its digest is never written (``appendix/parts.py``)."""
    template = template_dir / APPENDIX_TEMPLATE
    doc = _load(template)
    context = appendix_context(appendix, paper, meeting, long_date(meeting.date))
    _render(doc, template, {**context, "w": paper.wording.for_templates()})
    fit_document_tables(doc.docx, adjust=snap_widths)  # over all rows: every part has the whole table's columns
    body = doc.docx.element.body
    cut = cut_body(body, rows)
    _finish_appendix(doc, appendix, paper, meeting, out)
    for rel in doc.docx.part.rels.values():  # docxtpl replaced the rendered parts: reach them by relationship
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            drop_page_fields(rel.target_part.element)

    def write(index: int, path) -> Path:
        _save_as(doc, part_body(body, cut, index).getparent(), path)  # a copy of the document: saved as it
        return path

    skeleton = shell(body.getparent())
    if skeleton is None:  # keyed by what is written, as any document: every part is written (in memory)
        digests = [_entries_digest(write(index, io.BytesIO())) for index in range(cut.count)]
    else:
        digests = part_digests(body, cut, bytes.fromhex(_entries_digest(_save_as(doc, skeleton, io.BytesIO()))))
    return [PartDraft(digest, functools.partial(write, index)) for index, digest in enumerate(digests)]


def _save_as(doc: DocxTemplate, element, out):
    """Save *doc* with *element* as its document part's XML in *out* (a path or a file); return *out*."""
    document_part = doc.docx.part
    whole = document_part._element
    document_part._element = element
    try:
        doc.save(out)
    finally:
        document_part._element = whole
    return out


def _entries_digest(docx) -> str:
    """Return a digest of the entries of the .docx *docx* (a path or a file): names and contents, not dates."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(docx) as package:
        for item in package.infolist():
            data = package.read(item)
            for field in (item.filename.encode("utf-8"), data):
                digest.update(len(field).to_bytes(8, "big") + field)
    return digest.hexdigest()


def render_table_appendix(
    appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting, out: Path, template_dir: Path = TEMPLATES_DIR
) -> Path:
    """Render a table appendix (a worksheet's table) to *out* (.docx) and return the path."""
    template = template_dir / TABLE_TEMPLATE
    doc = _load(template)
    data = appendix.table
    assert data is not None
    context = {
        **_appendix_head(appendix, paper, meeting),
        "caption": paper.wording("appendix.table_caption", title=appendix.appendix.title),
        "header": list(data.header),
        "rows": [list(row) for row in data.rows],
    }
    _render(doc, template, context)
    _fit_sheet_table(doc, data, template)
    _finish_appendix(doc, appendix, paper, meeting, out)
    return out


def render_written_appendix(
    appendix: NumberedAppendix,
    paper: NumberedPaper,
    meeting: Meeting,
    out: Path,
    template_dir: Path = TEMPLATES_DIR,
    charts: Store | None = None,
) -> Path:
    """Render a written appendix (numbered sections from the plan) to *out* (.docx) and return the path."""
    template = template_dir / WRITTEN_TEMPLATE
    doc = _load(template)
    sections = _sections_context(doc, appendix.sections, paper.wording, charts)
    _render(doc, template, {**_appendix_head(appendix, paper, meeting), "sections": sections})
    _describe_charts(doc, _status_blocks(appendix.sections), paper.wording)
    _fit_status_tables(doc)
    _finish_appendix(doc, appendix, paper, meeting, out)
    return out


def paper_line(meeting: Meeting, paper: NumberedPaper) -> str:
    """Return the line under an appendix's heading: "Audit Panel, Tuesday, 19 December 2017 – Title"."""
    date = long_date(meeting.date)
    return paper.wording("appendix.paper_line", committee=meeting.committee, date=date, paper=paper.paper.title)


def _appendix_head(appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting) -> dict:
    return {
        "heading": appendix.heading,
        "marking": appendix.marking,
        "paper_line": paper_line(meeting, paper),
        "w": paper.wording.for_templates(),
    }


def _finish_appendix(doc, appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting, out: Path) -> None:
    describe(doc.docx, appendix.heading, *paper_properties(paper, meeting), meeting.date)
    doc.save(out)


def render_plain(
    template_name: str, context: dict, out: Path, title: str, meeting: Meeting, template_dir: Path
) -> Path:
    """Render a template that needs nothing but *context* (front sheet, withheld page) to *out*."""
    template = template_dir / template_name
    doc = _load(template)
    _render(doc, template, context)
    describe(doc.docx, title, meeting_subject(meeting), meeting.author or meeting.committee, meeting.date)
    doc.save(out)
    return out


def _sections_context(
    doc: DocxTemplate, sections, wording: Wording, charts: Store | None = None
) -> list[SimpleNamespace]:
    """Return numbered sections as the template's `sections` loop reads them, their charts drawn in memory
    (or taken from *charts*): no file, which a build killed while drawing would leave behind."""

    def block(b: NumberedBlock) -> SimpleNamespace:
        # Namespaces, not dicts: in Jinja `b.items` on a dict is the dict's method.
        values = SimpleNamespace(kind=b.kind, text=b.text, number=b.number, items=b.items, table=b.table, chart=None)
        if b.table is not None:
            image = chart_bytes(b.table, wording("report.chart_axis"), charts)
            values.chart = InlineImage(doc, io.BytesIO(image), width=Cm(15))
        return values

    return [SimpleNamespace(number=s.number, heading=s.heading, blocks=[block(b) for b in s.blocks]) for s in sections]


def _report_context(doc: DocxTemplate, paper: NumberedPaper, meeting: Meeting, charts: Store | None = None) -> dict:
    src = paper.paper
    sections = _sections_context(doc, paper.sections, paper.wording, charts)
    return {
        "committee": meeting.committee,
        "date_long": long_date(meeting.date),
        "title": src.title,
        "report_by": src.report_by,
        "marking": src.marking,
        "summary": [(heading, list(blocks)) for heading, blocks in paper.summary],
        "w": paper.wording.for_templates(),
        "sections": sections,
    }


def _status_blocks(sections) -> list[NumberedBlock]:
    """The blocks of *sections* that print a status table, and so a chart, in order."""
    return [b for s in sections for b in s.blocks if b.table is not None]


LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")  # a w:t whose text resolve_listing would change


class _LiteralTemplate(DocxTemplate):
    """docxtpl without one convenience that would alter plan text.

    After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" anywhere in the *output* into "{{",
    "}}", "{%" and "%}" (so that template authors can print braces); a plan that says "{_{" would
    print "{{". Text is data, so this renderer leaves the output as rendered.
    """

    def render_xml_part(self, src_xml, part, context, jinja_env=None):  # noqa: ANN001, ANN201 - docxtpl's own
        src_xml = _lined(src_xml)
        self.current_rendering_part = part
        try:
            env = jinja_env or _environment()
            compiled = _compiled(src_xml) if env is _environment() else env.from_string(src_xml)
            dst_xml = compiled.render(context)
        except jinja2.TemplateError as exc:
            if getattr(exc, "lineno", None) is not None:  # the text around the bad tag, for the message
                first = max(exc.lineno - 4, 0)
                exc.docx_context = [re.sub(r"<[^>]+>", "", line) for line in src_xml.splitlines()[first : first + 7]]
            raise
        dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
        # docxtpl's resolve_listing turns a tab, line break, page break or "\a" inside a w:t into runs;
        # its regular expressions walk every paragraph and run of the part (a tenth of a second in a
        # 500-row appendix), and change nothing when no w:t holds one, the usual case.
        return self.resolve_listing(dst_xml) if LISTING.search(dst_xml) else dst_xml


def _lined(src_xml: str) -> str:
    """A part's XML as docxtpl renders it: each paragraph on a line of its own (an error names its line)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)


def precompile(template: Path) -> None:
    """Compile the parts of *template* (a .docx) as rendering it would, into this process's ``_compiled``:
    the fork server does it for boardpack's own templates, so that no build compiles them again."""
    doc = _load(template)
    parts = [doc.get_xml()] + [
        doc.get_part_xml(part) for uri in (doc.HEADER_URI, doc.FOOTER_URI) for _, part in doc.get_headers_footers(uri)
    ]
    for xml in parts:
        _compiled(_lined(doc.patch_xml(xml)))


@functools.cache
def _environment() -> jinja2.Environment:
    """The one sandboxed, strict, escaping environment every template part is rendered in."""
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


@functools.lru_cache(maxsize=32)
def _compiled(src_xml: str) -> jinja2.Template:
    """A template part compiled once per process: compiling is a third of rendering a paper, and a
    build renders the same parts of the same templates again and again (every paper, every rebuild)."""
    return _environment().from_string(src_xml)


def _load(template: Path) -> DocxTemplate:
    if not template.is_file():
        raise RenderError([Problem(Location(template), "template not found")])
    doc = _LiteralTemplate(template)
    try:
        doc.init_docx()
    except Exception as exc:  # a .docx that is not a zip, a part that is not XML …
        raise RenderError([Problem(Location(template), f"cannot read template: {exc}")]) from None
    return doc


def _render(doc: DocxTemplate, template: Path, context: dict) -> None:
    try:
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except jinja2.TemplateError as exc:
        around = " ".join(" ".join(getattr(exc, "docx_context", [])).split())
        detail = f" near: {around[:160]}" if around else ""
        raise RenderError([Problem(Location(template), f"template error: {exc.message}{detail}")]) from None
    except (TypeError, ValueError, AttributeError) as exc:  # a tag that uses a value the wrong way
        raise RenderError([Problem(Location(template), f"template error: {exc}")]) from None
    except (ArithmeticError, LookupError, RecursionError) as exc:  # a tag that computes: {{ 1 / 0 }}
        raise RenderError([Problem(Location(template), f"template error: {type(exc).__name__}: {exc}")]) from None
    finish(doc.docx)


def _describe_charts(doc: DocxTemplate, blocks: list[NumberedBlock], wording: Wording) -> None:
    """Give each chart, one a block of *blocks* in order, its alternative text (docPr/@descr), which the
    tagged PDF carries as /Alt, and its picture's name ("chart-2.3.png": drawn in memory, it has no file's)."""
    for shape, block in zip(doc.docx.inline_shapes, blocks, strict=False):
        shape._inline.docPr.set("descr", alt_text(block.table, wording))
        for picture in shape._inline.xpath(".//pic:cNvPr"):
            picture.set("name", f"chart-{block.number}.png")


def _fit_status_tables(doc: DocxTemplate) -> None:
    """Size the status tables' columns, whose number came from the plan's statuses: theme wide, counts even."""
    for table in doc.docx.tables:
        if table.style is None or table.style.name != STATUS_TABLE_STYLE:
            continue
        count = len(table.rows[0].cells)
        widths = [Cm(5.6)] + [Cm(10.4 / (count - 1))] * (count - 1)
        set_widths(table, [w.twips for w in widths])


def _fit_sheet_table(doc: DocxTemplate, data, template: Path) -> None:
    """Size a table appendix's columns to their content and set columns of numbers flush right."""
    fit_document_tables(doc.docx)
    if len(doc.docx.tables) != 1:
        found = f"{len(doc.docx.tables)} tables"
        raise RenderError([Problem(Location(template), f"template error: needs exactly one table, has {found}")])
    (table,) = doc.docx.tables
    for row in table.rows:
        for cell, numeric in zip(row.cells, data.numeric, strict=False):
            if numeric:
                for para in cell.paragraphs:
                    para.alignment = 2  # right


def paper_properties(paper: NumberedPaper, meeting: Meeting) -> tuple[str, str]:
    """Return the subject and author that describe *paper*'s documents: its own, else the meeting's and reporter."""
    src = paper.paper
    return src.properties.subject or meeting_subject(meeting), src.properties.author or src.report_by


def meeting_subject(meeting: Meeting) -> str:
    """Return the subject of a document that is the meeting's: "Audit Panel, Tuesday, 19 December 2017"."""
    return f"{meeting.committee}, {long_date(meeting.date)}"
