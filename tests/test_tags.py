"""convert/tags.py: LibreOffice 7.4's tagging completed, on small PDFs the real LibreOffice makes.

One .docx (python-docx) holds each shape LO 7.4 leaves short of PDF/UA: a bordered, shaded
paragraph (drawn outside marked content), lettered and bulleted list items (label inside the
LBody), a table whose first column is styled "Row Heading", and two hyperlinks (Link elements
without annotations). It is converted once, by soffice with boardpack's filter.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn

from boardpack.convert import tags
from boardpack.convert.converter import convert_to_pdf
from boardpack.errors import ConvertError
from boardpack.pipeline.normalize import normalize_pdf

NUMBERING = """<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/>
<w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%1)"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="2"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/>
<w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/></w:rPr></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>
</w:numbering>"""
EMAIL, WEB = "audit@example.org", "https://www.example.org/audit"
ROWS = [("Purpose", "To note.", "Open"), ("Owner", "The Director.", "Closed"), ("Due", "March 2018.", "Open")]


def _numbered(paragraph, num_id: int) -> None:
    num = parse_xml(
        f'<w:numPr xmlns:w="{qn("w:x")[1:].split("}")[0]}"><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
    )
    paragraph._p.get_or_add_pPr().append(num)


def _hyperlink(paragraph, url: str, text: str) -> None:
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _boxed(paragraph) -> None:
    """Borders and shading, as the Report Summary box has them."""
    ppr = paragraph._p.get_or_add_pPr()
    w = qn("w:x")[1:].split("}")[0]
    sides = "".join(
        f'<w:{s} w:val="single" w:sz="8" w:space="4" w:color="000000"/>' for s in ("top", "left", "bottom", "right")
    )
    ppr.append(parse_xml(f'<w:pBdr xmlns:w="{w}">{sides}</w:pBdr>'))
    ppr.append(parse_xml(f'<w:shd xmlns:w="{w}" w:val="clear" w:color="auto" w:fill="D9D9D9"/>'))


def make_docx(path: Path) -> None:
    doc = Document()
    doc.core_properties.title = "Tag test"
    doc.part.numbering_part._element = parse_xml(NUMBERING.encode())
    row_heading = doc.styles.add_style("Row Heading", WD_STYLE_TYPE.PARAGRAPH)
    table_heading = doc.styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_heading("Tag test", level=1)
    _boxed(doc.add_paragraph("A summary in a box with shading and border."))
    _numbered(doc.add_paragraph("The first lettered item."), 1)
    _numbered(doc.add_paragraph("The second lettered item."), 1)
    _numbered(doc.add_paragraph("A bulleted item."), 2)
    doc.add_paragraph("A plain paragraph after the lists.")
    linked = doc.add_paragraph("Write to ")
    _hyperlink(linked, "mailto:" + EMAIL, EMAIL)
    linked.add_run(" or see ")
    _hyperlink(linked, WEB, WEB)
    linked.add_run(".")
    table = doc.add_table(rows=1 + len(ROWS), cols=3)
    table.style = doc.styles["Table Grid"]
    for col, text in enumerate(("Item", "Value", "State")):
        table.cell(0, col).paragraphs[0].text = text
        table.cell(0, col).paragraphs[0].style = table_heading
    for row, cells in enumerate(ROWS, 1):
        for col, text in enumerate(cells):
            table.cell(row, col).paragraphs[0].text = text
        table.cell(row, 0).paragraphs[0].style = row_heading
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    doc.save(path)


def make_grouped_docx(path: Path) -> None:
    """A table with "Table Heading" cells below its header row: a theme row across it and a Total row."""
    doc = Document()
    doc.core_properties.title = "Grouped table"
    heading = doc.styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Table Grid"]
    theme = table.cell(1, 0).merge(table.cell(1, 2))
    for row, texts in ((0, ("Ref", "Action", "Count")), (2, ("A-01", "Do it", "9")), (3, ("Total", "", "9"))):
        for col, text in enumerate(texts):
            table.cell(row, col).paragraphs[0].text = text
            if row != 2:
                table.cell(row, col).paragraphs[0].style = heading
    theme.paragraphs[0].text = "Theme one"
    theme.paragraphs[0].style = heading
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    doc.save(path)


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Each test document: (its .docx, the PDF LibreOffice made of it, untouched); one soffice run."""
    folder = tmp_path_factory.mktemp("tags")
    made = {"tags": make_docx, "grouped": make_grouped_docx}
    for name, make in made.items():
        make(folder / f"{name}.docx")
    pdfs = convert_to_pdf([folder / f"{name}.docx" for name in made])
    return {name: (folder / f"{name}.docx", pdf) for name, pdf in zip(made, pdfs, strict=True)}


@pytest.fixture
def converted(documents) -> tuple[Path, Path]:
    return documents["tags"]


@pytest.fixture
def completed(converted, tmp_path):
    """The converted PDF with its tagging completed, opened, and its report."""
    docx, pdf = converted
    copy = tmp_path / "fixed.pdf"
    with pikepdf.open(pdf) as source:
        report = tags.complete(source, tags.docx_link_targets(docx.read_bytes()))
        source.save(copy)
    opened = pikepdf.open(copy)
    yield opened, report, copy
    opened.close()


def untagged_operators(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for page in pdf.pages:
        depth = 0
        for _, op in pikepdf.parse_content_stream(page):
            name = str(op)
            depth += name in ("BMC", "BDC")
            depth -= name == "EMC"
            if depth == 0 and name in tags.PATH_OPS | tags.PAINT_OPS | {"BT", "Do"}:
                found.append(name)
    return found


def test_libreoffice_leaves_what_tags_completes(converted):
    """The evidence: LO 7.4's own PDF draws outside marked content and has no link annotation."""
    _, pdf = converted
    with pikepdf.open(pdf) as raw:
        assert untagged_operators(raw)
        assert "/Annots" not in raw.pages[0]


def test_drawing_outside_marked_content_becomes_artifact(completed):
    pdf, report, _ = completed
    assert report.artifacts >= 1
    assert untagged_operators(pdf) == []
    for page in pdf.pages:  # q/Q still balance, and no marked content opens inside BT and closes outside
        names = [str(op) for _, op in pikepdf.parse_content_stream(page)]
        assert names.count("q") == names.count("Q")
        assert names.count("BMC") + names.count("BDC") == names.count("EMC")


def test_completing_twice_changes_nothing_more(completed):
    pdf, _, _ = completed
    again = tags.complete(pdf)
    assert (again.artifacts, again.labels, again.row_headers, again.links, again.attributes) == (0, 0, 0, 0, 0)


def test_text_outside_marked_content_is_refused_not_hidden():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.StructTreeRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"0 0 m 10 10 l S BT /F1 12 Tf (hidden) Tj ET")
    with pytest.raises(tags.TaggingError, match="text outside"):
        tags.artifact_drawing(pdf)


def test_q_closing_an_earlier_q_stays_outside_the_artifact():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(b"/Artifact BMC q EMC 1 w q 0 0 m 5 5 l S Q Q")
    assert tags.artifact_drawing(pdf) == 1
    names = [str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[0])]
    assert names[-6:] == ["m", "l", "S", "Q", "EMC", "Q"]
    assert names[3:6] == ["w", "BMC", "q"] or names[3:6] == ["BMC", "w", "q"]


def _elements(pdf):
    tree = tags._Tree(pdf)
    return tree, list(tree.elements())


def test_list_labels_get_their_own_lbl(completed):
    pdf, report, _ = completed
    tree, elements = _elements(pdf)
    labels = [e for e in elements if e.S == pikepdf.Name.Lbl]
    assert report.labels == 3
    assert [tree.text(e) for e in labels] == ["(a)", "(b)", "\u2022"]
    for label in labels:
        item = label.P
        assert tree.role(item) == "LI"
        kinds = [str(k.S) for k in tags._kids(item)]
        assert kinds == ["/Lbl", "/LBody"]
        (mcid,) = tags._kids(label)
        key = int(pdf.pages[0].obj.StructParents)
        assert tree.parent_tree[key][mcid].objgen == label.objgen
    bodies = [tree.text(e) for e in elements if tree.role(e) == "LBody"]
    assert bodies == ["The first lettered item.", "The second lettered item.", "A bulleted item."]
    plain = [e for e in elements if tree.text(e) == "A plain paragraph after the lists."]
    assert plain and plain[0].P.S == pikepdf.Name.Document  # not a list: left alone


@pytest.mark.parametrize("text", ["(a)", "(iv)", "1.", "2.3", "a)", "\u2022", "\u2013"])
def test_label_shaped(text):
    assert tags.label_shaped(text)


@pytest.mark.parametrize("text", ["", "The first", "(abcdef)", "Purpose."])
def test_not_label_shaped(text):
    assert not tags.label_shaped(text)


def test_row_heading_cells_become_row_headers(completed):
    pdf, report, _ = completed
    tree, elements = _elements(pdf)
    assert report.row_headers == len(ROWS) and report.stray_column_headers == []
    (table,) = [e for e in elements if tree.role(e) == "Table"]
    rows = [[(str(c.S), str(tags._scope(c)), tree.text(c)) for c in tags._cells(r)] for r in tags._rows(tree, table)]
    assert rows[0] == [("/TH", "/Column", t) for t in ("Item", "Value", "State")]
    for row, cells in zip(rows[1:], ROWS, strict=True):
        assert row == [("/TH", "/Row", cells[0]), ("/TD", "None", cells[1]), ("/TD", "None", cells[2])]
    header = tags._cells(tags._rows(tree, table)[1])[0]
    layout = [a for a in tags._attributes(header) if a.get("/O") == pikepdf.Name.Layout]
    assert layout, "LO's layout attributes are kept beside the table ones"


def test_column_headers_below_the_header_rows_are_fixed_and_named(documents):
    _, path = documents["grouped"]
    with pikepdf.open(path) as pdf:
        report = tags.complete(pdf)
        tree, elements = _elements(pdf)
        (table,) = [e for e in elements if tree.role(e) == "Table"]
        rows = [[(str(c.S), str(tags._scope(c))) for c in tags._cells(r)] for r in tags._rows(tree, table)]
    assert report.stray_column_headers == ["Theme one", "Total", "", "9"]
    assert rows[0] == [("/TH", "/Column")] * 3  # the header row keeps its column scope
    assert rows[1] == [("/TH", "/Row")]  # the theme heads its rows
    assert rows[3] == [("/TH", "/Row"), ("/TD", "None"), ("/TD", "None")]  # "Total" heads; its figures are data


def test_links_get_annotations_over_their_text(completed):
    pdf, report, _ = completed
    tree, elements = _elements(pdf)
    assert report.links == 2 and report.unlinked == []
    annots = list(pdf.pages[0].Annots)
    assert [str(a.A.URI) for a in annots] == ["mailto:" + EMAIL, WEB]
    assert [str(a.Contents) for a in annots] == [EMAIL, WEB]
    assert pdf.pages[0].Tabs == pikepdf.Name.S
    links = [e for e in elements if e.S == pikepdf.Name.Link]
    for link, annot in zip(links, annots, strict=True):
        objr = [k for k in tags._kids(link) if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
        assert objr[0].Obj.objgen == annot.objgen
        assert tree.parent_tree[int(annot.StructParent)].objgen == link.objgen
        (mark,) = [tree.marks[m] for m in tree.mcids(link)]
        x0, y0, x1, y1 = (float(v) for v in annot.Rect)
        assert x0 <= mark.box[0] + 0.01 and x1 >= mark.box[2] - 0.01 and 5 < x1 - x0 < 300 and 8 < y1 - y0 < 20


def test_link_target_from_text_when_the_docx_has_none():
    assert tags.link_target("clerk@council.gov.uk", {}) == "mailto:clerk@council.gov.uk"
    assert tags.link_target("www.example.org", {}) == "https://www.example.org"
    assert tags.link_target("our website", {}) is None
    assert tags.link_target("our website", {"our website": "https://x.org"}) == "https://x.org"


def checker(*command: str) -> str:
    tool = Path(sys.executable).with_name(command[0])
    assert tool.exists(), f"{command[0]} is a test tool of the venv"
    return subprocess.run([str(tool), *command[1:]], capture_output=True, text=True, timeout=120).stdout


def test_checkers_find_no_errors_after(completed):
    _, _, path = completed
    report = json.loads(checker("outloud", "--json", "-", str(path)))
    findings = report["results"][0]["findings"]
    assert [f["rule"] for f in findings if f["severity"] == "error"] == []
    assert not {"TAG-001", "LNK-010", "TBL-001", "TBL-002"} & {f["rule"] for f in findings}
    assert "[ERROR]" not in checker("pdfua", "check", str(path))


def test_normalized_pdf_keeps_xmp_in_step_with_info_and_is_deterministic(converted, tmp_path):
    docx, pdf = converted
    day = dt.date(2017, 12, 19)
    copies = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for copy in copies:
        shutil.copyfile(pdf, copy)
        normalize_pdf(copy, day, converted_from=docx)
    assert copies[0].read_bytes() == copies[1].read_bytes()
    with pikepdf.open(copies[0]) as done:
        meta = done.open_metadata()
        assert meta["dc:title"] == "Tag test" == str(done.docinfo.Title)
        assert meta["pdfuaid:part"] == "1"
        assert meta["xmp:CreateDate"].startswith("2017-12-19T00:00:00")
        assert meta["xmp:CreatorTool"] == "boardpack" == str(done.docinfo.Creator)
        assert "/Annots" in done.pages[0]  # the tagging was completed on the way


def test_normalize_refuses_a_pdf_with_untagged_text(converted, tmp_path):
    docx, _ = converted
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.StructTreeRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"BT ET")
    path = tmp_path / "bad.pdf"
    pdf.save(path)
    with pytest.raises(ConvertError, match="text outside"):
        normalize_pdf(path, dt.date(2017, 12, 19), converted_from=docx)


def test_libreoffices_own_link_annotations_get_tab_order_name_and_print_flag():
    # What LibreOffice 7.4 writes for a boardpack paper's e-mail link: /Tabs as the string (S), no /F.
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    annot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10])
    )
    page.Annots = pikepdf.Array([annot])
    page.Tabs = pikepdf.String("S")
    tags.annotation_order(pdf)
    assert page.Tabs == pikepdf.Name.S and isinstance(page.Tabs, pikepdf.Name)
    assert page.Annots[0].F == 4
    blank = pikepdf.new()
    blank.add_blank_page()
    tags.annotation_order(blank)
    assert "/Tabs" not in blank.pages[0].obj  # a page without annotations is left as it is


def test_the_structure_tree_is_walked_once_and_again_only_after_labels_moved(documents, monkeypatch):
    """The fixes find their elements (list items, tables, links) in one walk of the tree (a long appendix's
    part has thousands of elements); a list label moved into an /Lbl of its own changes the tree, and the
    fixes after it walk it again."""
    walks = []
    real = tags._Tree.elements

    def elements(self):
        walks.append(1)
        return real(self)

    monkeypatch.setattr(tags._Tree, "elements", elements)
    for name, labelled in (("grouped", False), ("tags", True)):
        docx, pdf = documents[name]
        walks.clear()
        with pikepdf.open(pdf) as source:
            report = tags.complete(source, tags.docx_link_targets(docx.read_bytes()))
        assert bool(report.labels) == labelled
        assert len(walks) == (2 if labelled else 1), name


def _attributes_by_element(pdf: pikepdf.Pdf) -> tuple[list, int]:
    """Every structure element's attribute objects, each as its entries' types and values (a revision
    number as itself), in tree order; and how many are objects of their own."""
    found, indirect = [], 0
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k)
        if "/S" not in element or "/A" not in element:
            continue
        attributes = list(element.A) if isinstance(element.A, pikepdf.Array) else [element.A]
        indirect += sum(isinstance(a, pikepdf.Object) and a.is_indirect for a in attributes)
        plain = [
            {k: repr(v) for k, v in a.items()} if isinstance(a, pikepdf.Dictionary) else repr(a) for a in attributes
        ]
        found.append((str(element.S), plain))
    return found, indirect


def test_attribute_objects_are_written_into_their_elements(documents, tmp_path, monkeypatch):
    """LibreOffice makes an object of every attribute object (a table cell's and its paragraph's); completing the tags
    writes each into its element: the same attributes, in the same order, of the same elements, as
    completing them without this step gives, and the saved PDF has that many objects fewer."""
    for name in ("tags", "grouped"):
        docx, pdf = documents[name]
        made = {}
        for step in ("without", "with"):
            with monkeypatch.context() as patched:
                if step == "without":
                    patched.setattr(tags, "direct_attributes", lambda tree: 0)
                with pikepdf.open(pdf) as source:
                    report = tags.complete(source, tags.docx_link_targets(docx.read_bytes()))
                    source.save(tmp_path / f"{name}-{step}.pdf")
            with pikepdf.open(tmp_path / f"{name}-{step}.pdf") as done:
                made[step] = (*_attributes_by_element(done), len(done.objects), report.attributes)
        (before, indirect, objects, _), (after, left, fewer, moved) = made["without"], made["with"]
        assert indirect >= 2 * 3 * 3, name  # the evidence: at least two for each cell of three 3-column rows
        assert (left, moved) == (0, indirect), name
        assert after == before, name
        assert fewer == objects - moved, name


def test_streams_revision_numbers_and_indirect_values_are_kept_in_place():
    """Shapes LibreOffice 7.4 does not write, which ISO 32000-1 allows in /A: an attribute stream (left an
    object of its own), revision numbers (kept, in place), a value that is an object of its own (still
    one), an attribute object already direct (left), and one two elements share (a copy in each)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    box = pdf.make_indirect(pikepdf.Array([0, 0, 100, 20]))
    stream = pdf.make_stream(b"", O=pikepdf.Name.Layout, Placement=pikepdf.Name.Block)
    layout = pdf.make_indirect(pikepdf.Dictionary(O=pikepdf.Name.Layout, BBox=box))
    shared = pdf.make_indirect(pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name.Row))
    direct = pikepdf.Dictionary(O=pikepdf.Name.List, ListNumbering=pikepdf.Name.Decimal)
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array()))
    document = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root))
    root.K = document
    pdf.Root.StructTreeRoot = root

    def element(role: str, attributes):
        return pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name(role), P=document, A=attributes)
        )

    mixed = element("/P", pikepdf.Array([layout, 0, stream, 2, direct, shared, 1]))
    streamed, sharing = element("/TD", stream), element("/TD", shared)
    document.K = pikepdf.Array([mixed, streamed, sharing])
    assert tags.direct_attributes(tags._Tree(pdf)) == 3  # layout, and shared once for each element
    kept = mixed.A
    assert [int(kept[i]) for i in (1, 3, 6)] == [0, 2, 1]
    assert not kept[0].is_indirect and kept[0].BBox.objgen == box.objgen
    assert kept[2].objgen == stream.objgen == streamed.A.objgen
    assert kept[4] == direct and not kept[4].is_indirect
    assert not sharing.A.is_indirect and not kept[5].is_indirect
    sharing.A.Scope = pikepdf.Name.Column
    assert kept[5].Scope == pikepdf.Name.Row  # two copies, each the element's own


def test_a_row_scope_set_again_on_direct_attributes_is_written_into_the_element(documents, tmp_path):
    """Completed once (attributes direct), a Row heading turned back into a plain cell is made a row
    heading again by a second completion, through the direct attribute object: as after the first."""
    docx, pdf = documents["tags"]
    with pikepdf.open(pdf) as source:
        tags.complete(source, tags.docx_link_targets(docx.read_bytes()))
        source.save(tmp_path / "once.pdf")
    with pikepdf.open(tmp_path / "once.pdf") as done:
        expected, _ = _attributes_by_element(done)
        undone = 0
        for cell in (o for o in done.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == pikepdf.Name.TH):
            table = [a for a in tags._attributes(cell) if a.get("/O") == pikepdf.Name.Table]
            if table and table[0].get("/Scope") == pikepdf.Name.Row:
                assert not table[0].is_indirect
                cell.S = pikepdf.Name.TD
                del table[0]["/Scope"]
                undone += 1
        assert undone
        again = tags.complete(done)
        assert (again.row_headers, again.attributes) == (undone, 0)
        done.save(tmp_path / "twice.pdf")
    with pikepdf.open(tmp_path / "twice.pdf") as twice:
        assert _attributes_by_element(twice)[0] == expected


def test_removing_a_scope_the_table_attributes_do_not_have_leaves_the_others():
    """A stray column heading made data (``_set_scope(None)``) whose Table attribute object has no /Scope,
    only a /ColSpan, keeps the /ColSpan: nothing to remove is not an error."""
    pdf = pikepdf.new()
    cell = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.TH, A=pikepdf.Dictionary(O=pikepdf.Name.Table, ColSpan=2))
    )
    tags._set_scope(pdf, cell, None)
    assert dict(cell.A.items()) == {"/O": pikepdf.Name.Table, "/ColSpan": 2}
