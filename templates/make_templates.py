"""Generate boardpack's Word templates (report, appendix, front sheet, withheld page, table and written
appendices) in MOPAC's house layout, and the council example's report and front sheet with its banner.

The committed .docx files in src/boardpack/templates/ (package data, so a wheel carries them) are this
script's output; run ``python templates/make_templates.py`` to regenerate them. A person may equally
restyle a .docx in Word and commit that: boardpack only needs its docxtpl tags and the style names and
outline levels docs/templates.md lists (Title is the one H1, Heading 2 and Heading 3 below it; List
Letter and List Bullet are Word numbering; Table Heading only in a repeated header row, Row Heading
for a row's label).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from boardpack.pipeline.normalize import normalize_docx

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "src" / "boardpack" / "templates"  # package data: the wheel carries them
FONT = "Arial"
BLACK = RGBColor(0, 0, 0)
GREY = RGBColor(0x40, 0x40, 0x40)
MET_BLUE = RGBColor(0x0B, 0x2E, 0x6F)
TEXT_WIDTH = Cm(17)
LANDSCAPE_WIDTH = Cm(26.7)
FIXED_DATE = dt.datetime(2017, 1, 1)


COUNCIL_TEMPLATES = HERE.parent / "plans" / "2018-03-14-audit-governance" / "templates"


def main(argv: list[str] | None = None) -> int:
    """Write boardpack's templates into src/boardpack/templates/, the council example's banner ones into its folder."""
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)  # --help, nothing else
    global BANNER
    for name, build in (("report.docx", _report), ("frontsheet.docx", _frontsheet)):
        BANNER = KINGSMERE_BANNER
        _write(COUNCIL_TEMPLATES / name, build)
    BANNER = MOPAC_BANNER
    builds = (("report.docx", _report), ("appendix.docx", _appendix), ("frontsheet.docx", _frontsheet))
    builds += (("withheld.docx", _withheld), ("table.docx", _sheet_table), ("written.docx", _written))
    for name, build in builds:
        _write(SHIPPED / name, build)
    return 0


def _write(out: Path, build) -> None:
    doc = Document()
    build(doc)
    _clean_properties(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    normalize_docx(out, FIXED_DATE.date())  # zip entries dated, not stamped with the clock: same bytes each run
    print(f"wrote {out}")


def _report(doc) -> None:
    """The covering report: A4 portrait."""
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    _header_footer(doc, banner=True)
    _marking_line(doc)
    _body(doc)


def _appendix(doc) -> None:
    """The actions appendix: A4 landscape, three numbered tables."""
    _page_setup(doc, landscape=True)
    _defaults(doc)
    _styles(doc, width=LANDSCAPE_WIDTH)
    _header_footer(doc)
    _marking_line(doc)
    _appendix_body(doc)


def _frontsheet(doc) -> None:
    """The pack's front sheet: the meeting and its agenda, with the page each item starts on."""
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    _header_footer(doc, page_number=False, banner=True)
    _marking_line(doc)
    _para(doc, "{{ committee }}", "Committee")
    _para(doc, "{{ pack_title }}", "Title")
    lines = (("date_label", "date_long"), ("time_label", "time"), ("venue_label", "venue"))
    for label, tag in ((f"{{{{ w.pack.{a} }}}} ", f"{{{{ {b} }}}}") for a, b in lines):
        line = doc.add_paragraph(style="Report By")
        line.paragraph_format.space_after = Pt(2)
        line.add_run(label).bold = True
        line.add_run(tag)
    _flush_left(_para(doc, "{{ w.pack.agenda_heading }}", "Heading 2"))
    table = _table(doc, AGENDA_COLUMNS, rows=6)
    _loop_row(table.rows[1], "{%tr for item in items %}")
    _row(table.rows[2], [c[1] for c in AGENDA_COLUMNS], "Table Text", widths=[Cm(c[2]) for c in AGENDA_COLUMNS])
    title_cell = table.rows[2].cells[1]
    title_cell.add_paragraph("{%p if item.note %}", style="Table Text")
    title_cell.add_paragraph("{{ item.note }}", style="Table Note")
    title_cell.add_paragraph("{%p endif %}", style="Table Text")
    _loop_row(table.rows[3], "{%tr for a in item.appendices %}")
    _row(table.rows[4], ("", "{{ a.title }}", "{{ a.page }}"), "Table Text", widths=[Cm(c[2]) for c in AGENDA_COLUMNS])
    # An appendix's row has no number of its own: its item's number cell runs down over it (a vertical
    # merge), so no cell of the table is an empty paragraph, which a reader would announce as blank.
    _vmerge(table.rows[2].cells[0], "restart")
    _vmerge(table.rows[4].cells[0], "continue")
    _loop_row(table.rows[5], "{%tr endfor %}")
    _loop_row(table.add_row(), "{%tr endfor %}")
    _para(doc, "{%p for line in notes %}")
    notes = _flush_left(_para(doc, "{{ line }}", "Body Text"))
    notes.paragraph_format.space_before = Pt(6)
    _para(doc, "{%p endfor %}")


def _vmerge(cell, how: str) -> None:
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:vMerge {nsdecls("w")} w:val="{how}"/>'))


def _flush_left(para):
    """Cancel a style's indent for one paragraph (a heading without a number)."""
    para.paragraph_format.left_indent = para.paragraph_format.first_line_indent = Cm(0)
    return para


AGENDA_COLUMNS = (
    ("{{ w.pack.col_item }}", "{{ item.number }}", 1.4),
    ("{{ w.pack.col_title }}", "{{ item.title }}", 13.4),
    ("{{ w.pack.col_page }}", "{{ item.page }}", 2.2),
)


def _withheld(doc) -> None:
    """The one page that stands in a public pack for a restricted paper or appendix."""
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    _header_footer(doc, page_number=False)
    _marking_line(doc)
    _para(doc, "{{ title }}", "Title")
    _para(doc, "{{ item_line }}", "Report By")
    _flush_left(_para(doc, "{{ w.withheld.heading }}", "Heading 2"))
    _para(doc, "{{ explanation }}", "Body Text").paragraph_format.left_indent = Cm(0)


def _sheet_table(doc) -> None:
    """A table appendix: A4 landscape, one table of any number of columns from a worksheet."""
    _page_setup(doc, landscape=True)
    _defaults(doc)
    _styles(doc, width=LANDSCAPE_WIDTH)
    _header_footer(doc)
    _marking_line(doc)
    _para(doc, "{{ heading }}", "Title")
    _para(doc, "{{ paper_line }}", "Report By")
    _para(doc, "{{ caption }}", "Table Caption")
    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row(table.rows[0], ("{%tc for h in header %}", "{{ h }}", "{%tc endfor %}"), "Table Heading", header=True)
    _loop_row(table.rows[1], "{%tr for row in rows %}")
    _row(table.rows[2], ("{%tc for c in row %}", "{{ c }}", "{%tc endfor %}"), "Table Text")
    _loop_row(table.rows[3], "{%tr endfor %}")


def _written(doc) -> None:
    """A written appendix: A4 portrait, numbered sections like the covering report's."""
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    _header_footer(doc)
    _marking_line(doc)
    _para(doc, "{{ heading }}", "Title")
    _para(doc, "{{ paper_line }}", "Report By")
    _sections(doc)


def _page_setup(doc, landscape: bool = False) -> None:
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(1.5)
    else:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1)


def _defaults(doc) -> None:
    """Arial 11 pt, British English, for everything that does not say otherwise."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        if child.tag in (qn("w:rFonts"), qn("w:lang"), qn("w:sz"), qn("w:szCs")):
            rpr.remove(child)
    rpr.append(
        parse_xml(f'<w:rFonts {nsdecls("w")} w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>')
    )
    rpr.append(parse_xml(f'<w:sz {nsdecls("w")} w:val="22"/>'))
    rpr.append(parse_xml(f'<w:szCs {nsdecls("w")} w:val="22"/>'))
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/>'))


def _style(doc, name, base="Normal", size=11, bold=False, before=0, after=6, caps=False, color=BLACK):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = styles[base]
    font = style.font
    font.name, font.size, font.bold, font.all_caps, font.italic = FONT, Pt(size), bold, caps, False
    font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts is not None and fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.15
    return style


def _outline(style, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:outlineLvl")):
        ppr.remove(old)
    ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level}"/>'))


def _hanging(style, left_cm: float, hang_cm: float) -> None:
    fmt = style.paragraph_format
    fmt.left_indent, fmt.first_line_indent = Cm(left_cm), Cm(-hang_cm)
    fmt.tab_stops.add_tab_stop(Cm(left_cm))


def _box(style) -> None:
    """Give *style* the Report Summary box: consecutive boxed paragraphs share one border."""
    ppr = style.element.get_or_add_pPr()
    edges = "".join(
        f'<w:{edge} w:val="single" w:sz="6" w:space="4" w:color="000000"/>'
        for edge in ("top", "left", "bottom", "right")
    )
    ppr.append(parse_xml(f"<w:pBdr {nsdecls('w')}>{edges}</w:pBdr>"))
    ppr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="F2F2F2"/>'))
    style.paragraph_format.left_indent = style.paragraph_format.right_indent = Cm(0.2)


def _styles(doc, width=TEXT_WIDTH) -> None:
    _style(doc, "Normal", base=None)
    # The title is the document's one H1 (outline level 0); every heading below it is H2 or H3.
    title = _style(doc, "Title", size=16, bold=True, before=6, after=12)
    _outline(title, 0)
    for border in title.element.pPr.findall(qn("w:pBdr")):
        title.element.pPr.remove(border)
    # The marking line stands in the space above the committee that the banner left: the body does not move.
    _style(doc, "Committee", size=14, bold=True, before=3, after=6, caps=True)
    _style(doc, "Meeting Date", size=12, bold=True, after=18)
    _style(doc, "Report By", after=18)
    marking = _style(doc, "Marking Line", size=8, after=6)
    marking.font.color.rgb = GREY
    h1 = _style(doc, "Heading 1", size=12, bold=True, before=18, after=6)  # not used: the title is H1
    _outline(h1, 0)
    h2 = _style(doc, "Heading 2", size=12, bold=True, before=18, after=6)
    _hanging(h2, 1.0, 1.0)
    _outline(h2, 1)
    h2.paragraph_format.keep_with_next = True
    h3 = _style(doc, "Heading 3", size=11, bold=True, before=12, after=6)
    h3.paragraph_format.left_indent, h3.paragraph_format.first_line_indent = Cm(1.0), Cm(0)
    _outline(h3, 2)
    h3.paragraph_format.keep_with_next = True
    box_heading = _style(doc, "Summary Heading", base="Heading 3", size=11, bold=True, before=6, after=3)
    _outline(box_heading, 2)
    _box(box_heading)
    summary_title = _style(doc, "Summary Title", base="Heading 2", size=12, bold=True, before=0, after=6)
    _outline(summary_title, 1)
    summary_title.paragraph_format.first_line_indent = Cm(0)
    _box(summary_title)
    _box(_style(doc, "Summary Text", after=6))
    _hanging(_style(doc, "Numbered Paragraph", after=8), 1.0, 1.0)
    body = _style(doc, "Body Text", after=8)
    body.paragraph_format.left_indent = Cm(1.0)
    _lists(doc)
    _style(doc, "Table Caption", size=10, bold=True, before=6, after=4).paragraph_format.keep_with_next = True
    # Table Heading only in a repeated header row (LibreOffice tags its cells TH /Scope /Column); Row Heading
    # is a row's label (the export retags it TH /Scope /Row); Table Total and Table Group are bold data cells.
    for name, bold in (("Table Text", False), ("Table Heading", True), ("Row Heading", True)):
        _style(doc, name, size=9, bold=bold, after=0).paragraph_format.line_spacing = 1.0
    for name in ("Table Total", "Table Group"):
        _style(doc, name, size=9, bold=True, after=0).paragraph_format.line_spacing = 1.0
    _hyperlink_style(doc)
    note = _style(doc, "Table Note", size=9, after=0)
    note.font.italic = True
    note.paragraph_format.line_spacing = 1.0
    figure = _style(doc, "Chart Paragraph", after=8)
    figure.paragraph_format.left_indent = Cm(1.0)
    status_table = doc.styles.add_style("Status Table", WD_STYLE_TYPE.TABLE)
    status_table.base_style = doc.styles["Table Grid"]
    for name in ("Header", "Footer"):
        style = _style(doc, name, size=10, bold=True, after=0)
        style.paragraph_format.tab_stops.clear_all()
        style.paragraph_format.tab_stops.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
        style.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _lists(doc) -> None:
    """List Bullet and List Letter (body) and Summary Bullet and Summary Letter (in the box): Word numbering.

    Each style names its own numbering, whose indents are the style's (a paragraph numbered directly,
    as the renderer numbers each lettered list so that it restarts at (a), takes the numbering's
    indents). A list's items sit close (contextual spacing: no space between paragraphs of one style);
    its last item has a numbered paragraph's space after, whichever kind of list it is.
    """
    for name, base, hang in (("List Bullet", "Normal", 0.6), ("List Letter", "Normal", 1.0)):
        items = _style(doc, name, base=base, after=8)
        _hanging(items, 2.0, hang)
        _contextual(items)
    # A list in the box keeps the box's indents: paragraphs share one border only where their indents match.
    for name in ("Summary Bullet", "Summary Letter"):
        entry = _style(doc, name, base="Summary Text", after=3)
        _box(entry)
        entry.paragraph_format.first_line_indent = Cm(0)
        entry.paragraph_format.tab_stops.add_tab_stop(Cm(1.2))
    lists = (
        ("List Bullet", "bullet", 1134, 340),
        ("List Letter", "lowerLetter", 1134, 567),
        ("Summary Bullet", "bullet", 113, 0),
        ("Summary Letter", "lowerLetter", 113, 0),
    )
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    for i, (name, fmt, left, hang) in enumerate(lists):
        abstract_id, num_id = LIST_ABSTRACT + i, LIST_NUM + i
        first_num.addprevious(parse_xml(_abstract_num(abstract_id, fmt, left, hang)))
        numbering.append(
            parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
        )
        ppr = doc.styles[name].element.get_or_add_pPr()
        for old in ppr.findall(qn("w:numPr")):
            ppr.remove(old)
        ppr.insert(0, parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


LIST_ABSTRACT, LIST_NUM = 90, 90  # past python-docx's own numbering definitions


def _abstract_num(abstract_id: int, fmt: str, left: int, hang: int) -> str:
    """One level of numbering: a bullet (U+2022 in Arial, not a Symbol-font private character) or (a), (b) …"""
    text = "\u2022" if fmt == "bullet" else "(%1)"
    indent = f'w:left="{left}" w:hanging="{hang}"' if hang else f'w:left="{left}" w:firstLine="0"'
    return (
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="singleLevel"/>'
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind {indent}/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:hint="default"/></w:rPr></w:lvl>'
        "</w:abstractNum>"
    )


def _hyperlink_style(doc) -> None:
    """The character style of a link boardpack makes from an address in the plan: blue, underlined."""
    if "Hyperlink" in [s.name for s in doc.styles]:
        style = doc.styles["Hyperlink"]
    else:
        style = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    style.font.underline = True


def _contextual(style) -> None:
    """No space between consecutive paragraphs of *style*: the space after comes after the last."""
    ppr = style.element.get_or_add_pPr()
    if ppr.find(qn("w:contextualSpacing")) is None:
        ppr.append(parse_xml(f"<w:contextualSpacing {nsdecls('w')}/>"))


def _header_footer(doc, page_number: bool = True, banner: bool = False) -> None:
    """The marking at the head and foot of every page (artifacts in the PDF); with *banner*, the first
    page's header carries the body's banner under the marking, so that it is page furniture too."""
    section = doc.sections[0]
    pairs = [(section.header, section.footer)]
    if banner:
        section.different_first_page_header_footer = True
        pairs.append((section.first_page_header, section.first_page_footer))
    for header_part, footer_part in pairs:
        header = header_part.paragraphs[0]
        header.style = doc.styles["Header"]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header.add_run("{{ marking }}")
        footer = footer_part.paragraphs[0]
        footer.style = doc.styles["Footer"]
        footer.add_run("\t{{ marking }}\t")
        if page_number:
            footer._p.append(
                parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
            )
    if banner:
        _banner(section.first_page_header)


def _marking_line(doc) -> None:
    """The document's first line, read aloud once: "Protective marking: OFFICIAL" (the header's and footer's
    marking on every page are artifacts, which a screen reader skips)."""
    _para(doc, "{{ w.marking.line }} {{ marking }}", "Marking Line")


# A banner: the lines of its left and right columns, each (text, size, colour, bold).
MOPAC_BANNER = (
    (
        ("MOPAC", 22, BLACK, True),
        ("MAYOR OF LONDON", 8, BLACK, True),
        ("OFFICE FOR POLICING AND CRIME", 8, BLACK, False),
    ),
    (("METROPOLITAN", 13, MET_BLUE, True), ("POLICE", 13, MET_BLUE, True), ("TOTAL POLICING", 8, MET_BLUE, True)),
)
KINGSMERE_GREEN = RGBColor(0x00, 0x5A, 0x3C)
KINGSMERE_BANNER = (
    (("KINGSMERE", 20, KINGSMERE_GREEN, True), ("LONDON BOROUGH OF KINGSMERE", 8, BLACK, True)),
    (("Democratic Services", 9, BLACK, False), ("Kingsmere Town Hall", 9, BLACK, False)),
)
BANNER = MOPAC_BANNER
BANNER_GAP = 20  # pt between the first page's marking and its banner: the banner starts where it always has


def _banner(header) -> None:
    """The body's banner (MOPAC / Metropolitan Police by default), as a borderless two-column table in the
    first page's *header*, under the marking: page furniture (an artifact), not a table to read."""
    header.paragraphs[0].paragraph_format.space_after = Pt(BANNER_GAP)
    table = header.add_table(rows=1, cols=2, width=TEXT_WIDTH)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    end = header.add_paragraph()  # a header ends with a paragraph: a hairline one, so the body starts close
    end.paragraph_format.space_after = end.paragraph_format.space_before = Pt(0)
    end.paragraph_format.line_spacing = Pt(6)
    cells = table.rows[0].cells
    for cell, lines, align in zip(cells, BANNER, (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT), strict=True):
        cell.width = Cm(8.5)
        for i, (text, size, colour, bold) in enumerate(lines):
            para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            para.alignment = align
            _banner_line(para, text, size, colour, bold=bold)


def _banner_line(para, text, size, color, bold=True) -> None:
    para.paragraph_format.space_after = Pt(0)
    run = para.add_run(text)
    run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, color


def _para(doc, text: str, style: str = "Normal", tab: bool = False):
    para = doc.add_paragraph(style=style)
    if tab:
        first, rest = text.split("\t")
        para.add_run(first)
        para.add_run().add_tab()
        para.add_run(rest)
    else:
        para.add_run(text)
    return para


def _body(doc) -> None:
    _para(doc, "{{ committee }}", "Committee")
    _para(doc, "{{ date_long }}", "Meeting Date")
    _para(doc, "{{ title }}", "Title")
    report_by = doc.add_paragraph(style="Report By")
    report_by.add_run("{{ w.report.report_by }} ").bold = True
    report_by.add_run("{{ report_by }}")
    _para(doc, "{{ w.report.summary_title }}", "Summary Title")
    _para(doc, "{%p for heading, paragraphs in summary %}")
    _para(doc, "{{ heading }}", "Summary Heading")
    _para(doc, "{%p for b in paragraphs %}")
    _para(doc, "{%p if b.text %}")
    _para(doc, "{{ b.text }}", "Summary Text")
    _para(doc, "{%p endif %}")
    _list(doc, "Summary Bullet", "Summary Letter")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _sections(doc)


def _list(doc, bullet: str, letter: str) -> None:
    """The block `b`'s list: lettered entries (a), (b) … in *letter* style, bullets in *bullet* style, each
    style numbered by Word (the renderer restarts each lettered list at (a))."""
    _para(doc, "{%p for i in b.items %}")
    _para(doc, "{%p if i.marker %}")
    _para(doc, "{{ i.text }}", letter)  # Word numbering prints (a), (b) …: the marker is not typed
    _para(doc, "{%p else %}")
    _para(doc, "{{ i.text }}", bullet)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")


def _sections(doc) -> None:
    """Numbered sections and their blocks: the covering report's body, and a written appendix's."""
    _para(doc, "{%p for s in sections %}")
    _para(doc, "{{ s.number }}.\t{{ s.heading }}", "Heading 2", tab=True)
    _para(doc, "{%p for b in s.blocks %}")
    _para(doc, '{%p if b.kind == "paragraph" %}')
    _para(doc, "{{ b.number }}.\t{{ b.text }}", "Numbered Paragraph", tab=True)
    _list(doc, "List Bullet", "List Letter")
    _para(doc, '{%p elif b.kind == "status" %}')
    _status_block(doc)
    _para(doc, '{%p elif b.kind == "subheading" %}')
    _para(doc, "{{ b.text }}", "Heading 3")
    _para(doc, "{%p else %}")
    _para(doc, "{{ b.text }}", "Body Text")
    _list(doc, "List Bullet", "List Letter")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")


def _status_block(doc) -> None:
    """Table N (themes x statuses, with totals) and the chart, for a `status_summary` block."""
    caption = _para(doc, "{{ b.table.caption }}", "Table Caption")
    caption.paragraph_format.left_indent = Cm(1.0)
    table = doc.add_table(rows=4, cols=5)
    table.style = doc.styles["Status Table"]
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    header = (
        "{{ w.report.status_theme }}",
        "{%tc for s in b.table.statuses %}",
        "{% cellbg s.fill %}{{ s.name }}",
        "{%tc endfor %}",
        "{{ w.report.status_total }}",
    )
    _row(table.rows[0], header, "Table Heading", header=True)
    _row(table.rows[1], ("{%tr for row in b.table.rows %}",) + ("",) * 4, "Table Text")
    data = ("{{ row.theme }}", "{%tc for n in row.counts %}", "{{ n }}", "{%tc endfor %}", "{{ row.total }}")
    _row(table.rows[2], data, "Table Text")
    table.rows[2].cells[0].paragraphs[0].style = "Row Heading"  # the theme names its row
    _row(table.rows[3], ("{%tr endfor %}",) + ("",) * 4, "Table Text")
    totals = table.add_row()
    cells = (
        "{{ w.report.status_total }}",
        "{%tc for n in b.table.totals.counts %}",
        "{{ n }}",
        "{%tc endfor %}",
        "{{ b.table.totals.total }}",
    )
    _row(totals, cells, "Table Total")  # bold, but data: only the repeated header row is Table Heading
    totals.cells[0].paragraphs[0].style = "Row Heading"
    for row in (table.rows[1], table.rows[3]):
        row.cells[0].merge(row.cells[-1])
    _para(doc, "{{ b.chart }}", "Chart Paragraph")


def _row(row, texts, style: str, header: bool = False, widths=None) -> None:
    """Fill a table row: one paragraph of *style* per cell; never split across pages."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
    if header:
        trpr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        para = cell.paragraphs[0]
        para.style = style
        para.add_run(text)
        para.paragraph_format.keep_with_next = header or None  # a header row never ends a page alone
        if widths:
            cell.width = widths[i]
        if header:
            _shade(cell, "D9D9D9")


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


ACTION_COLUMNS = (
    ("{{ w.actions.col_ref }}", "{{ a.ref }}", 1.7),
    ("{{ w.actions.col_area }}", "{{ a.area }}", 3.0),
    ("{{ w.actions.col_action }}", "{{ a.action }}", 6.2),
    ("{{ w.actions.col_owner }}", "{{ a.owner }}", 3.2),
    ("{{ w.actions.col_due }}", "{{ a.due }}", 2.3),
    ("{{ w.actions.col_status }}", "{% cellbg a.fill %}{{ a.status }}", 2.2),
    ("{{ w.actions.col_progress }}", "{{ a.progress }}", 5.9),
    ("{{ w.actions.col_previous }}", "{{ a.previous }}", 2.2),
)
TRAIL_COLUMNS = (
    ("{{ w.actions.col_ref }}", "{{ p.ref }}", 2.2),
    ("{{ w.actions.col_source }}", "{{ p.source }}", 6.0),
    ("{{ w.actions.col_recommendation }}", "{{ p.recommendation }}", 9.0),
    ("{{ w.actions.col_answered }}", "{{ p.answered }}", 3.5),
    ("{{ w.actions.col_disposition }}", "{{ p.disposition }}", 6.0),
)
# No status here: Table 1 prints it, and a status changed the night before then alters one table
# row, so one part of a long appendix (appendix/parts.py), not two.
CARRIED_COLUMNS = (
    ("{{ w.actions.col_ref }}", "{{ a.ref }}", 2.0),
    ("{{ w.actions.col_action }}", "{{ a.action }}", 15.7),
    ("{{ w.actions.col_earlier }}", "{{ a.previous }}", 9.0),
)


def _appendix_body(doc) -> None:
    _para(doc, "{{ heading }}", "Title")
    _para(doc, "{{ paper_line }}", "Report By")
    _para(doc, "{{ intro }}", "Normal")
    _para(doc, "1.\t{{ w.actions.heading_by_theme }}", "Heading 2", tab=True)
    _para(doc, "{{ caption_by_theme }}", "Table Caption")
    _grouped_table(doc, ACTION_COLUMNS)
    _para(doc, "2.\t{{ w.actions.heading_trail }}", "Heading 2", tab=True)
    _para(doc, "{{ trail_intro }}", "Normal").paragraph_format.keep_with_next = True  # with its table
    _para(doc, "{{ w.actions.caption_trail }}", "Table Caption")
    table = _table(doc, TRAIL_COLUMNS, rows=3)
    _loop_row(table.rows[1], "{%tr for p in previous %}")
    _row(table.rows[2], [c[1] for c in TRAIL_COLUMNS], "Table Text", widths=[Cm(c[2]) for c in TRAIL_COLUMNS])
    _loop_row(table.add_row(), "{%tr endfor %}")
    _para(doc, "3.\t{{ w.actions.heading_carried }}", "Heading 2", tab=True)
    _para(doc, "{{ w.actions.caption_carried }}", "Table Caption")
    _grouped_table(doc, CARRIED_COLUMNS)


def _table(doc, columns, rows: int):
    table = doc.add_table(rows=rows, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, (_, _, width) in zip(table.columns, columns, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice lays out by
    _row(table.rows[0], [c[0] for c in columns], "Table Heading", header=True, widths=[Cm(c[2]) for c in columns])
    return table


def _loop_row(row, tag: str) -> None:
    """A row that holds only a docxtpl `{%tr %}` tag: docxtpl replaces the whole row by it."""
    merged = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
    merged.paragraphs[0].add_run(tag)


def _grouped_table(doc, columns) -> None:
    """A table of actions in theme groups: a shaded theme row, then its actions."""
    table = _table(doc, columns, rows=6)
    _loop_row(table.rows[1], "{%tr for group in themes %}")
    _loop_row(table.rows[2], "{{ group.theme }}")
    theme = table.rows[2].cells[0]
    theme.paragraphs[0].style = "Table Group"  # bold and shaded, but a data row: not Table Heading
    theme.paragraphs[0].paragraph_format.keep_with_next = True  # a theme row never ends a page alone
    table.rows[2]._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
    _shade(theme, "EDEDED")
    _loop_row(table.rows[3], "{%tr for a in group.actions %}")
    _row(table.rows[4], [c[1] for c in columns], "Table Text", widths=[Cm(c[2]) for c in columns])
    _loop_row(table.rows[5], "{%tr endfor %}")
    _loop_row(table.add_row(), "{%tr endfor %}")


def _clean_properties(doc) -> None:
    """No machine user, no "python-docx": the renderer fills these from the plan."""
    props = doc.core_properties
    for name in ("author", "comments", "keywords", "last_modified_by", "subject", "title", "category"):
        setattr(props, name, "")
    props.revision = 1
    props.created = props.modified = FIXED_DATE


if __name__ == "__main__":
    sys.exit(main())
