"""Issue #14 point 3: a long actions appendix is converted in parts, in parallel, and joined.

The acceptance tests build a meeting whose appendix has 330 actions, cut (with the threshold
lowered to 120 rows) into several parts, with the real LibreOffice. The joined appendix-1.pdf is
compared with ONE LibreOffice conversion of the whole appendix-1.docx the build wrote (converted,
as the product converts, with the PDF/UA filter and the tags completed): same pages, same text page
by page, page images alike but for a few pixels of the page number's glyphs (LibreOffice's own
PAGE field there, the stamp here), same bookmarks, one H1, same metadata. The checkers read it.
Then one action's status changes and exactly one part of the appendix is converted again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pikepdf
import pytest
from docx.oxml.ns import qn
from lxml import etree
from openpyxl import load_workbook
from PIL import Image, ImageChops
from pypdf import PdfReader

from boardpack.appendix.parts import cut_body, drop_page_fields, part_body
from boardpack.convert.converter import Converter, convert_to_pdf
from boardpack.convert.verify import docx_text
from boardpack.errors import ConvertError, Problem
from boardpack.pipeline.builder import _paper_jobs, build, check
from boardpack.pipeline.cache import CACHE_DIR
from boardpack.pipeline.normalize import normalize_pdf
from boardpack.plan.templates import TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "plans" / "2017-12-19-audit-panel"
PAPER = "governance-improvement-plan"
ACTIONS = 330
ROWS = 120  # rows a part: the test's threshold, so that 330 actions make several parts
BIN = Path(sys.executable).parent
PIXELS = 0.0005  # of a page's pixels at 50 dpi may differ: the page number's glyphs (measured: < 0.0001)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- the cut, on a body made here -------------------------------------------------------------------


def _row(text: str, header=False, keep=False) -> str:
    pr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    ppr = "<w:pPr><w:keepNext/></w:pPr>" if keep else ""
    return f"<w:tr>{pr}<w:tc><w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr>"


def _body(rows: list[str]) -> etree._Element:
    table = f"<w:tbl><w:tblPr/><w:tblGrid/>{''.join(rows)}</w:tbl>"
    xml = f'<w:body xmlns:w="{W}"><w:p><w:r><w:t>Title</w:t></w:r></w:p>{table}<w:sectPr/></w:body>'
    return etree.fromstring(xml)


def _texts(element) -> list[str]:
    return [t.text for t in element.iter(qn("w:t"))]


def test_a_long_table_is_cut_into_balanced_parts_each_repeating_the_header_after_a_page_break():
    rows = [_row("Head", header=True)] + [_row(f"r{i}") for i in range(10)]
    body = _body(rows)
    cut = cut_body(body, 4)
    assert cut.count == 3  # 10 rows by 4: three parts of 3, 4 and 3, not 4, 4 and 2
    parts = [_texts(part_body(body, cut, i)) for i in range(3)]
    assert parts == [
        ["Title", "Head", "r0", "r1", "r2"],
        ["Head", "r3", "r4", "r5", "r6"],
        ["Head", "r7", "r8", "r9"],
    ]
    for index in (1, 2):
        part = part_body(body, cut, index)
        first = part[0]
        assert first.tag == qn("w:p") and first.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None
        assert part[-1].tag == qn("w:sectPr")
    assert [t for t in _texts(body) if t != "Head"] == ["Title"] + [f"r{i}" for i in range(10)]  # the whole


def test_a_group_row_is_never_left_at_the_end_of_a_part():
    rows = [_row("Head", header=True), _row("a"), _row("Theme", keep=True), _row("c"), _row("d")]
    body = _body(rows)
    cut = cut_body(body, 3)  # 4 rows: two parts of 2, cut before "c", but "Theme" goes with it
    assert _texts(part_body(body, cut, 0)) == ["Title", "Head", "a"]
    assert _texts(part_body(body, cut, 1)) == ["Head", "Theme", "c", "d"]


def test_a_short_appendix_is_one_part_and_left_alone():
    body = _body([_row("Head", header=True), _row("a")])
    before = etree.tostring(body)
    assert cut_body(body, 4).count == 1
    assert etree.tostring(body) == before


def test_the_page_field_is_dropped_from_a_footer():
    footer = etree.fromstring(
        f'<w:ftr xmlns:w="{W}"><w:p><w:r><w:t>MARK</w:t></w:r>'
        f'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>'
    )
    assert drop_page_fields(footer) == 1
    assert _texts(footer) == ["MARK"]


def test_the_example_meetings_appendices_are_not_cut(tmp_path):
    jobs, _ = _paper_jobs(check(PANEL), tmp_path, TEMPLATES_DIR)
    assert jobs and all(job.parted is None for job in jobs)


def _drafts(plan: Path, out: Path):
    from boardpack.render.docx import draft_appendix_parts

    prepared = check(plan)
    (paper,) = [p for p in prepared.papers if p.paper.slug == PAPER]
    return draft_appendix_parts(paper.appendices[0], paper, prepared.plan.meeting, out, ROWS)


def _contents(docx_path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(docx_path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_a_parts_digest_changes_exactly_when_what_its_docx_holds_changes(tmp_path):
    """A part is keyed before it is written (a cached part is never written): its digest must be as
    good as the digest of the .docx it would write. Two renders, one row's progress note apart."""
    plan = tmp_path / PANEL.name
    shutil.copytree(PANEL, plan)
    _grow(plan / PAPER / "appendix.xlsx", ACTIONS)
    before = _drafts(plan, tmp_path / "a.docx")
    again = _drafts(plan, tmp_path / "b.docx")
    assert len(before) >= 3 and [d.digest for d in again] == [d.digest for d in before]  # the same each time
    _edit(plan, "-0140", 7, "Progress rewritten late at night.")
    after = _drafts(plan, tmp_path / "c.docx")
    assert len(after) == len(before)
    for n, (old, new) in enumerate(zip(before, after, strict=True)):
        same = _contents(old.write(tmp_path / f"old-{n}.docx")) == _contents(new.write(tmp_path / f"new-{n}.docx"))
        assert same == (old.digest == new.digest), n
    assert sum(old.digest != new.digest for old, new in zip(before, after, strict=True)) == 1


# --- end to end, with the real LibreOffice -------------------------------------------------------------


class CountingConverter:
    """The real converter, keeping the documents it was asked to convert."""

    def __init__(self) -> None:
        self.real = Converter()
        self.converted: list[Path] = []
        self.calls: list[list[Path]] = []  # the documents of each call, in the order the calls came
        self.texts: dict[Path, str] = {}  # each part's text: the parts' folder goes when the build ends

    def convert(self, documents: list[Path]) -> list[Path]:
        self.calls.append(list(documents))
        self.converted += documents
        self.texts.update((p, docx_text(p)) for p in documents)
        return self.real.convert(documents)

    def concurrent(self) -> bool:
        return self.real.concurrent()

    def parts(self) -> list[Path]:
        return [p for p in self.converted if p.parent.name.startswith("parts-")]

    def papers(self) -> list[Path]:
        """The reports and appendices converted whole (not a part, nor a pack's front sheet)."""
        return [p for p in self.converted if p.parent.name == PAPER or p.name.startswith(("report", "appendix"))]


def _grow(path: Path, actions: int) -> None:
    book = load_workbook(path)
    sheet = book["Actions"]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    for i in range(len(rows), actions):
        row = list(rows[i % len(rows)])
        row[0] = f"{row[0]}-{i:04d}"
        sheet.append(row)
    book.save(path)


@pytest.fixture(scope="module")
def parted(tmp_path_factory):
    """The panel with a 330-action appendix, built in parts: (plan, out, converter of the cold build)."""
    base = tmp_path_factory.mktemp("parts")
    plan = base / "plans" / PANEL.name
    shutil.copytree(PANEL, plan)
    _grow(plan / PAPER / "appendix.xlsx", ACTIONS)
    out = base / "out"
    converter = CountingConverter()
    build(plan, out, converter=converter, site=False, part_rows=ROWS)
    return plan, out, converter


@pytest.fixture(scope="module")
def reference(parted, tmp_path_factory) -> Path:
    """The whole appendix-1.docx the build wrote, converted in one LibreOffice run as the product converts."""
    _, out, _ = parted
    folder = tmp_path_factory.mktemp("whole")
    whole = shutil.copy(out / PAPER / "appendix-1.docx", folder / "appendix-1.docx")
    (pdf,) = convert_to_pdf([Path(whole)])
    normalize_pdf(pdf, dt.date(2017, 12, 19), converted_from=Path(whole))
    return pdf


@pytest.mark.e2e
def test_a_pack_placing_the_appendix_from_its_parts_is_the_pack_of_the_joined_file(parted, tmp_path):
    """A pack places a long appendix from its parts (``assemble.Joined``) as ``join`` joins them: the parts
    can be taken while the changed one converts, and the pack is the pack of the joined file, byte for byte."""
    from boardpack.pack.assemble import Assembler, Joined, PackInfo, Part, _bookmarks, assemble
    from boardpack.pipeline.parts import page_number_place

    _, out, _ = parted
    (listed,) = (out / CACHE_DIR).glob("*.parts")  # the appendix's parts, as the build keeps them
    parts = tuple(out / CACHE_DIR / f"{key}.pdf" for key in listed.read_text(encoding="ascii").split())
    assert len(parts) >= 3
    appendix = out / PAPER / "appendix-1.pdf"
    info = PackInfo("Members' pack", "A meeting", "A committee")
    pack = [Part(out / PAPER / "report.pdf", "1. The plan", title="The plan")]
    pack += [Part(appendix, "Appendix 1", level=1, title="Appendix 1: actions"), Part(parts[0], "A part", title="")]
    assemble(pack, tmp_path / "from-the-file.pdf", info)
    joined = {appendix: Joined(parts, page_number_place(out / PAPER / "appendix-1.docx"))}
    with Assembler(joined=joined) as assembler:
        for pdf in reversed(parts[1:]):  # taken while the first part converts, in any order
            assembler.take(pdf)
        for part in pack:
            assembler.add(part)
        assert assembler.taken == {}
        assembler.write(tmp_path / "from-the-parts.pdf", info, _bookmarks(pack, assembler.starts))
    assert (tmp_path / "from-the-parts.pdf").read_bytes() == (tmp_path / "from-the-file.pdf").read_bytes()


@pytest.mark.e2e
def test_the_appendix_is_converted_in_several_parts_in_the_one_run(parted):
    _, out, converter = parted
    parts = converter.parts()
    assert len(parts) >= 4, parts
    assert (out / PAPER / "appendix-1.docx") not in converter.converted  # the whole is written, not converted
    assert not list((out / CACHE_DIR).glob("parts-*"))  # the parts' working folder is gone
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {d["path"] for d in manifest}
    assert f"{PAPER}/appendix-1.pdf" in names and f"{PAPER}/appendix-1.docx" in names
    assert not [n for n in names if "part" in Path(n).name]
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and CACHE_DIR not in p.parts}
    assert written - names == {"manifest.json"}  # nothing but the manifest's documents: no part in the output


@pytest.mark.e2e
def test_the_whole_docx_starts_each_part_on_a_new_page_and_keeps_its_page_number(parted):
    _, out, converter = parted
    document = docx.Document(str(out / PAPER / "appendix-1.docx"))
    breaks = list(document.element.body.iter(qn("w:pageBreakBefore")))
    assert len(breaks) == len(converter.parts()) - 1
    footer = document.sections[0].footer._element
    assert [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))] == ["PAGE"]


@pytest.mark.e2e
def test_the_joined_appendix_has_the_pages_and_text_of_one_conversion(parted, reference):
    _, out, _ = parted
    joined, whole = PdfReader(out / PAPER / "appendix-1.pdf"), PdfReader(reference)
    assert len(joined.pages) == len(whole.pages) > 20
    for number, (a, b) in enumerate(zip(joined.pages, whole.pages, strict=True), 1):
        assert a.extract_text() == b.extract_text(), f"page {number}"
    last = joined.pages[-1].extract_text().split()
    assert last[-1] == str(len(joined.pages))  # the page number counts across the parts


@pytest.mark.e2e
def test_the_joined_appendix_looks_like_one_conversion(parted, reference, tmp_path):
    _, out, _ = parted
    for name, pdf in (("j", out / PAPER / "appendix-1.pdf"), ("w", reference)):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / name)], check=True)
    joined, whole = sorted(tmp_path.glob("j-*.png")), sorted(tmp_path.glob("w-*.png"))
    assert len(joined) == len(whole) > 20
    for a, b in zip(joined, whole, strict=True):
        one, two = Image.open(a).convert("L"), Image.open(b).convert("L")
        assert one.size == two.size
        diff = ImageChops.difference(one, two).point(lambda v: 255 if v > 32 else 0)
        changed = diff.histogram()[255]
        assert changed <= PIXELS * one.size[0] * one.size[1], f"{a.name}: {changed} pixels differ"
        box = diff.getbbox()
        if box:  # only the page number differs: at the foot, at the right
            assert box[1] > one.size[1] * 0.9 and box[0] > one.size[0] * 0.9, f"{a.name}: {box}"


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    with pikepdf.open(pdf) as doc:
        pages = {p.objgen: i for i, p in enumerate(doc.pages)}
        found = []

        def walk(items, depth):
            for item in items:
                found.append((depth, item.title, pages[item.destination[0].objgen]))
                walk(item.children, depth + 1)

        with doc.open_outline() as outline:
            walk(outline.root, 0)
        return found


def _types(pdf: Path) -> list[str]:
    with pikepdf.open(pdf) as doc:
        found = []

        def walk(element):
            for kid in element.get("/K", []) if isinstance(element.get("/K"), pikepdf.Array) else [element.get("/K")]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    found.append(str(kid.S))
                    walk(kid)

        walk(doc.Root.StructTreeRoot)
        return found


@pytest.mark.e2e
def test_the_joined_appendix_reads_like_one_conversion(parted, reference):
    _, out, _ = parted
    joined = out / PAPER / "appendix-1.pdf"
    assert _outline(joined) == _outline(reference)
    types, whole_types = _types(joined), _types(reference)
    assert types.count("/H1") == 1 and types.count("/Document") == 1
    assert types == whole_types  # the same elements in the same order: tables, rows, headers, paragraphs
    with pikepdf.open(joined) as a, pikepdf.open(reference) as b:
        for key in ("/Title", "/Subject", "/Author", "/Keywords"):
            assert str(a.docinfo.get(key, "")) == str(b.docinfo.get(key, "")), key
        assert str(a.Root.Lang) == str(b.Root.Lang) == "en-GB"
        assert "pdfuaid:part" in str(a.open_metadata())
        assert a.Root.ViewerPreferences.DisplayDocTitle


@pytest.mark.e2e
def test_the_checkers_find_no_error_in_the_joined_appendix(parted):
    _, out, _ = parted
    pdf = str(out / PAPER / "appendix-1.pdf")
    report = json.loads(
        subprocess.run(
            [BIN / "pdfua", "check", "--format", "json", pdf], capture_output=True, text=True, check=False
        ).stdout
    )
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    result = subprocess.run(
        [BIN / "outloud", "--json", "-", "--fail-on", "never", pdf], capture_output=True, text=True, check=False
    )
    (found,) = json.loads(result.stdout)["results"]
    assert not found.get("error")
    assert [f for f in found["findings"] if f["severity"] == "error"] == []


def _edit(plan: Path, suffix: str, column: int, value) -> str:
    """Set one cell of the action whose ref ends with *suffix*; return its ref."""
    path = plan / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    (row,) = [r for r in book["Actions"].iter_rows(min_row=2) if r[0].value.endswith(suffix)]
    assert row[column].value != value
    row[column].value = value
    book.save(path)
    return row[0].value


def _page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


@pytest.mark.e2e
def test_a_progress_note_converts_the_one_part_printing_it_again(parted):
    plan, out, _ = parted
    before = _page_texts(out / PAPER / "appendix-1.pdf")
    _edit(plan, "-0140", 7, "Progress rewritten late at night.")
    converter = CountingConverter()
    build(plan, out, converter=converter, site=False, part_rows=ROWS)
    assert len(converter.parts()) == 1 and converter.papers() == []  # not even the report
    after = _page_texts(out / PAPER / "appendix-1.pdf")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and "late at night" in " ".join(after[changed[0]].split())


@pytest.mark.e2e
def test_a_status_change_converts_one_part_and_the_report_again(parted):
    """An action's status prints once, in its row of Table 1 (Table 3, the earlier recommendations each
    action carries, names the action without its status): that part converts again, and the report,
    whose status table counts it."""
    plan, out, _ = parted
    before = _page_texts(out / PAPER / "appendix-1.pdf")
    status = "Off track" if _current_status(plan, "-0175") != "Off track" else "On track"
    ref = _edit(plan, "-0175", 6, status)
    converter = CountingConverter()
    result = build(plan, out, converter=converter, site=False, part_rows=ROWS)
    parts = converter.parts()
    printed = ref.replace("-", "")  # the .docx's text leaves out its non-breaking hyphens
    assert len(parts) == 1 and all(printed in converter.texts[p] for p in parts), converter.converted
    assert [p.name for p in converter.papers()] == ["report.docx"]
    # Each batch went to LibreOffice as soon as it was rendered: the part first, in a call of its own once
    # the appendix was rendered (the longest conversion, and the one the build waits for), then the
    # report in another (converting while the part converts).
    assert converter.real.concurrent() and converter.calls[0] == parts
    assert [p.name for p in converter.calls[-1]] == ["report.docx"]
    assert f"{PAPER} appendix 1" in result.rebuilt
    after = _page_texts(out / PAPER / "appendix-1.pdf")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == len(parts) and all(ref in after[i] and status in after[i] for i in changed)


def _current_status(plan: Path, suffix: str) -> str:
    book = load_workbook(plan / PAPER / "appendix.xlsx", read_only=True)
    try:
        return next(r[6] for r in book["Actions"].iter_rows(min_row=2, values_only=True) if r[0].endswith(suffix))
    finally:
        book.close()


@pytest.mark.e2e
def test_a_status_change_after_an_edit_of_the_report_still_converts_one_part(parted):
    """The report's own edit takes the appendix whole from the cache; its parts must be kept with it, or
    the status change after converts every part (as the night before a Panel goes: words, then statuses)."""
    plan, out, _ = parted
    paper = plan / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    assert "financial oversight model" in text
    paper.write_text(text.replace("financial oversight model", "financial oversight model (revised)", 1), "utf-8")
    reworded = CountingConverter()
    build(plan, out, converter=reworded, site=False, part_rows=ROWS)
    assert reworded.parts() == [] and [p.name for p in reworded.papers()] == ["report.docx"]
    status = "Off track" if _current_status(plan, "-0212") != "Off track" else "On track"
    _edit(plan, "-0212", 6, status)
    converter = CountingConverter()
    build(plan, out, converter=converter, site=False, part_rows=ROWS)
    assert len(converter.parts()) == 1, converter.converted


class FailingParts(CountingConverter):
    """The real converter, but LibreOffice fails on every part (as on a document it cannot open)."""

    def convert(self, documents: list[Path]) -> list[Path]:
        self.calls.append(list(documents))
        self.converted += documents
        broken = [p for p in documents if p.parent.name.startswith("parts-")]
        if broken:
            raise ConvertError([Problem(str(p), "soffice: source file could not be loaded") for p in broken])
        return self.real.convert(documents)


@pytest.mark.e2e
def test_a_part_that_fails_to_convert_ahead_is_named_and_nothing_built_is_lost(parted):
    """The part converts ahead, while the report renders (``Converter.concurrent``): its failure still
    names the part as the reader knows it, after the report's own conversion has ended, and the output
    of the last build stays as it was."""
    plan, out, _ = parted
    before = {p: p.read_bytes() for p in (out / PAPER / "appendix-1.pdf", out / PAPER / "report.pdf")}
    _edit(plan, "-0100", 7, "A note that LibreOffice will not take.")
    converter = FailingParts()
    with pytest.raises(ConvertError) as caught:
        build(plan, out, converter=converter, site=False, part_rows=ROWS)
    (problem,) = caught.value.problems
    assert re.fullmatch(f"{PAPER} appendix 1, part [0-9]+", problem.where) and "not be loaded" in problem.message
    assert converter.calls[0] == converter.parts() and converter.papers() == []  # the report was unchanged
    assert len(converter.calls) == 2  # the other call (a pack's front sheet, sent after) ran to its end
    assert {p: p.read_bytes() for p in before} == before
    assert not list(out.parent.glob(f".{out.name}.building-*"))  # no staging folder left


@pytest.mark.e2e
def test_after_a_status_change_the_members_pack_is_begun_from_the_parts_and_is_a_cold_builds(
    parted, tmp_path, monkeypatch
):
    """While the changed part converts, the members' pack takes the appendix's other parts (from the
    cache, ``assemble.Joined``); it is then the members' pack a cold build of the same plan writes."""
    from boardpack.pack.packs import MEMBERS_PACK, SUPPLEMENTS, PackBuilder

    SUPPLEMENT = SUPPLEMENTS[True]  # noqa: N806 - a constant of this test

    plan, out, unbegun = tmp_path / "plans" / PANEL.name, tmp_path / "out", tmp_path / "unbegun"
    shutil.copytree(parted[0], plan)
    shutil.copytree(parted[1], out)
    shutil.copytree(parted[1], unbegun)
    taken = {}
    real = PackBuilder.preassemble

    def preassemble(self, pending, sides=(False, True)):
        real(self, pending, sides)
        taken.update({name: set(assembler.taken) for name, assembler in self.started.items()})
        taken["joined"] = {pdf: joined.parts for pdf, joined in self.joined.items()}

    monkeypatch.setattr(PackBuilder, "preassemble", preassemble)
    status = "Off track" if _current_status(plan, "-0100") != "Off track" else "On track"
    _edit(plan, "-0100", 6, status)
    build(plan, out, converter=Converter(), part_rows=ROWS)
    (parts,) = taken["joined"].values()
    assert len(parts) >= 3
    for pack in (MEMBERS_PACK, SUPPLEMENT):  # the supplement holds the paper whose appendix changed
        assert len(set(parts) & taken[pack]) == len(parts) - 1  # all but the one converting
    cold = tmp_path / "cold"
    build(plan, cold, converter=Converter(), part_rows=ROWS)
    assert (out / MEMBERS_PACK).read_bytes() == (cold / MEMBERS_PACK).read_bytes()
    monkeypatch.setattr(PackBuilder, "preassemble", lambda self, pending, sides=(False, True): None)
    build(plan, unbegun, converter=Converter(), part_rows=ROWS)  # the same edit, nothing begun
    assert (out / SUPPLEMENT).read_bytes() == (unbegun / SUPPLEMENT).read_bytes()


@pytest.mark.e2e
def test_after_a_status_change_the_members_packs_are_written_while_the_appendix_is_joined(
    parted, tmp_path, monkeypatch
):
    """Once the changed part is final, the members' packs go to their worker, to be written from the
    appendix's parts, before this process joins the appendix (``produce``'s *joining*), so the two run side
    by side; the packs are byte for byte those of a build that sends them only after the join."""
    from boardpack.pack.packs import MEMBERS_PACK, SUPPLEMENTS, PackBuilder
    from boardpack.pipeline import builder as builder_module
    from boardpack.pipeline import cache

    plan, beside, after = tmp_path / "plans" / PANEL.name, tmp_path / "beside", tmp_path / "after"
    shutil.copytree(parted[0], plan)
    shutil.copytree(parted[1], beside)
    shutil.copytree(parted[1], after)
    status = "Off track" if _current_status(plan, "-0200") != "Off track" else "On track"
    _edit(plan, "-0200", 6, status)
    events = []
    real_send, real_join = PackBuilder.send_members, builder_module.join_appendix

    def send_members(self, jobs):
        real_send(self, jobs)
        if self.members is not None and self.members.sent:
            events.append("members' packs sent")

    def join_appendix(*args, **kwargs):
        events.append("join begun")
        return real_join(*args, **kwargs)

    monkeypatch.setattr(PackBuilder, "send_members", send_members)
    monkeypatch.setattr(builder_module, "join_appendix", join_appendix)
    build(plan, beside, converter=Converter(), part_rows=ROWS)
    assert events[:2] == ["members' packs sent", "join begun"], events

    real_finish = cache._finish
    monkeypatch.setattr(cache, "_finish", lambda *args: real_finish(*args[:7]))  # no *joining*: sent after the join
    events.clear()
    build(plan, after, converter=Converter(), part_rows=ROWS)
    assert events[:2] == ["join begun", "members' packs sent"], events
    for pack in (MEMBERS_PACK, SUPPLEMENTS[True]):
        assert (beside / pack).read_bytes() == (after / pack).read_bytes(), pack


@pytest.mark.e2e
def test_an_appendix_edit_that_prints_nothing_and_its_undo_both_build(parted, tmp_path):
    """An owner added to the appendix's `owners:` (which only checks the workbook's Owner column) changes the
    appendix's key but no part's; undone, the appendix is joined again from its cached parts, with nothing to
    convert, and its members' packs are written from those parts beside the join (found by a red-team pass:
    the packs read the joined file before it was written)."""
    plan, out = tmp_path / "plans" / PANEL.name, tmp_path / "out"
    shutil.copytree(parted[0], plan)
    shutil.copytree(parted[1], out)
    paper = plan / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    owners = "        - Information Governance Manager\n"
    paper.write_text(text.replace(owners, owners + "        - Head of Legal\n"), "utf-8")
    build(plan, out, converter=CountingConverter(), site=False, part_rows=ROWS)
    paper.write_text(text, "utf-8")  # undone
    before = (out / PAPER / "appendix-1.pdf").read_bytes()
    converter = CountingConverter()
    result = build(plan, out, converter=converter, site=False, part_rows=ROWS)  # joined, its parts all cached
    assert converter.converted == [] and f"{PAPER} appendix 1" in result.rebuilt
    assert (out / PAPER / "appendix-1.pdf").read_bytes() == before


def test_where_the_page_numbers_go_is_read_once_a_file(tmp_path, monkeypatch):
    """A build asks where a long appendix's page numbers go three times (while it converts, joining, planning
    the packs): python-docx reads the .docx once; a file written again is read again."""
    import os

    from boardpack.pipeline import parts

    docx = tmp_path / "appendix.docx"
    shutil.copy(TEMPLATES_DIR / "appendix.docx", docx)
    opened = []
    real = parts.Document
    monkeypatch.setattr(parts, "Document", lambda path: opened.append(path) or real(path))
    first = parts.page_number_place(docx)
    assert parts.page_number_place(docx) == first and len(opened) == 1
    os.utime(docx, ns=(0, docx.stat().st_mtime_ns + 1_000_000))  # written again, the same bytes
    assert parts.page_number_place(docx) == first and len(opened) == 2
