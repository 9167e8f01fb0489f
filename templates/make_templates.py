"""Generate ``report.docx``, the covering-report template, in MOPAC's house layout.

The committed .docx is this script's output; run ``python templates/make_templates.py`` to regenerate
it. A person may equally restyle the .docx in Word and commit that: boardpack only needs its docxtpl
tags and the style names it uses (Title, Heading 1, Heading 2, Numbered Paragraph, Body Text,
List Bullet, List Letter, Summary Heading, Summary Text).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
FONT = "Arial"
BLACK = RGBColor(0, 0, 0)
MET_BLUE = RGBColor(0x0B, 0x2E, 0x6F)
TEXT_WIDTH = Cm(17)
FIXED_DATE = dt.datetime(2017, 1, 1)


def main() -> int:
    """Write templates/report.docx."""
    doc = Document()
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    _header_footer(doc)
    _banner(doc)
    _body(doc)
    _clean_properties(doc)
    out = HERE / "report.docx"
    doc.save(out)
    print(f"wrote {out}")
    return 0


def _page_setup(doc) -> None:
    section = doc.sections[0]
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


def _styles(doc) -> None:
    _style(doc, "Normal", base=None)
    title = _style(doc, "Title", size=16, bold=True, before=6, after=12)
    title.element.get_or_add_pPr()
    for border in title.element.pPr.findall(qn("w:pBdr")):
        title.element.pPr.remove(border)
    _style(doc, "Committee", size=14, bold=True, before=18, after=6, caps=True)
    _style(doc, "Meeting Date", size=12, bold=True, after=18)
    _style(doc, "Report By", after=18)
    h1 = _style(doc, "Heading 1", size=12, bold=True, before=18, after=6)
    _hanging(h1, 1.0, 1.0)
    _outline(h1, 0)
    h1.paragraph_format.keep_with_next = True
    h2 = _style(doc, "Heading 2", size=11, bold=True, before=12, after=6)
    h2.paragraph_format.left_indent = Cm(1.0)
    _outline(h2, 1)
    h2.paragraph_format.keep_with_next = True
    box_heading = _style(doc, "Summary Heading", base="Heading 2", size=11, bold=True, before=6, after=3)
    _outline(box_heading, 1)
    _box(box_heading)
    summary_title = _style(doc, "Summary Title", base="Heading 1", size=12, bold=True, before=0, after=6)
    _outline(summary_title, 0)
    summary_title.paragraph_format.first_line_indent = Cm(0)
    _box(summary_title)
    _box(_style(doc, "Summary Text", after=6))
    _hanging(_style(doc, "Numbered Paragraph", after=8), 1.0, 1.0)
    body = _style(doc, "Body Text", after=8)
    body.paragraph_format.left_indent = Cm(1.0)
    _hanging(_style(doc, "List Bullet", after=4), 2.0, 0.6)
    _hanging(_style(doc, "List Letter", base="List Paragraph", after=4), 2.0, 1.0)
    for name in ("Header", "Footer"):
        style = _style(doc, name, size=10, bold=True, after=0)
        style.paragraph_format.tab_stops.add_tab_stop(Cm(8.5), WD_TAB_ALIGNMENT.CENTER)
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)


def _header_footer(doc) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_run("{{ marking }}")
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run("\t{{ marking }}\t")
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def _banner(doc) -> None:
    """The MOPAC / Metropolitan Police banner, as a borderless two-column table."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width = right.width = Cm(8.5)
    _banner_line(left.paragraphs[0], "MOPAC", 22, BLACK)
    _banner_line(left.add_paragraph(), "MAYOR OF LONDON", 8, BLACK)
    _banner_line(left.add_paragraph(), "OFFICE FOR POLICING AND CRIME", 8, BLACK, bold=False)
    for text, size in (("METROPOLITAN", 13), ("POLICE", 13), ("TOTAL POLICING", 8)):
        para = right.paragraphs[0] if text == "METROPOLITAN" else right.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _banner_line(para, text, size, MET_BLUE)


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
    report_by.add_run("Report by: ").bold = True
    report_by.add_run("{{ report_by }}")
    _para(doc, "Report Summary", "Summary Title")
    _para(doc, "{%p for heading, blocks in summary %}")
    _para(doc, "{{ heading }}", "Summary Heading")
    _para(doc, "{%p for b in blocks %}")
    _para(doc, "{{ b.text }}", "Summary Text")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p for s in sections %}")
    _para(doc, "{{ s.number }}.\t{{ s.heading }}", "Heading 1", tab=True)
    _para(doc, "{%p for b in s.blocks %}")
    _para(doc, '{%p if b.kind == "paragraph" %}')
    _para(doc, "{{ b.number }}.\t{{ b.text }}", "Numbered Paragraph", tab=True)
    _para(doc, "{%p for i in b.items %}")
    _para(doc, "{%p if i.marker %}")
    _para(doc, "{{ i.marker }}\t{{ i.text }}", "List Letter", tab=True)
    _para(doc, "{%p else %}")
    _para(doc, "{{ i.text }}", "List Bullet")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    _para(doc, '{%p elif b.kind == "subheading" %}')
    _para(doc, "{{ b.text }}", "Heading 2")
    _para(doc, "{%p else %}")
    _para(doc, "{{ b.text }}", "Body Text")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    # python-docx's default document starts with an empty paragraph-less body; drop nothing else.


def _clean_properties(doc) -> None:
    """No machine user, no "python-docx": the renderer fills these from the plan."""
    props = doc.core_properties
    for name in ("author", "comments", "keywords", "last_modified_by", "subject", "title", "category"):
        setattr(props, name, "")
    props.revision = 1
    props.created = props.modified = FIXED_DATE


if __name__ == "__main__":
    sys.exit(main())
