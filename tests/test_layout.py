"""Layout of the papers: appendix columns fitted to their content, tables kept together, list spacing."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree
from openpyxl import load_workbook

from boardpack.convert.converter import convert_to_pdf
from boardpack.pipeline.builder import check
from boardpack.render.docx import TEMPLATES_DIR, render_appendix, render_table_appendix
from boardpack.render.layout import CELL_PADDING, fit_columns, keep_refs_whole, keep_rows_together, text_width

from .conftest import EXAMPLE, GOLDEN, PAPER, ROOT, paper_of

LONG_REF = "IAR-2017-02"


def grid(table) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def table_of(rows: list[list[str]]):
    doc = Document()
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    return table


def test_text_width_uses_real_metrics():
    assert text_width("W") > text_width("i") * 2  # proportional, not an average
    assert text_width("Ref", bold=True) > text_width("Ref")
    assert 1000 < text_width(LONG_REF) < 1400  # 11 characters of Arial 9 pt are about 2 cm


def test_columns_fit_their_longest_word_and_share_the_rest_by_text():
    long_text = "Complete the directorate business plans using the new template, linked to the outcomes. " * 3
    table = table_of([["Ref", "Action", "Previous refs"], ["A-1", long_text, f"{LONG_REF}, SEP17-A01"]] * 3)
    widths = fit_columns(table, 9000)
    assert sum(widths) == 9000
    assert widths[2] >= text_width(f"{LONG_REF},") + CELL_PADDING
    assert widths[1] > widths[0] + widths[2]  # the long text gets the room
    assert [c.width.twips for c in table.rows[1].cells] == widths  # every cell, not only the grid


def test_any_number_of_columns_and_a_minimum():
    table = table_of([[f"c{i} word" for i in range(11)], ["x " * i for i in range(11)]])
    widths = fit_columns(table, 12000, min_widths=[None, 3000])
    assert len(widths) == 11 and sum(widths) == 12000 and widths[1] >= 3000


def test_a_spanning_cell_takes_the_width_of_its_columns():
    table = table_of([["Ref", "Action", "Due"], ["Theme", "", ""], ["A-1", "Do it " * 20, "31 Mar 2018"]])
    table.rows[1].cells[0].merge(table.rows[1].cells[2])
    widths = fit_columns(table, 8000)
    (theme,) = table.rows[1]._tr.tc_lst
    assert int(theme.tcPr.tcW.get(qn("w:w"))) == sum(widths) == 8000


def test_refs_get_non_breaking_hyphens_and_still_read_as_typed():
    table = table_of([["CIP-01, DEL-07", "Complete 2018-19 plans; cross-referenced", f"See {LONG_REF}."]])
    keep_refs_whole(table)
    cells = table.rows[0].cells
    assert [c.text for c in cells] == ["CIP-01, DEL-07", "Complete 2018-19 plans; cross-referenced", f"See {LONG_REF}."]
    assert [len(c._tc.findall(".//" + qn("w:noBreakHyphen"))) for c in cells] == [2, 0, 2]


def test_header_group_and_last_two_rows_keep_with_the_next():
    table = table_of([["H1", "H2"], ["theme", ""], ["a", "b"], ["c", "d"], ["e", "f"]])
    table.rows[0]._tr.get_or_add_trPr().append(table.rows[0]._tr.makeelement(qn("w:tblHeader"), {}))
    table.rows[1].cells[0].merge(table.rows[1].cells[1])
    keep_rows_together(table)
    kept = [all(p.paragraph_format.keep_with_next for p in row.cells[0].paragraphs) for row in table.rows]
    assert kept == [True, True, False, True, False]


def appendix_with_long_refs(plan_copy, tmp_path):
    book_path = plan_copy / PAPER / "appendix.xlsx"
    book = load_workbook(book_path)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "SEP17-A01" in cell.value:
                    cell.value = cell.value.replace("SEP17-A01", LONG_REF)
    book.save(book_path)
    prepared = check(plan_copy)
    paper = paper_of(prepared.papers)
    return render_appendix(paper.appendices[0], paper, prepared.plan.meeting, tmp_path / "appendix-1.docx")


def test_rendered_appendix_previous_refs_column_holds_the_longest_ref(plan_copy, tmp_path):
    doc = Document(appendix_with_long_refs(plan_copy, tmp_path))
    actions = doc.tables[0]
    header = [c.text for c in actions.rows[0].cells]
    widths = grid(actions)
    assert widths[header.index("Previous refs")] >= text_width(LONG_REF) + CELL_PADDING
    assert abs(sum(widths) - Cm(26.7).twips) <= 1  # the landscape text width
    for table in doc.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_list_items_end_with_a_numbered_paragraphs_space():
    styles = Document(TEMPLATES_DIR / "report.docx").styles
    after = styles["Numbered Paragraph"].paragraph_format.space_after
    for name in ("List Bullet", "List Letter"):
        assert styles[name].paragraph_format.space_after == after, name
        assert styles[name].element.pPr.find(qn("w:contextualSpacing")) is not None, name


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_appendix_pdf_prints_refs_whole(plan_copy, tmp_path):
    (pdf,) = convert_to_pdf([appendix_with_long_refs(plan_copy, tmp_path)])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert LONG_REF in text
    broken = [line for line in text.splitlines() if line.rstrip().endswith("-") or "IAR-2017- " in line]
    assert broken == []


def test_spare_width_is_spread_over_every_column_not_given_to_one():
    """A table of figures narrower than the page (a red team's division table) gave one column 47% of it."""
    from boardpack.render.layout import _share

    least, most = [1005, 901, 829, 1037, 1037, 1193], [2014, 1920, 1848, 1630, 1255, 1193]
    text = [5002.0, 3802.0, 3733.0, 2692.0, 2722.0, 4394.0]
    widths = _share(15138, least, most, text)
    assert sum(widths) == 15138
    assert all(w >= m for w, m in zip(widths, most, strict=True))  # each on one line
    spare = [w - m for w, m in zip(widths, most, strict=True)]
    assert min(spare) > 0 and max(spare) < 2 * min(spare)  # shared in proportion to text, not all to one


def test_measuring_reads_a_paragraph_as_python_docx_does():
    """The layout reads paragraphs' XML directly (python-docx's proxies cost seconds on a long appendix): the
    style, bold, size and text it reads are those python-docx's ``Paragraph`` gives, hyperlinks, tabs, breaks,
    non-breaking hyphens and several runs included."""
    from docx.enum.text import WD_BREAK
    from docx.text.font import Font
    from docx.text.paragraph import Paragraph

    from boardpack.render.layout import _read_paragraph, _style_font, _StyleFonts

    doc = Document()
    plain = doc.add_paragraph("plain")
    mixed = doc.add_paragraph("Heading words", style="Heading 2")
    mixed.add_run("\tbold ").bold = True
    big = mixed.add_run("big")
    big.font.size = Pt(14)
    big.add_break(WD_BREAK.LINE)
    big.add_text("DEL-07")
    table = table_of([["cell"]])
    keep_refs_whole(table)
    mixed._p.append(table.rows[0].cells[0].paragraphs[0]._p.r_lst[0])
    link = mixed._p.makeelement(qn("w:hyperlink"), {})
    link.append(doc.add_paragraph("in a link").runs[0]._r)
    mixed._p.append(link)
    fonts = _StyleFonts(doc.part)
    for p in (plain, mixed):
        style_id, formatted, text = _read_paragraph(p._p)
        para = Paragraph(p._p, doc.part)
        assert fonts(style_id) == _style_font(para.style)
        assert text == para.text
        assert formatted == [r._r for r in para.runs if r._r.rPr is not None]
        assert all(r.bold is None and r.font.size is None for r in para.runs if r._r not in formatted)
    assert [(f.bold, f.size) for f in map(Font, _read_paragraph(mixed._p)[1])] == [(True, None), (None, Pt(14))]
    assert _read_paragraph(mixed._p)[2] == "Heading words\tbold big\nDEL-07cellin a link"
    assert fonts(_read_paragraph(mixed._p)[0]) != fonts(None)  # the heading style is not the default one


def _document_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return re.sub(r' w:rsid\w*="[^"]*"', "", etree.tostring(root, pretty_print=True, encoding="unicode"))


SECOND = ROOT / "plans" / "2018-03-14-audit-governance"


@pytest.mark.parametrize(
    ("plan", "paper", "number", "golden"),
    [
        (EXAMPLE, PAPER, 0, "appendix-actions-document.xml"),
        (SECOND, "internal-audit-progress", 0, "appendix-table-document.xml"),
        (SECOND, "internal-audit-progress", 1, "appendix-iar-document.xml"),
    ],
)
def test_fitted_appendix_tables_match_golden_xml(tmp_path, update_golden, plan, paper, number, golden):
    """The columns fitted (and references kept whole) exactly as before the layout was made fast."""
    prepared = check(plan)
    numbered = paper_of(prepared.papers, paper)
    appendix = numbered.appendices[number]
    render = render_table_appendix if appendix.table is not None else render_appendix
    actual = _document_xml(render(appendix, numbered, prepared.plan.meeting, tmp_path / "a.docx"))
    path = GOLDEN / golden
    if update_golden:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "rendered"))
        pytest.fail(f"word/document.xml differs from {path} (rerun with --update-golden if intended):\n{diff[:6000]}")
