"""Rendering: the .docx has the right styles and words, text stays data, properties are clean."""

from __future__ import annotations

import difflib
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from boardpack.errors import RenderError
from boardpack.pipeline.builder import check
from boardpack.plan.model import Status, StatusCount, StatusTable
from boardpack.render.chart import draw_status_chart
from boardpack.render.docx import TEMPLATES_DIR, render_report, render_table_appendix

from .conftest import EXAMPLE, GOLDEN, PAPER, paper_of


def render_plan(plan_dir: Path, out: Path, templates: Path = TEMPLATES_DIR) -> Document:
    prepared = check(plan_dir)
    render_report(paper_of(prepared.papers), prepared.plan.meeting, out, templates)
    return Document(out)


def test_styles_and_numbers(tmp_path):
    doc = render_plan(EXAMPLE, tmp_path / "r.docx")
    shown = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name in ("Heading 2", "Heading 3", "Title")]
    assert shown[:4] == [
        ("Title", "MOPAC Governance Improvement Plan"),
        ("Heading 2", "1.\tSupporting Information"),
        ("Heading 3", "Key Areas are Summarised Below:"),
        ("Heading 2", "2.\tEquality and Diversity Impact"),
    ]
    numbered = [p.text.split("\t")[0] for p in doc.paragraphs if p.style.name == "Numbered Paragraph"]
    assert numbered == [f"1.{i}." for i in range(1, 10)]
    first = next(p.text for p in doc.paragraphs if p.style.name == "Numbered Paragraph")
    assert first == "1.1.\tThe MOPAC governance improvement plan is attached at Appendix 1."
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets[1] == "Report on MOPAC's financial oversight model"


def test_core_properties_come_from_the_plan_only(tmp_path):
    props = render_plan(EXAMPLE, tmp_path / "r.docx").core_properties
    assert props.title == "MOPAC Governance Improvement Plan"
    assert props.author == "Mayor's Office for Policing and Crime"
    assert props.language == "en-GB"
    assert (props.last_modified_by, props.comments) == ("", "")
    assert props.created.date().isoformat() == "2017-12-19"


def test_plan_text_prints_exactly_as_typed(plan_copy, tmp_path):
    tricky = "{{ 7*7 }} {% if x %}A & B < C > D \"q\" 'q' 😀 שלום عربي Donaudampfschifffahrtsgesellschaftskapitän"
    paper_yaml = plan_copy / PAPER / "paper.yaml"
    text = paper_yaml.read_text(encoding="utf-8")
    paper_yaml.write_text(
        text.replace("title: MOPAC Governance Improvement Plan", f"title: {json.dumps(tricky, ensure_ascii=False)}"),
        "utf-8",
    )
    doc = render_plan(plan_copy, tmp_path / "r.docx")
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [tricky]
    assert doc.core_properties.title == tricky


def _template_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    src = TEMPLATES_DIR / "report.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(folder / "report.docx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            zout.writestr(item, data)
    return folder


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{{ title }}", "{{ title }", "template error: unexpected '}'"),
        ("{{ title }}", "{{ titel }}", "template error: 'titel' is undefined"),
        (
            "{{ title }}",
            "{{ ''.__class__ }}",
            "template error: access to attribute '__class__' of 'str' object is unsafe.",
        ),
        ("{{ title }}", "{{ 1 / 0 }}", "template error: ZeroDivisionError: division by zero"),
        ("{{ title }}", "{{ range(10**9) | list }}", "template error: OverflowError: Range too big."),
    ],
)
def test_broken_template_names_the_template(tmp_path, old, new, message):
    templates = _template_with(tmp_path, old, new)
    with pytest.raises(RenderError) as info:
        render_plan(EXAMPLE, tmp_path / "r.docx", templates)
    (problem,) = info.value.problems
    assert str(problem.where).endswith("templates/report.docx")
    assert problem.message.startswith(message)


def normalized_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    xml = etree.tostring(root, pretty_print=True, encoding="unicode")
    return re.sub(r' w:rsid\w*="[^"]*"', "", xml)


def test_report_matches_golden_xml(tmp_path, update_golden):
    out = tmp_path / "r.docx"
    render_plan(EXAMPLE, out)
    golden = GOLDEN / "report-document.xml"
    actual = normalized_xml(out)
    if update_golden:
        golden.write_text(actual, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "rendered"))
        pytest.fail(f"word/document.xml differs from {golden} (rerun with --update-golden if intended):\n{diff[:6000]}")


def test_missing_template_is_a_render_error(tmp_path):
    with pytest.raises(RenderError, match="template not found"):
        render_plan(EXAMPLE, tmp_path / "r.docx", tmp_path)


def test_a_title_and_author_too_long_for_the_properties_print_in_full_and_are_cut_there(plan_copy, tmp_path):
    title = "Governance " * 40  # 440 characters: Word's properties hold 255
    report_by = "Chief Executive and " * 20 + "Director"
    paper_yaml = plan_copy / PAPER / "paper.yaml"
    text = paper_yaml.read_text(encoding="utf-8").replace("title: MOPAC Governance Improvement Plan", f"title: {title}")
    text = text.replace("report_by: The Chief Financial Officer, MOPAC", f"report_by: {report_by}")
    paper_yaml.write_text(text.replace("  author: Mayor's Office for Policing and Crime\n", ""), "utf-8")
    doc = render_plan(plan_copy, tmp_path / "r.docx")
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [title.strip()]
    props = doc.core_properties
    for prop, full in ((props.title, title), (props.author, report_by)):  # cut at a word, and marked as cut
        assert len(prop) <= 255 and prop.endswith("…") and full.startswith(prop[:-1] + " ")


def test_chart_text_prints_as_typed_not_as_mathematics(tmp_path):
    statuses = (Status("$x$ done", "blue"), Status("On track", "green"))
    themes = ("Save $5m and $3m", r"Costs \$ of $\alpha$ & <b>", "x^2_{1}")
    rows = tuple(StatusCount(theme, (1, 2), 3) for theme in themes)
    table = StatusTable("t", statuses, rows, StatusCount("Total", (3, 6), 9))
    svg = draw_status_chart(table, tmp_path / "chart.svg", "Actions ($)")
    words = {"".join(t.itertext()) for t in etree.parse(str(svg)).iter("{http://www.w3.org/2000/svg}text")}
    assert {*themes, "$x$ done", "Actions ($)"} <= words


class _Store(dict):
    def read(self, key, suffix):
        return self.get((key, suffix))

    def write(self, key, suffix, data):
        self[key, suffix] = data


def _table(counts=(1, 2)) -> StatusTable:
    statuses = (Status("Complete", "blue"), Status("On track", "green"))
    return StatusTable("t", statuses, (StatusCount("Theme", counts, sum(counts)),), StatusCount("Total", counts, 3))


def test_a_chart_kept_in_the_store_is_the_one_drawn_and_is_not_drawn_again(tmp_path, monkeypatch):
    from boardpack.render import chart

    store = _Store()
    drawn = chart.chart_bytes(_table(), "Actions", store)
    assert drawn == draw_status_chart(_table(), tmp_path / "b.png", "Actions").read_bytes()
    assert list(store.values()) == [drawn]
    monkeypatch.setattr(chart, "status_chart", lambda *a: pytest.fail("drawn again"))  # every drawing's
    assert chart.chart_bytes(_table(), "Actions", store) == drawn


def test_a_report_with_a_chart_is_rendered_without_a_temporary_file(built_example, tmp_path, monkeypatch):
    """Its chart is drawn in memory and put in the .docx from there, named as a chart file was: a build
    killed while rendering it (SIGKILL, which nothing can clean up after) leaves nothing in TMPDIR."""
    import tempfile

    prepared = check(EXAMPLE)
    paper = next(p for p in prepared.papers if p.paper.slug == PAPER)

    def refused(*args, **kwargs):
        raise AssertionError("a temporary file or folder was made")

    for name in ("TemporaryDirectory", "mkdtemp", "mkstemp", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refused)
    out = render_report(paper, prepared.plan.meeting, tmp_path / "report.docx")
    with zipfile.ZipFile(out) as made, zipfile.ZipFile(built_example / PAPER / "report.docx") as built:
        media = [n for n in made.namelist() if n.startswith("word/media/")]
        assert media and all(made.read(n) == built.read(n) for n in media)  # the chart a build puts there
        assert b'name="chart-' in made.read("word/document.xml")


def test_a_charts_key_covers_what_it_draws():
    from boardpack.render.chart import chart_entry

    one = chart_entry(_table(), "Actions")
    assert chart_entry(_table(), "Actions") == one
    renamed = StatusTable("t", (Status("Complete", "blue"), Status("On track", "red")), _table().rows, _table().totals)
    others = [chart_entry(_table((2, 1)), "Actions"), chart_entry(_table(), "Number"), chart_entry(renamed, "Actions")]
    others.append(chart_entry(_table(), "Actions", ".svg"))
    assert len({one, *others}) == 5


def test_chart_labels_too_long_for_any_layout_are_shortened_not_warned_of(tmp_path):
    statuses = (Status("Done " * 600, "blue"), Status("On track", "green"))
    rows = (StatusCount("Word " * 4000, (1, 2), 3), StatusCount("Word " * 4000 + "twin", (2, 1), 3))
    table = StatusTable("t", statuses, rows, StatusCount("Total", (3, 3), 6))
    svg = draw_status_chart(table, tmp_path / "chart.svg")  # a warning would fail the test (filterwarnings)
    words = ["".join(t.itertext()) for t in etree.parse(str(svg)).iter("{http://www.w3.org/2000/svg}text")]
    assert max(len(w) for w in words) < 100 and sum(w.endswith("…") for w in words) >= 3
    theme_lines = [w for w in words if w.startswith("Word")]
    assert len(theme_lines) == 2 * 3  # two themes that read alike once shortened are still two rows, 3 lines each


def test_a_table_template_with_two_tables_is_a_render_error(tmp_path):
    council = EXAMPLE.parent / "2018-03-14-audit-governance"
    prepared = check(council)
    paper = paper_of(prepared.papers, "internal-audit-progress")
    appendix = next(a for a in paper.appendices if a.table is not None)
    folder = tmp_path / "templates"
    folder.mkdir()
    with zipfile.ZipFile(TEMPLATES_DIR / "table.docx") as zin, zipfile.ZipFile(folder / "table.docx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                table = re.search(rb"<w:tbl>.*?</w:tbl>", data, re.S).group()
                data = data.replace(table, table + b"<w:p/>" + table, 1)
            zout.writestr(item, data)
    with pytest.raises(RenderError) as info:
        render_table_appendix(appendix, paper, prepared.plan.meeting, tmp_path / "a.docx", folder)
    assert [str(p) for p in info.value.problems] == [
        f"{folder / 'table.docx'}: template error: needs exactly one table, has 2 tables"
    ]


def test_listing_is_resolved_exactly_where_docxtpl_would_change_something(tmp_path):
    """The renderer skips docxtpl's resolve_listing (a tab, line or page break, "\\a" in a w:t made runs)
    when no w:t holds one of those: it must then be the identity, and be run whenever it is not."""
    from boardpack.render.docx import LISTING, REPORT_TEMPLATE, _LiteralTemplate

    template = _LiteralTemplate(TEMPLATES_DIR / REPORT_TEMPLATE)
    render_plan(EXAMPLE, tmp_path / "r.docx")
    with zipfile.ZipFile(tmp_path / "r.docx") as package:
        rendered = package.read("word/document.xml").decode("utf-8")
    run = '<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t{attrs}>{text}</w:t></w:r></w:p>'
    cases = [rendered, rendered.replace("><w:p", ">\n<w:p"), run.format(attrs="", text="no break here")]
    cases += [
        run.format(attrs=attrs, text=f"one{ch}two") for attrs in ("", ' xml:space="preserve"') for ch in "\t\n\a\f"
    ]
    cases += ["<w:tab/>\n<w:t>text</w:t>", "<w:tbl>\n</w:tbl><w:t/>"]
    for xml in cases:
        unchanged = template.resolve_listing(xml) == xml
        assert (LISTING.search(xml) is None) == unchanged, xml[:80]
    assert LISTING.search(rendered) is None  # the example's report: nothing to resolve, nothing skipped wrongly


def test_the_templates_compiled_ahead_are_the_ones_a_render_uses(tmp_path):
    """The fork server compiles boardpack's own templates once (``precompile``), so that a build forked
    from it compiles none: rendering the example's report and appendix after it compiles nothing new."""
    from boardpack.render.docx import _compiled, precompile, render_appendix

    _compiled.cache_clear()
    for template in sorted(TEMPLATES_DIR.glob("*.docx")):
        precompile(template)
    compiled = _compiled.cache_info()
    assert compiled.misses >= len(list(TEMPLATES_DIR.glob("*.docx"))) + 2  # every body; the headers and footers
    prepared = check(EXAMPLE)
    paper = paper_of(prepared.papers)
    render_report(paper, prepared.plan.meeting, tmp_path / "r.docx")
    render_appendix(paper.appendices[0], paper, prepared.plan.meeting, tmp_path / "a.docx")
    after = _compiled.cache_info()
    assert after.misses == compiled.misses and after.hits > compiled.hits
