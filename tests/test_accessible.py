"""What a reader of the PDF or the HTML needs from the .docx: heading levels, real lists that restart,
links, the marking read once, tables whose cells say what they are, and styles mammoth knows."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import mammoth
import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from boardpack.convert.verify import numbering_labels
from boardpack.pipeline.builder import build
from boardpack.render.accessible import LINK, link_addresses, restart_lists, style_map
from boardpack.render.docx import TEMPLATES_DIR
from boardpack.sanitize import outside_links

from .conftest import PAPER, ROOT

COUNCIL = ROOT / "plans" / "2018-03-14-audit-governance"
TEMPLATES = sorted(TEMPLATES_DIR.glob("*.docx")) + sorted((COUNCIL / "templates").glob("*.docx"))
OUTLINE = {"Title": 0, "Heading 2": 1, "Heading 3": 2, "Summary Title": 1, "Summary Heading": 2}


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("council") / COUNCIL.name
    build(COUNCIL, out)
    return out


def outline_level(style) -> int | None:
    while style is not None:
        found = style.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if found is not None:
            return int(found.get(qn("w:val")))
        style = style.base_style
    return None


def body_paragraphs(doc) -> list:
    return list(doc.element.body.iter(qn("w:p")))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_template_has_one_h1_its_title_and_headings_below_it(template):
    doc = Document(template)
    for name, level in OUTLINE.items():
        assert outline_level(doc.styles[name]) == level, name
    used = [p.style for p in doc.paragraphs]
    assert [s.name for s in used if outline_level(s) == 0] == ["Title"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_template_starts_with_the_marking_line_and_has_no_banner_in_its_body(template):
    doc = Document(template)
    first = doc.paragraphs[0]
    assert (first.style.name, first.text) == ("Marking Line", "{{ w.marking.line }} {{ marking }}")
    for table in doc.tables:  # the banner is page furniture: in the first page's header, not the body
        assert "MOPAC" not in table._tbl.xml and "KINGSMERE" not in table._tbl.xml


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_table_heading_only_in_repeated_header_rows(template):
    doc = Document(template)
    for row in doc.element.body.iter(qn("w:tr")):
        header = row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        styles = {s.get(qn("w:val")) for s in row.iter(qn("w:pStyle"))}
        assert header == ("TableHeading" in styles), styles


def test_banner_is_in_the_first_page_header_with_the_marking():
    for template in (TEMPLATES_DIR / "report.docx", COUNCIL / "templates" / "frontsheet.docx"):
        section = Document(template).sections[0]
        assert section.different_first_page_header_footer
        first = section.first_page_header
        assert first.paragraphs[0].text == "{{ marking }}"
        assert len(first.tables) == 1
        assert section.header.tables == []  # pages 2+ keep the marking alone
        assert "{{ marking }}" in section.first_page_footer.paragraphs[0].text


def test_status_table_rows_are_named_by_row_headings_and_the_total_is_not_a_header(tmp_path, built_example):
    doc = Document(built_example / PAPER / "report.docx")
    (table,) = [t for t in doc.tables if t.style.name == "Status Table"]
    styles = [[c.paragraphs[0].style.name for c in row.cells] for row in table.rows]
    assert set(styles[0]) == {"Table Heading"}
    assert all(row[0] == "Row Heading" and set(row[1:]) == {"Table Text"} for row in styles[1:-1])
    assert styles[-1][0] == "Row Heading" and set(styles[-1][1:]) == {"Table Total"}
    caption = next(p for p in doc.paragraphs if p.text.startswith("Table 1:"))
    assert caption.style.name == "Table Caption"


def test_actions_appendix_theme_rows_are_table_group_not_table_heading(built_example):
    doc = Document(built_example / PAPER / "appendix-1.docx")
    cells = [c.paragraphs[0] for t in doc.tables for r in t.rows[1:] for c in r.cells]
    assert "Core internal processes" in [p.text for p in cells if p.style.name == "Table Group"]
    assert not [p for p in cells if p.style.name == "Table Heading"]


def test_rendered_report_first_line_is_the_marking_and_the_title_is_the_one_h1(built_example):
    doc = Document(built_example / PAPER / "report.docx")
    assert (doc.paragraphs[0].style.name, doc.paragraphs[0].text) == ("Marking Line", "Protective marking: OFFICIAL")
    assert [p.text for p in doc.paragraphs if outline_level(p.style) == 0] == ["MOPAC Governance Improvement Plan"]
    appendix = Document(built_example / PAPER / "appendix-1.docx")
    assert appendix.paragraphs[0].text == "Protective marking: OFFICIAL-SENSITIVE"


def test_every_document_boardpack_writes_starts_with_its_marking(built_example, council):
    rendered = [d for d in every_docx(built_example, council) if _boardpack_made(d)]
    assert len(rendered) > 20
    attached = (council / ATTACHED_DOCX).read_bytes()
    for docx in rendered:
        paragraphs = Document(docx).paragraphs
        if docx.read_bytes() == attached:  # a Word document from outside: boardpack's heading, then the line
            assert paragraphs[0].style.name == "Appendix Title" and outline_level(paragraphs[0].style) == 0
            assert paragraphs[1].text == "Protective marking: OFFICIAL"
            continue
        assert paragraphs[0].style.name == "Marking Line", docx
        assert re.fullmatch(r"Protective marking: OFFICIAL(-SENSITIVE)?", paragraphs[0].text), docx


def lettered(texts: list[str | None]) -> Document:
    """A document from the report template whose body is List Letter items (None: a numbered paragraph)."""
    doc = Document(TEMPLATES_DIR / "report.docx")
    body = doc.element.body
    for p in list(body.iter(qn("w:p"))):
        p.getparent().remove(p)
    for text in texts:
        doc.add_paragraph(text or "A paragraph between the lists.", "List Letter" if text else "Numbered Paragraph")
    return doc


def test_each_lettered_list_restarts_at_a(tmp_path):
    doc = lettered(["one", "two", None, "three", "four", "five"])
    assert restart_lists(doc) == 2
    nums = [p.pPr.numPr.numId.val if p.pPr.numPr is not None else None for p in body_paragraphs(doc)]
    assert nums[0] == nums[1] and nums[3] == nums[4] == nums[5] and nums[0] != nums[3] and nums[2] is None
    numbering = doc.part.numbering_part.element
    for num_id in (nums[0], nums[3]):
        (num,) = [n for n in numbering.iter(qn("w:num")) if n.get(qn("w:numId")) == str(num_id)]
        assert num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}").get(qn("w:val")) == "1"
    doc.save(tmp_path / "lists.docx")
    assert numbering_labels(tmp_path / "lists.docx") == ["(a)", "(b)", "(a)", "(b)", "(c)"]


def test_lists_in_the_rendered_papers_restart_and_print_as_the_model_says(built_example):
    docx = built_example / "risk-management-update" / "report.docx"
    assert numbering_labels(docx)[:4] == ["(a)", "(b)", "(c)", "(d)"]
    assert "•" in numbering_labels(docx)
    bullet = Document(docx).part.numbering_part.element.xpath("//w:lvlText[@w:val='•']")
    assert bullet, "a bullet is U+2022, not a Symbol-font character"


def test_letters_past_z_are_words_labels(tmp_path):
    doc = lettered([f"item {i}" for i in range(28)])
    restart_lists(doc)
    doc.save(tmp_path / "letters.docx")
    assert numbering_labels(tmp_path / "letters.docx")[25:] == ["(z)", "(aa)", "(bb)"]


def test_a_numbered_style_with_no_id_numbers_the_paragraphs_with_no_style(tmp_path):
    """A style with no w:styleId is the one a paragraph with no style has, to python-docx and so to
    ``restart_lists``: its paragraphs are a list, though no paragraph names a style."""
    assert restart_lists(idless_list()) == 1


def idless_list() -> Document:
    """A document from the report template whose two paragraphs have no style, and whose lettered numbered
    style has no w:styleId."""
    doc = Document(TEMPLATES_DIR / "report.docx")
    numbering = doc.part.numbering_part.element
    lettered = next(
        n.get(qn("w:numId"))
        for n in numbering.iter(qn("w:num"))
        for a in numbering.iter(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == n.find(qn("w:abstractNumId")).get(qn("w:val"))
        and a.find(f"{qn('w:lvl')}/{qn('w:numFmt')}").get(qn("w:val")) == "lowerLetter"
    )
    doc.styles.element.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph"><w:name w:val="Idless"/>'
            f'<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{lettered}"/></w:numPr></w:pPr></w:style>'
        )
    )
    body = doc.element.body
    for p in list(body.iter(qn("w:p"))):
        p.getparent().remove(p)
    for text in ("one", "two"):
        body.insert(0, parse_xml(f"<w:p {nsdecls('w')}><w:r><w:t>{text}</w:t></w:r></w:p>"))
    return doc


def test_an_address_split_over_runs_is_linked_where_a_run_holds_it_whole():
    """The link pass looks for addresses in the text as a whole before it looks run by run: a run that holds
    one whole is linked, one split over two runs is not (as before)."""
    doc = Document(TEMPLATES_DIR / "report.docx")
    p = doc.add_paragraph()
    for text in ("mail jo", "@x.org now", "see https://a.example/x", ").", "o'", "neill@x.org", "x@y.io"):
        p.add_run(text)
    assert link_addresses(doc) == 3  # the URL, neill@x.org (its run alone), x@y.io


def test_addresses_and_urls_become_links_with_escaped_targets(tmp_path):
    doc = Document(TEMPLATES_DIR / "report.docx")
    doc.add_paragraph("Email: a.person@example.gov.uk, or see https://example.org/x?a=1&b=2. No link: a@b.")
    assert link_addresses(doc) == 2
    doc.save(tmp_path / "links.docx")
    with zipfile.ZipFile(tmp_path / "links.docx") as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode()
        body = archive.read("word/document.xml").decode()
    assert 'Target="mailto:a.person@example.gov.uk" TargetMode="External"' in rels
    assert 'Target="https://example.org/x?a=1&amp;b=2" TargetMode="External"' in rels
    links = re.findall(r"<w:hyperlink [^>]*>(.*?)</w:hyperlink>", body)
    assert [re.sub(r"<[^>]+>", "", link) for link in links] == [
        "a.person@example.gov.uk",
        "https://example.org/x?a=1&amp;b=2",
    ]
    assert all('<w:rStyle w:val="Hyperlink"/>' in link for link in links)
    text = "Email: a.person@example.gov.uk, or see https://example.org/x?a=1&b=2. No link: a@b."
    assert Document(tmp_path / "links.docx").paragraphs[-1].text == text


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("Write to o'neill+crmp@westmoor-fire.gov.uk.", ["o'neill+crmp@westmoor-fire.gov.uk"]),
        ("Quoted: 'jo@example.org'.", ["jo@example.org"]),
        (
            "See https://en.wikipedia.org/wiki/Fire_(disambiguation).",
            ["https://en.wikipedia.org/wiki/Fire_(disambiguation)"],
        ),
        ("(see https://example.org/c?x=1&y=2)", ["https://example.org/c?x=1&y=2"]),
        ("Not an address: name@host, nor http:/x.", []),
    ],
)
def test_what_is_linked_is_the_whole_address_and_no_more(text, linked):
    assert [m.group(0) for m in LINK.finditer(text)] == linked


def test_the_contact_address_in_a_rendered_paper_is_a_link(built_example):
    doc = Document(built_example / PAPER / "report.docx")
    targets = [r.target_ref for r in doc.part.rels.values() if r.is_external]
    assert targets == ["mailto:Siobhan.peters@mopac.london.gov.uk"]


def every_docx(built_example: Path, council: Path) -> list[Path]:
    return sorted([*built_example.rglob("*.docx"), *council.rglob("*.docx")])


@pytest.mark.e2e
def test_mammoth_reads_every_document_without_a_warning(built_example, council):
    found = list(every_docx(built_example, council))
    assert all(_boardpack_made(d) for d in found)  # the attached Word document too, as boardpack prepared it
    assert len(found) > 20
    lists = 0
    for docx in found:
        with docx.open("rb") as file:
            result = mammoth.convert_to_html(file)
        assert result.messages == [], (docx, result.messages)
        if docx.read_bytes() == (council / ATTACHED_DOCX).read_bytes():
            # Its author's own title is an h1 too: boardpack's heading comes first, then the marking line.
            assert result.value.startswith("<h1>Appendix 2 – Counter-Fraud and Corruption Policy</h1>"), docx
            assert "<p>Protective marking: OFFICIAL</p>" in result.value
        else:
            assert result.value.count("<h1>") == 1, docx
        lists += "<ol>" in result.value or "<ul>" in result.value
    assert lists >= 5


ATTACHED_DOCX = Path("governance") / "appendix-2.docx"


def _boardpack_made(docx: Path) -> bool:
    with zipfile.ZipFile(docx) as archive:
        return "mammoth/style-map" in archive.namelist()


def test_mammoth_reads_the_report_as_headings_and_lists(built_example):
    with (built_example / "risk-management-update" / "report.docx").open("rb") as file:
        html = mammoth.convert_to_html(file).value
    assert html.count("<h1>") == 1 and "<h2>" in html and "<h3>" in html
    assert "<ol><li>" in html and "<ul><li>" in html
    assert 'href="mailto:' in html


def test_style_map_names_headings_lists_and_paragraphs():
    doc = Document(TEMPLATES_DIR / "report.docx")
    mapped = dict(line.split(" => ") for line in style_map(doc).splitlines() if " => " in line)
    assert mapped["p[style-name='Title']"] == "h1:fresh"
    assert mapped["p[style-name='Heading 2']"] == "h2:fresh"
    assert mapped["p[style-name='Summary Heading']"] == "h3:fresh"
    assert mapped["p[style-name='List Letter']"] == "ol > li:fresh"
    assert mapped["p[style-name='List Bullet']"] == "ul > li:fresh"
    assert mapped["p[style-name='Numbered Paragraph']"] == "p:fresh"


def test_links_are_not_what_the_template_check_refuses(built_example, tmp_path):
    """A link to an address is no fetch: the check that refuses a template reaching outside (a web picture)
    lets boardpack's own rendered links through, and still refuses a template that fetches."""
    report = built_example / PAPER / "report.docx"
    assert [r for r in Document(report).part.rels.values() if r.is_external]
    assert outside_links(report) == []
