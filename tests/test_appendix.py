"""The restricted appendix and the covering report's status summary, built from the example workbook."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections import Counter

import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from pypdf import PdfReader

from boardpack.appendix.attached import prepare_docx
from boardpack.appendix.table import load_table
from boardpack.cli import main
from boardpack.errors import Problems
from boardpack.pack.pdftext import page_texts
from boardpack.paper.number import number_paper
from boardpack.paper.refs import resolve_text
from boardpack.pipeline.builder import build, check
from boardpack.plan.load import load_plan
from boardpack.plan.model import SheetTable

from .conftest import EXAMPLE, PAPER, paper_of
from .hostile import SECRET_WORDS, Counting, hostile_docx, png, secret_docx
from .test_council_example import COUNCIL
from .test_e2e import structure_roles
from .test_serve import SECRETS, images
from .workbooks import patch_part

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FILLS = {"Complete": "8DB4E2", "On track": "92D050", "Some slippage": "FFC000", "Off track": "FF6B6B"}


def workbook_counts() -> Counter:
    """Count the example's actions by (theme, status) straight from the workbook, independently of boardpack."""
    sheet = load_workbook(EXAMPLE / PAPER / "appendix.xlsx")["Actions"]
    header = [c.value for c in sheet[1]]
    theme, status = header.index("Theme"), header.index("Status")
    return Counter((row[theme], row[status]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])


def test_example_trail_is_complete():
    plan = next(iter(check(EXAMPLE).plan.action_plans.values()))
    assert len(plan.actions) >= 40 and len(plan.previous) >= 20
    assert {a.theme for a in plan.actions} == set(plan.source.themes)
    for item in plan.previous:
        assert plan.answers(item.ref) or item.disposition.startswith("Closed"), item.ref
    assert any(item.disposition for item in plan.previous)


def test_counts_can_be_cited_by_label():
    plan = load_plan(EXAMPLE)
    prepared = check(EXAMPLE)
    problems = Problems()
    numbered = number_paper(paper_of(plan.papers), problems, {0: prepared.plan.action_plans[(PAPER, 0)]})
    counts = workbook_counts()
    text = resolve_text(
        "[[gip:total]] actions, [[gip:On track]] on track", numbered.labels, paper_of(plan.papers).loc, problems
    )
    on_track = sum(n for (_, status), n in counts.items() if status == "On track")
    assert text == f"{sum(counts.values())} actions, {on_track} on track"
    assert not problems


def test_deleting_the_only_answer_fails_check_naming_the_item(plan_copy, capsys):
    path = plan_copy / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    sheet = book["Actions"]
    (row,) = [r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "CIP-15"]  # answers SEP17-B03 alone
    sheet.delete_rows(row)
    book.save(path)
    assert main(["check", str(plan_copy)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{path}:Previous!A")
    assert err[0].endswith(": earlier recommendation 'SEP17-B03' is open but no action answers it: "
                           "add it to an action's Previous refs, or give it a Disposition")  # fmt: skip
    assert len(err) == 2


def test_appendix_pdf_title_landscape_tags_and_trail(built_example):
    pdf = built_example / PAPER / "appendix-1.pdf"
    reader = PdfReader(pdf)
    assert reader.metadata.title == "Appendix 1 – Governance Improvement Plan (Restricted)"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)
    roles = structure_roles(reader.trailer["/Root"]["/StructTreeRoot"])
    assert roles.count("/Table") == 3 and roles.count("/H1") == 1 and roles.count("/H2") == 3  # the title, then 1-3
    text = " ".join(" ".join(page_texts(pdf)).split())
    assert "Appendix 1 – Governance Improvement Plan (Restricted)" in text
    for heading in ("1. Actions by theme", "2. Trail from earlier recommendations", "3. Earlier recommendations"):
        assert heading in text
    plan = next(iter(check(EXAMPLE).plan.action_plans.values()))
    for item in plan.previous:
        assert item.ref in text


@pytest.fixture
def appendix_docx(built_example):
    return Document(str(built_example / PAPER / "appendix-1.docx"))


def test_appendix_rows_never_split_and_headers_repeat(appendix_docx):
    tables = appendix_docx.tables
    assert len(tables) == 3
    for table in tables:
        rows = table._tbl.findall(qn("w:tr"))
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])


def test_status_cells_are_coloured_and_written(appendix_docx):
    table = appendix_docx.tables[0]
    header = [c.text for c in table.rows[0].cells]
    col = header.index("Status")
    seen = Counter()
    for row in table.rows[1:]:
        cells = row._tr.findall(qn("w:tc"))
        if len(cells) != len(header):
            continue  # a theme row
        cell = cells[col]
        status = "".join(t.text for t in cell.iter(f"{W}t")).strip()
        fill = cell.find(f"{W}tcPr/{W}shd").get(f"{W}fill")
        assert fill == FILLS[status], status
        seen[status] += 1
    assert sum(seen.values()) == sum(workbook_counts().values())


def test_report_status_table_matches_the_workbook(built_example):
    doc = Document(str(built_example / PAPER / "report.docx"))
    (table,) = [t for t in doc.tables if t.style.name == "Status Table"]
    rows = [[c.text for c in r.cells] for r in table.rows]
    statuses = ["Complete", "On track", "Some slippage", "Off track"]
    assert rows[0] == ["Theme", *statuses, "Total"]
    counts = workbook_counts()
    for row in rows[1:-1]:
        expected = [counts[(row[0], s)] for s in statuses]
        assert row[1:] == [str(n) for n in expected] + [str(sum(expected))]
    assert rows[-1] == ["Total"] + [str(sum(n for (_, s), n in counts.items() if s == st)) for st in statuses] + [
        str(sum(counts.values()))
    ]


def test_chart_has_alt_text_in_docx_and_pdf(built_example):
    with zipfile.ZipFile(built_example / PAPER / "report.docx") as z:
        xml = etree.fromstring(z.read("word/document.xml"))
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    (doc_pr,) = xml.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
    total = sum(workbook_counts().values())
    assert doc_pr.get("descr").startswith(f"Stacked bar chart of {total} actions by theme and status.")
    assert len(media) == 1
    root = PdfReader(built_example / PAPER / "report.pdf").trailer["/Root"]
    alts = [str(n.get("/Alt")) for n in _struct_nodes(root["/StructTreeRoot"]) if n.get("/S") == "/Figure"]
    assert alts == [doc_pr.get("descr")]  # one figure, described


def _struct_nodes(node):
    node = node.get_object()
    yield node
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is not None and hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            yield from _struct_nodes(kid)


# The table appendix and what a workbook hides.


def tracker(path, edit=None):
    """Write a tracker sheet of four columns and five rows, then apply *edit* to the workbook."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    sheet.append(["Audit", "Quarter", "Days", "Notes"])
    for n in range(1, 6):
        sheet.append([f"Audit {n}", f"Q{n % 4 + 1}", n * 10, f"Note {n}"])
    if edit is not None:
        edit(book)
    book.save(path)
    return path


def read_table(path):
    problems = Problems()
    found = load_table(path, SheetTable("t.xlsx", "Tracker"), problems)
    return found, [str(p) for p in problems.in_order()], [str(w) for w in problems.warnings]


@pytest.mark.parametrize(
    ("edit", "rows", "columns", "warning"),
    [
        (lambda b: b.active.row_dimensions.group(3, 4, hidden=True), (1, 4, 5), 4, "Tracker!3:3: rows 3-4 are hidden"),
        (
            lambda b: b.active.column_dimensions.group("B", "C", hidden=True),
            (1, 2, 3, 4, 5),
            2,
            "Tracker!B1: columns B:C are hidden",
        ),
        (
            lambda b: setattr(b.active.row_dimensions[6], "hidden", True),
            (1, 2, 3, 4),
            4,
            "Tracker!6:6: row 6 is hidden",
        ),
    ],
    ids=["grouped-rows", "column-range", "last-row"],
)
def test_a_table_leaves_out_what_excel_hides_and_says_so(tmp_path, edit, rows, columns, warning):
    table, errors, warnings = read_table(tracker(tmp_path / "t.xlsx", edit))
    assert errors == [] and warnings == [f"{tmp_path / 't.xlsx'}:{warning}: not printed"]
    assert [row[0] for row in table.rows] == [f"Audit {n}" for n in rows]
    assert len(table.header) == columns


@pytest.mark.parametrize(
    ("old", "new", "warning"),
    [
        (b'<row r="3">', b'<row r="3" ht="0" customHeight="1">', "Tracker!3:3: row 3 is hidden"),
        (
            b"<sheetData>",
            b'<cols><col min="4" max="4" width="0" customWidth="1"/></cols><sheetData>',
            "Tracker!D1: column D is hidden",
        ),
    ],
    ids=["zero-height-row", "zero-width-column"],
)
def test_a_table_leaves_out_rows_and_columns_of_no_size(tmp_path, old, new, warning):
    path = patch_part(tracker(tmp_path / "t.xlsx"), "xl/worksheets/sheet1.xml", old, new)
    table, errors, warnings = read_table(path)
    assert errors == [] and warnings == [f"{path}:{warning}: not printed"]
    assert "Audit 2" not in repr(table) if "row" in warning else "Note 1" not in repr(table)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_not_printed_as_a_table(tmp_path, state):
    def edit(book):
        book.create_sheet("Shown")["A1"] = "x"
        book["Tracker"].sheet_state = state

    table, errors, _ = read_table(tracker(tmp_path / "t.xlsx", edit))
    assert table is None
    assert errors == [f"{tmp_path / 't.xlsx'}:Tracker: sheet 'Tracker' is hidden: unhide it to have it printed"]


def test_a_table_never_reads_comments_defined_names_or_other_sheets(tmp_path):
    def edit(book):
        book.active["A2"].comment = Comment("SECRET comment", "A. Person")
        book.defined_names["Secret"] = DefinedName("Secret", attr_text='"SECRET name"')
        book.create_sheet("Private")["A1"] = "SECRET sheet"

    table, errors, warnings = read_table(tracker(tmp_path / "t.xlsx", edit))
    assert errors == warnings == [] and len(table.rows) == 5
    assert "SECRET" not in repr(table)


def test_a_table_cell_holding_a_control_character_is_an_error_at_its_cell(tmp_path):
    path = patch_part(tracker(tmp_path / "t.xlsx"), "xl/worksheets/sheet1.xml", b"Note 2", b"Note &#2;2")
    table, errors, _ = read_table(path)
    assert table is None
    assert errors == [f"{path}:Tracker!D3: control character U+0002 in the text: delete it (Word cannot hold it)"]


@pytest.mark.e2e
def test_an_attached_word_document_fetches_nothing_and_prints_no_tracked_deletion(plan_copy, tmp_path):
    """A Word appendix that links pictures, fields and a template outside, converted by a real LibreOffice."""
    paper = plan_copy / "internal-audit-progress"
    outside = Counting(png(tmp_path / "outside.png", "red").read_bytes())
    try:
        local = png(tmp_path / "local.png", "green")
        hostile_docx(paper / "hostile.docx", outside.url, local, png(tmp_path / "own.png", "blue"), SECRETS)
        with (paper / "paper.yaml").open("a", encoding="utf-8") as f:
            f.write("\nappendices:\n  - title: A hostile attachment\n    file: hostile.docx\n")
        build(plan_copy, tmp_path / "out")
    finally:
        outside.close()
    assert outside.requests == []
    pdf = tmp_path / "out" / "internal-audit-progress" / "appendix-1.pdf"
    assert images(pdf.read_bytes()) == 1  # its own picture only
    text = "".join(" ".join(page_texts(pdf)).split())
    assert "Keptinsertedtext" in text and "DELETED" not in text and "includedpicture" in text


def zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(zf.read(name).decode("utf-8", "replace") for name in zf.namelist())


def test_an_attached_word_document_is_described_by_the_plan_alone_and_loses_its_hidden_text(tmp_path):
    out = tmp_path / "appendix-1.docx"
    day = dt.date(2017, 12, 19)
    prepare_docx(secret_docx(tmp_path / "s.docx"), out, "Appendix 1 - Policy", "PUBLIC", "Panel", "MOPAC", day)
    props = Document(str(out)).core_properties
    assert (props.title, props.author, props.subject) == ("Appendix 1 - Policy", "MOPAC", "Panel")
    assert props.comments == props.keywords == props.category == props.last_modified_by == ""
    assert props.created == props.modified == dt.datetime(2017, 12, 19, tzinfo=dt.UTC)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert "docProps/custom.xml" not in names and b"custom-prop" not in zf.read("[Content_Types].xml")
        assert b"custom" not in zf.read("_rels/.rels")
        assert b"<Application>boardpack</Application>" in zf.read("docProps/app.xml")
    everything = zip_text(out.read_bytes())
    assert [word for word in SECRET_WORDS if word in everything] == []
    text = " ".join(p.text for p in Document(str(out)).paragraphs)
    assert "Shown text  and shown again" in text and "Shown over its hidden style" in text
    fields = [f.get(qn("w:fldCharType")) for f in Document(str(out)).element.body.iter(qn("w:fldChar"))]
    assert fields == ["begin", "end"]  # a hidden field's marks stay, so that it still closes


def stream_text(stream: pikepdf.Stream) -> str:
    try:
        return stream.read_bytes().decode("latin-1")
    except pikepdf.PdfError:  # a picture's stream (DCT): not text
        return ""


def secrets_in(path) -> list[str]:
    """Return the *SECRET words anywhere in the file at *path*: zip parts, PDF text, information, XMP, streams."""
    data = path.read_bytes()
    found = data.decode("utf-8", "replace")
    if data.startswith(b"PK"):
        found += zip_text(data)
    if data.startswith(b"%PDF"):
        found += " ".join(page_texts(path))
        with pikepdf.open(path) as pdf:
            found += repr(dict(pdf.docinfo.items())) + str(pdf.open_metadata())
            found += "".join(stream_text(o) for o in pdf.objects if isinstance(o, pikepdf.Stream))
    return [word for word in SECRET_WORDS if word in found]


@pytest.mark.e2e
def test_an_attached_word_documents_own_metadata_and_hidden_text_are_never_published(plan_copy, tmp_path):
    """Title, author, comments, custom and extended properties and hidden runs: in no output file at all."""
    paper = plan_copy / "internal-audit-progress"
    secret_docx(paper / "policy.docx")
    with (paper / "paper.yaml").open("a", encoding="utf-8") as f:
        f.write("\nappendices:\n  - title: The policy\n    file: policy.docx\n")
    build(plan_copy, tmp_path / "out")
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"appendix-1.docx", "appendix-1.pdf"}
    assert {str(p): secrets_in(p) for p in files if secrets_in(p)} == {}
    pdf = tmp_path / "out" / "internal-audit-progress" / "appendix-1.pdf"
    with pikepdf.open(pdf) as doc:
        assert "The policy" in str(doc.docinfo.Title)  # the appendix heading
    text = "".join(" ".join(page_texts(pdf)).split())
    assert "Showntextandshownagain" in text and "Shownoveritshiddenstyle" in text


@pytest.mark.e2e
def test_a_public_table_never_prints_a_hidden_column_range_or_a_row_of_no_height(tmp_path):
    """The council's public tracker with columns G:H hidden as one range and row 4 (Council tax) 0 high."""
    plan = tmp_path / COUNCIL.name
    shutil.copytree(COUNCIL, plan)
    workbook = plan / "internal-audit-progress" / "audit-plan.xlsx"
    sheet = "xl/worksheets/sheet1.xml"  # edited as XML: openpyxl would drop the formulas' saved values
    columns = b'<col width="13" customWidth="1" min="7" max="7"/><col width="14" customWidth="1" min="8" max="8"/>'
    patch_part(workbook, sheet, columns, b'<col hidden="1" width="13" customWidth="1" min="7" max="8"/>')
    patch_part(workbook, sheet, b'<row r="4"', b'<row r="4" ht="0" customHeight="1"')
    result = build(plan, tmp_path / "out")
    warnings = [str(w) for w in result.warnings]
    assert f"{workbook}:Tracker!G1: columns G:H, J are hidden: not printed" in warnings
    assert f"{workbook}:Tracker!4:4: rows 4, 6 are hidden: not printed" in warnings
    for pdf in ("internal-audit-progress/appendix-1.pdf", "public-pack.pdf"):
        text = " ".join(page_texts(tmp_path / "out" / pdf))
        assert "Payroll" in text
        for hidden in ("Council tax", "Report issued", "Assurance", "21/07/2017"):
            assert hidden not in text, (pdf, hidden)
